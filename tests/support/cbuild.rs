//! Compiles C and C++ programs against the freshly built `libgradient` and runs them.
//!
//! Shared by `tests/c_api.rs` (as `#[path = "support/cbuild.rs"] mod cbuild;`) and
//! `examples/worked_examples.rs` (as `#[path = "../tests/support/cbuild.rs"] mod cbuild;`).
//!
//! Where the library comes from: cargo builds `libgradient.so` and `libgradient.a` into
//! `target/<profile>/deps/` and does not always refresh the copies in `target/<profile>/`
//! (cargo#8311). A test binary runs from `deps/` itself; an example binary runs from
//! `examples/`, whose sibling is `deps/`. [`lib_dir`] finds that directory from the running
//! executable, so it works for any profile and any `CARGO_TARGET_DIR`.
//!
//! The stale-library trap: cargo runs tests with `LD_LIBRARY_PATH=target/<profile>:…/deps`,
//! so a program that inherits it may load an old `target/<profile>/libgradient.so`.
//! [`Program::command`] therefore sets the library path to the deps directory *only*, and
//! programs are linked with a `DT_RPATH` (searched before `LD_LIBRARY_PATH`) to the same
//! directory, so they load the fresh library however they are started.
//!
//! The soname: on ELF platforms build.rs gives `libgradient.so` the soname
//! `libgradient.so.0.MINOR` (`GRADIENT_SONAME`), so a program linked with `-lgradient`
//! needs a file of that name at run time; [`Build::compile`] links it to `libgradient.so`
//! in the deps directory, as `make install` does in the library directory.
//!
//! The compiler is the one the `cc` crate picks for `GRADIENT_TARGET` (the triple build.rs
//! records), honouring `CC`/`CXX`/`CFLAGS`/`CXXFLAGS` as build scripts do, unless a build
//! names another ([`Build::compiler`], e.g. MPICH's `mpicc.mpich` wrapper).
#![allow(dead_code)] // Each includer uses a different subset.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Warnings-as-errors flags for C sources (C99, and no fused multiply-add, so that C
/// reference arithmetic rounds exactly like numpy's).
pub const C_FLAGS: &[&str] = &[
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Wpedantic",
    "-Werror",
    "-ffp-contract=off",
    "-O2",
];

/// The same flags for C++ sources (C++11).
pub const CXX_FLAGS: &[&str] = &[
    "-std=c++11",
    "-Wall",
    "-Wextra",
    "-Wpedantic",
    "-Werror",
    "-ffp-contract=off",
    "-O2",
];

/// Added to [`CXX_FLAGS`] for the programs using `gradient.hpp` (the last `-std` wins, so
/// each adds its own `-std=c++17` or `-std=c++20` after these): implicit conversions that
/// may change a value or its sign are errors, in the header as in the tests.
pub const CXX_STRICT_FLAGS: &[&str] = &["-Wconversion", "-Wsign-conversion", "-pthread"];

/// AddressSanitizer and UndefinedBehaviorSanitizer, stopping at the first report. The
/// Rust library itself stays uninstrumented; this checks the C side's use of the API.
pub const SANITIZER_FLAGS: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-omit-frame-pointer",
    "-fno-sanitize-recover=all",
];

/// The system libraries a Rust staticlib needs on Linux (`rustc --print
/// native-static-libs` prints this list for `libgradient.a`).
pub const NATIVE_STATIC_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// The source language of a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// C99, compiled with [`C_FLAGS`].
    C,
    /// C++11, compiled with [`CXX_FLAGS`].
    Cxx,
}

/// How a program links `libgradient`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Against `deps/libgradient.so`, loaded at run time from that directory.
    Shared,
    /// Against `deps/libgradient.a` plus [`NATIVE_STATIC_LIBS`].
    Static,
}

/// One program to compile: a source file, its language, how it links, extra flags.
#[derive(Clone, Debug)]
pub struct Build {
    source: PathBuf,
    lang: Lang,
    link: Link,
    flags: Vec<String>,
    tag: Option<String>,
    compiler: Option<String>,
}

impl Build {
    /// A C source; a relative path is taken from the crate root (`CARGO_MANIFEST_DIR`).
    pub fn c(source: impl AsRef<Path>) -> Self {
        Build::new(source.as_ref(), Lang::C)
    }

    /// A C++ source; a relative path is taken from the crate root.
    pub fn cxx(source: impl AsRef<Path>) -> Self {
        Build::new(source.as_ref(), Lang::Cxx)
    }

    fn new(source: &Path, lang: Lang) -> Self {
        Build {
            source: manifest_dir().join(source),
            lang,
            link: Link::Shared,
            flags: Vec::new(),
            tag: None,
            compiler: None,
        }
    }

