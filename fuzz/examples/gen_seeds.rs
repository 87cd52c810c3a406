//! Writes the seed corpus `fuzz/corpus/<target>/` from random inputs, keeping the first
//! input for each distinct call summary (API, dtype, ndim, axes, spacing kinds, edge order,
//! threads, predicted outcome) until `OK_SEEDS` successful calls and `FAIL_SEEDS` failing
//! ones with distinct predicted statuses are kept, and runs every kept input once through the target's checks (so the seeds are
//! known to pass).
//!
//! ```sh
//! cd fuzz && cargo run --release --example gen_seeds     # rewrites corpus/*/seed-*
//! ```

use std::collections::BTreeSet;
use std::path::Path;

/// Seeds per target: successful calls, then calls that must fail.
const OK_SEEDS: usize = 26;
const FAIL_SEEDS: usize = 14;

/// A target's decoder.
type Decode = fn(&[u8]) -> gradient_fuzz::harness::Call;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let targets: [(&str, Decode); 2] = [
        ("gradient_valid", gradient_fuzz::valid::decode),
        ("gradient_hostile", gradient_fuzz::hostile::decode),
    ];
    for (name, decode) in targets {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("create corpus dir");
        for old in std::fs::read_dir(&dir).expect("read corpus dir").flatten() {
            if old.file_name().to_string_lossy().starts_with("seed-") {
                std::fs::remove_file(old.path()).expect("remove old seed");
            }
        }
        // xorshift64*, fixed seed: the corpus is reproducible.
        let mut state = 0x2545_F491_4F6C_DD1Du64 ^ name.len() as u64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut seen = BTreeSet::new();
        let (mut kept, mut ok, mut fail) = (0, 0, 0);
        for _ in 0..200_000 {
            if ok == OK_SEEDS && fail == FAIL_SEEDS {
                break;
            }
            let len = 8 + (next() % 88) as usize;
            // Mostly zeros and small bytes (the decoders' usual options), some arbitrary.
            let data: Vec<u8> = (0..len)
                .map(|_| match next() % 4 {
                    0 | 1 => 0,
                    2 => (next() % 8) as u8,
                    _ => (next() >> 8) as u8,
                })
                .collect();
            let l = decode(&data).label();
            let succeeds = l.ends_with(" ok");
            let full = if succeeds {
                ok == OK_SEEDS
            } else {
                fail == FAIL_SEEDS
            };
            // Failing seeds: one per distinct predicted outcome (status set).
            let key = if succeeds {
                l.clone()
            } else {
                l.rsplit(' ').next().unwrap_or("").to_string()
            };
            if l.contains("skip") || full || !seen.insert(key) {
                continue;
            }
            if succeeds {
                ok += 1
            } else {
                fail += 1
            }
            decode(&data).run();
            std::fs::write(dir.join(format!("seed-{kept:03}")), &data).expect("write seed");
            println!("{name} seed-{kept:03}: {l}");
            kept += 1;
        }
    }
}
