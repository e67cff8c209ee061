//! Slot lanes for drawing executions: each execution takes the lowest lanes of its
//! resource group that are free when it starts, one per slot it holds (an Airflow
//! task with `pool_slots = 2` takes two), so no two bars of a lane overlap and a group
//! never uses more lanes than it had slots in use at once.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::calendar::Instant;

pub struct Lanes {
    /// Per group: lanes freed, and the next new lane.
    free: Vec<(BinaryHeap<Reverse<u32>>, u32)>,
    /// Per instance: the running execution's start and lanes.
    running: Vec<(Instant, Vec<u32>)>,
}

impl Lanes {
    pub fn new(groups: usize) -> Lanes {
        Lanes {
            free: vec![(BinaryHeap::new(), 0); groups],
            running: Vec::new(),
        }
    }

    /// An execution of `instance` holding `slots` slots starts in `group` at `at`.
    pub fn start(&mut self, instance: u32, group: usize, slots: u32, at: Instant) {
        let (free, next) = &mut self.free[group];
        let lanes: Vec<u32> = (0..slots.max(1))
            .map(|_| {
                free.pop().map(|Reverse(l)| l).unwrap_or_else(|| {
                    *next += 1;
                    *next - 1
                })
            })
            .collect();
        let i = instance as usize;
        if self.running.len() <= i {
            self.running.resize(i + 1, (0, Vec::new()));
        }
        self.running[i] = (at, lanes);
    }

    /// The execution of `instance` ends: its start and lanes (lowest first), the lanes
    /// freed.
    pub fn end(&mut self, instance: u32, group: usize) -> (Instant, Vec<u32>) {
        let (start, mut lanes) = std::mem::take(&mut self.running[instance as usize]);
        lanes.sort_unstable();
        for &l in &lanes {
            self.free[group].0.push(Reverse(l));
        }
        (start, lanes)
    }

    /// How many lanes a group has used.
    pub fn used(&self, group: usize) -> u32 {
        self.free[group].1
    }
}
