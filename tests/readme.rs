//! The README documents the C ABI; these checks keep it from drifting from the header.

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
