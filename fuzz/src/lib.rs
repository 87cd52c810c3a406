//! Shared harness of the fuzz targets of `gradient`'s C ABI.
//!
//! - [`reader`]: any byte string → a sequence of choices;
//! - [`memory`]: exactly sized buffers, dtypes, array descriptors and the header's rules
//!   for them (empty, rejected, inside the buffer, or a lie);
//! - [`reference`](mod@reference): an independent, element-by-element `numpy.gradient`;
//! - [`harness`]: a call's arguments, the statuses it may return, and the checks after it;
//! - [`valid`] and [`hostile`]: the decoders of the two targets of the one-call functions
//!   and the plan API;
//! - [`blocks`]: the third target's cases, blocks with halos, and their checks.
//!
//! The targets (`fuzz_targets/`) only decode a case and run it; the seed
//! generator (`examples/gen_seeds.rs`) uses the decoders to pick varied inputs.

pub mod blocks;
pub mod harness;
pub mod hostile;
pub mod memory;
pub mod reader;
pub mod reference;
pub mod valid;
