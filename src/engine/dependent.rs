//! DolphinScheduler DEPENDENT tasks (DS §4.7): a master-side logic task that takes no
//! worker slot (3.2.2 `TaskUtils.MASTER_TASK_TYPES` holds `DependentLogicTask`, sent
//! by `TaskDispatchFactory` to the master's dispatcher; 3.1.9
//! `TaskProcessorFactory.isMasterTask`). Once it runs, it checks its items at its
//! start and every `check_interval` after (3.2.2 `AsyncTaskExecutionContext`: the
//! first check has no delay), against the upstream workflow instances the simulation
//! has: the history's runs and every instance created so far.
//!
//! Event-driven: a check that says WAITING schedules nothing; when an instance of a
//! watched workflow reaches a final state (or leaves one, a rerun), each waiting task
//! watching it is checked again at its next tick, and succeeds or fails there. A tick
//! is checked once: a change after a tick's check waits for the next tick.
//!
//! The items are in groups (`dependTaskList`), each combining its items by its own
//! relation; the task ends at the check where every group is decided, with the
//! groups' results combined by the task's relation
//! (`DependentAsyncTaskExecuteFunction.isAllDependentTaskFinished`, 3.1.9
//! `DependentTaskProcessor.allDependentTaskFinish`): a group still WAITING holds the
//! task even where the others already decide the combination. A group is decided
//! when it says SUCCESS or FAILED, except that under `failure_waiting` (3.2
//! `DEPENDENT_FAILURE_WAITING`) a FAILED group is decided only once the check is more
//! than that long after the business date (`DependentExecute.finish`): a check is
//! queued at the first tick past it. Under 3.1.9 (`dependent_execute = "classic"`) a
//! group is decided at the check after the one that first saw it SUCCESS or FAILED
//! (its `finish` returns false on the call that computes the result), and the
//! task's result is read afresh there (`getTaskDependResult`): anything but SUCCESS
//! fails it.
//!
//! Per item and interval (`DependentExecute.calculateResultForTasks`): the last
//! upstream workflow instance whose schedule time is in the interval, by end time
//! (`order by end_time desc`, MySQL puts the NULL end time of an unfinished instance
//! last: a finished one wins over a running one), the later instance on a tie; none
//! → WAITING at once, later intervals unchecked (#15927); unfinished → WAITING;
//! failed → FAILED; the first interval that is not SUCCESS decides.

use super::*;
use crate::calendar::dependent::{DependResult, Interval, combine, intervals};
use crate::calendar::schedule::instant_to_local;
use crate::model::DependOn;
use crate::rules::DependentExecute;

/// DEPENDENT tasks that run: each with the start of its execution and whether a
/// check is queued.
#[derive(Default)]
pub(super) struct Waiters {
    /// Workflows some DEPENDENT item names; empty when none is, so that asking
    /// (on every transition) costs one comparison in most models.
    watched: Vec<bool>,
    /// Running DEPENDENT instances and their checks.
    running: BTreeMap<u32, Checks>,
    /// Instances ready to run, started at the next dispatch (no slot to wait for).
    pub(super) ready: Vec<u32>,
}

impl Waiters {
    pub(super) fn new(model: &Model) -> Self {
        let mut watched = vec![false; model.workflows.len()];
        for t in &model.tasks {
            for item in t.depends.iter().flat_map(|d| &d.items) {
                watched[item.workflow.0 as usize] = true;
            }
        }
        if !watched.contains(&true) {
            watched.clear();
        }
        Waiters {
            watched,
            ..Waiters::default()
        }
    }

    pub(super) fn watches(&self, w: WorkflowId) -> bool {
        self.watched.get(w.0 as usize).copied().unwrap_or(false)
    }

    /// Whether a DEPENDENT check watches any workflow.
    pub(super) fn watches_any(&self) -> bool {
        !self.watched.is_empty()
    }
}

