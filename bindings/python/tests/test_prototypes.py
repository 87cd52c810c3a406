"""The binding's ctypes prototypes against ``include/gradient.h``.

ctypes trusts whatever ``argtypes`` it is given: a prototype with one argument too few
compiles, runs and passes garbage for the missing one (the binding once called
``grad_gradient`` with 13 of its 14 arguments, so ``n_threads`` was whatever lay in that
register). These tests parse the header and check every C function the binding declares
(name, argument count, every argument type, return type) and every ``ctypes.Structure``
that mirrors a header struct, and that the binding calls no function it has not declared.

Header functions the binding does not wrap are listed at the end of the run (section
"header functions the binding does not wrap"), not failed: the header may grow first.

The parser reads cbindgen's output as a C99 compiler sees it: comments removed,
``#if``/``#ifdef``/``#ifndef``/``#elif``/``#else`` evaluated for C (``__cplusplus``
undefined, ``__STDC_VERSION__`` 199901L, so ``typedef int32_t grad_status;`` is the
enums' type), then top-level declarations split at ``;`` outside braces.
"""

from __future__ import annotations

import ctypes
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import _support
import ndgradient
from ndgradient import _api, _lib, _plan

PACKAGE = Path(ndgradient.__file__).resolve().parent
# The checkout this test file lies in (the package may be an installed copy).
HEADER = Path(__file__).resolve().parents[3] / "include" / "gradient.h"
MODULES = (_lib, _api, _plan)


# ------------------------------------------------------------------------ header parser

class HeaderError(ValueError):
    """A construct of the header this parser does not understand."""


#: What a C99 compiler on this platform defines, for ``#if`` expressions.
_PREDEFINED = {"__STDC_VERSION__": "199901"}


def _eval_condition(expr: str, defined: set[str]) -> bool:
    expr = re.sub(r"\bdefined\s*\(\s*(\w+)\s*\)|\bdefined\s+(\w+)",
                  lambda m: "1" if (m.group(1) or m.group(2)) in defined else "0", expr)
    # Every other identifier: a predefined value, else 0 (as the C preprocessor does).
    expr = re.sub(r"\b[A-Za-z_]\w*", lambda m: _PREDEFINED.get(m.group(0), "0"), expr)
    expr = re.sub(r"\b(\d+)[uUlL]+\b", r"\1", expr)
    expr = expr.replace("&&", " and ").replace("||", " or ")
    expr = re.sub(r"!(?!=)", " not ", expr)
    if not re.fullmatch(r"[\d\s()<>=!+\-*/%andotr]*", expr):
        raise HeaderError(f"cannot evaluate #if {expr!r}")
    return bool(eval(expr, {"__builtins__": {}}))  # noqa: S307 (digits and operators only)


def preprocess(text: str) -> str:
    """``text`` without comments and directives, keeping what a C99 compiler compiles."""
    text = text.replace("\\\n", " ")
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    kept, stack, defined = [], [], set()  # stack: [taking, some branch taken, parent]
    for line in text.splitlines():
        active = all(level[0] for level in stack)
        s = line.strip()
        if not s.startswith("#"):
            if active:
                kept.append(line)
            continue
        word, rest = (s[1:].strip().split(None, 1) + [""])[:2]
        if word in ("if", "ifdef", "ifndef"):
            if word == "ifdef":
                cond = rest.strip() in defined
            elif word == "ifndef":
                cond = rest.strip() not in defined
            else:
                cond = _eval_condition(rest, defined)
            stack.append([cond, cond, active])
        elif word == "elif":
            level = stack[-1]
            cond = not level[1] and _eval_condition(rest, defined)
            level[0] = cond
            level[1] = level[1] or cond
        elif word == "else":
            level = stack[-1]
            level[0] = not level[1]
            level[1] = True
        elif word == "endif":
            stack.pop()
        elif word == "define" and active:
            defined.add(re.match(r"\w+", rest).group(0))
        elif word == "undef" and active:
            defined.discard(rest.strip())
    if stack:
        raise HeaderError("unterminated #if")
    return "\n".join(kept)


