//! Shared harness of the fuzz targets of `gradient`'s C ABI.
//!
//! - [`reader`]: any byte string → a sequence of choices;
//! - [`memory`]: exactly sized buffers, dtypes, array descriptors and the header's rules
//!   for them (empty, rejected, inside the buffer, or a lie);
//! - [`reference`](mod@reference): an independent, element-by-element `numpy.gradient`;
//! - [`harness`]: a call's arguments, the statuses it may return, and the checks after it;
//! - [`valid`] and [`hostile`]: the decoders of the two targets.
//!
//! The targets (`fuzz_targets/`) only call [`valid::run`] or [`hostile::run`]; the seed
//! generator (`examples/gen_seeds.rs`) uses the decoders to pick varied inputs.

pub mod harness;
pub mod hostile;
pub mod memory;
pub mod reader;
pub mod reference;
pub mod valid;
