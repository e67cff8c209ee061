//! Resource-group figures from the event stream: peak running slots and busy
//! slot-seconds. The peak queue (`peak_waiting`) and utilisation come from the waits
//! (`observe::waits`) and the makespan.
//!
//! The waits observer drives these figures: it follows every instance already, and
//! its per-instance record keeps when the running execution started, so an event
//! looks one record up, not two.

use crate::calendar::Instant;
use crate::engine::Event;
use crate::model::{GroupId, Model};

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct GroupFigures {
    pub name: String,
    pub slots: u32,
    pub peak_running: u32,
    /// Most instances held by the group's slots at once (as a resource group, pool or
    /// task group: the larger), at the end of an instant: an instance queued and
    /// started in the same instant never waited.
    pub peak_waiting: u32,
    /// Slot-seconds: 128 bits, as a pool of 2^32 slots busy for centuries passes 64.
    pub busy_seconds: u128,
    /// Busy slot-seconds over slots × makespan (0 when the makespan is 0), rounded
    /// to 4 decimals.
    pub utilisation: f64,
}

pub struct Metrics {
    groups: Vec<GroupFigures>,
    /// Per group, as the events change it.
    load: Vec<Load>,
}

/// A group's use as the events change it, kept apart from its figures so that an
/// event touches a few dense words.
#[derive(Clone, Copy, Default)]
struct Load {
    running: u32,
    peak: u32,
    /// Slot-seconds of the executions that ended.
    busy: u128,
}

impl Metrics {
    pub fn new(model: &Model) -> Metrics {
        Metrics {
            groups: model
                .groups
                .iter()
                .map(|g| GroupFigures {
                    name: g.name.clone(),
                    slots: g.slots,
                    ..GroupFigures::default()
                })
                .collect(),
            load: vec![Load::default(); model.groups.len()],
        }
    }

    /// Each group's figures: peak running and busy slot-seconds (the peak queue and
    /// utilisation are the caller's).
    pub fn finish(self) -> Vec<GroupFigures> {
        let mut groups = self.groups;
        for (g, load) in groups.iter_mut().zip(self.load) {
            g.peak_running = load.peak;
            g.busy_seconds = load.busy;
        }
        groups
    }

    #[inline]
    fn take(&mut self, g: GroupId, slots: u32) {
        let load = &mut self.load[g.0 as usize];
        load.running += slots;
        load.peak = load.peak.max(load.running);
    }

    #[inline]
    fn give_back(&mut self, g: GroupId, slots: u32, seconds: u64) {
        let load = &mut self.load[g.0 as usize];
        load.running -= slots;
        load.busy += u128::from(seconds) * u128::from(slots);
    }

    /// An execution of `e`'s instance starts.
    pub(super) fn start(&mut self, e: &Event<'_>) {
        self.take(e.group(), e.slots());
        if let Some(tg) = e.task_group() {
            self.take(tg, 1);
        }
    }

    /// The execution of `e`'s instance that started at `started` ends.
    pub(super) fn end(&mut self, e: &Event<'_>, started: Instant) {
        let secs = (e.time - started).max(0) as u64;
        self.give_back(e.group(), e.slots(), secs);
        if let Some(tg) = e.task_group() {
            self.give_back(tg, 1, secs);
        }
    }
}
