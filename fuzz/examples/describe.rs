//! Prints what a fuzz input decodes to, and its predicted outcome, for triage:
//!
//! ```sh
//! cd fuzz && cargo run --example describe -- gradient_valid artifacts/gradient_valid/crash-…
//! ```

/// A function from a fuzz input to a text about it.
type Text = fn(&[u8]) -> String;

fn main() {
    let mut args = std::env::args().skip(1);
    let (target, file) = match (args.next(), args.next()) {
        (Some(t), Some(f)) => (t, f),
        _ => panic!("usage: describe <gradient_valid|gradient_hostile> <input file>"),
    };
    let data = std::fs::read(&file).expect("read the input");
    let (describe, label): (Text, Text) = match target.as_str() {
        "gradient_valid" => (gradient_fuzz::valid::describe, gradient_fuzz::valid::label),
        "gradient_hostile" => (
            gradient_fuzz::hostile::describe,
            gradient_fuzz::hostile::label,
        ),
        other => panic!("unknown target {other}"),
    };
    println!("{}\n{}", describe(&data), label(&data));
}
