"""Build of the ``ndgradient`` distribution (the metadata is in pyproject.toml).

The package is pure Python (ctypes) plus one shared library, libgradient, which
setuptools-rust builds from the repository's root package ``ndgradient-capi``
(``cargo rustc --lib --release`` with Cargo.toml's own crate types, so that this build and
``cargo build --release`` or ``make`` are the same build, each a no-op after the other)
and copies the cdylib into the package as
``ndgradient/_libgradient.abi3.so`` (``.pyd`` on Windows; the name is setuptools-rust's
extension-module naming, but the file is a plain C library that never links to Python).
Cargo's target directory is the workspace's (``CARGO_TARGET_DIR`` if set), so a build
after ``cargo build --release`` reuses its work.

Since the library has no Python ABI at all, the wheel is tagged ``py3-none-<platform>``:
one wheel per platform serves every Python 3 version.
"""

import re
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools_rust import Binding, RustExtension

HERE = Path(__file__).resolve().parent
CARGO_TOML = HERE.parent.parent / "Cargo.toml"


def cargo_version() -> str:
    """The ``version`` of the ``[package]`` table of the root Cargo.toml."""
    text = CARGO_TOML.read_text(encoding="utf-8")
    package = re.search(r"^\[package\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    match = package and re.search(r'^version\s*=\s*"([^"]+)"', package.group(1), re.M)
    if not match:
        raise RuntimeError(f"no [package] version in {CARGO_TOML}")
    return match.group(1)


def cargo_crate_types() -> str:
    """The ``crate-type`` list of the root Cargo.toml's ``[lib]`` table, comma-separated."""
    text = CARGO_TOML.read_text(encoding="utf-8")
    lib = re.search(r"^\[lib\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    match = lib and re.search(r"^crate-type\s*=\s*\[([^\]]*)\]", lib.group(1), re.M)
    types = re.findall(r'"([^"]+)"', match.group(1)) if match else []
    if "cdylib" not in types:
        raise RuntimeError(f"no cdylib in the [lib] crate-type of {CARGO_TOML}")
    return ",".join(types)


class bdist_wheel_any_python(bdist_wheel):
    """Tags the wheel ``py3-none-<platform>``: it holds no Python extension module."""

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(
    version=cargo_version(),
    rust_extensions=[
        RustExtension(
            "ndgradient._libgradient",
            path=str(CARGO_TOML),
            binding=Binding.NoBinding,
            py_limited_api=True,  # names the file _libgradient.abi3.so, not per Python version
            # Cargo.toml's own crate types: setuptools-rust would otherwise ask for the
            # cdylib alone (`cargo rustc --crate-type cdylib`), a different build of the
            # package that `cargo build --release` and `make` would then redo, and back.
            args=["--crate-type", cargo_crate_types()],
        )
    ],
    cmdclass={"bdist_wheel": bdist_wheel_any_python},
    zip_safe=False,
)