    /// Links against `libgradient.a` instead of `libgradient.so`.
    pub fn static_link(mut self) -> Self {
        self.link = Link::Static;
        self
    }

    /// Adds compiler (and linker) flags, e.g. [`SANITIZER_FLAGS`].
    pub fn flags(mut self, flags: &[&str]) -> Self {
        self.flags.extend(flags.iter().map(|f| f.to_string()));
        self
    }

    /// Compiles with `program` (found on `PATH`, given the same flags) instead of the `cc`
    /// crate's compiler: a wrapper such as `mpicc.mpich` that adds its own headers and
    /// libraries.
    pub fn compiler(mut self, program: &str) -> Self {
        self.compiler = Some(program.to_string());
        self
    }

    /// Appends `-<tag>` to the executable's name, so that variants of one source (static,
    /// sanitized, one C++ standard or another) built concurrently do not overwrite each
    /// other. Tags accumulate: `.tag("cxx20").tag("sanitized")` names it `<stem>-cxx20-sanitized`.
    pub fn tag(mut self, tag: &str) -> Self {
        self.tag = Some(match self.tag.take() {
            Some(previous) => format!("{previous}-{tag}"),
            None => tag.to_string(),
        });
        self
    }

    /// The path of the executable this build writes.
    pub fn output_path(&self) -> PathBuf {
        let stem = self
            .source
            .file_stem()
            .map_or_else(|| "program".into(), |s| s.to_string_lossy().into_owned());
        let name = match &self.tag {
            Some(tag) => format!("{stem}-{tag}"),
            None => stem,
        };
        out_dir().join(name)
    }

    /// Compiles and links the program; on failure, the error holds the command and the
    /// compiler's output.
    pub fn compile(&self) -> Result<Program, String> {
        let lib_dir = lib_dir()?;
        let library = lib_dir.join(match self.link {
            Link::Shared => shared_library_name(),
            Link::Static => "libgradient.a",
        });
        if !library.is_file() {
            return Err(format!(
                "{} does not exist: cargo should have built it next to this executable",
                library.display()
            ));
        }
        if self.link == Link::Shared {
            soname_link(&lib_dir)?;
        }
        let output = self.output_path();
        std::fs::create_dir_all(output.parent().expect("output has a directory"))
            .map_err(|e| format!("cannot create {}: {e}", out_dir().display()))?;

        let mut cmd = match &self.compiler {
            Some(program) => Command::new(program),
            None => compiler(self.lang)?.to_command(),
        };
        cmd.args(match self.lang {
            Lang::C => C_FLAGS,
            Lang::Cxx => CXX_FLAGS,
        });
        cmd.args(&self.flags);
        cmd.arg("-I").arg(manifest_dir().join("include"));
        // Written under a unique name, then renamed: concurrent runs sharing a target
        // directory never see (or execute) a half-written file.
        let partial = output.with_extension(format!("partial-{}", std::process::id()));
        cmd.arg(&self.source).arg("-o").arg(&partial);
        match self.link {
            Link::Shared => {
                cmd.arg("-L").arg(&lib_dir).arg("-lgradient");
                if !cfg!(target_vendor = "apple") {
                    // DT_RPATH (not RUNPATH) is searched before LD_LIBRARY_PATH.
                    let mut rpath = OsString::from("-Wl,--disable-new-dtags,-rpath,");
                    rpath.push(&lib_dir);
                    cmd.arg(rpath);
                }
                cmd.arg("-lm");
            }
            Link::Static => {
                cmd.arg(&library).args(NATIVE_STATIC_LIBS);
            }
        }
        let result = cmd
            .output()
            .map_err(|e| format!("cannot start the compiler {:?}: {e}", cmd.get_program()))?;
        if !result.status.success() {
            let _ = std::fs::remove_file(&partial);
            return Err(format!(
                "compiling {} failed ({}):\n$ {}\n{}",
                self.source.display(),
                result.status,
                render(&cmd),
                describe_streams(&result)
            ));
        }
        std::fs::rename(&partial, &output).map_err(|e| {
            format!(
                "cannot rename {} to {}: {e}",
                partial.display(),
                output.display()
            )
        })?;
        Ok(Program {
            path: output,
            lib_dir,
        })
    }
}

/// A compiled program and the directory its shared library must come from.
#[derive(Clone, Debug)]
pub struct Program {
    /// The executable.
    pub path: PathBuf,
    /// `target/<profile>/deps`, the only directory its `libgradient` is loaded from.
    pub lib_dir: PathBuf,
}

impl Program {
    /// A command that runs the program with the library search path set to the deps
    /// directory only.
    pub fn command(&self) -> Command {
        self.wrapped(&[])
    }

