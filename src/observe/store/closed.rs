//! What a windowed run keeps of the partitions it closed: a 64-bit fingerprint of each
//! key (so that a later reference to one is seen, and the run starts again keeping
//! every instance), a count per status, and, of each bad status, the partitions first
//! by key: those the text summary lists and idempotent-writes' witness lines quote.

use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::{Partition, Status};

/// Of each bad status, this many closed partitions are kept, first by key: at least
/// what the summary lists (10) and a property's witness lines (20) read.
pub(super) const KEPT: usize = 20;

/// The fingerprint of a partition's key (table id, name): the standard library's
/// SipHash with its fixed keys, so that two keys sharing one is as rare as chance makes
/// it, whatever their structure (dates differ in a few digits; the maps' multiplicative
/// hash does not spread a high bit's difference down). It never reaches an output: a
/// collision only makes a run start again keeping every instance.
pub(super) fn fingerprint(table: u32, name: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    table.hash(&mut h);
    name.hash(&mut h);
    h.finish()
}

/// Fingerprints taken as they are (already uniform).
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 fingerprints are hashed")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A set of fingerprints at 9 bytes each: most in one sorted vector (searched by
/// interpolation, the fingerprints being uniform: two or three probes), the latest in
/// a small hash set merged into it once it holds an eighth as many; and in front, a
/// Bloom filter of a byte per fingerprint, three bits of one word each, that answers
/// most lookups (of keys never closed) with one read of a small array where the
/// sorted vector would take several reads of an array eight times as large.
#[derive(Default)]
pub(super) struct Fingerprints {
    sorted: Vec<u64>,
    recent: HashSet<u64, BuildHasherDefault<Identity>>,
    bloom: Vec<u64>,
}

/// Fingerprints per word of the Bloom filter (8 bits each: 3 to 5% false positives).
const PER_WORD: usize = 8;

/// The word of the Bloom filter a fingerprint sets (its high bits), and its three bits
/// there (its low 18 bits).
fn bloom_bits(f: u64, words: usize) -> (usize, u64) {
    let word = (f >> 32) as usize & (words - 1);
    let bits = (1 << (f & 63)) | (1 << ((f >> 6) & 63)) | (1 << ((f >> 12) & 63));
    (word, bits)
}

impl Fingerprints {
    pub fn insert(&mut self, f: u64) {
        if !self.recent.insert(f) {
            return;
        }
        if self.len() > self.bloom.len() * PER_WORD {
            self.rebuild_bloom();
        }
        let (w, bits) = bloom_bits(f, self.bloom.len());
        self.bloom[w] |= bits;
        if self.recent.len() >= (self.sorted.len() / 8).max(4096) {
            self.merge();
        }
    }

    pub fn contains(&self, f: u64) -> bool {
        if self.bloom.is_empty() {
            return false;
        }
        let (w, bits) = bloom_bits(f, self.bloom.len());
        self.bloom[w] & bits == bits && (self.recent.contains(&f) || interpolate(&self.sorted, f))
    }

    fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    /// A Bloom filter twice as large (at least 1,024 words), of every fingerprint.
    fn rebuild_bloom(&mut self) {
        let words = (self.bloom.len() * 2).max(1024);
        let mut bloom = vec![0u64; words];
        for &f in self.sorted.iter().chain(&self.recent) {
            let (w, bits) = bloom_bits(f, words);
            bloom[w] |= bits;
        }
        self.bloom = bloom;
    }

    /// Merges the recent ones into the sorted vector, in place from its end.
    fn merge(&mut self) {
        let mut new: Vec<u64> = self.recent.drain().collect();
        new.sort_unstable();
        let old = self.sorted.len();
        self.sorted.reserve_exact(new.len());
        self.sorted.resize(old + new.len(), 0);
        let (mut i, mut j, mut k) = (old, new.len(), old + new.len());
        while j > 0 {
            if i > 0 && self.sorted[i - 1] > new[j - 1] {
                self.sorted[k - 1] = self.sorted[i - 1];
                i -= 1;
            } else {
                self.sorted[k - 1] = new[j - 1];
                j -= 1;
            }
            k -= 1;
        }
    }
}

