//! The floor of the chained hourly backfill (issue 15; `../shared/bench/floor.rs`,
//! the same loop): a hand-specialised binary-heap event loop for exactly this one
//! scenario, dense indices, nothing allocated per event, only what is in flight kept.
//! The practical limit a general engine is measured against.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Runs the backfill; returns (makespan in seconds, instances run).
pub fn floor(
    dates: u64,
    chains: u64,
    chain_len: u64,
    groups: u64,
    slots: u64,
    minutes: u64,
) -> (u64, u64) {
    let dur = minutes * 60;
    let per_date = chains * 24 * chain_len;
    // Contiguous balanced date chains: (next date, end date exclusive).
    let (base, extra) = (dates / groups, dates % groups);
    let mut chain_of_dates: Vec<(u64, u64)> = Vec::new();
    let mut s = 0;
    for g in 0..groups {
        let n = base + u64::from(g < extra);
        chain_of_dates.push((s, s + n));
        s += n;
    }
    let mut remaining = vec![0u64; dates as usize];
    let mut heap: BinaryHeap<Reverse<(u64, u64, u64)>> = BinaryHeap::new();
    let mut queue: VecDeque<u64> = VecDeque::new();
    let (mut free, mut seq, mut now, mut done) = (slots, 0u64, 0u64, 0u64);
    let release = |date: u64, queue: &mut VecDeque<u64>, remaining: &mut Vec<u64>| {
        remaining[date as usize] = per_date;
        for c in 0..chains {
            for h in 0..24 {
                queue.push_back(date * per_date + (c * 24 + h) * chain_len);
            }
        }
    };
    for &(d, e) in &chain_of_dates {
        if d < e {
            release(d, &mut queue, &mut remaining);
        }
    }
    loop {
        while free > 0 {
            match queue.pop_front() {
                Some(i) => {
                    free -= 1;
                    seq += 1;
                    heap.push(Reverse((now + dur, seq, i)));
                }
                None => break,
            }
        }
        let Some(Reverse((t, _, i))) = heap.pop() else {
            break;
        };
        now = t;
        free += 1;
        done += 1;
        let date = i / per_date;
        if (i % per_date) % chain_len + 1 < chain_len {
            queue.push_back(i + 1);
        }
        remaining[date as usize] -= 1;
        if remaining[date as usize] == 0 {
            for chain in chain_of_dates.iter_mut() {
                let (d, e) = *chain;
                if d == date && d + 1 < e {
                    chain.0 = d + 1;
                    release(d + 1, &mut queue, &mut remaining);
                }
            }
        }
    }
    (now, done)
}
