//! Queues and slots: ready instances wait in their resource group's priority queue;
//! `dispatch` starts what the slots, pools, task groups and `max_active_tasks` allow.

use super::*;

/// What the per-instance paths (transitions, queues, slots) read of a task, dense: a
/// model's task is hundreds of bytes, read a field here and there on every event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct TaskRun {
    pub group: GroupId,
    pub task_group: Option<GroupId>,
    /// Slots an execution holds (Airflow `pool_slots`, 1 elsewhere); none for a
    /// DEPENDENT task, which runs on the master.
    pub slots: u32,
    pub workflow: WorkflowId,
    /// Its workflow's `max_active_tasks` (Airflow).
    pub max_active_tasks: Option<u32>,
    /// Its queue key: its effective priority, ordered by the knob (`priority.rs`).
    pub key: i64,
}

impl TaskRun {
    pub(super) fn of_model(model: &Model) -> Vec<TaskRun> {
        model
            .tasks
            .iter()
            .zip(priority::task_keys(model))
            .map(|(t, key)| TaskRun {
                group: t.group,
                task_group: t.task_group,
                slots: if t.depends.is_some() {
                    0
                } else {
                    t.pool_slots.max(1)
                },
                workflow: t.workflow,
                max_active_tasks: model.workflow(t.workflow).max_active_tasks,
                key,
            })
            .collect()
    }

    /// A DolphinScheduler DEPENDENT task (the only kind that holds no slot): it waits
    /// for its check, not for a slot.
    pub(super) fn dependent(&self) -> bool {
        self.slots == 0
    }
}

impl<'m> Engine<'m> {
    pub(super) fn enqueue(&mut self, i: u32) {
        let inst = &self.instances[i as usize];
        self.enqueue_as(i, inst.task, inst.scheduled);
    }

    /// [`Engine::enqueue`] of instance `i` of `task` scheduled at `scheduled`.
    #[inline]
    pub(super) fn enqueue_as(&mut self, i: u32, task: TaskId, scheduled: Instant) {
        let task = self.task_run[task.0 as usize];
        // A DEPENDENT task's instance takes no slot: it waits for its check.
        if task.dependent() {
            self.dependent.ready.push(i);
            return;
        }
        self.groups[task.group.0 as usize]
            .queue
            .push((task.key, scheduled, i));
    }

    /// Starts queued instances while their groups (and task groups) have slots, in
    /// each group's queue order.
    pub(super) fn dispatch(&mut self, sink: &mut impl Sink) {
        if !self.dependent.ready.is_empty() {
            self.start_dependents(sink);
        }
        for g in 0..self.groups.len() {
            while self.groups[g].free > 0 {
                let Some(entry) = self.groups[g].queue.pop() else {
                    break;
                };
                let i = entry.2;
                let inst = &self.instances[i as usize];
                if inst.state != State::WaitingResources {
                    continue; // killed or ended while queued
                }
                let task = self.task_run[inst.task.0 as usize];
                let need = task.slots;
                let limit_full = task
                    .task_group
                    .is_some_and(|tg| self.groups[tg.0 as usize].free == 0)
                    || task
                        .max_active_tasks
                        .is_some_and(|m| self.workflow_running[task.workflow.0 as usize] >= m);
                if need > self.groups[g].free || limit_full {
                    self.aside.push(entry);
                    self.examined.push(i);
                    continue;
                }
                if !self.take_execution() {
                    self.aside.push(entry);
                    break;
                }
                self.groups[g].free -= need;
                if let Some(tg) = task.task_group {
                    self.groups[tg.0 as usize].free -= 1;
                }
                self.workflow_running[task.workflow.0 as usize] += 1;
                self.start(i);
            }
            for entry in self.aside.drain(..) {
                self.groups[g].queue.push(entry);
            }
        }
        if !self.starting.is_empty() {
            sink.started(&Started::new(
                self.now,
                &self.starting,
                &self.instances,
                &self.task_run,
            ));
            self.starting.clear();
        }
        self.settle_holds(sink);
    }

    /// After a dispatch, what holds each instance it left queued, said when it
    /// changed. Limits only tighten during a dispatch, so the hold is read from the
    /// state it ends in (`resource_blocker`). An instance the dispatch did not reach
    /// is in a group with no free slot: held by its slots, the default.
    fn settle_holds(&mut self, sink: &mut impl Sink) {
        if self.examined.is_empty() && self.odd_holds.is_empty() {
            return;
        }
        let mut odd = std::mem::take(&mut self.odd_holds);
        let examined = std::mem::take(&mut self.examined);
        odd.extend_from_slice(&examined);
        odd.sort_unstable();
        odd.dedup();
        odd.retain(|&i| {
            if self.instances[i as usize].state != State::WaitingResources {
                return false;
            }
            let (code, hold) = match self.resource_blocker(i) {
                Wait::TaskGroup(tg) => (HoldCode::TaskGroup, Hold::TaskGroup(tg)),
                Wait::MaxActiveTasks(w)
                    if self
                        .model
                        .workflow(w)
                        .max_active_tasks
                        .is_some_and(|m| self.workflow_running[w.0 as usize] >= m) =>
                {
                    (HoldCode::MaxActiveTasks, Hold::MaxActiveTasks(w))
                }
                _ => {
                    let group = self.model.task(self.instances[i as usize].task).group;
                    (HoldCode::Default, Hold::Slots(group))
                }
            };
            self.set_hold(i, code, hold, sink);
            code != HoldCode::Default
        });
        self.odd_holds = odd;
        self.examined = examined;
        self.examined.clear();
    }

