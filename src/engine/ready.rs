//! A resource group's ready queue: instances waiting for a slot, taken smallest
//! (priority key, scheduled, id) first, exactly as a binary heap of those triples
//! would give them.
//!
//! Most of a queue shares a handful of (key, scheduled) pairs (every instance of one
//! hour of one date, at one priority), so the queue is two levels: buckets by
//! (key, scheduled) in a `BTreeMap`, each a small heap of ids. A pop sifts through
//! the ids of one bucket instead of the whole queue, and compares `u32`s instead of
//! triples. The map holds each bucket's slot in a slab, and the last bucket pushed to
//! is remembered: instances made ready together mostly share a bucket, so most pushes
//! skip the map. Emptied buckets' heaps are kept for reuse: a steady run allocates
//! nothing per instance.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use crate::calendar::Instant;

/// (priority key, scheduled, instance).
pub(super) type Entry = (i64, Instant, u32);

#[derive(Default)]
pub(super) struct Ready {
    /// (key, scheduled) → the bucket's slot in `slab`.
    buckets: BTreeMap<(i64, Instant), usize>,
    slab: Vec<BinaryHeap<Reverse<u32>>>,
    /// Slots of `slab` not in use (their heaps empty).
    free: Vec<usize>,
    /// The bucket pushed to last, while it is in the map.
    last: Option<((i64, Instant), usize)>,
}

impl Ready {
    pub(super) fn push(&mut self, (key, scheduled, id): Entry) {
        let k = (key, scheduled);
        let slot = match self.last {
            Some((last, slot)) if last == k => slot,
            _ => {
                let (slab, free) = (&mut self.slab, &mut self.free);
                let slot = *self.buckets.entry(k).or_insert_with(|| {
                    free.pop().unwrap_or_else(|| {
                        slab.push(BinaryHeap::new());
                        slab.len() - 1
                    })
                });
                self.last = Some((k, slot));
                slot
            }
        };
        self.slab[slot].push(Reverse(id));
    }

    /// The smallest entry, taken out of the queue.
    pub(super) fn pop(&mut self) -> Option<Entry> {
        let first = self.buckets.first_entry()?;
        let (k, slot) = (*first.key(), *first.get());
        let Reverse(id) = self.slab[slot].pop()?;
        if self.slab[slot].is_empty() {
            first.remove();
            self.free.push(slot);
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
            let mut q = Ready::default();
            let mut heap = BinaryHeap::new();
            for (key, scheduled, id, pops) in ops {
                q.push((key, scheduled, id));
                heap.push(Reverse((key, scheduled, id)));
                for _ in 0..pops {
                    prop_assert_eq!(q.pop(), heap.pop().map(|Reverse(e)| e));
                }
            }
            while let Some(Reverse(e)) = heap.pop() {
                prop_assert_eq!(q.pop(), Some(e));
            }
            prop_assert_eq!(q.pop(), None);
        }
    }
}