/// The checks of one running DEPENDENT instance.
#[derive(Clone, Copy)]
struct Checks {
    /// The start of the attempt: checks fall on its ticks.
    since: Instant,
    attempt: u32,
    /// The tick of the next check queued, if any (a check queued earlier for a later
    /// tick finds another time here and does nothing).
    queued: Option<Instant>,
    /// The tick of the last check.
    last: Option<Instant>,
    /// Under 3.1.9: the groups a check saw decide, by bit, decided from the next
    /// check on.
    seen: u64,
}

/// The first tick of checks every `every` seconds from `since` strictly after `t`.
fn tick_after(since: Instant, every: i64, t: Instant) -> Instant {
    if t < since {
        since
    } else {
        since + ((t - since) / every + 1) * every
    }
}

/// One upstream workflow instance as an item sees it.
struct Found {
    unit: u32,
    scheduled: Instant,
    finished: bool,
    end: Instant,
}

impl<'m> Engine<'m> {
    /// Starts the DEPENDENT instances made ready since the last dispatch: running at
    /// once, checked now and at each tick until their items decide.
    #[inline(never)]
    pub(super) fn start_dependents(&mut self, sink: &mut impl Sink) {
        let ready = std::mem::take(&mut self.dependent.ready);
        for &i in &ready {
            if self.instances[i as usize].state != State::WaitingResources {
                continue;
            }
            if !self.take_execution() {
                break;
            }
            let now = self.now;
            let (attempt, task, _) = self.begin_attempt(i);
            let task = self.model.task(task);
            self.instances[i as usize].outcome = Reason::Timeout;
            self.transition(i, State::Running, Reason::SlotFree, sink);
            if let Some(limit) = task.timeout
                && let Some(end) = self.after(limit, i, "a DEPENDENT task's timeout")
            {
                self.push(end, Ev::AttemptEnd, i, attempt);
            }
            // A scripted fault of this attempt fails it at once (an error of the
            // task itself, whatever its items say), in either phase: it writes nothing.
            if self.scripted_fault(i, attempt).is_some() {
                self.instances[i as usize].outcome = Reason::FailedBeforeWrite;
                self.push(now, Ev::AttemptEnd, i, attempt);
                continue;
            }
            self.dependent.running.insert(
                i,
                Checks {
                    since: now,
                    attempt,
                    queued: Some(now),
                    last: None,
                    seen: 0,
                },
            );
            self.push(now, Ev::Poll, i, attempt);
        }
        let mut ready = ready;
        ready.clear();
        self.dependent.ready = ready;
    }

    /// An instance of workflow `w` reached a final state or left one: each running
    /// DEPENDENT task is checked again at its next tick not yet checked. Never
    /// inlined into `transition`, which every event goes through.
    #[inline(never)]
    pub(super) fn dependent_changed(&mut self) {
        let now = self.now;
        let mut due = Vec::new();
        for (&i, c) in self.dependent.running.iter_mut() {
            let every = self
                .model
                .task(self.instances[i as usize].task)
                .depends
                .as_ref()
                .map_or(10, |d| d.check_interval)
                .max(1) as i64;
            // The first tick at or after now, past the last one checked.
            let at = tick_after(
                c.since,
                every,
                (now - 1).max(c.last.unwrap_or(Instant::MIN)),
            );
            if c.queued.is_none_or(|q| at < q) {
                c.queued = Some(at);
                due.push((at, i, c.attempt));
            }
        }
        for (at, i, attempt) in due {
            self.push(at, Ev::Poll, i, attempt);
        }
    }

