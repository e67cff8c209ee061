//! The event queue: pending events by time, first in first out within a time.
//!
//! The order is (time, insertion number), as a binary heap of `(time, seq, ...)`
//! would give, but simultaneous events (most of them: executions of equal length
//! started together end together) sit in one bucket instead of each paying a heap
//! sift. The buckets are keyed by time in a `BTreeMap` (a handful of distinct times
//! are pending at once) that holds each bucket's slot in a slab; the last bucket
//! pushed to is remembered (executions of equal length started together queue their
//! ends one after another), so most pushes skip the map. Bucket vectors are reused,
//! so a steady run allocates nothing per event.

use std::collections::BTreeMap;

use crate::calendar::Instant;

/// One pending event: its kind and two operands (instance or chain, attempt).
pub(super) type Item<E> = (E, u32, u32);

pub(super) struct Queue<E> {
    /// Time → the bucket's slot in `slab`.
    buckets: BTreeMap<Instant, usize>,
    slab: Vec<Vec<Item<E>>>,
    /// Slots of `slab` not in use.
    free: Vec<usize>,
    /// The bucket pushed to last, while it is in the map.
    last: Option<(Instant, usize)>,
    /// Emptied bucket vectors, kept for reuse.
    spare: Vec<Vec<Item<E>>>,
    /// Events queued so far.
    queued: u64,
}

impl<E: Copy> Queue<E> {
    pub(super) fn new() -> Self {
        Queue {
            buckets: BTreeMap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            last: None,
            spare: Vec::new(),
            queued: 0,
        }
    }

    #[inline]
    pub(super) fn push(&mut self, at: Instant, item: Item<E>) {
        self.queued += 1;
        let slot = match self.last {
            Some((last, slot)) if last == at => slot,
            _ => self.bucket(at),
        };
        self.slab[slot].push(item);
    }

    /// The slot of time `at`'s bucket, made if need be; remembered as the last.
    #[inline(never)]
    fn bucket(&mut self, at: Instant) -> usize {
        let (slab, free, spare) = (&mut self.slab, &mut self.free, &mut self.spare);
        let slot = *self.buckets.entry(at).or_insert_with(|| {
            let bucket = spare.pop().unwrap_or_default();
            match free.pop() {
                Some(slot) => {
                    slab[slot] = bucket;
                    slot
                }
                None => {
                    slab.push(bucket);
                    slab.len() - 1
                }
            }
        });
        self.last = Some((at, slot));
        slot
    }

    /// The earliest pending time.
    pub(super) fn next_time(&self) -> Option<Instant> {
        self.buckets.first_key_value().map(|(&t, _)| t)
    }

    /// Takes every event pending at the earliest time `t`, in insertion order; events
    /// queued at `t` while these run form a new bucket at `t`, taken next.
    pub(super) fn take_first(&mut self) -> Option<(Instant, Vec<Item<E>>)> {
        let (t, slot) = self.buckets.pop_first()?;
        if self.last.is_some_and(|(last, _)| last == t) {
            self.last = None;
        }
        self.free.push(slot);
        Some((t, std::mem::take(&mut self.slab[slot])))
    }

    /// Gives back a bucket once its events have run.
    pub(super) fn recycle(&mut self, mut bucket: Vec<Item<E>>) {
        bucket.clear();
        self.spare.push(bucket);
    }

    /// Every pending event with its time, in no particular order.
    pub(super) fn pending(&self) -> impl Iterator<Item = (Instant, Item<E>)> + '_ {
        self.buckets
            .iter()
            .flat_map(move |(&t, &slot)| self.slab[slot].iter().map(move |&item| (t, item)))
    }

    /// How many events were queued in all.
    pub(super) fn queued(&self) -> u64 {
        self.queued
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    proptest! {
        /// The queue gives events in exactly the order of a binary heap over
        /// (time, insertion number), including events queued at the current time
        /// while that time's events run.
        #[test]
        fn order_is_a_heap_over_time_then_insertion(
            ops in proptest::collection::vec((0i64..6, 0u32..3, any::<bool>()), 1..200)
        ) {
            let mut q: Queue<u8> = Queue::new();
            let mut heap = BinaryHeap::new();
            let mut seq = 0u64;
            let mut now = 0i64;
            let (mut got, mut want) = (Vec::new(), Vec::new());
            let mut ops = ops.into_iter();
            // Seed both, then interleave: each taken event may queue another at
            // `now + dt` (dt 0 is the current time).
            for (dt, tag, _) in ops.by_ref().take(5) {
                seq += 1;
                q.push(dt, (tag as u8, seq as u32, 0));
                heap.push(Reverse((dt, seq, tag as u8)));
            }
            while let Some((t, bucket)) = q.take_first() {
                now = now.max(t);
                for &(tag, id, _) in &bucket {
                    got.push((t, tag, id));
                    let Reverse((ht, hseq, htag)) = heap.pop().unwrap();
                    want.push((ht, htag, hseq as u32));
                    if let Some((dt, tag, more)) = ops.next()
                        && more
                    {
                        seq += 1;
                        q.push(now + dt, (tag as u8, seq as u32, 0));
                        heap.push(Reverse((now + dt, seq, tag as u8)));
                    }
                }
                q.recycle(bucket);
            }
            prop_assert!(heap.is_empty());
            prop_assert_eq!(got, want);
            prop_assert_eq!(q.queued(), seq);
        }
    }
}
