//! `grad_gradient` / `grad_gradient_f64` calls whose shapes, strides, lengths, counts and
//! pointers come from arbitrary integers (overflowing, wrapping, NULL, misaligned or
//! made-up): each must be rejected with a status and leave memory untouched, unless it is
//! honest, in which case it gets the valid target's checks. See `gradient_fuzz::hostile`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gradient_fuzz::hostile::decode(data).run());