def _declarations(text: str) -> list[str]:
    """Top-level declarations: the text between semicolons outside braces."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == ";" and depth == 0:
            out.append(" ".join(text[start:i].split()))
            start = i + 1
    if " ".join(text[start:].split()):
        raise HeaderError(f"text after the last declaration: {text[start:].strip()!r}")
    return [d for d in out if d]


_BUILTIN_WORDS = {"void", "char", "short", "int", "long", "float", "double", "signed",
                  "unsigned", "_Bool", "bool"}


@dataclass(frozen=True)
class CType:
    """A C type as far as the ABI cares: a base type and a pointer depth (qualifiers
    dropped; an array parameter is a pointer)."""

    base: str
    depth: int

    def __str__(self):
        return self.base + " " + "*" * self.depth if self.depth else self.base


def parse_declarator(text: str) -> tuple[CType, str | None]:
    """``"const size_t *shape"`` -> ``(CType("size_t", 1), "shape")``; the name is None for
    an unnamed parameter such as ``"const char *"`` or ``"int32_t"``."""
    if "(" in text:
        raise HeaderError(f"function pointer types are not supported: {text!r}")
    arrays = len(re.findall(r"\[[^\]]*\]", text))
    text = re.sub(r"\[[^\]]*\]", " ", text)
    tokens = re.findall(r"\w+|\*|\S", text)
    if any(not re.fullmatch(r"\w+|\*", t) for t in tokens):
        raise HeaderError(f"cannot parse the declarator {text!r}")
    words = [t for t in tokens if t not in ("const", "volatile", "restrict")]
    idents = [t for t in words if t not in ("*", "struct", "enum", "union")]
    name = None
    if len(idents) >= 2 and words[-1] == idents[-1] and idents[-1] not in _BUILTIN_WORDS:
        name = words.pop()
    depth = words.count("*") + arrays
    base = " ".join(t for t in words if t != "*")
    if not base:
        raise HeaderError(f"no type in {text!r}")
    return CType(base, depth), name


@dataclass
class Function:
    name: str
    restype: CType
    argtypes: list[CType]
    argnames: list[str | None]


@dataclass
class Header:
    functions: dict[str, Function] = field(default_factory=dict)
    structs: dict[str, list[tuple[str, CType]]] = field(default_factory=dict)
    enums: dict[str, str] = field(default_factory=dict)     # tag -> underlying type
    typedefs: dict[str, str] = field(default_factory=dict)  # name -> type text


def parse_header(text: str) -> Header:
    h = Header()
    for d in _declarations(preprocess(text)):
        if d.startswith("extern ") and "(" not in d:
            continue  # a variable
        if "{" in d:
            m = re.fullmatch(r"(typedef\s+)?(struct|enum|union)\s+(\w+)?\s*"
                             r"(?::\s*(\w+)\s*)?\{(.*)\}\s*(\w+)?", d)
            if not m:
                raise HeaderError(f"cannot parse {d!r}")
            _, kind, tag, underlying, body, alias = m.groups()
            tag = tag or alias
            if kind == "enum":
                h.enums[tag] = underlying or "int"
            elif kind == "struct":
                fields = []
                for member in filter(None, (x.strip() for x in body.split(";"))):
                    ctype, name = parse_declarator(member)
                    if name is None:
                        raise HeaderError(f"unnamed member {member!r} in struct {tag}")
                    fields.append((name, ctype))
                h.structs[tag] = fields
            else:
                raise HeaderError(f"unions are not supported: {d!r}")
            if alias:
                h.typedefs[alias] = f"{kind} {tag}"
            continue
        m = re.fullmatch(r"typedef\s+(.+?)\s*\b(\w+)", d)
        if m and "(" not in d:
            h.typedefs[m.group(2)] = m.group(1)
            continue
        m = re.fullmatch(r"(.+?)\b(\w+)\s*\((.*)\)", d)
        if m and "(" not in m.group(1):
            ret, name, params = m.groups()
            restype, _ = parse_declarator(ret)
            parsed = [] if params.strip() in ("", "void") else [
                parse_declarator(p) for p in params.split(",")]
            h.functions[name] = Function(name, restype, [t for t, _ in parsed],
                                         [n for _, n in parsed])
            continue
        raise HeaderError(f"cannot parse the declaration {d!r}")
    return h


# ------------------------------------------------------------------------ C -> ctypes

_CTYPES = {
    "char": ctypes.c_char, "signed char": ctypes.c_byte, "unsigned char": ctypes.c_ubyte,
    "short": ctypes.c_short, "unsigned short": ctypes.c_ushort,
    "int": ctypes.c_int, "unsigned": ctypes.c_uint, "unsigned int": ctypes.c_uint,
    "long": ctypes.c_long, "unsigned long": ctypes.c_ulong,
    "long long": ctypes.c_longlong, "unsigned long long": ctypes.c_ulonglong,
    "float": ctypes.c_float, "double": ctypes.c_double,
    "_Bool": ctypes.c_bool, "bool": ctypes.c_bool,
    "int8_t": ctypes.c_int8, "int16_t": ctypes.c_int16,
    "int32_t": ctypes.c_int32, "int64_t": ctypes.c_int64,
    "uint8_t": ctypes.c_uint8, "uint16_t": ctypes.c_uint16,
    "uint32_t": ctypes.c_uint32, "uint64_t": ctypes.c_uint64,
    "size_t": ctypes.c_size_t, "ptrdiff_t": ctypes.c_ssize_t, "ssize_t": ctypes.c_ssize_t,
    "intptr_t": ctypes.c_ssize_t, "uintptr_t": ctypes.c_size_t,
}

_VOID = object()  # `void`, or a struct the header only names (opaque)


def binding_structures() -> list[type]:
    """Every ``ctypes.Structure`` subclass the binding's modules define."""
    return [v for m in MODULES for v in vars(m).values()
            if isinstance(v, type) and issubclass(v, ctypes.Structure)
            and v.__module__ == m.__name__]


