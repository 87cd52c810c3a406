//! Prints what a fuzz input decodes to, and its predicted outcome, for triage:
//!
//! ```sh
//! cd fuzz && cargo run --example describe -- gradient_valid artifacts/gradient_valid/crash-…
//! ```

/// A target's decoder.
type Decode = fn(&[u8]) -> gradient_fuzz::harness::Call;

fn main() {
    let mut args = std::env::args().skip(1);
    let (target, file) = match (args.next(), args.next()) {
        (Some(t), Some(f)) => (t, f),
        _ => panic!("usage: describe <gradient_valid|gradient_hostile> <input file>"),
    };
    let data = std::fs::read(&file).expect("read the input");
    let decode: Decode = match target.as_str() {
        "gradient_valid" => gradient_fuzz::valid::decode,
        "gradient_hostile" => gradient_fuzz::hostile::decode,
        other => panic!("unknown target {other}"),
    };
    let call = decode(&data);
    println!("{}\n{}", call.describe(), call.label());
}
