//! A byte reader that turns any fuzzer input into choices.
//!
//! Every read succeeds: past the end of the input it yields zeros, so every byte string
//! decodes to some call, and the all-zero (or empty) input decodes to the most ordinary one
//! (each decoder lists its usual option first). One byte per small choice keeps inputs
//! short and lets libFuzzer's byte-level mutations map onto single decisions.

/// Reads choices from a fuzzer input, front to back.
#[derive(Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// The next byte, or 0 past the end.
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos = self.pos.saturating_add(1);
        b
    }

    /// A choice in `0..n` (`n >= 1`): from one byte when `n <= 256`, else from four.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n >= 1);
        if n <= 256 {
            usize::from(self.u8()) % n
        } else {
            self.u32() as usize % n
        }
    }

    /// True with probability about `1/n` (never for the zero byte).
    pub fn one_in(&mut self, n: usize) -> bool {
        let b = self.u8();
        b != 0 && usize::from(b) % n == 0
    }

    /// One of `options` (the first for the zero byte).
    pub fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.below(options.len())]
    }

    /// Eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        b.iter_mut().for_each(|x| *x = self.u8());
        u64::from_le_bytes(b)
    }

    /// Four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        b.iter_mut().for_each(|x| *x = self.u8());
        u32::from_le_bytes(b)
    }

    /// A `usize` biased to the values that break size arithmetic: small numbers, powers of
    /// two near the limits, `isize::MAX` and its quotients by element sizes, `usize::MAX`.
    pub fn wild_usize(&mut self) -> usize {
        const M: usize = isize::MAX as usize;
        let interesting = [
            0,
            1,
            2,
            3,
            4,
            5,
            7,
            8,
            1 << 31,
            1 << 32,
            1 << 40,
            1 << 61,
            1 << 62,
            1 << 63,
            M,
            M / 8,
            M / 8 + 1,
            M / 16 + 1,
            M / 2 + 1,
            M / 3,
            usize::MAX,
            usize::MAX - 1,
            usize::MAX / 3,
            (1 << 32) + 1,
        ];
        match self.below(32) {
            i if i < interesting.len() => interesting[i],
            24..=27 => self.u64() as usize,
            _ => self.below(16),
        }
    }

    /// An `isize` biased like [`Reader::wild_usize`], with both signs.
    pub fn wild_isize(&mut self) -> isize {
        let interesting = [
            1,
            0,
            -1,
            2,
            -2,
            3,
            -3,
            isize::MIN,
            isize::MAX,
            isize::MIN + 1,
            1 << 40,
            -(1 << 40),
            isize::MAX / 8,
            isize::MAX / 16 + 1,
            -(isize::MAX / 8) - 1,
            1 << 62,
            -(1 << 62),
            isize::MAX / 2 + 1,
            isize::MIN / 2,
            5,
        ];
        match self.below(32) {
            i if i < interesting.len() => interesting[i],
            20..=25 => self.u64() as isize,
            _ => self.below(13) as isize - 6,
        }
    }

    /// An `i32` biased to small values, the limits and the raw bits.
    pub fn wild_i32(&mut self) -> i32 {
        match self.below(8) {
            0..=3 => self.below(9) as i32 - 4,
            4 => i32::MIN,
            5 => i32::MAX,
            _ => self.u32() as i32,
        }
    }

    /// A double biased to the values that matter for finite differences: small integers,
    /// halves and tenths, signed zeros, infinities, NaN, huge and subnormal magnitudes.
    pub fn float(&mut self) -> f64 {
        const SPECIAL: [f64; 16] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.1,
            3.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e308,
            -1e308,
            5e-324,
            1e-300,
            1e39,
            f64::MAX,
        ];
        let b = self.u8();
        match b {
            0..=159 => f64::from(b as i8 % 80) * 0.25 + f64::from(b % 3) * 0.1,
            160..=175 => SPECIAL[usize::from(b - 160)],
            176..=191 => f64::from(self.u32() as i32) / f64::from(1u32 << (b - 176)),
            _ => f64::from_bits(self.u64()),
        }
    }

    /// Whether the whole input has been consumed.
    pub fn exhausted(&self) -> bool {
        self.pos >= self.data.len()
    }
}