def structure_for(header: Header, tag: str):
    """The binding's ``Structure`` with the same member names as ``struct tag``."""
    names = [n for n, _ in header.structs[tag]]
    found = [s for s in binding_structures() if [f[0] for f in s._fields_] == names]
    if not found:
        raise HeaderError(f"the binding has no ctypes.Structure with the members of "
                          f"struct {tag} ({', '.join(names)})")
    return found[0]


def _resolve(header: Header, base: str, seen=()):
    """The ctypes type of a non-pointer C type (``_VOID`` for void or an opaque struct)."""
    if base in seen:
        raise HeaderError(f"typedef cycle at {base}")
    kind, _, tag = base.partition(" ")
    if kind in ("struct", "enum", "union") and tag:
        if kind == "enum":
            return _resolve(header, header.enums[tag], seen + (base,))
        if kind == "struct" and tag in header.structs:
            return structure_for(header, tag)
        if kind == "struct":
            return _VOID  # opaque: only ever used through a pointer
        raise HeaderError(f"unsupported type {base}")
    if base == "void":
        return _VOID
    if base in header.typedefs:
        return _resolve(header, header.typedefs[base], seen + (base,))
    if base in header.enums:
        return _resolve(header, header.enums[base], seen + (base,))
    if base in _CTYPES:
        return _CTYPES[base]
    raise HeaderError(f"unknown C type {base!r}")


