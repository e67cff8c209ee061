//! The simulation engine: a discrete-event loop on a virtual clock.
//!
//! It jumps from event to event (never ticks), single-threaded, and breaks ties by
//! insertion order, so the same model, scenario and seed always give the same
//! sequence of transitions. Instances live in one dense vector and are created unit by
//! unit as their dates come due (a backfill date when its chain reaches it, a
//! recurring day or run at its time). Every transition goes to a [`Sink`]; the engine
//! knows nothing of traces, metrics or property checkers.
//!
//! The mechanisms read the profile's knobs (`crate::rules`): date groups and their
//! split, what a chain does after a failure, whether future instances wait, the reach
//! of self-dependency, retry rules, failure strategy and queue order.

mod budget;
mod build;
pub mod chains;
mod complement;
mod dependent;
mod events;
mod history;
mod lifecycle;
mod operate;
pub(crate) mod priority;
mod queue;
pub mod random;
mod ready;
mod retire;
mod retry;
mod sets;
mod slots;
pub mod state;
mod stuck;
mod submit;

use std::collections::BTreeMap;

use crate::calendar::Instant;
use crate::calendar::schedule::local_to_instant;
use crate::model::{
    DateOrTime, FaultPhase, GroupId, Model, OperationKind, Scenario, Seconds, Target, TaskId,
    WorkflowId,
};
use crate::plan::{FillScratch, Kind, PlanError, Planner, Request, UnitKey, UnitPlan};
use crate::rules::{
    BackfillSelfDependency, Backoff, ChainOnFailure, DateConvention, FailureStrategy,
    FutureInstances, GroupSplit, Order, PriorityOrder, RerunComplement, RerunScope, RetryCreates,
    ReverseSelfDependency, UnitScope, WeightRule,
};
use crate::window::Window;

pub use budget::{Config, DEFAULT_MAX_EXECUTIONS, RunError, Stop, located};
pub use events::{
    Created, Event, Gated, Held, Hold, Origin, Retired, Sink, Started, UnitEvent, UnitKeys,
    labelled, workflow_names,
};
pub use random::Random;
pub use retire::{Totals, windowable};
pub use retry::exponential_backoff;
pub use state::{Reason, State};
pub use stuck::{NotStarted, Stuck, Wait};
pub use submit::Refusal;

const NONE: u32 = u32::MAX;

/// One logical instance and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub task: TaskId,
    pub unit: u32,
    pub scheduled: Instant,
    pub run_after: Instant,
    pub kind: Kind,
    pub origin: Origin,
    pub state: State,
    /// Executions so far.
    pub attempts: u32,
    /// Executions since the instance last (re)started: what retries count.
    tries: u32,
    /// Start of the first execution ([`NEVER`] before it): [`Instance::start`].
    first_start: Instant,
    /// End of the last execution ([`NEVER`] before it): [`Instance::end`].
    last_end: Instant,
    /// Bound upstream instances not yet succeeded.
    pending: u32,
    /// Of those, instances of its own task (self-dependency).
    pending_self: u16,
    /// What holds it while it waits, when not the default of its state.
    hold: HoldCode,
    /// Head of this instance's list of dependents in `Engine::edges`.
    first_dependent: u32,
    /// How the running execution ends.
    outcome: Reason,
    /// Not run because an upstream failed (Airflow shows `upstream_failed`).
    pub upstream_failed: bool,
}

impl Instance {
    /// An instance as its unit creates it: `not_run`, nothing executed, no binding.
    fn planned(
        task: TaskId,
        unit: u32,
        scheduled: Instant,
        run_after: Instant,
        kind: Kind,
        origin: Origin,
    ) -> Self {
        Instance {
            task,
            unit,
            scheduled,
            run_after,
            kind,
            origin,
            state: State::NotRun,
            attempts: 0,
            tries: 0,
            first_start: NEVER,
            last_end: NEVER,
            pending: 0,
            pending_self: 0,
            hold: HoldCode::Default,
            first_dependent: NONE,
            outcome: Reason::Finished,
            upstream_failed: false,
        }
    }

