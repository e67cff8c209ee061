//! The life cycle of units and instances: chains advancing through their dates,
//! units created as they come due, dependency bindings, readiness, the end of each
//! execution and how a success or failure settles its unit and chain.

use super::*;

impl<'m> Engine<'m> {
    pub(super) fn transition(&mut self, i: u32, to: State, reason: Reason, sink: &mut impl Sink) {
        let inst = &mut self.instances[i as usize];
        let from = inst.state;
        // Observers count an execution's start and end by these transitions.
        debug_assert!(!(from == State::Running && to == State::Running));
        inst.state = to;
        inst.hold = HoldCode::Default;
        let task = &self.task_run[inst.task.0 as usize];
        sink.event(&Event::new(self.now, i, (from, to, reason), inst, task));
        let workflow = task.workflow;
        if to == State::WaitingUpstream {
            self.upstream_hold(i, sink);
        }
        if self.dependent.watches(workflow) && (to.is_final() || from.is_final()) {
            self.dependent_changed();
        }
    }

    /// Says when a `waiting_upstream` instance comes to wait only for its own task's
    /// previous instance (self-dependency), or again for another task's.
    #[inline]
    pub(super) fn upstream_hold(&mut self, i: u32, sink: &mut impl Sink) {
        let inst = &self.instances[i as usize];
        if inst.state != State::WaitingUpstream || inst.pending == 0 {
            return;
        }
        let (code, hold) = if u32::from(inst.pending_self) == inst.pending {
            (HoldCode::SelfDependency, Hold::SelfDependency)
        } else {
            (HoldCode::Default, Hold::Upstream)
        };
        // Most often the hold stands (another upstream of the same kind remains).
        if inst.hold != code {
            self.set_hold(i, code, hold, sink);
        }
    }

    /// Records what holds waiting instance `i` and tells the sink when that changed.
    pub(super) fn set_hold(&mut self, i: u32, code: HoldCode, hold: Hold, sink: &mut impl Sink) {
        let inst = &mut self.instances[i as usize];
        if inst.hold != code {
            inst.hold = code;
            sink.held(&Held {
                time: self.now,
                instance: i,
                task: inst.task,
                hold,
            });
        }
    }

    /// Creates the next units of a chain that are due and fit its cap.
    pub(super) fn advance(&mut self, c: u32, sink: &mut impl Sink) {
        if self.past_horizon(self.now) || self.chains[c as usize].advancing {
            return;
        }
        self.chains[c as usize].advancing = true;
        self.advance_loop(c, sink);
        self.chains[c as usize].advancing = false;
    }

    /// [`advance`](Engine::advance)'s loop: the chain's due units, while it may start
    /// more. A unit that ends while it is created takes its chain's `in_flight` back,
    /// and the loop goes on with the next, as the call it would otherwise make.
    fn advance_loop(&mut self, c: u32, sink: &mut impl Sink) {
        loop {
            let chain = &self.chains[c as usize];
            if chain.stopped || chain.next >= chain.units.len() || chain.in_flight >= chain.cap {
                return;
            }
            if chain.manual {
                self.manual_first(c);
            }
            let chain = &self.chains[c as usize];
            let u = chain.units[chain.next];
            let due = self.units[u as usize].due;
            if due > self.now {
                if !chain.wake_queued {
                    self.chains[c as usize].wake_queued = true;
                    self.push(due, Ev::Advance, c, 0);
                }
                return;
            }
            let chain = &mut self.chains[c as usize];
            chain.next += 1;
            chain.in_flight += 1;
            self.create_unit(u, sink);
        }
    }