def expected_ctypes(header: Header, ctype: CType) -> list:
    """The ctypes types that correctly declare ``ctype`` (the first is the usual one):
    ``void *`` and pointers to opaque structs are ``c_void_p``, ``char *`` is
    ``c_char_p``, any other pointer is ``POINTER`` of its pointee, or else ``c_void_p``
    (an address passed as an int, as ``_lib.grad_gradient_by_address`` does); ``void``
    is None."""
    base = _resolve(header, ctype.base)
    depth = ctype.depth
    if depth == 0:
        if base is _VOID:
            if ctype.base != "void":
                raise HeaderError(f"an opaque struct passed by value: {ctype}")
            return [None]
        return [base]
    if base is _VOID:
        base, depth = ctypes.c_void_p, depth - 1
    elif base is ctypes.c_char:
        base, depth = ctypes.c_char_p, depth - 1
    for _ in range(depth):
        base = ctypes.POINTER(base)
    return [base, ctypes.c_void_p] if issubclass(base, ctypes._Pointer) else [base]


def _ctypes_name(t) -> str:
    return "None" if t is None else getattr(t, "__name__", repr(t))


# ------------------------------------------------------------------- the binding's side

def declared_functions() -> dict[str, list]:
    """Every ctypes foreign function the binding holds, by C name: module globals, dicts
    of functions, and the functions cached on its ``ctypes.CDLL`` object (every function
    ever looked up on it by attribute)."""
    found: dict[str, list] = {}

    def add(fn):
        if isinstance(fn, ctypes._CFuncPtr):
            entries = found.setdefault(fn.__name__, [])
            if all(fn is not e for e in entries):
                entries.append(fn)

    for m in MODULES:
        for v in vars(m).values():
            add(v)
            if isinstance(v, dict):
                for x in v.values():
                    add(x)
            if isinstance(v, ctypes.CDLL):
                for x in vars(v).values():
                    add(x)
    return found


def _loaded_library() -> ctypes.CDLL:
    libs = [v for v in vars(_lib).values() if isinstance(v, ctypes.CDLL)]
    assert len(libs) == 1, f"expected one ctypes.CDLL in ndgradient._lib, found {libs}"
    return libs[0]


@pytest.fixture(scope="module")
def header() -> Header:
    return parse_header(HEADER.read_text())


# ------------------------------------------------------------------------------ tests

def test_parser_reads_every_function_of_the_header(header):
    f = header.functions
    for name in ("grad_gradient", "grad_gradient_f64", "grad_status_message",
                 "grad_last_error", "grad_version", "grad_version_string"):
        assert name in f, f"{name} not parsed; parsed: {sorted(f)}"
    g = f["grad_gradient"]
    assert len(g.argtypes) == 14
    assert g.argnames[0] == "dtype" and g.argnames[-1] == "n_threads"
    assert g.restype == CType("grad_status", 0)
    assert g.argtypes[5] == CType("struct grad_spacing", 1)
    assert g.argtypes[10] == CType("void", 2)  # void *const *out
    assert f["grad_last_error"].argtypes == []
    assert f["grad_status_message"].restype == CType("char", 1)
    # C99's view of the typed enums: int32_t.
    assert expected_ctypes(header, g.restype) == [ctypes.c_int32]
    # Every declaration of the header maps to ctypes (nothing the checks would skip).
    for fn in f.values():
        for t in [fn.restype, *fn.argtypes]:
            expected_ctypes(header, t)


