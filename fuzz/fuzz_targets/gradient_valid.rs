//! Well-formed `grad_gradient` / `grad_gradient_f64` calls over buffers of exactly the
//! claimed size: no crash, no access outside a buffer (AddressSanitizer), and either
//! success with outputs equal bit for bit to the independent reference and every other
//! byte unchanged, or the predicted error status with nothing written. See
//! `gradient_fuzz::valid`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gradient_fuzz::valid::decode(data).run());