    /// Airflow creates a DAG's next scheduled run only while its queued and running
    /// runs outside backfills are fewer than `max_active_runs`
    /// (`DagModel.exceeds_max_non_backfill`), and starts queued runs as running ones
    /// end: a scheduled run due while the window was full does not exist yet, and a
    /// manual run queued meanwhile starts first. Brings the first due manual run of
    /// chain `c` before the due scheduled runs ahead of it.
    fn manual_first(&mut self, c: u32) {
        let chain = &self.chains[c as usize];
        let (now, units) = (self.now, &self.units);
        let waiting = &chain.units[chain.next..];
        let manual = waiting
            .iter()
            .take_while(|&&u| units[u as usize].due <= now)
            .position(|&u| units[u as usize].origin == Origin::Manual);
        if let Some(k) = manual.filter(|&k| k > 0) {
            let next = chain.next;
            self.chains[c as usize].units[next..=next + k].rotate_right(1);
        }
    }

    pub(super) fn create_unit(&mut self, u: u32, sink: &mut impl Sink) {
        let unit = &self.units[u as usize];
        let (set_id, key, pos) = (unit.set, unit.key, unit.pos);
        let set = &self.sets[set_id as usize];
        set.planner.fill(key, &mut self.plan, &mut self.scratch);
        let origin = unit.origin;
        let (wait_for_time, self_across, first_unit) =
            (set.wait_for_time, set.self_across, set.first_unit);
        let across = if self_across && pos > 0 {
            self.plan.self_ends.len()
        } else {
            0
        };
        if self.stopped.is_some() || self.over_budget(origin, across) {
            return;
        }
        let base = self.instances.len() as u32;
        let count = self.plan.instances.len() as u32;
        // A date of the plan (not one a rerun created again) is planned here once:
        // what `expected_counts` would plan again.
        let planned = u == first_unit + pos;
        for p in &self.plan.instances {
            if planned {
                self.planned_counts[p.task.0 as usize] += 1;
            }
            self.instances.push(Instance::planned(
                p.task,
                u,
                p.scheduled,
                p.run_after,
                p.kind,
                origin,
            ));
        }
        for k in 0..self.plan.bindings.len() {
            let (d, up) = self.plan.bindings[k];
            self.bind(base + up, base + d);
        }
        let self_ends: Vec<(TaskId, u32, u32)> = self
            .plan
            .self_ends
            .iter()
            .map(|&(t, a, b)| (t, base + a, base + b))
            .collect();
        {
            let unit = &mut self.units[u as usize];
            unit.created = Some(self.now);
            unit.first = base;
            unit.count = count;
            unit.unsettled = count;
            unit.self_ends = self_ends.clone();
        }
        // Self-dependency across units: the first instance waits for the last one of
        // the unit before it in date order that has the task.
        if self_across && pos > 0 {
            for &(task, first, _) in &self_ends {
                let planner = &self.sets[set_id as usize].planner;
                let Some(p) = planner.previous_with(pos as usize, task) else {
                    continue;
                };
                let prev = first_unit + p as u32;
                if self.units[prev as usize].created.is_some() {
                    if let Some(last) = self.last_of(prev, task) {
                        self.bind(last, first);
                    }
                } else {
                    self.instances[first as usize].pending += 1;
                    self.instances[first as usize].pending_self += 1;
                    self.deferred.entry(prev).or_default().push((task, first));
                }
            }
        }
        sink.unit(&UnitEvent {
            time: self.now,
            unit: u,
            key,
            origin,
            backfill: self.units[u as usize].backfill,
            set: self.units[u as usize].set,
            workflows: self.unit_workflows(u),
            started: true,
            failed: false,
            reopened: false,
        });
        let mut i = base;
        while i < base + count {
            // Entering an instance may settle others (a dry run satisfies its
            // dependents): each run of blocked instances is found where it starts.
            let end = self.blocked_run(i, base + count, wait_for_time);
            if end > i {
                self.created_blocked(i, end, sink);
                i = end;
            } else {
                self.enter(i, wait_for_time, Reason::Created, sink);
                i += 1;
            }
        }
        // Instances of later units that waited for this one to exist.
        if let Some(waiters) = self.deferred.remove(&u) {
            for (task, waiter) in waiters {
                self.instances[waiter as usize].pending -= 1;
                self.instances[waiter as usize].pending_self -= 1;
                if let Some(last) = self.last_of(u, task) {
                    self.bind(last, waiter);
                }
                self.maybe_unblocked(waiter, sink);
            }
        }
        if count == 0 {
            self.unit_done(u, sink);
        }
    }