    /// Start of the first execution.
    #[inline]
    pub fn start(&self) -> Option<Instant> {
        (self.first_start != NEVER).then_some(self.first_start)
    }

    /// End of the last execution.
    #[inline]
    pub fn end(&self) -> Option<Instant> {
        (self.last_end != NEVER).then_some(self.last_end)
    }

    /// Waiting for upstream instances, none of which is left: it may go on.
    #[inline]
    fn unblocked(&self) -> bool {
        self.pending == 0 && self.state == State::WaitingUpstream
    }
}

/// No such time: an [`Instance`]'s start or end before its first execution. The
/// instance is then 64 bytes, a cache line's size, where `Option<Instant>` took 16 bytes
/// each.
const NEVER: Instant = Instant::MIN;

/// A unit of work: one date of a backfill, one day or run of the recurring schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    pub key: UnitKey,
    pub origin: Origin,
    pub backfill: Option<u32>,
    /// When the unit may be created.
    pub due: Instant,
    pub created: Option<Instant>,
    pub ended: Option<Instant>,
    pub failed: bool,
    /// Its instances: `first..first + count` in `Engine::instances`.
    pub first: u32,
    pub count: u32,
    /// Its run set ([`UnitEvent::set`]); `NONE` for a run of the history.
    set: u32,
    pos: u32,
    chain: u32,
    unsettled: u32,
    /// Running again after an operator's rerun.
    reopened: bool,
    /// How many times the unit has run: 1, plus one per operator rerun
    /// (DolphinScheduler's `run_times`).
    pub run_times: u32,
    /// 0; for a date a rerun created again, 1 + that operation's index (`random.rs`).
    again: u32,
    /// Each self-dependent task's first and last instance here.
    self_ends: Vec<(TaskId, u32, u32)>,
}

impl Unit {
    /// Its run set ([`UnitEvent::set`]).
    pub fn set(&self) -> u32 {
        self.set
    }
}

/// A backfill or the recurring schedule: a planner and its units.
struct RunSet<'m> {
    planner: Planner<'m>,
    /// The workflows of its runs when its request (a backfill, the recurring
    /// schedule) was split by workflow (`unit_scope = workflow`); None when not.
    workflows: Option<Vec<WorkflowId>>,
    first_unit: u32,
    /// Instances wait for their scheduled time.
    wait_for_time: bool,
    /// A unit's first self-dependent instance waits for the previous unit's last.
    self_across: bool,
}

struct Chain {
    /// A backfill's chain (the recurring schedule's never stops).
    backfill: bool,
    units: Vec<u32>,
    next: usize,
    in_flight: u32,
    cap: u32,
    stopped: bool,
    /// An `Advance` event is already queued for the next unit's due time.
    wake_queued: bool,
    /// Holds an Airflow DAG's manual runs beside its scheduled ones: a due manual run
    /// starts before a due scheduled run ([`Engine::manual_first`]).
    manual: bool,
    /// [`Engine::advance`] of this chain is on the stack: a unit it creates that ends
    /// at once (no instance, or every one a dry run) leaves the next to that loop, so
    /// a run of such dates is a loop, never a recursion as deep as the dates.
    advancing: bool,
}

/// The hold of a waiting instance as stored: `Default` is [`Hold::Upstream`] in
/// `waiting_upstream` and [`Hold::Slots`] in `waiting_resources`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HoldCode {
    Default,
    SelfDependency,
    TaskGroup,
    MaxActiveTasks,
}

struct Group {
    free: u32,
    /// (priority key, scheduled, instance): smallest first.
    queue: ready::Ready,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    TimeReached,
    AttemptEnd,
    RetryDue,
    Advance,
    Operation,
    /// A check of a DEPENDENT task's items.
    Poll,
    /// An Airflow backfill submitted after another of its DAG: refused if that one
    /// is still running.
    Submit,
}

