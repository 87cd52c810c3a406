//! The Julia package (bindings/julia) checked against `include/gradient.h` without a Julia
//! runtime: every `@ccall $(fn(:NAME))(arg::Type, ...)::Ret` in its sources (`fn` gives
//! the address `__init__` looked up for NAME, which must be in its `NEEDED` list) must name
//! a function of the header, with as many arguments, each of the C parameter's type (and
//! the return type), after mapping both sides to one canonical spelling (`Cint` and
//! `Int32`, `Csize_t` and `UInt64`, `Ptr{Cvoid}` for any object pointer the package keeps
//! opaque, ...); its `GradSpacing` must have the fields of `struct grad_spacing`, in order,
//! with matching types; and its `grad_dtype` and scheme values must be the header's.

use std::collections::BTreeMap;
use std::path::Path;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A C type (as the header spells a parameter, its name removed) in canonical form.
fn c_type(t: &str) -> String {
    let t = t.replace("const ", "").replace(" const", "");
    let t = t.trim();
    let depth = t.matches('*').count();
    let base = t.trim_end_matches(['*', ' ']).trim();
    let base = match base {
        "int32_t" | "grad_status" | "grad_dtype" | "grad_scheme" => "Int32",
        "uint32_t" => "UInt32",
        "size_t" => "UInt64",
        "ptrdiff_t" => "Int64",
        "double" => "Float64",
        "char" => "UInt8",
        "void" => "Cvoid",
        // Opaque handles: the package holds them as Ptr{Cvoid}.
        "struct grad_options" | "struct grad_plan" => "Cvoid",
        "grad_spacing" | "struct grad_spacing" => "GradSpacing",
        other => panic!("no canonical form for C type {other:?}"),
    };
    (0..depth).fold(base.to_string(), |inner, _| format!("Ptr{{{inner}}}"))
}

/// A Julia type of a `@ccall` in canonical form.
fn julia_type(t: &str) -> String {
    let t = t.trim();
    if let Some(inner) = t.strip_prefix("Ptr{").and_then(|r| r.strip_suffix('}')) {
        return format!("Ptr{{{}}}", julia_type(inner));
    }
    match t {
        "Int32" | "Cint" => "Int32",
        "UInt32" | "Cuint" => "UInt32",
        "Csize_t" | "UInt64" | "UInt" => "UInt64",
        "Cptrdiff_t" | "Int64" | "Int" | "Cssize_t" => "Int64",
        "Cdouble" | "Float64" => "Float64",
        "UInt8" | "Cchar" | "Cuchar" => "UInt8",
        "Cvoid" | "Nothing" => "Cvoid",
        "Cstring" => "Ptr{UInt8}",
        "GradSpacing" => "GradSpacing",
        other => panic!("no canonical form for Julia type {other:?}"),
    }
    .to_string()
}

/// Splits `s` at commas outside brackets and parentheses.
fn split_top(s: &str) -> Vec<String> {
    let (mut parts, mut depth, mut cur) = (Vec::new(), 0i32, String::new());
    for c in s.chars() {
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    parts.into_iter().map(|p| p.trim().to_string()).collect()
}

/// The header's functions: name -> (return type, parameter types), canonical.
fn header_functions() -> BTreeMap<String, (String, Vec<String>)> {
    let header = read("include/gradient.h");
    // Drop comments, then take every `ret name(params);` declaration.
    let mut text = String::new();
    let mut rest = header.as_str();
    while let Some(i) = rest.find("/*") {
        text.push_str(&rest[..i]);
        rest = &rest[i + rest[i..].find("*/").expect("closed comment") + 2..];
    }
    text.push_str(rest);
    let text: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = BTreeMap::new();
    for decl in text.split(';') {
        let decl = decl.trim();
        let Some(open) = decl.find('(') else { continue };
        let head = decl[..open].trim();
        let Some(name_at) = head.rfind(|c: char| !(c.is_alphanumeric() || c == '_')) else {
            continue;
        };
        let name = &head[name_at + 1..];
        if !name.starts_with("grad_") || !decl.ends_with(')') {
            continue;
        }
        let ret = head[..name_at + 1]
            .trim()
            .trim_start_matches("extern ")
            .trim();
        let ret = ret.rsplit(['{', '}']).next().unwrap_or(ret).trim();
        let params = &decl[open + 1..decl.len() - 1];
        let params: Vec<String> = match params.trim() {
            "void" | "" => Vec::new(),
            p => split_top(p)
                .iter()
                .map(|p| {
                    // Drop the parameter's name (the last identifier).
                    let at = p
                        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap();
                    c_type(&p[..at + 1])
                })
                .collect(),
        };
        out.insert(name.to_string(), (c_type(ret), params));
    }
    out
}

/// Every `@ccall $(fn(:NAME))(args)::Ret` of the package's sources: (name, argument
/// types, return type), canonical.
fn julia_ccalls() -> Vec<(String, Vec<String>, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bindings/julia/src");
    let mut calls = Vec::new();
    for entry in std::fs::read_dir(dir).expect("bindings/julia/src") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jl") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        calls.extend(ccalls_in(&src, &path.display().to_string()));
    }
    calls
}