    /// A check of DEPENDENT instance `i`: it succeeds or fails now, or waits on.
    /// Never inlined: most runs have no DEPENDENT task, and inlined into the event
    /// loop it kept `attempt_end`, its other caller there, out of the loop (1.5% more
    /// instructions on issue 15's backfill).
    #[inline(never)]
    pub(super) fn poll(&mut self, i: u32, attempt: u32, sink: &mut impl Sink) {
        let now = self.now;
        let Some(c) = self.dependent.running.get_mut(&i) else {
            return;
        };
        if c.attempt != attempt || c.queued != Some(now) {
            return;
        }
        c.queued = None;
        c.last = Some(now);
        let inst = &self.instances[i as usize];
        if inst.state != State::Running || inst.attempts != attempt {
            self.dependent.running.remove(&i);
            return;
        }
        let business = inst.scheduled;
        let Some(dep) = self.model.task(inst.task).depends.as_deref() else {
            return;
        };
        let (groups, _) = self.evaluate(i);
        let classic = self.model.rules.dependent_execute == DependentExecute::Classic;
        let every = dep.check_interval.max(1) as i64;
        let c = self.dependent.running.get_mut(&i).expect("checked above");
        let mut decided = true;
        let mut wake: Option<Instant> = None;
        for (g, &r) in groups.iter().enumerate() {
            let bit = 1u64 << g;
            if classic {
                if c.seen & bit == 0 {
                    decided = false;
                    if r != DependResult::Waiting {
                        c.seen |= bit;
                        wake = Some(tick_after(c.since, every, now));
                    }
                }
                continue;
            }
            match (r, dep.failure_waiting) {
                (DependResult::Waiting, _) => decided = false,
                (DependResult::Failed, Some(w)) if now - business <= w as i64 => {
                    decided = false;
                    let past = tick_after(c.since, every, (business + w as i64).max(now));
                    wake = Some(wake.map_or(past, |x| x.min(past)));
                }
                _ => {}
            }
        }
        if !decided {
            if let Some(at) = wake
                && c.queued.is_none_or(|q| at < q)
            {
                c.queued = Some(at);
                self.push(at, Ev::Poll, i, attempt);
            }
            return;
        }
        let outcome = match combine(dep.relation, &groups, classic) {
            DependResult::Success => Reason::Finished,
            DependResult::Failed | DependResult::Waiting => Reason::FailedBeforeWrite,
        };
        self.dependent.running.remove(&i);
        self.instances[i as usize].outcome = outcome;
        self.attempt_end(i, attempt, sink);
    }

    /// What each group of the items of `i` says now, and for a wait, what it waits
    /// for.
    fn evaluate(&self, i: u32) -> (Vec<DependResult>, String) {
        let model = self.model;
        let inst = &self.instances[i as usize];
        let task = model.task(inst.task);
        let Some(dep) = &task.depends else {
            return (Vec::new(), String::new());
        };
        let business = instant_to_local(&model.timezone, inst.scheduled);
        let classic = model.rules.dependent_execute == DependentExecute::Classic;
        let mut results = vec![Vec::new(); dep.groups.len()];
        let mut why = String::new();
        for item in &dep.items {
            let results = &mut results[item.group as usize];
            // A self-dependent item on the first instance ever of its own workflow
            // succeeds (DependentExecute.isSelfDependent && isFirstProcessInstance).
            let own = item.workflow == task.workflow
                && matches!(item.what, DependOn::All)
                    | matches!(item.what, DependOn::Task(t) if t == inst.task);
            let aware = model.rules.dependent_execute == DependentExecute::TaskAware;
            if aware && own && self.first_of_workflow(item.workflow) == Some(inst.unit) {
                results.push(DependResult::Success);
                continue;
            }
            let mut result = DependResult::Failed;
            for interval in intervals(business, item.date_value) {
                let (r, w) = self.interval_result(item, &interval);
                result = r;
                if r != DependResult::Success {
                    if r == DependResult::Waiting && why.is_empty() {
                        why = w;
                    }
                    break;
                }
            }
            results.push(result);
        }
        let groups = results
            .iter()
            .zip(&dep.groups)
            .map(|(r, &relation)| combine(relation, r, classic))
            .collect();
        (groups, why)
    }

    /// The unit of the earliest scheduled instance of workflow `w`, if any.
    fn first_of_workflow(&self, w: WorkflowId) -> Option<u32> {
        self.workflow_instances(w, None)
            .min_by_key(|f| (f.scheduled, f.unit))
            .map(|f| f.unit)
    }

