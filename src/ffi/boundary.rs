//! The panic boundary that every exported function runs inside.
//!
//! A panic unwinding out of an `extern "C"` function aborts the host process (a C
//! program, MATLAB, Julia, Python). Every export therefore runs its body here: a panic
//! becomes `GRAD_STATUS_PANIC` with its message in `grad_last_error()`.

use super::status::{Failure, grad_status, record};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs a fallible body, records its outcome for `grad_last_error()`, returns its status.
pub(crate) fn status(body: impl FnOnce() -> Result<(), Failure>) -> grad_status {
    // The body only borrows caller memory it has validated; a panic leaves no Rust state
    // half-updated that a later call could observe, so unwind safety can be asserted.
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        Err(Failure::new(
            grad_status::Panic,
            format!("internal error: {}; please report", panic_text(&*payload)),
        ))
    });
    match outcome {
        Ok(()) => {
            record(None);
            grad_status::Ok
        }
        Err(failure) => {
            record(Some(&failure.message));
            failure.status
        }
    }
}

/// Runs an infallible body; returns `fallback` if it panics.
pub(crate) fn value<R>(fallback: R, body: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn panic_text(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panic")
}