/// A binding, in its upstream's list of dependents.
#[derive(Clone, Copy, Debug)]
struct Edge {
    to: u32,
    next: u32,
    /// Still counted in `to`'s pending upstreams.
    live: bool,
}

/// A scripted fault's attempt, its phase, and the origin it is limited to (None: any).
type ScriptedFault = (u32, FaultPhase, Option<Origin>);

/// The simulation of one scenario.
pub struct Engine<'m> {
    model: &'m Model,
    now: Instant,
    horizon: Option<Instant>,
    rng: Random,
    /// Pending events (kind, instance or chain, attempt) by time; simultaneous
    /// events run in the order they were queued.
    events: queue::Queue<Ev>,
    /// Every instance by id; a windowed run holds only those of units not retired.
    pub instances: Window<Instance>,
    /// Singly linked lists of each instance's dependents.
    edges: Window<Edge>,
    pub units: Vec<Unit>,
    sets: Vec<RunSet<'m>>,
    chains: Vec<Chain>,
    groups: Vec<Group>,
    /// What the per-instance paths read of each task, dense (`slots::TaskRun`).
    task_run: Vec<slots::TaskRun>,
    /// Running instances per workflow, against Airflow's `max_active_tasks`.
    workflow_running: Vec<u32>,
    /// Self-dependent instances waiting for a unit not yet created: unit → (task, waiter).
    deferred: BTreeMap<u32, Vec<(TaskId, u32)>>,
    /// Scripted faults: (task, scheduled) → each failing attempt with its phase and
    /// the origin it is limited to. Every fault on one instance counts (no attempt in
    /// both phases: checked at loading).
    faults: BTreeMap<(TaskId, Instant), Vec<ScriptedFault>>,
    /// Stretched durations: (task, scheduled) → factor, and whether an execution
    /// was stretched.
    stretches: BTreeMap<(TaskId, Instant), (f64, bool)>,
    /// Scripted operator actions: (kind, task, scheduled), by index.
    operations: Vec<(OperationKind, TaskId, Instant)>,
    /// Operations that found nothing to act on and what a backfill left out, for the
    /// summary.
    pub notes: Vec<String>,
    plan: UnitPlan,
    scratch: FillScratch,
    aside: Vec<ready::Entry>,
    /// Queued instances the last dispatch looked at and left queued.
    examined: Vec<u32>,
    /// The executions the current dispatch started, told to the sink at its end.
    starting: Vec<u32>,
    /// Queued instances held by something else than their group's slots.
    odd_holds: Vec<u32>,
    stack: Vec<u32>,
    /// Executions started so far, against `max_executions`.
    executions: u64,
    max_executions: u64,
    max_instances: u64,
    /// Instances a rerun created again (regenerated dates).
    again: u64,
    /// Set when a budget ran out: the run ends at the current instant.
    stopped: Option<(Instant, Stop)>,
    /// An execution or retry that would pass the calendar's last instant: the run
    /// stops there and is refused with this message.
    past_end: Option<String>,
    /// The history's runs: instances `0..history_past.len()`, units
    /// `0..history_units`, replayed when the run begins.
    history_past: Vec<history::Past>,
    history_units: u32,
    history_replayed: bool,
    /// Instances a backfill ran again in place (Airflow `reprocess`): of the history,
    /// and of earlier runs it found at its submission.
    reprocessed: std::collections::BTreeSet<u32>,
    /// Backfills (by index) with a date that already had a run: where their
    /// `reprocess` decided something.
    met_runs: std::collections::BTreeSet<usize>,
    /// The Airflow backfills as submitted, in the scenario's order.
    submitted: Vec<submit::Submitted>,
    /// DEPENDENT tasks checking their items.
    dependent: dependent::Waiters,
    /// Set for a windowed run: each unit retires at the end of the instant it ended
    /// (`retire.rs`).
    windowed: bool,
    /// Units that ended in this instant, to retire at its end.
    ending: Vec<u32>,
    /// The bindings of the instances being retired, in `bindings()` order, and their
    /// ids.
    retiring: Vec<(u32, u32)>,
    retiring_edges: Vec<u32>,
    /// Instances held, and pushed, when last counted (for `Totals::peak_live`).
    live: u64,
    pushed: u64,
    /// What the retired instances add to the run's figures.
    pub retired: Totals,
    /// Per task, the instances of the plan's units created so far, as they were
    /// planned ([`Engine::expected_counts`]).
    planned_counts: Vec<u64>,
}

