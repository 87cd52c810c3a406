//! `grad_gradient` / `grad_gradient_f64` calls whose shapes, strides, lengths, counts and
//! pointers come from arbitrary integers (overflowing, wrapping, NULL, misaligned or
//! made-up): each must be rejected with a status and leave memory untouched, unless it is
//! honest, in which case it gets the valid target's checks. See `gradient_fuzz::hostile`.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// AddressSanitizer's options (read at start-up): an allocation it cannot make returns NULL
/// instead of aborting, so that a coordinate array too large to copy gives
/// `GRAD_STATUS_OUT_OF_MEMORY` (see `harness::UNALLOCATABLE_BYTES`).
#[unsafe(no_mangle)]
pub extern "C" fn __asan_default_options() -> *const std::ffi::c_char {
    c"allocator_may_return_null=1".as_ptr()
}

fuzz_target!(|data: &[u8]| gradient_fuzz::hostile::decode(data).run());
