//! The README documents the C ABI; these checks keep it from drifting from the header, and
//! compile every C and C++ code block it shows (see the convention below).

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn every_status_code_is_in_the_readme_table_with_its_number() {
    let header = read("include/gradient.h");
    let readme = read("README.md");
    let mut count = 0;
    for line in header.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("GRAD_STATUS_") {
            let (name, value) = rest.trim_end_matches(',').split_once(" = ").unwrap();
            let row = format!("| {value} | `GRAD_STATUS_{name}` |");
            assert!(readme.contains(&row), "README lacks the row {row}");
            count += 1;
        }
    }
    assert!(count >= 19, "found only {count} status codes in the header");
}

#[test]
fn readme_gives_the_two_set_up_commands() {
    let readme = read("README.md");
    assert!(readme.contains("cargo run --release --example worked_examples"));
    assert!(readme.contains("sh tests/all.sh"));
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/all.sh")
            .exists()
    );
}

// ------------------------------------------------------------------------------------------
// Every C and C++ snippet of the README compiles as written.
//
// Each fenced block whose info string is `c` (or `h`) is compiled as C99 with
// `cbuild::C_FLAGS` (`-std=c99 -Wall -Wextra -Wpedantic -Werror`: the README's own build
// command uses `-std=c99`), and each `cpp`, `c++`, `cxx` or `hpp` block as C++17 with
// `cbuild::CXX_FLAGS` and `-std=c++17`, against `include/gradient.h`, and linked against the
// freshly built `libgradient`. Blocks are found by their fences, so any block added later
// is compiled too; other languages (`sh`, `rust`, `python`, none) are left alone.
//
// The convention for the two kinds of snippet:
// - A *complete program* (it defines `int main`) is compiled as it stands, linked, and run:
//   it must exit with status 0, so it must be cheap and need no input.
// - A *fragment* (no `main`) is split in two: its leading lines that are blank, comments
//   or preprocessor directives (the `#include`s) stay at file scope; everything after them
//   becomes the body of a function `void readme_snippet(void)`. Nothing else is added: a
//   fragment must include every header it uses (no implicit `<stdio.h>`), and must not
//   leave an unused variable (check the status it gets). The program is linked (so every
//   `grad_` function it calls must exist in the library) but not run: fragments may use
//   uninitialised data.
// `#line` directives make compiler messages point at the README's own lines.
// ------------------------------------------------------------------------------------------

#[path = "support/cbuild.rs"]
mod cbuild;

use cbuild::{Build, Lang};

/// One fenced code block of a Markdown text in a language this test compiles.
#[derive(Debug)]
struct Snippet {
    lang: Lang,
    /// 1-based line number (in the Markdown text) of the block's first line of code.
    line: usize,
    code: String,
}

/// The language of a fence's info string (its first word), if it is C or C++.
fn snippet_lang(info: &str) -> Option<Lang> {
    let word = info.split_whitespace().next()?.to_ascii_lowercase();
    match word.as_str() {
        "c" | "h" => Some(Lang::C),
        "cpp" | "c++" | "cxx" | "hpp" => Some(Lang::Cxx),
        _ => None,
    }
}

/// Every C and C++ fenced block of `markdown` (CommonMark fences: three or more backticks
/// or tildes, closed by a line of at least as many of the same character). Panics on an
/// unclosed block.
fn snippets(markdown: &str) -> Vec<Snippet> {
    let mut found = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(fence_char) = trimmed.chars().next().filter(|c| *c == '`' || *c == '~') else {
            continue;
        };
        let fence_len = trimmed.chars().take_while(|c| *c == fence_char).count();
        if fence_len < 3 {
            continue;
        }
        let info = &trimmed[fence_len..];
        let mut code = String::new();
        let mut closed = false;
        for (_, body_line) in lines.by_ref() {
            let t = body_line.trim();
            if t.len() >= fence_len && t.chars().all(|c| c == fence_char) {
                closed = true;
                break;
            }
            code.push_str(body_line);
            code.push('\n');
        }
        assert!(
            closed,
            "the code block opened on line {} is never closed",
            index + 1
        );
        if let Some(lang) = snippet_lang(info) {
            found.push(Snippet {
                lang,
                line: index + 2,
                code,
            });
        }
    }
    found
}

/// Whether a snippet is a complete program: some line defines `int main`.
fn is_complete(code: &str) -> bool {
    code.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("int main(") || l.starts_with("int main (")
    })
}

/// The source file compiled for a snippet (see the convention above).
fn program_source(snippet: &Snippet, file: &str) -> String {
    let directive = |line: usize| format!("#line {line} \"{file}\"\n");
    if is_complete(&snippet.code) {
        return directive(snippet.line) + &snippet.code;
    }
    let lines: Vec<&str> = snippet.code.lines().collect();
    let prologue_len = lines
        .iter()
        .take_while(|l| {
            let t = l.trim();
            t.is_empty()
                || t.starts_with('#')
                || t.starts_with("//")
                || (t.starts_with("/*") && t.ends_with("*/"))
        })
        .count();
    let (prologue, body) = lines.split_at(prologue_len);
    let mut source = directive(snippet.line);
    for l in prologue {
        source.push_str(l);
        source.push('\n');
    }
    source.push_str("void readme_snippet(void);\nvoid readme_snippet(void) {\n");
    source.push_str(&directive(snippet.line + prologue_len));
    for l in body {
        source.push_str(l);
        source.push('\n');
    }
    source.push_str("}\nint main(void) { return 0; }\n");
    source
}