impl<'m> Engine<'m> {
    /// `self.now` plus `wait`, when the calendar holds it; otherwise the run stops with
    /// a message naming the instance and what was waited for.
    #[inline]
    fn after(&mut self, wait: Seconds, i: u32, what: &str) -> Option<Instant> {
        let at = i64::try_from(wait)
            .ok()
            .and_then(|w| self.now.checked_add(w))
            .filter(|&at| at <= crate::calendar::LAST_INSTANT);
        if at.is_none() {
            self.past_calendar_end(wait, i, what);
        }
        at
    }

    /// Says (once) that waiting `wait` from now for `what` of instance `i` would end
    /// after the calendar's last instant: the run stops.
    #[cold]
    fn past_calendar_end(&mut self, wait: Seconds, i: u32, what: &str) {
        if self.past_end.is_none() {
            let inst = &self.instances[i as usize];
            let tz = &self.model.timezone;
            self.past_end = Some(format!(
                "{} scheduled {}: {what} of {wait} s from {} would end after the calendar's last instant ({})",
                self.model.task(inst.task).name,
                crate::calendar::schedule::rfc3339(tz, inst.scheduled),
                crate::calendar::schedule::rfc3339(tz, self.now),
                crate::calendar::schedule::rfc3339(
                    &jiff::tz::TimeZone::UTC,
                    crate::calendar::LAST_INSTANT
                ),
            ));
        }
    }

    fn push(&mut self, at: Instant, ev: Ev, a: u32, b: u32) {
        self.events.push(at, (ev, a, b));
    }

    /// Runs until nothing is left to do. Past the horizon (`until`) nothing new starts
    /// (no instance's time comes, no unit is created, no operator acts) and what has
    /// started runs to its end, retries included.
    pub fn run(&mut self, sink: &mut impl Sink) {
        if !self.history_replayed {
            self.history_replayed = true;
            self.replay_history(sink);
        }
        while let Some(t) = self.events.next_time() {
            if self.past_end.is_some() {
                break;
            }
            let past = self.past_horizon(t);
            self.now = t;
            // Events queued at `t` while these run come in a later bucket at `t`.
            while self.events.next_time() == Some(t) {
                let Some((_, bucket)) = self.events.take_first() else {
                    break;
                };
                for &(ev, a, b) in &bucket {
                    match ev {
                        Ev::TimeReached | Ev::Advance | Ev::Operation if past => {}
                        Ev::TimeReached => self.time_reached(a, sink),
                        Ev::AttemptEnd => self.attempt_end(a, b, sink),
                        Ev::RetryDue => self.retry_due(a, sink),
                        Ev::Advance => {
                            self.chains[a as usize].wake_queued = false;
                            self.advance(a, sink);
                        }
                        Ev::Operation => self.operate(a, sink),
                        Ev::Poll => self.poll(a, b, sink),
                        Ev::Submit => self.submit(a),
                    }
                }
                self.events.recycle(bucket);
            }
            self.dispatch(sink);
            if self.windowed {
                self.retire(sink);
                if sink.abandoned() {
                    break;
                }
            }
            if self.stopped.is_some() {
                break;
            }
        }
    }

