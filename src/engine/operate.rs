//! Operator actions scripted in a scenario: reruns (of an instance, its descendants,
//! its ancestors, a workflow instance), freezes, kills, set-success, and reopening the
//! units they touch.

use super::*;

impl<'m> Engine<'m> {
    /// Applies operator action `k` to the latest instance it names.
    pub(super) fn operate(&mut self, k: u32, sink: &mut impl Sink) {
        let (kind, task, scheduled) = self.operations[k as usize];
        let Some(i) = (0..self.instances.len() as u32).rev().find(|&i| {
            let inst = &self.instances[i as usize];
            inst.task == task && inst.scheduled == scheduled
        }) else {
            self.note(k, "no such instance exists yet");
            return;
        };
        if self.is_history(i) {
            self.note(
                k,
                "it ran before the scenario (history); operations act on the scenario's instances",
            );
            return;
        }
        let state = self.instances[i as usize].state;
        match kind {
            OperationKind::Rerun => {
                let members = match self.model.rules.rerun_scope {
                    RerunScope::Instance => vec![i],
                    RerunScope::WorkflowInstance => self.workflow_instance(i, |_| true),
                };
                let regenerate =
                    self.model.rules.rerun_complement == RerunComplement::RegenerateLater;
                self.rerun(k, members, regenerate, sink);
            }
            OperationKind::RerunFailed => {
                let members = self.workflow_instance(i, |s| {
                    matches!(s, State::Failed | State::Killed | State::NotRun)
                });
                // DolphinScheduler's recover-failed keeps the instance's complement
                // parameters like a rerun, so a recovered date that succeeds goes on
                // with its chain (SEMANTICS.md, `rerun_complement`).
                let regenerate =
                    self.model.rules.rerun_complement == RerunComplement::RegenerateLater;
                self.rerun(k, members, regenerate, sink);
            }
            OperationKind::RerunDownstream => {
                let members = self.descendants(i);
                self.rerun(k, members, false, sink);
            }
            OperationKind::RerunUpstream => {
                let members = self.ancestors(i);
                self.rerun(k, members, false, sink);
            }
            OperationKind::SetSuccess => {
                if matches!(state, State::Succeeded | State::DryRun | State::Running) {
                    self.note(k, &format!("the instance is {state}"));
                    return;
                }
                if state == State::NotRun {
                    self.instances[i as usize].upstream_failed = false;
                }
                self.transition(i, State::Succeeded, Reason::SetSuccess, sink);
                self.satisfied(i, sink);
                if !state.is_final() {
                    self.unit_settle(i, false, sink);
                }
            }
            OperationKind::Freeze => {
                if state.is_final() || matches!(state, State::Running | State::Frozen) {
                    self.note(k, &format!("the instance is {state}"));
                    return;
                }
                self.transition(i, State::Frozen, Reason::Frozen, sink);
            }
            OperationKind::Unfreeze => {
                if state != State::Frozen {
                    self.note(k, &format!("the instance is {state}, not frozen"));
                    return;
                }
                let unit = &self.units[self.instances[i as usize].unit as usize];
                let wait_for_time = self.sets[unit.set as usize].wait_for_time;
                self.enter(i, wait_for_time, Reason::Unfrozen, sink);
            }
            OperationKind::Kill => {
                if state.is_final() {
                    self.note(k, &format!("the instance is already {state}"));
                    return;
                }
                if state == State::Running {
                    self.release(i);
                    self.instances[i as usize].last_end = self.now;
                }
                self.transition(i, State::Killed, Reason::Killed, sink);
                self.failed(i, sink);
            }
        }
    }

    pub(super) fn note(&mut self, k: u32, why: &str) {
        let (kind, task, scheduled) = self.operations[k as usize];
        self.notes.push(format!(
            "{}: {kind} {} scheduled {}: {why}",
            crate::calendar::schedule::rfc3339(&self.model.timezone, self.now),
            self.model.task(task).name,
            crate::calendar::schedule::rfc3339(&self.model.timezone, scheduled),
        ));
    }

