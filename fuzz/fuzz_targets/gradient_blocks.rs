//! Blocks with halos (`grad_block_halo`, `grad_options_set_block`): the predicted status,
//! the halo widths derived from numpy's formulas, and on success the block of the
//! whole-array result, bit for bit, read from an exactly sized block-and-halo buffer. See
//! `gradient_fuzz::blocks`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gradient_fuzz::blocks::decode(data).run());
