//! `make install`, used as a C or C++ developer would: installs into a staged prefix
//! (`DESTDIR`), checks what was installed (the soname and its links, the exported symbols,
//! no build path in the package files), then builds and runs, in a temporary directory
//! outside the repository, `tests/install/consumer.c` with `pkg-config` (shared and
//! `-static`) and `consumer.c` and `consumer.cpp` with CMake's `find_package(gradient)`
//! (`gradient::gradient` and `gradient::gradient_static`), checks each program's
//! `DT_NEEDED` entries, and finally that `make uninstall` leaves the prefix empty.
//!
//! `make install` builds the release library only if it is missing or older than its
//! sources (a minute or two from scratch; seconds otherwise). Without `cmake` (Debian's
//! `cmake` package) or `pkg-config`, that part is skipped with a printed reason, except
//! under `CI=true`, where `.ci/run` installs both and nothing may be skipped.

#[path = "support/tools.rs"]
mod tools;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;
use tools::{have, in_ci};

/// The prefix the files are installed for; they are staged under `<tmp>/stage` + this.
const PREFIX: &str = "/opt/gradient-install-test";

/// The soname the installed library must have: cargo-c's rule, `libgradient.so.0.MINOR`
/// before 1.0 (`0.0.PATCH` before 0.1), `libgradient.so.MAJOR` from 1.0.
fn expected_soname() -> String {
    let (major, minor, patch) = (
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    );
    let sover = match (major, minor) {
        ("0", "0") => format!("0.0.{patch}"),
        ("0", _) => format!("0.{minor}"),
        _ => major.to_string(),
    };
    format!("libgradient.so.{sover}")
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Says why a part is skipped, on the real stderr (not captured by the test harness);
/// under `CI=true` a missing tool is a failure instead.
fn skip(part: &str, tool: &str) {
    assert!(
        !in_ci(),
        "{tool} is not installed, and CI=true skips nothing: .ci/run installs it"
    );
    let _ = writeln!(
        std::io::stderr(),
        "tests/install.rs: SKIPPED {part}: `{tool}` is not installed (Debian: apt-get install {tool})"
    );
}

fn render(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Runs `cmd`; panics with the command line, its status and its output unless it exits 0.
fn run(cmd: &mut Command) -> Output {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", render(cmd)));
    assert!(
        output.status.success(),
        "failed ({}):\n$ {}\n--- stdout ---\n{}--- stderr ---\n{}",
        output.status,
        render(cmd),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs a program built against the installed library with no library search path of
/// cargo's (`cargo test` puts `target/<profile>/deps`, which holds a `libgradient` too,
/// on `LD_LIBRARY_PATH`): it must find the library through its RUNPATH or `lib_path`.
fn run_program(program: &Path, lib_path: Option<&Path>) -> String {
    let mut cmd = Command::new(program);
    cmd.env_remove("LD_LIBRARY_PATH");
    if let Some(dir) = lib_path {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    stdout(&run(&mut cmd))
}

/// `readelf -d` entries of one kind, e.g. `NEEDED` or `SONAME`: the names in brackets.
fn dynamic_entries(file: &Path, kind: &str) -> Vec<String> {
    let out = stdout(&run(Command::new("readelf").arg("-d").arg(file)));
    out.lines()
        .filter(|line| line.contains(&format!("({kind})")))
        .filter_map(|line| {
            let start = line.find('[')? + 1;
            let end = line.rfind(']')?;
            Some(line[start..end].to_string())
        })
        .collect()
}

/// The functions `gradient.h` declares: every `grad_...(` outside comments.
fn header_functions(header: &str) -> Vec<String> {
    let mut code = String::new();
    let mut rest = header;
    while let Some(start) = rest.find("/*") {
        code.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    code.push_str(rest);
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut names = Vec::new();
    let mut rest = code.as_str();
    while let Some(start) = rest.find(is_ident) {
        let after = &rest[start..];
        let end = after.find(|c: char| !is_ident(c)).unwrap_or(after.len());
        let (word, tail) = after.split_at(end);
        if word.starts_with("grad_") && tail.trim_start().starts_with('(') {
            names.push(word.to_string());
        }
        rest = tail;
    }
    names.sort();
    names.dedup();
    names
}

/// Every file and symbolic link under `dir` (directories themselves excluded).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => found.extend(files_under(&path)),
            _ => found.push(path),
        }
    }
    found
}

fn make(stage: &Path, target: &str) -> Output {
    run(Command::new("make")
        .arg("-C")
        .arg(manifest_dir())
        .arg("--no-print-directory")
        .arg(target)
        .arg(format!("DESTDIR={}", stage.display()))
        .arg(format!("PREFIX={PREFIX}")))
}

/// A fresh directory outside the repository, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("gradient-install-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("GRADIENT_KEEP_INSTALL_TEST").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn make_install_serves_c_and_cxx_users_and_uninstall_removes_it() {
    // The README's commands need only the Rust toolchain, a C compiler and python3; `make`
    // is what `make install` needs besides.
    if !have("make") {
        skip("the whole install test", "make");
        return;
    }
    let tmp = TempDir::new();
    let stage = tmp.0.join("stage");
    let prefix = stage.join(PREFIX.trim_start_matches('/'));
    let (lib, include) = (prefix.join("lib"), prefix.join("include"));
    let version = env!("CARGO_PKG_VERSION");
    let soname = expected_soname();
    let real_name = format!(
        "libgradient.so.{}.{}.{}",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH")
    );

    let started = Instant::now();
    make(&stage, "install");
    let install_time = started.elapsed();

    // The files, the soname links, and the headers as committed.
    let real = lib.join(&real_name);
    assert!(real.is_file(), "{} was not installed", real.display());
    for link in [soname.as_str(), "libgradient.so"] {
        let path = lib.join(link);
        let target = std::fs::read_link(&path)
            .unwrap_or_else(|e| panic!("{} is not a symbolic link: {e}", path.display()));
        if link != real_name {
            assert_eq!(target, Path::new(&real_name), "{}", path.display());
        }
    }
    assert!(lib.join("libgradient.a").is_file());
    for header in ["gradient.h", "gradient.hpp"] {
        let source = manifest_dir().join("include").join(header);
        if source.exists() {
            assert_eq!(
                std::fs::read(include.join(header)).ok(),
                std::fs::read(&source).ok(),
                "{header} is not installed as committed"
            );
        }
    }

    // The library's ELF identity: its soname, no run path, and only the grad_ functions
    // of the header exported.
    assert_eq!(
        dynamic_entries(&real, "SONAME"),
        std::slice::from_ref(&soname),
        "the soname"
    );
    for kind in ["RPATH", "RUNPATH"] {
        assert!(
            dynamic_entries(&real, kind).is_empty(),
            "{kind} in {real:?}"
        );
    }
    let nm = stdout(&run(Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&real)));
    let mut exported: Vec<String> = nm
        .lines()
        .filter_map(|line| line.split_whitespace().nth(2))
        .map(str::to_string)
        .collect();
    exported.sort();
    let header = std::fs::read_to_string(include.join("gradient.h")).expect("gradient.h");
    let declared = header_functions(&header);
    assert!(
        declared.len() >= 10,
        "too few functions found: {declared:?}"
    );
    assert_eq!(
        exported, declared,
        "exported symbols (nm -D) against gradient.h"
    );

    // Package files name the install prefix, never the build tree; the CMake package
    // names neither (relocatable).
    let pc_file = lib.join("pkgconfig/gradient.pc");
    let cmake_dir = lib.join("cmake/gradient");
    for file in [
        pc_file.clone(),
        cmake_dir.join("gradientConfig.cmake"),
        cmake_dir.join("gradientConfigVersion.cmake"),
    ] {
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let build_dir = manifest_dir().display().to_string();
        assert!(
            !text.contains(&build_dir),
            "{} names {build_dir}",
            file.display()
        );
        if file != pc_file {
            assert!(!text.contains(PREFIX), "{} names {PREFIX}", file.display());
        }
    }

    // pkg-config: shared, then a fully static program.
    let sources = tmp.0.join("consumer");
    std::fs::create_dir_all(&sources).expect("create the consumer directory");
    for file in ["consumer.c", "consumer.cpp", "CMakeLists.txt"] {
        std::fs::copy(
            manifest_dir().join("tests/install").join(file),
            sources.join(file),
        )
        .unwrap_or_else(|e| panic!("copy {file}: {e}"));
    }
    let pkg_config = |args: &[&str]| -> Vec<String> {
        let out = run(Command::new("pkg-config")
            .args(args)
            .arg("gradient")
            .env("PKG_CONFIG_LIBDIR", lib.join("pkgconfig"))
            .env("PKG_CONFIG_SYSROOT_DIR", &stage)
            .env_remove("PKG_CONFIG_PATH"));
        stdout(&out)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    if have("pkg-config") {
        assert_eq!(pkg_config(&["--modversion"]), [version]);
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let c_flags = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];
        let shared = tmp.0.join("pkg-config-shared");
        run(Command::new(&cc)
            .args(c_flags)
            .arg(sources.join("consumer.c"))
            .args(pkg_config(&["--cflags", "--libs"]))
            .arg("-o")
            .arg(&shared));
        assert!(run_program(&shared, Some(&lib)).contains(version));
        let needed = dynamic_entries(&shared, "NEEDED");
        assert!(needed.contains(&soname), "NEEDED of {shared:?}: {needed:?}");

        let fully_static = tmp.0.join("pkg-config-static");
        run(Command::new(&cc)
            .args(c_flags)
            .arg("-static")
            .arg(sources.join("consumer.c"))
            .args(pkg_config(&["--cflags"]))
            .args(pkg_config(&["--static", "--libs"]))
            .arg("-o")
            .arg(&fully_static));
        assert!(run_program(&fully_static, None).contains(version));
        let needed = dynamic_entries(&fully_static, "NEEDED");
        assert!(needed.is_empty(), "NEEDED of a -static program: {needed:?}");
    } else {
        skip("the pkg-config builds", "pkg-config");
    }

    // CMake: find_package(gradient), C and C++, shared and static.
    if have("cmake") {
        let build = tmp.0.join("cmake-build");
        run(Command::new("cmake")
            .arg("-S")
            .arg(&sources)
            .arg("-B")
            .arg(&build)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
            .arg(format!("-DGRADIENT_EXPECTED_VERSION={version}")));
        let cache = std::fs::read_to_string(build.join("CMakeCache.txt")).expect("cache");
        assert!(
            cache.contains(&format!("gradient_DIR:PATH={}", cmake_dir.display())),
            "CMake found another gradient package than {}",
            cmake_dir.display()
        );
        run(Command::new("cmake")
            .arg("--build")
            .arg(&build)
            .args(["--parallel", "2"]));
        for (program, language, shared) in [
            ("c_shared", "from C", true),
            ("c_static", "from C", false),
            ("cxx_shared", "from C++", true),
            ("cxx_static", "from C++", false),
        ] {
            let path = build.join(program);
            let out = run_program(&path, None);
            assert!(
                out.contains(language) && out.contains(version),
                "{program}: {out}"
            );
            let needed = dynamic_entries(&path, "NEEDED");
            let links_gradient = needed.iter().any(|n| n.contains("gradient"));
            if shared {
                assert!(needed.contains(&soname), "NEEDED of {program}: {needed:?}");
            } else {
                assert!(!links_gradient, "NEEDED of {program}: {needed:?}");
            }
        }
    } else {
        skip("the CMake builds", "cmake");
    }

    make(&stage, "uninstall");
    let left = files_under(&stage);
    assert!(left.is_empty(), "make uninstall left {left:?}");
    let dirs: Vec<_> = std::fs::read_dir(&prefix)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        dirs.is_empty(),
        "make uninstall left the directories {dirs:?}"
    );

    let _ = writeln!(
        std::io::stderr(),
        "tests/install.rs: make install took {:.1} s; whole test {:.1} s",
        install_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
