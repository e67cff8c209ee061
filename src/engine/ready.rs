//! A resource group's ready queue: instances waiting for a slot, taken smallest
//! (priority key, scheduled, id) first, exactly as a binary heap of those triples
//! would give them.
//!
//! Most of a queue shares a handful of (key, scheduled) pairs (every instance of one
//! hour of one date, at one priority), so the queue is two levels: buckets by
//! (key, scheduled) in a `BTreeMap`, each a small heap of ids. A pop sifts through
//! the ids of one bucket instead of the whole queue, and compares `u32`s instead of
//! triples. Emptied buckets' heaps are kept for reuse: a steady run allocates nothing
//! per instance.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use crate::calendar::Instant;

/// (priority key, scheduled, instance).
pub(super) type Entry = (i64, Instant, u32);

#[derive(Default)]
pub(super) struct Ready {
    buckets: BTreeMap<(i64, Instant), BinaryHeap<Reverse<u32>>>,
    spare: Vec<BinaryHeap<Reverse<u32>>>,
}

impl Ready {
    pub(super) fn push(&mut self, (key, scheduled, id): Entry) {
        let spare = &mut self.spare;
        self.buckets
            .entry((key, scheduled))
            .or_insert_with(|| spare.pop().unwrap_or_default())
            .push(Reverse(id));
    }

    /// The smallest entry, taken out of the queue.
    pub(super) fn pop(&mut self) -> Option<Entry> {
        let mut first = self.buckets.first_entry()?;
        let ((key, scheduled), ids) = (*first.key(), first.get_mut());
        let Reverse(id) = ids.pop()?;
        if ids.is_empty() {
            self.spare.push(first.remove());
        }
        Some((key, scheduled, id))
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
