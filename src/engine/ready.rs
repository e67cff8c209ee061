//! A resource group's ready queue: instances waiting for a slot, taken smallest
//! (priority key, scheduled, id) first, exactly as a binary heap of those triples
//! would give them.
//!
//! Most of a queue shares a handful of (key, scheduled) pairs (every instance of one
//! hour of one date, at one priority), so the queue is two levels: buckets by
//! (key, scheduled) in a `BTreeMap`, each holding ids. A bucket's ids mostly arrive
//! in increasing order (instances are numbered as they are created, and become ready
//! in about that order), so a bucket is a FIFO while they do, and becomes a heap at
//! the first id not greater than its last: a pop takes the front, or sifts a heap of
//! `u32`s, never the whole queue's triples. The map holds each bucket's slot in a
//! slab; the last bucket pushed to and the smallest bucket are remembered, so most
//! pushes and pops skip the map. Emptied buckets are kept for reuse (a FIFO with its
//! allocation; one that became a heap as a fresh FIFO): a steady run allocates
//! nothing per instance.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use crate::calendar::Instant;

/// (priority key, scheduled, instance).
pub(super) type Entry = (i64, Instant, u32);

/// The ids of one (key, scheduled) bucket.
enum Bucket {
    /// Every id pushed so far was larger than the one before: smallest first.
    Fifo(VecDeque<u32>),
    /// Some id came out of order.
    Heap(BinaryHeap<Reverse<u32>>),
}

impl Bucket {
    #[inline]
    fn push(&mut self, id: u32) {
        match self {
            Bucket::Fifo(q) if q.back().is_none_or(|&last| last < id) => q.push_back(id),
            _ => self.push_slow(id),
        }
    }

    /// An id out of order: the bucket is (or becomes) a heap.
    #[cold]
    fn push_slow(&mut self, id: u32) {
        match self {
            Bucket::Fifo(q) => {
                let mut heap: BinaryHeap<Reverse<u32>> = q.drain(..).map(Reverse).collect();
                heap.push(Reverse(id));
                *self = Bucket::Heap(heap);
            }
            Bucket::Heap(h) => h.push(Reverse(id)),
        }
    }

    fn pop(&mut self) -> Option<u32> {
        match self {
            Bucket::Fifo(q) => q.pop_front(),
            Bucket::Heap(h) => h.pop().map(|Reverse(id)| id),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Bucket::Fifo(q) => q.is_empty(),
            Bucket::Heap(h) => h.is_empty(),
        }
    }

    /// An emptied bucket, ready to be a FIFO again (a FIFO keeps its allocation).
    fn reset(&mut self) {
        if let Bucket::Heap(h) = self {
            let ids: Vec<Reverse<u32>> = std::mem::take(h).into_vec();
            let mut q = VecDeque::with_capacity(ids.capacity());
            q.extend(ids.into_iter().map(|Reverse(id)| id));
            *self = Bucket::Fifo(q);
        }
    }
}

#[derive(Default)]
pub(super) struct Ready {
    /// (key, scheduled) → the bucket's slot in `slab`.
    buckets: BTreeMap<(i64, Instant), usize>,
    slab: Vec<Bucket>,
    /// Slots of `slab` not in use (their buckets empty).
    free: Vec<usize>,
    /// The bucket pushed to last, while it is in the map.
    last: Option<((i64, Instant), usize)>,
    /// The smallest bucket, while it is in the map: pops take from it without
    /// walking the map until it is empty.
    first: Option<((i64, Instant), usize)>,
}

impl Ready {
    #[inline]
    pub(super) fn push(&mut self, (key, scheduled, id): Entry) {
        let k = (key, scheduled);
        let slot = match self.last {
            Some((last, slot)) if last == k => slot,
            _ => self.bucket(k),
        };
        self.slab[slot].push(id);
        if self.first.is_some_and(|(first, _)| k < first) {
            self.first = Some((k, slot));
        }
    }

    /// The slot of bucket `k`, made if need be; remembered as the last.
    #[inline(never)]
    fn bucket(&mut self, k: (i64, Instant)) -> usize {
        let (slab, free) = (&mut self.slab, &mut self.free);
        let slot = *self.buckets.entry(k).or_insert_with(|| {
            free.pop().unwrap_or_else(|| {
                slab.push(Bucket::Fifo(VecDeque::new()));
                slab.len() - 1
            })
        });
        self.last = Some((k, slot));
        slot
    }

    /// The smallest entry, taken out of the queue. Most pops take the front of the
    /// remembered smallest FIFO and leave it non-empty: that path is inlined into
    /// the dispatch loop, so the entry comes back in registers.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<Entry> {
        if let Some((k, slot)) = self.first
            && let Bucket::Fifo(q) = &mut self.slab[slot]
            && q.len() > 1
            && let Some(id) = q.pop_front()
        {
            return Some((k.0, k.1, id));
        }
        self.pop_slow()
    }

    /// [`Ready::pop`] from a heap bucket, one it empties, or after the map.
    #[inline(never)]
    fn pop_slow(&mut self) -> Option<Entry> {
        let (k, slot) = match self.first {
            Some(first) => first,
            None => {
                let (&k, &slot) = self.buckets.first_key_value()?;
                self.first = Some((k, slot));
                (k, slot)
            }
        };
        let id = self.slab[slot].pop()?;
        if self.slab[slot].is_empty() {
            self.slab[slot].reset();
            self.buckets.remove(&k);
            self.free.push(slot);
            self.first = None;
            if self.last.is_some_and(|(last, _)| last == k) {
                self.last = None;
            }
        }
        Some((k.0, k.1, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

    /// Pushes each entry, then pops as many times as it says, and checks every pop
    /// (and those that empty the queue at the end) against a binary heap's.
    fn pops_as_a_heap(ops: impl IntoIterator<Item = (Entry, u8)>) -> Result<(), TestCaseError> {
        let mut q = Ready::default();
        let mut heap = BinaryHeap::new();
        for (entry, pops) in ops {
            q.push(entry);
            heap.push(Reverse(entry));
            for _ in 0..pops {
                prop_assert_eq!(q.pop(), heap.pop().map(|Reverse(e)| e));
            }
        }
        while let Some(Reverse(e)) = heap.pop() {
            prop_assert_eq!(q.pop(), Some(e));
        }
        prop_assert_eq!(q.pop(), None);
        Ok(())
    }

    proptest! {
        /// Pushes and pops in any interleaving give what a binary heap of the
        /// triples gives.
        #[test]
        fn pops_as_a_binary_heap_of_triples(
            ops in proptest::collection::vec(
                (-2i64..3, 0i64..5, 0u32..400, 0u8..3),
                1..300,
            )
        ) {
            pops_as_a_heap(ops.into_iter().map(|(key, scheduled, id, pops)| ((key, scheduled, id), pops)))?;
        }

        /// The same when ids mostly come in increasing order, as instances are made
        /// ready (buckets stay FIFOs, and turn into heaps at an id out of order).
        #[test]
        fn mostly_increasing_ids_pop_as_a_binary_heap_of_triples(
            ops in proptest::collection::vec(
                (0i64..2, 0i64..3, 0u32..40, 0u8..3),
                1..300,
            )
        ) {
            let mut next = 10_000u32;
            pops_as_a_heap(ops.into_iter().map(|(key, scheduled, step, pops)| {
                // One step in eight goes back.
                next = if step < 5 { next - step } else { next + step };
                ((key, scheduled, next), pops)
            }))?;
        }
    }
}
