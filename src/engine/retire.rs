//! A windowed run (issue 15: memory bounded by what is in flight). Units' instances are
//! contiguous, so once a unit has ended (at the end of that instant) its instances and
//! their bindings are final and no other unit reaches them: they are handed to the sink
//! ([`Sink::retire`]), counted in [`Totals`], and dropped, whatever the units created
//! before it still do. Ids stay global; storage is released a page at a time, for
//! the next pages to reuse (`crate::window`).
//!
//! The invariant that makes a dropped instance safe to forget: no binding crosses units.
//! The planner binds within a unit; only self-dependency across dates binds a unit's
//! first instance to an earlier unit's last, and operator actions reopen old units, and
//! the history's runs are bound to by later dates: [`windowable`] refuses each of them.

use super::*;

/// Whether the engine can run `scenario` windowed: nothing binds across units or acts
/// on old ones. (Observers have their own conditions: `observe::memory`.)
pub fn windowable(model: &Model, scenario: &Scenario) -> bool {
    scenario.operations.is_empty()
        && scenario.history.is_empty()
        && !model.tasks.iter().any(|t| t.self_dependency)
        // A DEPENDENT task looks for the last instance of any earlier date.
        && model.tasks.iter().all(|t| t.depends.is_none())
}

/// What the retired instances add to the run's figures (all zero when nothing retired).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    /// Instances by final state, indexed by `State as usize` ([`Totals::states`]).
    by_state: [u64; State::ALL.len()],
    /// Instances per task, and of those created again by a rerun.
    pub per_task: Vec<u64>,
    pub reruns: Vec<u64>,
    /// Executions of the retired instances.
    pub executions: u64,
    /// Earliest start and latest end (of an instance that started).
    pub first_start: Option<Instant>,
    pub last_end: Option<Instant>,
    /// Instances retired.
    pub instances: u64,
    /// Most instances a windowed run held between two instants (after retiring).
    pub peak_live: u64,
}

impl Totals {
    pub(super) fn new(model: &Model) -> Totals {
        Totals {
            per_task: vec![0; model.tasks.len()],
            reruns: vec![0; model.tasks.len()],
            ..Totals::default()
        }
    }

    /// Instances by final state (those retired).
    pub fn states(&self) -> BTreeMap<State, u64> {
        State::ALL
            .into_iter()
            .zip(self.by_state)
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    #[inline]
    fn add(&mut self, inst: &Instance) {
        self.by_state[inst.state as usize] += 1;
        self.per_task[inst.task.0 as usize] += 1;
        if inst.origin == Origin::Rerun {
            self.reruns[inst.task.0 as usize] += 1;
        }
        self.executions += u64::from(inst.attempts);
        if let Some(s) = inst.start() {
            self.first_start = Some(self.first_start.map_or(s, |f| f.min(s)));
            if let Some(e) = inst.end() {
                self.last_end = Some(self.last_end.map_or(e, |l| l.max(e)));
            }
        }
        self.instances += 1;
    }
}

impl<'m> Engine<'m> {
    /// Makes this (not yet started) run windowed.
    pub(super) fn set_windowed(&mut self) {
        debug_assert!(self.instances.is_empty() && self.history_past.is_empty());
        self.windowed = true;
        // Events and queue entries left for a retired instance (killed, or not run,
        // while it waited) read a final state and do nothing, as they would have.
        self.instances = Window::with_tomb(Instance {
            state: State::Killed,
            ..Instance::planned(TaskId(0), NONE, 0, 0, Kind::Run, Origin::Backfill)
        });
    }

    /// A windowed run retires unit `u` at the end of the instant it ended in.
    pub(super) fn ended(&mut self, u: u32) {
        if self.windowed {
            self.ending.push(u);
        }
    }

    /// Retires the units that ended in this instant, in the order they ended.
    pub(super) fn retire(&mut self, sink: &mut impl Sink) {
        self.live += self.instances.len() as u64 - self.pushed;
        self.pushed = self.instances.len() as u64;
        let mut ending = std::mem::take(&mut self.ending);
        for &u in &ending {
            let unit = &self.units[u as usize];
            let (first, end) = (unit.first as usize, (unit.first + unit.count) as usize);
            self.retiring.clear();
            self.retiring_edges.clear();
            for (up, inst) in (first..end).zip(self.instances.range(first, end)) {
                self.retired.add(inst);
                let mut e = inst.first_dependent;
                while e != NONE {
                    let Edge { to, next, .. } = self.edges[e as usize];
                    debug_assert!((first..end).contains(&(to as usize)));
                    self.retiring.push((up as u32, to));
                    self.retiring_edges.push(e);
                    e = next;
                }
            }
            sink.retire(&Retired {
                time: self.now,
                unit: u,
                first: first as u32,
                end: end as u32,
                instances: &self.instances,
                units: &self.units,
                bindings: &self.retiring,
            });
            self.instances.retire(first, end);
            self.live -= (end - first) as u64;
            // A unit's bindings are made when it is created: one run of ids, mostly.
            let edges = &self.retiring_edges;
            match (edges.iter().min(), edges.iter().max()) {
                (Some(&lo), Some(&hi)) if (hi - lo) as usize + 1 == edges.len() => {
                    self.edges.retire(lo as usize, hi as usize + 1);
                }
                _ => {
                    for &e in edges {
                        self.edges.retire(e as usize, e as usize + 1);
                    }
                }
            }
        }
        ending.clear();
        self.ending = ending;
        self.retired.peak_live = self.retired.peak_live.max(self.live);
    }

    /// The instances unit `u` was created with, planned again (task, scheduled): what
    /// a windowed run's retired instances were, in id order from the unit's first.
    pub fn replan(&self, u: u32) -> Vec<(TaskId, Instant)> {
        let unit = &self.units[u as usize];
        let mut plan = UnitPlan::default();
        let mut scratch = FillScratch::default();
        self.sets[unit.set as usize]
            .planner
            .fill(unit.key, &mut plan, &mut scratch);
        plan.instances
            .iter()
            .map(|p| (p.task, p.scheduled))
            .collect()
    }
}