/// Compiles (and, if complete, runs) one snippet; `name` names its files.
fn check_snippet(snippet: &Snippet, name: &str, file: &str) -> Result<(), String> {
    let dir = cbuild::out_dir().join("readme");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (extension, build): (&str, fn(std::path::PathBuf) -> Build) = match snippet.lang {
        Lang::C => ("c", Build::c),
        Lang::Cxx => ("cpp", Build::cxx),
    };
    let path = dir.join(format!("{name}.{extension}"));
    std::fs::write(&path, program_source(snippet, file))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut build = build(path);
    if snippet.lang == Lang::Cxx {
        // After CXX_FLAGS' -std=c++11: the last -std wins.
        build = build.flags(&["-std=c++17"]);
    }
    let program = build.compile()?;
    if is_complete(&snippet.code) {
        program.run()?;
    }
    Ok(())
}

#[test]
fn every_c_and_cxx_snippet_of_the_readme_compiles() {
    let readme = read("README.md");
    let found = snippets(&readme);
    let c = found.iter().filter(|s| s.lang == Lang::C).count();
    let cxx = found.len() - c;
    // Guards against a parser that silently finds nothing.
    assert!(c >= 2, "found only {c} C blocks in README.md");
    assert!(cxx >= 1, "found only {cxx} C++ blocks in README.md");
    let failures: Vec<String> = found
        .iter()
        .filter_map(|s| {
            let name = format!("readme-line-{}", s.line);
            check_snippet(s, &name, "README.md")
                .err()
                .map(|e| format!("the block starting on README.md line {}:\n{e}", s.line))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} README snippets do not compile (or run) as written:\n\n{}",
        failures.len(),
        found.len(),
        failures.join("\n\n")
    );
}

#[test]
fn snippet_extraction_finds_every_fence_form() {
    let text = "intro\n```c\nint a;\n```\n```sh\nls\n```\n~~~~ C++ title\nint b;\n```\n~~~~\n\
                ```\nplain\n```\n```cpp\n```\n";
    let found = snippets(text);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        (found[0].lang, found[0].line, found[0].code.as_str()),
        (Lang::C, 3, "int a;\n")
    );
    assert_eq!(
        (found[1].lang, found[1].line, found[1].code.as_str()),
        (Lang::Cxx, 9, "int b;\n```\n")
    );
    assert_eq!((found[2].lang, found[2].code.as_str()), (Lang::Cxx, ""));
}

#[test]
fn fragments_are_wrapped_and_programs_kept() {
    let fragment = Snippet {
        lang: Lang::C,
        line: 10,
        code: "/* comment */\n#include <stdio.h>\n\nint x = 1;\nprintf(\"%d\", x);\n".into(),
    };
    let source = program_source(&fragment, "R.md");
    assert_eq!(
        source,
        "#line 10 \"R.md\"\n/* comment */\n#include <stdio.h>\n\n\
         void readme_snippet(void);\nvoid readme_snippet(void) {\n#line 13 \"R.md\"\n\
         int x = 1;\nprintf(\"%d\", x);\n}\nint main(void) { return 0; }\n"
    );
    let program = Snippet {
        lang: Lang::C,
        line: 4,
        code: "#include <stdio.h>\nint main(void) {\n    return 0;\n}\n".into(),
    };
    assert_eq!(
        program_source(&program, "R.md"),
        format!("#line 4 \"R.md\"\n{}", program.code)
    );
}

/// The harness rejects both defects the README had: `fprintf` without `<stdio.h>` in C, and
/// C++20 designated initializers in a C++17 snippet; the corrected forms pass.
#[test]
fn the_harness_rejects_what_the_readme_got_wrong() {
    let check = |lang, name: &str, code: &str| {
        check_snippet(
            &Snippet {
                lang,
                line: 1,
                code: code.into(),
            },
            name,
            "snippet",
        )
    };
    let call = "fprintf(stderr, \"%s\\n\", grad_last_error());\n";
    let without = format!("#include \"gradient.h\"\n{call}");
    let with = format!("#include <stdio.h>\n#include \"gradient.h\"\n{call}");
    assert!(check(Lang::C, "harness-no-stdio", &without).is_err());
    check(Lang::C, "harness-stdio", &with).unwrap();
    let designated = "#include \"gradient.h\"\n\
                      grad_spacing s = {.kind = GRAD_SPACING_KIND_SCALAR, .h = 0.5};\n\
                      (void)s;\n";
    let assigned = "#include \"gradient.h\"\n\
                    grad_spacing s = {};\ns.kind = GRAD_SPACING_KIND_SCALAR;\ns.h = 0.5;\n\
                    (void)s;\n";
    assert!(check(Lang::Cxx, "harness-designated", designated).is_err());
    check(Lang::Cxx, "harness-assigned", assigned).unwrap();
    // A complete program is run: a failing exit status is reported.
    let failing = "#include \"gradient.h\"\nint main(void) { return grad_version() != 0; }\n";
    assert!(check(Lang::C, "harness-exit", failing).is_err());
}

#[test]
fn readme_states_the_order_of_checks_as_the_header_does() {
    // The one statement of the order is the doc comment of `grad_status` (status.rs), which
    // cbindgen copies into the header; the README quotes it word for word.
    let source = read("src/ffi/status.rs");
    let lines: Vec<&str> = source.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("**Order of checks.**"))
        .expect("status.rs states the order of checks");
    let text: Vec<&str> = lines[start..]
        .iter()
        .take_while(|l| l.starts_with("///"))
        .map(|l| {
            l.strip_prefix("/// ")
                .unwrap_or(l.trim_start_matches("///"))
        })
        .collect();
    let text = text.join("\n");
    assert!(
        text.lines().count() > 10,
        "the order of checks is too short: {text}"
    );
    assert!(
        read("README.md").contains(&text),
        "README.md's order of checks differs from grad_status's doc comment; copy it:\n{text}"
    );
    let header = read("include/gradient.h");
    assert!(header.contains("**Order of checks.**"));
}