    /// Counts one more execution against `max_executions`; when none is left, the
    /// run stops at this instant and nothing starts.
    pub(super) fn take_execution(&mut self) -> bool {
        if self.executions >= self.max_executions {
            self.stopped = Some((
                self.now,
                Stop::Executions {
                    limit: self.max_executions,
                },
            ));
            return false;
        }
        self.executions += 1;
        true
    }

    /// Counts the execution that starts now on instance `i`; returns its attempt,
    /// with the instance's task and scheduled time (read in the same lookup).
    #[inline]
    pub(super) fn begin_attempt(&mut self, i: u32) -> (u32, TaskId, Instant) {
        let now = self.now;
        let inst = &mut self.instances[i as usize];
        inst.attempts += 1;
        inst.tries += 1;
        if inst.first_start == NEVER {
            inst.first_start = now;
        }
        (inst.attempts, inst.task, inst.scheduled)
    }

    /// How a scripted fault ends attempt `attempt` of instance `i`, if one does.
    #[inline]
    pub(super) fn scripted_fault(&self, i: u32, attempt: u32) -> Option<Reason> {
        if self.faults.is_empty() {
            return None;
        }
        let inst = &self.instances[i as usize];
        let origin = inst.origin;
        self.faults
            .get(&(inst.task, inst.scheduled))?
            .iter()
            .find(|(a, _, o)| *a == attempt && o.is_none_or(|o| o == origin))
            .map(|(_, phase, _)| match phase {
                FaultPhase::BeforeWrite => Reason::FailedBeforeWrite,
                FaultPhase::AfterWrite => Reason::FailedAfterWrite,
            })
    }

    /// Execution `attempt` of instance `i`, as its draws are keyed.
    fn execution(&self, i: u32, attempt: u32) -> random::Execution {
        let inst = &self.instances[i as usize];
        let unit = &self.units[inst.unit as usize];
        random::Execution {
            task: inst.task,
            scheduled: inst.scheduled,
            origin: inst.origin,
            history: self.is_history(i),
            backfill: unit.backfill,
            again: unit.again,
            attempt,
        }
    }

    /// Starts an execution of queued instance `i`: it is `running` (told to the sink
    /// with the others of the dispatch, `starting`), its end is queued.
    pub(super) fn start(&mut self, i: u32) {
        let (attempt, task_id, scheduled) = self.begin_attempt(i);
        let task = self.model.task(task_id);
        if Random::draws(task) {
            let e = self.execution(i, attempt);
            self.rng.execution(&e);
        }
        let mut duration = self.rng.duration(task.duration);
        if !self.stretches.is_empty()
            && let Some((factor, used)) = self.stretches.get_mut(&(task_id, scheduled))
        {
            *used = true;
            duration = (duration as f64 * *factor).round() as Seconds;
        }
        let scripted = self.scripted_fault(i, attempt);
        let mut outcome = scripted.unwrap_or(Reason::Finished);
        if scripted.is_none()
            && let Some(f) = task.fail
            && self.rng.chance(f.probability)
        {
            outcome = if self.rng.chance(f.after_write) {
                Reason::FailedAfterWrite
            } else {
                Reason::FailedBeforeWrite
            };
        }
        let mut runs_for = duration;
        if let Some(limit) = task.timeout
            && duration > limit
        {
            runs_for = limit;
            outcome = Reason::Timeout;
        }
        // What `transition` does for this one, but the event (`starting`): from
        // `waiting_resources`, neither state final nor a wait.
        let inst = &mut self.instances[i as usize];
        debug_assert_eq!(inst.state, State::WaitingResources);
        inst.outcome = outcome;
        inst.state = State::Running;
        inst.hold = HoldCode::Default;
        self.starting.push(i);
        if let Some(end) = self.after(runs_for, i, "an execution") {
            self.push(end, Ev::AttemptEnd, i, attempt);
        }
    }

    pub(super) fn release(&mut self, i: u32) {
        self.release_task(self.instances[i as usize].task);
    }

    /// What an execution of `task` held goes back.
    pub(super) fn release_task(&mut self, task: TaskId) {
        let task = self.task_run[task.0 as usize];
        if task.dependent() {
            return; // a DEPENDENT task took no slot
        }
        self.groups[task.group.0 as usize].free += task.slots;
        if let Some(tg) = task.task_group {
            self.groups[tg.0 as usize].free += 1;
        }
        self.workflow_running[task.workflow.0 as usize] -= 1;
    }
}