    /// Whether the unit just planned would bring instances or bindings past
    /// `max_instances`; if so the run stops here.
    pub(super) fn over_budget(&mut self, origin: Origin, across: usize) -> bool {
        let limit = self.max_instances;
        let created = self.instances.len() as u64;
        let wanted = self.plan.instances.len() as u64;
        // Self-dependency across units binds each self-dependent task once more.
        let bindings = self.edges.len() as u64;
        let binds = (self.plan.bindings.len() + across) as u64;
        let stop = if created + wanted > limit {
            Stop::Instances {
                limit,
                created,
                again: self.again,
                wanted,
            }
        } else if bindings + binds > limit {
            Stop::Bindings {
                limit,
                bindings,
                wanted: binds,
            }
        } else {
            if origin == Origin::Rerun {
                self.again += wanted;
            }
            return false;
        };
        self.stopped = Some((self.now, stop));
        true
    }

    /// `i` starts (or resumes) its way to running: it waits for its time, then for
    /// its upstreams, then for a slot.
    pub(super) fn enter(
        &mut self,
        i: u32,
        wait_for_time: bool,
        reason: Reason,
        sink: &mut impl Sink,
    ) {
        let inst = &self.instances[i as usize];
        if wait_for_time && inst.run_after > self.now {
            let at = inst.run_after;
            self.transition(i, State::WaitingTime, reason, sink);
            self.push(at, Ev::TimeReached, i, 0);
        } else if inst.pending > 0 {
            self.transition(i, State::WaitingUpstream, reason, sink);
        } else {
            self.ready(i, reason, sink);
        }
    }

    /// The end of the run of instances from `i` (before `end`) that [`Engine::enter`]
    /// would take from creation into `waiting_upstream` and do nothing else: not
    /// waiting for their time, held by another task's instance (not only by their own
    /// task's: that hold is told), in a workflow no DEPENDENT check watches.
    fn blocked_run(&self, mut i: u32, end: u32, wait_for_time: bool) -> u32 {
        let watched = self.dependent.watches_any();
        while i < end {
            let inst = &self.instances[i as usize];
            let blocked = !(wait_for_time && inst.run_after > self.now)
                && inst.pending > u32::from(inst.pending_self)
                && !(watched
                    && self
                        .dependent
                        .watches(self.task_run[inst.task.0 as usize].workflow));
            if !blocked {
                break;
            }
            i += 1;
        }
        i
    }

    /// Instances `first..end`, a [`Engine::blocked_run`], enter `waiting_upstream`, as
    /// [`Engine::enter`] would take each of them there, told in one call.
    fn created_blocked(&mut self, first: u32, end: u32, sink: &mut impl Sink) {
        for i in first..end {
            let inst = &mut self.instances[i as usize];
            debug_assert_eq!(inst.state, State::NotRun);
            inst.state = State::WaitingUpstream;
            inst.hold = HoldCode::Default;
        }
        sink.created(&Created::new(
            self.now,
            (first, end),
            &self.instances,
            &self.task_run,
        ));
    }

    pub(super) fn last_of(&self, u: u32, task: TaskId) -> Option<u32> {
        self.units[u as usize]
            .self_ends
            .iter()
            .find(|e| e.0 == task)
            .map(|e| e.2)
    }

    /// `down` waits for `up` unless `up` has already succeeded.
    pub(super) fn bind(&mut self, up: u32, down: u32) {
        let edge = self.edges.len() as u32;
        let u = &mut self.instances[up as usize];
        if u.state.satisfies_downstream() {
            return;
        }
        let (head, task) = (u.first_dependent, u.task);
        u.first_dependent = edge;
        self.edges.push(Edge {
            to: down,
            next: head,
            live: true,
        });
        let d = &mut self.instances[down as usize];
        d.pending += 1;
        d.pending_self += u16::from(d.task == task);
    }

