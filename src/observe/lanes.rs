//! Slot lanes for drawing executions: each execution takes the lowest lane of its
//! resource group that is free when it starts, so no two bars of a lane overlap and a
//! group never uses more lanes than it ran executions at once.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::calendar::Instant;

pub struct Lanes {
    /// Per group: lanes freed, and the next new lane.
    free: Vec<(BinaryHeap<Reverse<u32>>, u32)>,
    /// Per instance: the running execution's start and lane.
    running: Vec<(Instant, u32)>,
}

impl Lanes {
    pub fn new(groups: usize) -> Lanes {
        Lanes {
            free: vec![(BinaryHeap::new(), 0); groups],
            running: Vec::new(),
        }
    }

    /// An execution of `instance` starts in `group` at `at`.
    pub fn start(&mut self, instance: u32, group: usize, at: Instant) {
        let (free, next) = &mut self.free[group];
        let lane = free.pop().map(|Reverse(l)| l).unwrap_or_else(|| {
            *next += 1;
            *next - 1
        });
        let i = instance as usize;
        if self.running.len() <= i {
            self.running.resize(i + 1, (0, 0));
        }
        self.running[i] = (at, lane);
    }

    /// The execution of `instance` ends: its start and lane, the lane freed.
    pub fn end(&mut self, instance: u32, group: usize) -> (Instant, u32) {
        let (start, lane) = self.running[instance as usize];
        self.free[group].0.push(Reverse(lane));
        (start, lane)
    }

    /// How many lanes a group has used.
    pub fn used(&self, group: usize) -> u32 {
        self.free[group].1
    }
}
