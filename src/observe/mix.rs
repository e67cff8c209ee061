//! A fast hash for the observers' maps, whose order never reaches an output: a
//! multiplicative hash (Fibonacci hashing) taken a word at a time, the high half
//! folded into the low bits a table indexes by (waits' totals are often multiples of
//! a minute, alike in their low bits). The standard `SipHash` was 5% of a run whose
//! every instance writes a partition, for keys no adversary chooses.

use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` under [`Mix`].
pub type MixMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Mix>>;

#[derive(Default)]
pub struct Mix(u64);

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        // The length first: a tail shorter than a word is padded with zeros, and
        // `str`'s `Hash` ends with a 0xff byte, not its length ("a" and "a\0").
        self.write_u64(bytes.len() as u64);
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.write_u64(u64::from_le_bytes(w.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash(x: impl Hash) -> u64 {
        BuildHasherDefault::<Mix>::default().hash_one(x)
    }

    #[test]
    fn strings_that_differ_in_any_byte_or_length_hash_apart() {
        // A tail shorter than a word is padded with zeros: the length tells "a" from
        // "a\0".
        let keys = [
            "",
            "a",
            "a\0",
            "dt=20250101",
            "dt=20250102",
            "dt=20250101/hh=00",
            "dt=20250101/hh=01",
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(hash(a), hash(b), "{a:?} {b:?}");
            }
        }
    }
}