    /// Like [`Program::command`], run under `wrapper` (e.g. `["valgrind", "-q"]`).
    pub fn wrapped(&self, wrapper: &[&str]) -> Command {
        let mut cmd = match wrapper.split_first() {
            Some((tool, args)) => {
                let mut cmd = Command::new(tool);
                cmd.args(args).arg(&self.path);
                cmd
            }
            None => Command::new(&self.path),
        };
        let var = if cfg!(target_vendor = "apple") {
            "DYLD_LIBRARY_PATH"
        } else {
            "LD_LIBRARY_PATH"
        };
        cmd.env(var, &self.lib_dir);
        cmd
    }

    /// Runs `cmd` to completion; `Ok` with its output if it exits with status 0, otherwise
    /// an error showing the exit status, stdout and stderr.
    pub fn check(&self, mut cmd: Command) -> Result<Output, String> {
        let output = cmd
            .output()
            .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(format!(
                "{} failed ({}):\n$ {}\n{}",
                self.path.display(),
                output.status,
                render(&cmd),
                describe_streams(&output)
            ))
        }
    }

    /// Runs the program; `Ok` with its output on exit status 0, otherwise a full report.
    pub fn run(&self) -> Result<Output, String> {
        self.check(self.command())
    }
}

/// The crate root.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>/deps`, where cargo put the `libgradient` this executable was built
/// with: the executable's own directory for a test, its sibling `deps` for an example.
pub fn lib_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let dir = exe
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", exe.display()))?;
    if dir.file_name().is_some_and(|n| n == "deps") {
        return Ok(dir.to_path_buf());
    }
    let sibling = dir.join("..").join("deps");
    if sibling.is_dir() {
        return sibling
            .canonicalize()
            .map_err(|e| format!("{}: {e}", sibling.display()));
    }
    Err(format!(
        "cannot find the deps directory for {}: neither it nor ../deps is one",
        exe.display()
    ))
}

/// Where executables go: `CARGO_TARGET_TMPDIR/cbuild` for integration tests, and
/// `target/<profile>/cbuild` (next to `deps`) for examples, which have no such variable.
pub fn out_dir() -> PathBuf {
    match option_env!("CARGO_TARGET_TMPDIR") {
        Some(dir) => PathBuf::from(dir).join("cbuild"),
        None => match lib_dir() {
            Ok(deps) => deps.join("..").join("cbuild"),
            Err(_) => std::env::temp_dir().join("gradient-cbuild"),
        },
    }
}

/// The shared library's soname (`libgradient.so.0.MINOR`), or `None` where build.rs sets
/// none (non-ELF platforms).
pub fn soname() -> Option<&'static str> {
    Some(env!("GRADIENT_SONAME")).filter(|name| !name.is_empty())
}

/// Makes `<lib_dir>/<soname>` a symbolic link to `libgradient.so` (where there is a
/// soname), so that programs linked against the library find it by the name they record.
/// The link is made under a unique name and renamed into place: concurrent tests never
/// see it missing or half-made.
fn soname_link(lib_dir: &Path) -> Result<(), String> {
    let Some(soname) = soname() else {
        return Ok(());
    };
    let link = lib_dir.join(soname);
    if std::fs::read_link(&link).is_ok_and(|target| target == Path::new(shared_library_name())) {
        return Ok(());
    }
    #[cfg(unix)]
    {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let partial = lib_dir.join(format!("{soname}.partial-{}-{n}", std::process::id()));
        let _ = std::fs::remove_file(&partial);
        std::os::unix::fs::symlink(shared_library_name(), &partial)
            .and_then(|()| std::fs::rename(&partial, &link))
            .map_err(|e| {
                format!(
                    "cannot link {} to {}: {e}",
                    link.display(),
                    shared_library_name()
                )
            })
    }
    #[cfg(not(unix))]
    Err(format!(
        "{} is needed and only Unix can make it",
        link.display()
    ))
}

/// The platform's file name of the shared library.
pub fn shared_library_name() -> &'static str {
    if cfg!(target_vendor = "apple") {
        "libgradient.dylib"
    } else {
        "libgradient.so"
    }
}

/// The C or C++ compiler the `cc` crate selects for this target.
fn compiler(lang: Lang) -> Result<cc::Tool, String> {
    let target = env!("GRADIENT_TARGET");
    cc::Build::new()
        .cargo_metadata(false)
        .cargo_warnings(false)
        .target(target)
        .host(target)
        .opt_level(2)
        .debug(false)
        .cpp(lang == Lang::Cxx)
        .try_get_compiler()
        .map_err(|e| format!("no C/C++ compiler for {target}: {e}"))
}

/// A command line for error messages (program and arguments, not the environment).
fn render(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        let _ = write!(line, " {}", arg.to_string_lossy());
    }
    line
}

/// A program's stdout and stderr, labelled, for error messages.
pub fn describe_streams(output: &Output) -> String {
    format!(
        "--- stdout ---\n{}--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
