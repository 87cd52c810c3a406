//! Well-formed `grad_gradient` / `grad_gradient_f64` calls over buffers of exactly the
//! claimed size: no crash, no access outside a buffer (AddressSanitizer), and either
//! success with outputs equal bit for bit to the independent reference and every other
//! byte unchanged, or the predicted error status with nothing written. See
//! `gradient_fuzz::valid`.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// AddressSanitizer's options (read at start-up): an allocation it cannot make returns NULL
/// instead of aborting, so that a coordinate array too large to copy gives
/// `GRAD_STATUS_OUT_OF_MEMORY` (see `harness::UNALLOCATABLE_BYTES`).
#[unsafe(no_mangle)]
pub extern "C" fn __asan_default_options() -> *const std::ffi::c_char {
    c"allocator_may_return_null=1".as_ptr()
}

fuzz_target!(|data: &[u8]| gradient_fuzz::valid::decode(data).run());