/// The `@ccall`s of Julia source `src` (from `path`, for messages).
fn ccalls_in(src: &str, path: &str) -> Vec<(String, Vec<String>, String)> {
    let mut calls = Vec::new();
    {
        // Only code: drop docstrings and comments.
        let code: String = src
            .split("\"\"\"")
            .step_by(2)
            .collect::<Vec<_>>()
            .join("")
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = code.as_str();
        while let Some(i) = rest.find("@ccall") {
            rest = &rest[i + "@ccall".len()..];
            let call = rest.trim_start();
            let call = call.strip_prefix("$(fn(:").unwrap_or_else(|| {
                panic!(
                    "{path}: @ccall not through $(fn(:...)): {}",
                    &call[..40.min(call.len())]
                )
            });
            let end = call.find("))(").expect("$(fn(:NAME))(");
            let name = call[..end].to_string();
            // The argument list: from its `(` to the matching `)`.
            let call = &call[end + 2..];
            let mut depth = 0;
            let close = call
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(j, _)| j)
                .expect("balanced parentheses");
            let args = split_top(&call[1..close])
                .iter()
                .map(|a| {
                    let at = a
                        .rfind("::")
                        .unwrap_or_else(|| panic!("{name}: argument {a:?} has no ::Type"));
                    julia_type(&a[at + 2..])
                })
                .collect();
            let after = call[close + 1..].trim_start();
            let ret = after
                .strip_prefix("::")
                .unwrap_or_else(|| panic!("{name}: no return type"));
            let end = ret
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '{' || c == '}'))
                .unwrap_or(ret.len());
            calls.push((name, args, julia_type(&ret[..end])));
        }
    }
    calls
}

/// Whether one `@ccall` (name, argument types, return type) agrees with the header.
fn matches_header(
    (name, args, ret): &(String, Vec<String>, String),
    header: &BTreeMap<String, (String, Vec<String>)>,
) -> Result<(), String> {
    let (c_ret, c_args) = header.get(name).ok_or(format!(
        "@ccall of {name}, which include/gradient.h does not declare"
    ))?;
    if args.len() != c_args.len() {
        return Err(format!(
            "{name}: {} arguments in Julia, {} in C",
            args.len(),
            c_args.len()
        ));
    }
    for (k, (j, c)) in args.iter().zip(c_args).enumerate() {
        if j != c {
            return Err(format!(
                "{name}: argument {} is {j} in Julia, {c} in C",
                k + 1
            ));
        }
    }
    if ret != c_ret {
        return Err(format!("{name}: returns {ret} in Julia, {c_ret} in C"));
    }
    Ok(())
}

#[test]
fn the_check_catches_wrong_names_counts_and_types() {
    let header = header_functions();
    let code = "x = @ccall $(fn(:grad_options_set_edge_order))(o::Ptr{Cvoid}, e::Int32)::Int32
        y = @ccall $(fn(:grad_options_set_edge_order))(o::Ptr{Cvoid}, e::Csize_t)::Int32
        z = @ccall $(fn(:grad_options_set_edge_order))(o::Ptr{Cvoid})::Int32
        w = @ccall $(fn(:grad_options_set_edge_order))(o::Ptr{Cvoid}, e::Cint)::Cvoid
        v = @ccall $(fn(:grad_no_such))(o::Ptr{Cvoid})::Int32";
    let results: Vec<_> = ccalls_in(code, "snippet")
        .iter()
        .map(|c| matches_header(c, &header))
        .collect();
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert!(
        results[1]
            .as_ref()
            .unwrap_err()
            .contains("argument 2 is UInt64")
    );
    assert!(
        results[2]
            .as_ref()
            .unwrap_err()
            .contains("1 arguments in Julia, 2 in C")
    );
    assert!(results[3].as_ref().unwrap_err().contains("returns Cvoid"));
    assert!(
        results[4]
            .as_ref()
            .unwrap_err()
            .contains("does not declare")
    );
}