def test_parser_on_constructs_the_header_may_grow():
    text = """
    #ifndef X_H
    #define X_H
    #include <stdint.h>
    /* a comment with a ; and a { */
    enum e_kind
    #if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
      : int32_t
    #endif
     { E_A = 0, E_B = 1, };
    #ifndef __cplusplus
    #if __STDC_VERSION__ >= 202311L
    typedef enum e_kind e_kind;
    #else
    typedef int32_t e_kind;
    #endif
    #endif
    typedef struct x_plan x_plan;            // opaque
    typedef struct x_opts { int32_t a; double b[2]; const void *p; } x_opts;
    #ifdef __cplusplus
    extern "C" {
    #endif
    e_kind x_plan_new(const x_opts *options,
                      x_plan **plan_out,
                      size_t n);
    void x_plan_free(x_plan *plan);
    const char *x_name(int32_t);
    uint64_t x_count(void);
    #ifdef __cplusplus
    }
    #endif
    #endif
    """
    h = parse_header(text)
    assert sorted(h.functions) == ["x_count", "x_name", "x_plan_free", "x_plan_new"]
    new = h.functions["x_plan_new"]
    assert new.argtypes == [CType("x_opts", 1), CType("x_plan", 2), CType("size_t", 0)]
    assert new.argnames == ["options", "plan_out", "n"]
    assert expected_ctypes(h, new.restype) == [ctypes.c_int32]
    assert expected_ctypes(h, new.argtypes[1]) == [ctypes.POINTER(ctypes.c_void_p),
                                                      ctypes.c_void_p]
    assert expected_ctypes(h, h.functions["x_plan_free"].restype) == [None]
    assert expected_ctypes(h, h.functions["x_plan_free"].argtypes[0]) == [ctypes.c_void_p]
    assert h.functions["x_name"].argnames == [None]
    assert expected_ctypes(h, h.functions["x_name"].restype) == [ctypes.c_char_p]
    assert h.functions["x_count"].argtypes == []
    assert h.structs["x_opts"] == [("a", CType("int32_t", 0)), ("b", CType("double", 1)),
                                   ("p", CType("void", 1))]
    with pytest.raises(HeaderError):
        parse_header("int f(void (*cb)(int));")


def prototype_problems(header: Header, name: str, fn) -> list[str]:
    """What is wrong with the ctypes prototype ``fn`` of the C function ``name``."""
    c = header.functions.get(name)
    if c is None:
        return [f"{name}: declared by the binding, not in include/gradient.h"]
    if fn.argtypes is None:
        return [f"{name}: no argtypes (ctypes would pass anything)"]
    problems = []
    if len(fn.argtypes) != len(c.argtypes):
        problems.append(f"{name}: {len(fn.argtypes)} argtypes, the header has "
                        f"{len(c.argtypes)} parameters "
                        f"({', '.join(str(n) for n in c.argnames)})")
    for k, (actual, ctype) in enumerate(zip(fn.argtypes, c.argtypes)):
        allowed = expected_ctypes(header, ctype)
        if not any(actual is a for a in allowed):
            problems.append(f"{name}: argument {k} ({c.argnames[k]}) is "
                            f"{_ctypes_name(actual)}; the header's {ctype} is "
                            f"{_ctypes_name(allowed[0])}")
    allowed = expected_ctypes(header, c.restype)
    if not any(fn.restype is a for a in allowed):
        problems.append(f"{name}: restype {_ctypes_name(fn.restype)}; the header's "
                        f"{c.restype} is {_ctypes_name(allowed[0])}")
    return problems


def test_every_declared_function_matches_the_header(header):
    declared = declared_functions()
    assert "grad_gradient" in declared, sorted(declared)
    problems = [p for name, fns in sorted(declared.items()) for fn in fns
                for p in prototype_problems(header, name, fn)]
    assert not problems, "\n".join(problems)
    _support.UNWRAPPED[:] = sorted(set(header.functions) - set(declared))