    pub(super) fn maybe_unblocked(&mut self, i: u32, sink: &mut impl Sink) {
        let unblocked = self.instances[i as usize].unblocked();
        self.unblocked_or_held(i, unblocked, sink);
    }

    /// [`Engine::maybe_unblocked`] once the instance was read.
    #[inline]
    fn unblocked_or_held(&mut self, i: u32, unblocked: bool, sink: &mut impl Sink) {
        if unblocked {
            self.ready(i, Reason::UpstreamDone, sink);
        } else {
            self.upstream_hold(i, sink);
        }
    }

    /// Time and upstream are satisfied: a dry-run (an Airflow `empty` task's instances
    /// are planned so: Airflow sets them success without queueing them) succeeds,
    /// others queue for a slot.
    pub(super) fn ready(&mut self, i: u32, reason: Reason, sink: &mut impl Sink) {
        let inst = &mut self.instances[i as usize];
        if inst.kind == Kind::DryRun {
            inst.last_end = self.now;
            self.transition(i, State::DryRun, Reason::DryRun, sink);
            self.settled(i, sink);
            return;
        }
        let (task, scheduled) = (inst.task, inst.scheduled);
        self.transition(i, State::WaitingResources, reason, sink);
        self.enqueue_as(i, task, scheduled);
    }

    pub(super) fn time_reached(&mut self, i: u32, sink: &mut impl Sink) {
        if self.instances[i as usize].state != State::WaitingTime {
            return;
        }
        if self.instances[i as usize].pending > 0 {
            self.transition(i, State::WaitingUpstream, Reason::TimeReached, sink);
        } else {
            self.ready(i, Reason::TimeReached, sink);
        }
    }

    pub(super) fn attempt_end(&mut self, i: u32, attempt: u32, sink: &mut impl Sink) {
        let now = self.now;
        // An instance killed meanwhile may be retired, its page freed.
        let Some(inst) = self.instances.in_page_mut(i as usize) else {
            return;
        };
        if inst.state != State::Running || inst.attempts != attempt {
            return; // killed meanwhile
        }
        inst.last_end = now;
        let (outcome, task, tries) = (inst.outcome, inst.task, inst.tries);
        self.release_task(task);
        if outcome == Reason::Finished {
            self.transition(i, State::Succeeded, outcome, sink);
            self.settled(i, sink);
            return;
        }
        let task = self.model.task(task);
        let retries_left = tries <= task.retry.times;
        let retryable = outcome != Reason::Timeout || self.model.rules.retry_on_timeout;
        if retries_left && retryable {
            let wait = self.retry_interval(i, attempt);
            self.transition(i, State::WaitingRetry, outcome, sink);
            if let Some(due) = self.after(wait, i, "the wait before a retry") {
                self.push(due, Ev::RetryDue, i, 0);
            }
        } else {
            self.transition(i, State::Failed, outcome, sink);
            self.failed(i, sink);
        }
    }

    pub(super) fn retry_due(&mut self, i: u32, sink: &mut impl Sink) {
        if self.instances[i as usize].state != State::WaitingRetry {
            return;
        }
        let reason = match self.model.rules.retry_creates {
            RetryCreates::SameInstance => Reason::RetryDue,
            RetryCreates::NewRow => Reason::RetryNewRow,
        };
        self.transition(i, State::WaitingResources, reason, sink);
        self.enqueue(i);
    }

    /// A final success or dry-run: dependents may go on.
    pub(super) fn settled(&mut self, i: u32, sink: &mut impl Sink) {
        self.satisfied(i, sink);
        self.unit_settle(i, false, sink);
    }