#[test]
fn every_julia_ccall_matches_the_header() {
    let header = header_functions();
    assert!(
        header.len() >= 19,
        "parsed only {} functions from the header",
        header.len()
    );
    let calls = julia_ccalls();
    for call in &calls {
        if let Err(e) = matches_header(call, &header) {
            panic!("{e}");
        }
    }
    // `__init__` looks up exactly the functions called (its NEEDED list).
    let src = read("bindings/julia/src/NDGradient.jl");
    let start = src.find("const NEEDED = (").expect("NEEDED") + "const NEEDED = (".len();
    let needed: Vec<String> = split_top(&src[start..start + src[start..].find(')').unwrap()])
        .iter()
        .map(|n| n.trim_start_matches(':').to_string())
        .collect();
    let mut called: Vec<String> = calls.iter().map(|c| c.0.clone()).collect();
    called.sort();
    called.dedup();
    let mut listed = needed.clone();
    listed.sort();
    assert_eq!(
        listed, called,
        "NEEDED differs from the functions the package calls"
    );
    // Every function the package needs is called at least once.
    for needed in [
        "grad_options_new",
        "grad_options_set_spacing",
        "grad_options_set_axes",
        "grad_options_set_edge_order",
        "grad_options_set_threads",
        "grad_options_set_scheme",
        "grad_options_free",
        "grad_plan_new",
        "grad_plan_execute",
        "grad_plan_free",
        "grad_last_error_copy",
        "grad_status_message",
    ] {
        assert!(
            calls.iter().any(|(n, ..)| n == needed),
            "the package never calls {needed}"
        );
    }
}

#[test]
fn julia_grad_spacing_and_tags_match_the_header() {
    let header = read("include/gradient.h");
    let start = header
        .find("typedef struct grad_spacing {")
        .expect("struct grad_spacing");
    let body = &header[start..start + header[start..].find('}').unwrap()];
    let c_fields: Vec<(String, String)> = body
        .lines()
        .map(str::trim)
        .filter(|l| l.ends_with(';') && !l.starts_with('*') && !l.starts_with("/*"))
        .map(|l| {
            let l = l.trim_end_matches(';');
            let at = l
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap();
            (l[at + 1..].to_string(), c_type(&l[..at + 1]))
        })
        .collect();
    let src = read("bindings/julia/src/NDGradient.jl");
    let start = src
        .find("struct GradSpacing\n")
        .expect("struct GradSpacing");
    let body = &src[start..start + src[start..].find("\nend").unwrap()];
    let j_fields: Vec<(String, String)> = body
        .lines()
        .skip(1)
        .map(|l| l.trim().split_once("::").expect("name::Type"))
        .map(|(n, t)| (n.to_string(), julia_type(t)))
        .collect();
    assert_eq!(
        j_fields, c_fields,
        "GradSpacing differs from struct grad_spacing"
    );

    // Tags: every `grad_dtype(::Type{T}) = Int32(v)` and the scheme and spacing-kind
    // constants against the header's enumerators.
    let value = |name: &str| -> i32 {
        let at = header
            .find(&format!("  {name} = "))
            .unwrap_or_else(|| panic!("{name} in the header"));
        let rest = &header[at + name.len() + 5..];
        rest[..rest.find(',').unwrap()].trim().parse().unwrap()
    };
    for (julia, c) in [
        ("Float64", "GRAD_DTYPE_F64"),
        ("Float32", "GRAD_DTYPE_F32"),
        ("ComplexF64", "GRAD_DTYPE_C128"),
        ("ComplexF32", "GRAD_DTYPE_C64"),
        ("Int8", "GRAD_DTYPE_I8"),
        ("Int16", "GRAD_DTYPE_I16"),
        ("Int32", "GRAD_DTYPE_I32"),
        ("Int64", "GRAD_DTYPE_I64"),
        ("UInt8", "GRAD_DTYPE_U8"),
        ("UInt16", "GRAD_DTYPE_U16"),
        ("UInt32", "GRAD_DTYPE_U32"),
        ("UInt64", "GRAD_DTYPE_U64"),
    ] {
        let line = format!("grad_dtype(::Type{{{julia}}}) = Int32({})", value(c));
        assert!(src.contains(&line), "bindings/julia lacks `{line}`");
    }
    for line in [
        format!(":numpy => Int32({})", value("GRAD_SCHEME_NUMPY")),
        format!(":matlab => Int32({})", value("GRAD_SCHEME_MATLAB")),
        format!("SPACING_UNIT = Int32({})", value("GRAD_SPACING_KIND_UNIT")),
        format!(
            "SPACING_SCALAR = Int32({})",
            value("GRAD_SPACING_KIND_SCALAR")
        ),
        format!(
            "SPACING_COORDINATES = Int32({})",
            value("GRAD_SPACING_KIND_COORDINATES")
        ),
    ] {
        assert!(src.contains(&line), "bindings/julia lacks `{line}`");
    }
}