def test_wrong_prototypes_are_reported(header):
    """The comparison itself: a fresh function object (``CDLL[name]`` is never cached, so
    the binding's own is untouched) with the mistakes it must catch."""
    lib = _loaded_library()
    right = [expected_ctypes(header, t)[0] for t in header.functions["grad_gradient"].argtypes]
    n = _ctypes_name
    fn = lib["grad_gradient"]
    fn.argtypes, fn.restype = right, ctypes.c_int32
    assert prototype_problems(header, "grad_gradient", fn) == []
    fn.argtypes = right[:13]  # the binding's old mistake
    assert prototype_problems(header, "grad_gradient", fn) == [
        "grad_gradient: 13 argtypes, the header has 14 parameters (dtype, f, ndim, shape, "
        "strides, spacing, n_spacing, axes, n_axes, edge_order, out, n_out, out_strides, "
        "n_threads)"]
    fn.argtypes = right[:2] + [ctypes.c_int32] + right[3:]  # ndim as int32
    assert prototype_problems(header, "grad_gradient", fn) == [
        f"grad_gradient: argument 2 (ndim) is {n(ctypes.c_int32)}; the header's size_t is "
        f"{n(ctypes.c_size_t)}"]
    fn.argtypes = right[:3] + [ctypes.POINTER(ctypes.c_ssize_t)] + right[4:]
    assert prototype_problems(header, "grad_gradient", fn) == [
        f"grad_gradient: argument 3 (shape) is {n(ctypes.POINTER(ctypes.c_ssize_t))}; the "
        f"header's size_t * is {n(ctypes.POINTER(ctypes.c_size_t))}"]
    fn.argtypes, fn.restype = right, ctypes.c_char_p
    assert prototype_problems(header, "grad_gradient", fn) == [
        f"grad_gradient: restype c_char_p; the header's grad_status is {n(ctypes.c_int32)}"]
    message = lib["grad_last_error"]
    message.argtypes, message.restype = [], ctypes.c_void_p
    assert len(prototype_problems(header, "grad_last_error", message)) == 1
    assert prototype_problems(header, "grad_no_such_function", message) == [
        "grad_no_such_function: declared by the binding, not in include/gradient.h"]
    message.argtypes = None
    assert prototype_problems(header, "grad_last_error", message) == [
        "grad_last_error: no argtypes (ctypes would pass anything)"]


def test_structures_match_the_header(header):
    problems, matched = [], 0
    for cls in binding_structures():
        names = [f[0] for f in cls._fields_]
        tags = [t for t, fields in header.structs.items() if [n for n, _ in fields] == names]
        if not tags:
            problems.append(f"{cls.__name__}: no struct of the header has the members "
                            f"{names}")
            continue
        matched += 1
        for (fname, actual), (_, ctype) in zip(cls._fields_, header.structs[tags[0]]):
            allowed = expected_ctypes(header, ctype)
            if not any(actual is a for a in allowed):
                problems.append(f"{cls.__name__}.{fname} is {_ctypes_name(actual)}; struct "
                                f"{tags[0]}'s {ctype} is {_ctypes_name(allowed[0])}")
    assert not problems, "\n".join(problems)
    assert matched >= 1


def _code_names(source: str) -> set[str]:
    """Identifiers and exact string literals in Python source, comments and docstrings
    excluded (a docstring is a longer string, never exactly a function name)."""
    names = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME:
            names.add(tok.string)
        elif tok.type == tokenize.STRING:
            m = re.fullmatch(r"[rbuRBU]*(['\"])(\w+)\1", tok.string)
            if m:
                names.add(m.group(2))
    return names


def test_the_binding_calls_no_undeclared_function(header):
    # At run time: every function ever looked up on the library has a prototype.
    for name, fn in vars(_loaded_library()).items():
        if isinstance(fn, ctypes._CFuncPtr):
            assert fn.argtypes is not None, f"{name} is called without argtypes"
    # In the source: every header function the binding's code names is declared.
    declared = declared_functions()
    for path in sorted(PACKAGE.glob("*.py")):
        used = _code_names(path.read_text()) & set(header.functions)
        missing = sorted(used - set(declared))
        assert not missing, f"{path.name} uses {missing} without a ctypes prototype"


def test_status_codes_match_the_header():
    """``_lib.Status`` names every ``GRAD_STATUS_*`` of the header with its value, and no
    other, so that a new status (such as the block statuses 21 and 22) cannot reach Python
    unnamed or with a stale number."""
    declared = {name: int(value) for name, value in
                re.findall(r"\bGRAD_STATUS_(\w+) = (\d+)", HEADER.read_text())}
    assert declared, "no GRAD_STATUS_ enumerator found in the header"
    named = {k: v for k, v in vars(_lib.Status).items() if k.isupper()}
    assert named == declared