    /// `i` succeeded: each dependent still counting it stops; one that had not run
    /// because `i` failed comes back once nothing else blocks it.
    pub(super) fn satisfied(&mut self, i: u32, sink: &mut impl Sink) {
        let inst = &self.instances[i as usize];
        let (task, mut e) = (inst.task, inst.first_dependent);
        while e != NONE {
            // One lookup of the binding: it is read, then spent.
            let edge = &mut self.edges[e as usize];
            let Edge { to: d, next, live } = *edge;
            edge.live = false;
            e = next;
            if !live {
                continue;
            }
            let di = &mut self.instances[d as usize];
            di.pending -= 1;
            di.pending_self -= u16::from(di.task == task);
            if di.state == State::NotRun && di.upstream_failed && di.pending == 0 {
                di.upstream_failed = false;
                self.reopen(d, sink);
                self.ready(d, Reason::UpstreamDone, sink);
            } else {
                let unblocked = di.unblocked();
                self.unblocked_or_held(d, unblocked, sink);
            }
        }
    }

    /// A final failure: its same-task dependents (self-dependency) stay blocked; the
    /// others never run; with `failure_strategy = end` the rest of the workflow
    /// instance stops.
    pub(super) fn failed(&mut self, i: u32, sink: &mut impl Sink) {
        self.unit_settle(i, true, sink);
        self.stack.clear();
        self.stack.push(i);
        while let Some(j) = self.stack.pop() {
            let task = self.instances[j as usize].task;
            let mut e = self.instances[j as usize].first_dependent;
            while e != NONE {
                let Edge { to: d, next, .. } = self.edges[e as usize];
                e = next;
                let di = &self.instances[d as usize];
                if di.task == task
                    || !matches!(di.state, State::WaitingTime | State::WaitingUpstream)
                {
                    continue;
                }
                self.instances[d as usize].upstream_failed = true;
                self.transition(d, State::NotRun, Reason::UpstreamFailed, sink);
                self.unit_settle(d, true, sink);
                self.stack.push(d);
            }
        }
        let inst = &self.instances[i as usize];
        let workflow = self.model.task(inst.task).workflow;
        if self.model.workflow(workflow).failure_strategy == FailureStrategy::End {
            let unit = &self.units[inst.unit as usize];
            for j in unit.first..unit.first + unit.count {
                let other = &self.instances[j as usize];
                if self.model.task(other.task).workflow != workflow || other.state.is_final() {
                    continue;
                }
                match other.state {
                    State::Running => {
                        self.release(j);
                        self.instances[j as usize].last_end = self.now;
                        self.transition(j, State::Killed, Reason::WorkflowEnded, sink);
                    }
                    State::Frozen => continue,
                    _ => self.transition(j, State::NotRun, Reason::WorkflowEnded, sink),
                }
                self.unit_settle(j, true, sink);
            }
        }
    }

    pub(super) fn unit_settle(&mut self, i: u32, failed: bool, sink: &mut impl Sink) {
        let u = self.instances[i as usize].unit;
        let unit = &mut self.units[u as usize];
        unit.unsettled -= 1;
        unit.failed |= failed;
        if unit.unsettled == 0 {
            self.unit_done(u, sink);
        }
    }

    pub(super) fn unit_done(&mut self, u: u32, sink: &mut impl Sink) {
        self.ended(u);
        let unit = &mut self.units[u as usize];
        unit.ended = Some(self.now);
        let (c, failed, reopened) = (unit.chain, unit.failed, unit.reopened);
        sink.unit(&UnitEvent {
            time: self.now,
            unit: u,
            key: unit.key,
            origin: unit.origin,
            backfill: unit.backfill,
            set: unit.set,
            workflows: self.unit_workflows(u),
            started: false,
            failed,
            reopened,
        });
        let chain = &mut self.chains[c as usize];
        chain.in_flight -= 1;
        // A backfill's window of dates (Airflow) is one chain too: `stop` ends it as a
        // whole. The recurring schedule goes on whatever fails.
        if failed && chain.backfill && self.model.rules.chain_on_failure == ChainOnFailure::Stop {
            chain.stopped = true;
        }
        self.advance(c, sink);
    }
}