    /// The instances of `i`'s workflow in its unit whose state passes `keep`.
    pub(super) fn workflow_instance(&self, i: u32, keep: impl Fn(State) -> bool) -> Vec<u32> {
        let inst = &self.instances[i as usize];
        let workflow = self.model.task(inst.task).workflow;
        let unit = &self.units[inst.unit as usize];
        (unit.first..unit.first + unit.count)
            .filter(|&j| {
                let other = &self.instances[j as usize];
                self.model.task(other.task).workflow == workflow && keep(other.state)
            })
            .collect()
    }

    /// `i` and every instance downstream of it (not its own task's later cycles).
    pub(super) fn descendants(&self, i: u32) -> Vec<u32> {
        let mut out = vec![i];
        let mut k = 0;
        while k < out.len() {
            let j = out[k];
            k += 1;
            let task = self.instances[j as usize].task;
            let mut e = self.instances[j as usize].first_dependent;
            while e != NONE {
                let edge = self.edges[e as usize];
                e = edge.next;
                if self.instances[edge.to as usize].task != task && !out.contains(&edge.to) {
                    out.push(edge.to);
                }
            }
        }
        out
    }

    /// `i` and every instance of its unit upstream of it (Airflow clear with upstream).
    pub(super) fn ancestors(&self, i: u32) -> Vec<u32> {
        let unit = &self.units[self.instances[i as usize].unit as usize];
        let mut out = vec![i];
        loop {
            let before = out.len();
            for up in unit.first..unit.first + unit.count {
                if out.contains(&up) {
                    continue;
                }
                let task = self.instances[up as usize].task;
                let mut e = self.instances[up as usize].first_dependent;
                while e != NONE {
                    let edge = self.edges[e as usize];
                    e = edge.next;
                    if out.contains(&edge.to) && self.instances[edge.to as usize].task != task {
                        out.push(up);
                        break;
                    }
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    /// Runs finished instances again: each waits for the members upstream of it and
    /// for any upstream not succeeded, then executes as a new try of the same logical
    /// instance. With `regenerate`, a backfill date rerun goes on to create the later
    /// dates of its chain again.
    pub(super) fn rerun(
        &mut self,
        k: u32,
        members: Vec<u32>,
        regenerate: bool,
        sink: &mut impl Sink,
    ) {
        let mut set: Vec<u32> = Vec::new();
        for i in members {
            let state = self.instances[i as usize].state;
            if state.is_final() {
                set.push(i);
            } else {
                let name = self
                    .model
                    .task(self.instances[i as usize].task)
                    .name
                    .clone();
                self.note(k, &format!("{name} is {state}, not finished: not rerun"));
            }
        }
        set.sort_unstable();
        set.dedup();
        if set.is_empty() {
            return;
        }
        // Recount each member's pending upstreams over the units that can bind it:
        // its own and, for a self-dependent task, the one before that has the task
        // (self-dependency across units).
        let mut units: Vec<u32> = Vec::new();
        for &i in &set {
            let u = self.instances[i as usize].unit;
            units.push(u);
            let unit = &self.units[u as usize];
            let run_set = &self.sets[unit.set as usize];
            for &(task, _, _) in &unit.self_ends {
                if let Some(p) = run_set.planner.previous_with(unit.pos as usize, task) {
                    units.push(run_set.first_unit + p as u32);
                }
            }
        }
        units.sort_unstable();
        units.dedup();
        for &i in &set {
            self.instances[i as usize].pending = 0;
            self.instances[i as usize].pending_self = 0;
        }
        // A member still waits for the previous date's unit that does not exist yet
        // (`deferred`, counted once when its unit was created): its creation takes
        // that count back, so the recount keeps it.
        for waiters in self.deferred.values() {
            for &(_, w) in waiters {
                if set.binary_search(&w).is_ok() {
                    let inst = &mut self.instances[w as usize];
                    inst.pending += 1;
                    inst.pending_self += 1;
                }
            }
        }
        for u in units {
            let (first, count) = (self.units[u as usize].first, self.units[u as usize].count);
            for up in first..first + count {
                let up_pending = set.binary_search(&up).is_ok()
                    || !self.instances[up as usize].state.satisfies_downstream();
                let mut e = self.instances[up as usize].first_dependent;
                while e != NONE {
                    let edge = self.edges[e as usize];
                    if set.binary_search(&edge.to).is_ok() {
                        self.edges[e as usize].live = up_pending;
                        let same = self.instances[up as usize].task
                            == self.instances[edge.to as usize].task;
                        let d = &mut self.instances[edge.to as usize];
                        d.pending += u32::from(up_pending);
                        d.pending_self += u16::from(up_pending && same);
                    }
                    e = edge.next;
                }
            }
        }
        let first_unit = self.instances[set[0] as usize].unit;
        if regenerate
            && self.units[first_unit as usize].backfill.is_some()
            && self.units[first_unit as usize].ended.is_some()
        {
            let later = self.later_dates_again(first_unit, k);
            self.reopen_unit(first_unit, later, sink);
        }
        for &i in &set {
            let inst = &mut self.instances[i as usize];
            inst.tries = 0;
            inst.upstream_failed = false;
            self.reopen(i, sink);
            if self.instances[i as usize].pending == 0 {
                self.ready(i, Reason::Rerun, sink);
            } else {
                self.transition(i, State::WaitingUpstream, Reason::Rerun, sink);
            }
        }
    }

    /// The dates after `u` in its backfill chain, for a chain that goes on from `u`
    /// again: a date its stopped chain never started is that date (it runs for the
    /// first time); one that started, or that its chain may still start, is a new
    /// unit (a second instance of the date, DS #12586), marked as created again by
    /// operation `k`.
    pub(super) fn later_dates_again(&mut self, u: u32, k: u32) -> Vec<u32> {
        let Some(chain) = self.chains.iter().position(|c| c.units.contains(&u)) else {
            return Vec::new();
        };
        let stopped = self.chains[chain].stopped;
        let units = &self.chains[chain].units;
        let pos = units.iter().position(|&x| x == u).unwrap_or(units.len());
        let later: Vec<u32> = units[pos + 1..].to_vec();
        later
            .into_iter()
            .map(|l| {
                let unit = &self.units[l as usize];
                // Not one an earlier rerun already handed to a chain of its own.
                if stopped && unit.created.is_none() && unit.chain == chain as u32 {
                    return l;
                }
                let mut copy = self.units[l as usize].clone();
                copy.origin = Origin::Rerun;
                copy.due = self.now;
                copy.created = None;
                copy.ended = None;
                copy.failed = false;
                copy.first = 0;
                copy.count = 0;
                copy.unsettled = 0;
                copy.self_ends.clear();
                copy.reopened = false;
                copy.run_times = 1;
                copy.again = k + 1;
                self.units.push(copy);
                (self.units.len() - 1) as u32
            })
            .collect()
    }

    /// `i` leaves a final state: its unit has one more instance to settle, and runs
    /// again if it had ended.
    pub(super) fn reopen(&mut self, i: u32, sink: &mut impl Sink) {
        let u = self.instances[i as usize].unit;
        if self.units[u as usize].ended.is_some() {
            self.reopen_unit(u, Vec::new(), sink);
        }
        self.units[u as usize].unsettled += 1;
    }

    /// A finished unit runs again, in a chain of its own that goes on with `later`.
    pub(super) fn reopen_unit(&mut self, u: u32, later: Vec<u32>, sink: &mut impl Sink) {
        let id = self.chains.len() as u32;
        for &l in &later {
            self.units[l as usize].chain = id;
        }
        self.chains.push(Chain {
            backfill: self.units[u as usize].backfill.is_some(),
            units: later,
            next: 0,
            in_flight: 1,
            cap: 1,
            stopped: false,
            wake_queued: false,
            manual: false,
            advancing: false,
        });
        let unit = &mut self.units[u as usize];
        unit.ended = None;
        unit.failed = false;
        unit.chain = id;
        unit.reopened = true;
        unit.run_times += 1;
        sink.unit(&UnitEvent {
            time: self.now,
            unit: u,
            key: unit.key,
            origin: Origin::Rerun,
            backfill: unit.backfill,
            set: unit.set,
            workflows: self.unit_workflows(u),
            started: true,
            failed: false,
            reopened: true,
        });
    }
}