    /// Why the run stopped early (a budget ran out), and when.
    pub fn stopped(&self) -> Option<(Instant, Stop)> {
        self.stopped
    }

    /// The scenario's horizon (`until`), if it has one.
    pub fn horizon(&self) -> Option<Instant> {
        self.horizon
    }

    fn past_horizon(&self, t: Instant) -> bool {
        self.horizon.is_some_and(|h| t > h)
    }

    /// How many events went through the event queue.
    pub fn queued_events(&self) -> u64 {
        self.events.queued()
    }

    /// A note for every stretch that stretched no execution: no instance of its task
    /// scheduled then started (none was created, or it never ran).
    pub fn unused_stretches(&self) -> Vec<String> {
        let tz = &self.model.timezone;
        self.stretches
            .iter()
            .filter(|(_, (_, used))| !used)
            .map(|(&(task, at), &(factor, _))| {
                format!(
                    "stretch {} scheduled {} (×{factor}): no execution of that instance started, so it stretched nothing",
                    self.model.task(task).name,
                    crate::calendar::schedule::rfc3339(tz, at)
                )
            })
            .collect()
    }

    /// The virtual time the simulation stopped at.
    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// Unit `u` as records, diffs and messages name it: its date, and its workflows
    /// when its request was split by workflow ([`UnitEvent::label`]).
    pub fn unit_label(&self, u: u32) -> String {
        events::unit_label(
            self.model,
            self.units[u as usize].key,
            self.unit_workflows(u),
        )
    }

    /// Whether unit `u`'s request (its run set) covers `task`: a run split by
    /// workflow holds only its part's tasks. False for a run of the history.
    pub fn unit_covers(&self, u: u32, task: TaskId) -> bool {
        let set = self.units[u as usize].set;
        self.sets
            .get(set as usize)
            .is_some_and(|s| s.planner.covers(task))
    }

    /// The tasks the scenario's requests (its backfills, the recurring schedule, its
    /// triggered runs) plan instances of, whether or not one of them comes due: a
    /// task outside it never runs in this scenario.
    pub fn planned_tasks(&self) -> std::collections::BTreeSet<TaskId> {
        self.sets.iter().flat_map(|s| s.planner.tasks()).collect()
    }

    /// The workflows whose runs unit `u` holds, when its backfill or recurring
    /// schedule was split by workflow (`unit_scope = workflow`); None otherwise.
    pub fn unit_workflows(&self, u: u32) -> Option<&[WorkflowId]> {
        // History units belong to no set.
        let set = self.units[u as usize].set;
        self.sets.get(set as usize)?.workflows.as_deref()
    }
}

/// Plans and runs one scenario, sending every transition to `sink`.
pub fn simulate<'m>(
    model: &'m Model,
    scenario: &Scenario,
    config: Config,
    sink: &mut impl Sink,
) -> Result<Engine<'m>, RunError> {
    simulate_in(model, scenario, config, false, sink)
}

/// [`simulate`], windowed or not: a windowed run hands each unit's instances to
/// `sink` ([`Sink::retire`]) and drops them at the end of the instant the unit
/// ended. Only for a scenario [`windowable`] accepts.
pub fn simulate_in<'m>(
    model: &'m Model,
    scenario: &Scenario,
    config: Config,
    windowed: bool,
    sink: &mut impl Sink,
) -> Result<Engine<'m>, RunError> {
    let mut engine = Engine::new(model, scenario, config)?;
    if windowed {
        engine.set_windowed();
    }
    engine.run(sink);
    match engine.past_end.take() {
        Some(e) => Err(RunError::PastCalendarEnd(e)),
        None => Ok(engine),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_stays_well_under_200_bytes() {
        // product.md: under 200 bytes an instance; each binding adds 8 more.
        assert!(
            std::mem::size_of::<Instance>() <= 64,
            "{}",
            std::mem::size_of::<Instance>()
        );
        assert_eq!(std::mem::size_of::<Edge>(), 12);
    }
}