    /// Each unit's instance of workflow `w` (with an instance of `task`, if given).
    fn workflow_instances(
        &self,
        w: WorkflowId,
        task: Option<TaskId>,
    ) -> impl Iterator<Item = Found> + '_ {
        let model = self.model;
        self.units.iter().enumerate().filter_map(move |(u, unit)| {
            unit.created?;
            let of_w = (unit.first..unit.first + unit.count)
                .map(|j| &self.instances[j as usize])
                .filter(|x| model.task(x.task).workflow == w);
            let mut found: Option<Found> = None;
            let mut has_task = task.is_none();
            for x in of_w {
                has_task |= Some(x.task) == task;
                let f = found.get_or_insert(Found {
                    unit: u as u32,
                    scheduled: x.scheduled,
                    finished: true,
                    end: Instant::MIN,
                });
                f.finished &= x.state.is_final();
                f.end = f.end.max(x.end().unwrap_or(Instant::MIN));
            }
            found.filter(|_| has_task)
        })
    }

    /// One item over one interval.
    fn interval_result(
        &self,
        item: &crate::model::DependItem,
        interval: &Interval,
    ) -> (DependResult, String) {
        let model = self.model;
        let tz = &model.timezone;
        let task = match item.what {
            DependOn::Task(t) => Some(t),
            _ => None,
        };
        let aware = model.rules.dependent_execute == DependentExecute::TaskAware;
        let name = &model.workflow(item.workflow).name;
        // 3.2.2 looks only at instances that ran the task; 3.1.9 at every one.
        let last = self
            .workflow_instances(item.workflow, task.filter(|_| aware))
            .filter(|f| interval.contains(instant_to_local(tz, f.scheduled)))
            .max_by_key(|f| (f.finished, f.end, f.unit));
        let Some(f) = last else {
            let what = match task {
                Some(t) => format!("an instance of {}", model.task(t).name),
                None => format!("an instance of {name}"),
            };
            return (
                DependResult::Waiting,
                format!("{what} scheduled in {} that never ran", interval.text()),
            );
        };
        let unit = &self.units[f.unit as usize];
        let of_unit = || {
            (unit.first..unit.first + unit.count)
                .map(|j| &self.instances[j as usize])
                .filter(|x| model.task(x.task).workflow == item.workflow)
        };
        let waiting = |what: String| {
            (
                DependResult::Waiting,
                format!(
                    "{what} scheduled {}, which has not finished",
                    crate::calendar::schedule::rfc3339(tz, f.scheduled)
                ),
            )
        };
        let done = |ok: bool| {
            (
                if ok {
                    DependResult::Success
                } else {
                    DependResult::Failed
                },
                String::new(),
            )
        };
        match item.what {
            DependOn::Task(t) => match of_unit().rfind(|x| x.task == t) {
                Some(x) if x.state.is_final() => done(x.state.satisfies_downstream()),
                // 3.1.9 getDependTaskResult: no such task in a finished instance.
                None if f.finished => done(false),
                _ => waiting(model.task(t).name.clone()),
            },
            _ if !f.finished => waiting(format!("the instance of {name}")),
            DependOn::Workflow => done(of_unit().all(|x| x.state.satisfies_downstream())),
            DependOn::All => done(
                of_unit().all(|x| x.state.satisfies_downstream())
                    && (!aware
                        || model.workflow(item.workflow).tasks.iter().all(|&t| {
                            of_unit().any(|x| x.task == t && x.state.satisfies_downstream())
                        })),
            ),
        }
    }

    /// What a DEPENDENT instance still running at the end waits for, in words.
    pub fn dependent_wait(&self, i: u32) -> String {
        let (_, why) = self.evaluate(i);
        if why.is_empty() {
            "its DEPENDENT items' next check".to_string()
        } else {
            format!("its DEPENDENT items: {why}")
        }
    }

    /// Whether `i` is a DEPENDENT instance checking its items.
    pub(super) fn dependent_running(&self, i: u32) -> bool {
        self.dependent.running.contains_key(&i)
    }
}
