"""Parses Julia sources with tree-sitter-julia and reports every syntax error (an ERROR
node or a missing token) with its file and line; exits 1 if there is any. A parse, not a
compilation: it catches malformed code (unbalanced blocks, bad operators), not undefined
names or wrong types. Usage: python check_syntax.py FILE.jl...  ("-" reads the README's
first ```julia block from the repository's README.md)."""

import sys
from pathlib import Path

import tree_sitter
import tree_sitter_julia

ROOT = Path(__file__).resolve().parents[3]


def readme_block() -> bytes:
    """The first ```julia block of README.md."""
    lines, inside = [], False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line == "```julia":
            inside = True
        elif inside and line == "```":
            break
        elif inside:
            lines.append(line)
    if not lines:
        sys.exit("check_syntax: README.md has no ```julia block")
    return ("\n".join(lines) + "\n").encode()


def errors(name: str, source: bytes, parser) -> list:
    found = []
    stack = [parser.parse(source).root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            row, col = node.start_point
            text = source.splitlines()[row].decode() if row < len(source.splitlines()) else ""
            what = f"missing {node.type}" if node.is_missing else "syntax error"
            found.append(f"{name}:{row + 1}:{col + 1}: {what}: {text.strip()[:100]}")
        stack.extend(node.children)
    return found


def main() -> None:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_julia.language()))
    problems, count = [], 0
    for arg in sys.argv[1:]:
        if arg == "-":
            name, source = "README.md (julia block)", readme_block()
        else:
            name, source = arg, Path(arg).read_bytes()
        problems += errors(name, source, parser)
        count += 1
    for p in problems:
        print(p)
    print(f"check_syntax: {count} Julia sources parsed, {len(problems)} syntax errors")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