/// Whether sorted `v` holds `f`: interpolation search, then a binary one in the last
/// few places.
fn interpolate(v: &[u64], f: u64) -> bool {
    let (mut lo, mut hi) = (0usize, v.len());
    while hi - lo > 16 {
        let (a, b) = (v[lo], v[hi - 1]);
        if f < a || f > b {
            return false;
        }
        if a == b {
            return true;
        }
        let at = lo + ((u128::from(f - a) * (hi - 1 - lo) as u128) / u128::from(b - a)) as usize;
        match v[at].cmp(&f) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = at + 1,
            std::cmp::Ordering::Greater => hi = at,
        }
    }
    v[lo..hi].binary_search(&f).is_ok()
}

/// The closed partitions: counts, and the first [`KEPT`] of each bad status by key.
#[derive(Default)]
pub(super) struct Closed {
    pub fingerprints: Fingerprints,
    /// Per status (`Status::index`), the partitions counted and not kept.
    pub dropped: [u64; 4],
    /// idempotent-writes' count of the duplicated partitions dropped: their
    /// duplicated logical instances.
    pub dropped_duplicates: usize,
    /// Per bad status, by key (table id, name).
    kept: [BTreeMap<(u32, String), Partition>; 3],
}

impl Closed {
    /// Whether a partition of `status` under `key` is to be kept (so far): the caller
    /// builds it only then, and counts it dropped otherwise.
    pub fn wants(&self, status: Status, key: &(u32, String)) -> bool {
        let Some(b) = bad(status) else { return false };
        let kept = &self.kept[b];
        kept.len() < KEPT || kept.last_key_value().is_some_and(|(last, _)| key < last)
    }

    /// Keeps a partition [`Closed::wants`]; the last by key of its status is dropped if
    /// it had [`KEPT`] already.
    pub fn keep(&mut self, key: (u32, String), p: Partition) {
        let b = bad(p.status).expect("only bad partitions are kept");
        self.kept[b].insert(key, p);
        if self.kept[b].len() > KEPT
            && let Some((_, last)) = self.kept[b].pop_last()
        {
            self.drop_one(&last);
        }
    }

    pub fn drop_one(&mut self, p: &Partition) {
        self.dropped[p.status.index()] += 1;
        if p.status == Status::Duplicated {
            self.dropped_duplicates += p.duplicated.len();
        }
    }

    /// The partitions kept, with their keys.
    pub fn into_kept(self) -> impl Iterator<Item = ((u32, String), Partition)> {
        self.kept.into_iter().flatten()
    }
}

/// A bad status's place in [`Closed::kept`].
fn bad(s: Status) -> Option<usize> {
    match s {
        Status::Duplicated => Some(0),
        Status::Misaligned => Some(1),
        Status::Missing => Some(2),
        Status::Ok => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_find_what_was_inserted_and_nothing_else() {
        let mut set = Fingerprints::default();
        let keys: Vec<u64> = (0..50_000u32)
            .map(|d| fingerprint(d % 7, &format!("dt={d}")))
            .collect();
        for (k, &f) in keys.iter().enumerate() {
            if k % 2 == 0 {
                set.insert(f);
            }
        }
        // Merged at least once (an eighth of what is sorted, from 4,096).
        assert!(!set.sorted.is_empty() && set.sorted.is_sorted());
        for (k, &f) in keys.iter().enumerate() {
            assert_eq!(set.contains(f), k % 2 == 0, "key {k}");
        }
        assert!(!set.contains(0) && !set.contains(u64::MAX));
    }

    #[test]
    fn interpolation_search_finds_ends_and_misses_gaps() {
        let v: Vec<u64> = (0..1000u64).map(|k| k * 1_000_003 + 7).collect();
        for (k, &x) in v.iter().enumerate() {
            assert!(interpolate(&v, x), "{k}");
            assert!(!interpolate(&v, x + 1), "{k}");
        }
        assert!(!interpolate(&v, 0));
        assert!(!interpolate(&[], 5));
        assert!(interpolate(&[u64::MAX; 40], u64::MAX));
    }
}
