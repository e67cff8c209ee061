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

pub mod chains;
pub mod random;
pub mod state;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

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
    ReverseSelfDependency, WeightRule,
};

pub use random::Random;
pub use state::{Reason, State};

/// Where an instance comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Recurring,
    Backfill,
    Rerun,
    /// Airflow: a run triggered by hand (`[[scenario.trigger]]`).
    Manual,
}

impl Origin {
    pub fn word(self) -> &'static str {
        match self {
            Origin::Recurring => "recurring",
            Origin::Backfill => "backfill",
            Origin::Rerun => "rerun",
            Origin::Manual => "manual",
        }
    }
}

/// One transition of one instance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    pub time: Instant,
    pub instance: u32,
    pub task: TaskId,
    pub group: GroupId,
    /// The extra named limit it also holds while running (DolphinScheduler task group).
    pub task_group: Option<GroupId>,
    /// Slots the instance holds while it runs (Airflow `pool_slots`; 1 elsewhere).
    pub slots: u32,
    pub scheduled: Instant,
    /// When the instance may start (its data interval's end under Airflow's interval
    /// timetable; the scheduled time elsewhere).
    pub run_after: Instant,
    /// The unit (business date or run) the instance belongs to.
    pub date: UnitKey,
    /// The execution this transition belongs to (0 before the first one starts).
    pub attempt: u32,
    pub from: State,
    pub to: State,
    pub reason: Reason,
}

/// A unit (a backfill date, a DolphinScheduler workflow instance, an Airflow DAG run)
/// started or ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitEvent {
    pub time: Instant,
    pub unit: u32,
    pub key: UnitKey,
    pub origin: Origin,
    /// The backfill (index in the scenario) the unit belongs to.
    pub backfill: Option<u32>,
    /// Started (true) or ended (false).
    pub started: bool,
    /// When ended: some instance failed, was killed or never ran.
    pub failed: bool,
    /// Started again by an operator's rerun, after it had ended; its end is the
    /// rerun's end. Not a new date of its backfill.
    pub reopened: bool,
}

/// What observes a simulation.
pub trait Sink {
    fn event(&mut self, e: &Event);
    fn unit(&mut self, _e: &UnitEvent) {}
}

/// A sink that drops everything.
impl Sink for () {
    fn event(&mut self, _e: &Event) {}
}

/// Every observer of a list, in order.
impl<A: Sink, B: Sink> Sink for (A, B) {
    fn event(&mut self, e: &Event) {
        self.0.event(e);
        self.1.event(e);
    }
    fn unit(&mut self, e: &UnitEvent) {
        self.0.unit(e);
        self.1.unit(e);
    }
}

/// An observer that may be absent.
impl<S: Sink> Sink for Option<S> {
    fn event(&mut self, e: &Event) {
        if let Some(s) = self {
            s.event(e);
        }
    }
    fn unit(&mut self, e: &UnitEvent) {
        if let Some(s) = self {
            s.unit(e);
        }
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn event(&mut self, e: &Event) {
        (**self).event(e);
    }
    fn unit(&mut self, e: &UnitEvent) {
        (**self).unit(e);
    }
}

/// Why a scenario cannot be simulated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// A backfill (by index) or the recurring window cannot be planned.
    Plan {
        backfill: Option<usize>,
        error: PlanError,
    },
    /// Airflow refuses to run a backfill newest first when a task depends on its past.
    ReverseWithSelfDependency { backfill: usize, task: String },
    /// A budget ran out at the time `at`: the run could not complete.
    Stopped { at: String, stop: Stop },
    /// A write's partition expression names no date of the calendar for some run
    /// (an offset that leaves it): the task, the expression, the run and why.
    Partition(String),
    /// An execution or a retry would end after the calendar's last instant.
    PastCalendarEnd(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Plan {
                backfill: Some(b),
                error,
            } => write!(f, "backfill {}: {error}", b + 1),
            RunError::Plan {
                backfill: None,
                error,
            } => write!(f, "recurring schedule: {error}"),
            RunError::ReverseWithSelfDependency { backfill, task } => write!(
                f,
                "backfill {}: {task} depends on its previous run, so its dates cannot run newest first (Airflow's InvalidBackfillDirection)",
                backfill + 1
            ),
            RunError::Stopped { at, stop } => write!(
                f,
                "stopped at {at}: {stop}; raise {} to let it finish",
                stop.flag()
            ),
            RunError::Partition(e) | RunError::PastCalendarEnd(e) => f.write_str(e),
        }
    }
}

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
    /// Start of the first execution.
    pub start: Option<Instant>,
    /// End of the last execution.
    pub end: Option<Instant>,
    /// Bound upstream instances not yet succeeded.
    pending: u32,
    /// Head of this instance's list of dependents in `Engine::edges`.
    first_dependent: u32,
    /// How the running execution ends.
    outcome: Reason,
    /// Not run because an upstream failed (Airflow shows `upstream_failed`).
    pub upstream_failed: bool,
}

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
    set: u32,
    pos: u32,
    chain: u32,
    unsettled: u32,
    /// Running again after an operator's rerun.
    reopened: bool,
    /// How many times the unit has run: 1, plus one per operator rerun
    /// (DolphinScheduler's `run_times`).
    pub run_times: u32,
    /// Each self-dependent task's first and last instance here.
    self_ends: Vec<(TaskId, u32, u32)>,
}

/// A backfill or the recurring schedule: a planner and its units.
struct RunSet<'m> {
    planner: Planner<'m>,
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
}

struct Group {
    free: u32,
    /// (priority key, scheduled, instance): smallest first.
    queue: BinaryHeap<Reverse<(i64, Instant, u32)>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    TimeReached,
    AttemptEnd,
    RetryDue,
    Advance,
    Operation,
}

/// A binding, in its upstream's list of dependents.
#[derive(Clone, Copy, Debug)]
struct Edge {
    to: u32,
    next: u32,
    /// Still counted in `to`'s pending upstreams.
    live: bool,
}

/// A queued event: (time, insertion number, kind, instance or chain, attempt). The
/// insertion number makes simultaneous events run in the order they were queued.
type Scheduled = (Instant, u64, Ev, u32, u32);

/// The simulation of one scenario.
pub struct Engine<'m> {
    model: &'m Model,
    now: Instant,
    horizon: Option<Instant>,
    rng: Random,
    seq: u64,
    events: BinaryHeap<Reverse<Scheduled>>,
    pub instances: Vec<Instance>,
    /// Singly linked lists of each instance's dependents.
    edges: Vec<Edge>,
    pub units: Vec<Unit>,
    sets: Vec<RunSet<'m>>,
    chains: Vec<Chain>,
    groups: Vec<Group>,
    /// Queue key of each task: its effective priority, ordered by the knob.
    task_key: Vec<i64>,
    /// Running instances per workflow, against Airflow's `max_active_tasks`.
    workflow_running: Vec<u32>,
    /// Self-dependent instances waiting for a unit not yet created: unit → (task, waiter).
    deferred: BTreeMap<u32, Vec<(TaskId, u32)>>,
    /// Scripted faults: (task, scheduled) → each failing attempt with its phase. Every
    /// fault on one instance counts (no attempt in both phases: checked at loading).
    faults: BTreeMap<(TaskId, Instant), Vec<(u32, FaultPhase)>>,
    /// Stretched durations: (task, scheduled) → factor.
    stretches: BTreeMap<(TaskId, Instant), f64>,
    /// Scripted operator actions: (kind, task, scheduled), by index.
    operations: Vec<(OperationKind, TaskId, Instant)>,
    /// Operations that found nothing to act on and what a backfill left out, for the
    /// summary.
    pub notes: Vec<String>,
    plan: UnitPlan,
    scratch: FillScratch,
    aside: Vec<Reverse<(i64, Instant, u32)>>,
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
}

/// How the engine is driven.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub seed: u64,
    /// Refuse scenarios that would create more instances than this (counted before
    /// the run from the plan), and stop a run whose instances (regenerated ones
    /// included) or dependency bindings would grow beyond it.
    pub max_instances: u64,
    /// Stop a run after this many executions (first tries, retries and reruns).
    pub max_executions: u64,
}

impl Config {
    /// A run under `seed`, refused or stopped past `max_instances`, with the default
    /// execution budget.
    pub fn new(seed: u64, max_instances: u64) -> Config {
        Config {
            seed,
            max_instances,
            max_executions: DEFAULT_MAX_EXECUTIONS,
        }
    }
}

/// The default execution budget: far above any run a person waits for (the
/// 876,000-instance backfill of the benchmarks executes under a million times).
pub const DEFAULT_MAX_EXECUTIONS: u64 = 100_000_000;

/// Why a run stopped before it could finish: a budget of [`Config`] ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// `max_executions` executions had started; one more was due.
    Executions { limit: u64 },
    /// A unit would have brought the instances past `max_instances`.
    Instances {
        limit: u64,
        created: u64,
        /// Of those created, how many a rerun made again (regenerated dates).
        again: u64,
        /// The unit's instances that did not fit.
        wanted: u64,
    },
    /// A unit would have brought the dependency bindings past `max_instances`.
    Bindings {
        limit: u64,
        bindings: u64,
        wanted: u64,
    },
}

impl Stop {
    /// The command-line flag that raises the budget.
    pub fn flag(self) -> &'static str {
        match self {
            Stop::Executions { .. } => "--max-executions",
            Stop::Instances { .. } | Stop::Bindings { .. } => "--max-instances",
        }
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Stop::Executions { limit } => write!(
                f,
                "the run reached {limit} executions (--max-executions {limit}) before it could finish"
            ),
            Stop::Instances {
                limit,
                created,
                again,
                wanted,
            } => {
                write!(
                    f,
                    "the run would create more than {limit} instances (--max-instances {limit}): {created} created"
                )?;
                if again > 0 {
                    write!(f, " ({again} of them dates a rerun created again)")?;
                }
                write!(f, ", and the next date needs {wanted} more")
            }
            Stop::Bindings {
                limit,
                bindings,
                wanted,
            } => write!(
                f,
                "the run would bind more than {limit} dependencies (--max-instances {limit} bounds bindings too): {bindings} bound, and the next date needs up to {wanted} more"
            ),
        }
    }
}

impl<'m> Engine<'m> {
    /// Plans the scenario's backfills and recurring window (units only; instances come
    /// as their units come due).
    pub fn new(model: &'m Model, scenario: &Scenario, config: Config) -> Result<Self, RunError> {
        let tz = &model.timezone;
        let rules = &model.rules;
        let start = local_to_instant(tz, scenario.start);
        let horizon = scenario.until.map(|u| local_to_instant(tz, u));
        let mut engine = Engine {
            model,
            now: start,
            horizon,
            rng: Random::new(config.seed),
            seq: 0,
            events: BinaryHeap::new(),
            instances: Vec::new(),
            edges: Vec::new(),
            units: Vec::new(),
            sets: Vec::new(),
            chains: Vec::new(),
            groups: model
                .groups
                .iter()
                .map(|g| Group {
                    free: g.slots,
                    queue: BinaryHeap::new(),
                })
                .collect(),
            task_key: task_keys(model),
            workflow_running: vec![0; model.workflows.len()],
            deferred: BTreeMap::new(),
            faults: scenario.faults.iter().fold(BTreeMap::new(), |mut map, f| {
                let key = (f.task, local_to_instant(tz, f.scheduled));
                let entry: &mut Vec<(u32, FaultPhase)> = map.entry(key).or_default();
                entry.extend(f.attempts.iter().map(|&a| (a, f.phase)));
                map
            }),
            stretches: scenario
                .stretches
                .iter()
                .map(|s| ((s.task, local_to_instant(tz, s.scheduled)), s.factor))
                .collect(),
            operations: scenario
                .operations
                .iter()
                .map(|o| (o.kind, o.task, local_to_instant(tz, o.scheduled)))
                .collect(),
            notes: Vec::new(),
            plan: UnitPlan::default(),
            scratch: FillScratch::default(),
            aside: Vec::new(),
            stack: Vec::new(),
            executions: 0,
            max_executions: config.max_executions,
            max_instances: config.max_instances,
            again: 0,
            stopped: None,
            past_end: None,
        };
        let mut budget = config.max_instances;
        if scenario.recurring {
            let until = scenario.until.unwrap_or(scenario.start);
            let (from, to) = match rules.date_convention {
                // Business dates whose next day meets the window.
                DateConvention::BusinessDate => (
                    DateOrTime::Date(
                        scenario
                            .start
                            .date()
                            .yesterday()
                            .unwrap_or(scenario.start.date()),
                    ),
                    DateOrTime::Date(until.date().yesterday().unwrap_or(until.date())),
                ),
                _ => (
                    DateOrTime::DateTime(scenario.start),
                    DateOrTime::DateTime(until),
                ),
            };
            let req = Request {
                targets: (0..model.workflows.len())
                    .map(|w| Target::Workflow(WorkflowId(w as u32)))
                    .collect(),
                downstream: false,
                from,
                to,
                window: None,
                dates: None,
                now: None,
                clip: Some((start, horizon.unwrap_or(start))),
                max_instances: budget,
            };
            let planner = Planner::new(model, &req).map_err(|error| RunError::Plan {
                backfill: None,
                error,
            })?;
            // Recurring runs are not grouped; Airflow still caps runs in flight.
            let cap = if rules.group_split == GroupSplit::Window {
                model
                    .workflows
                    .iter()
                    .filter_map(|w| w.max_active_runs)
                    .min()
                    .unwrap_or(16)
            } else {
                u32::MAX
            };
            engine.add_set(planner, Origin::Recurring, None, true, true, |n| {
                vec![chains::ChainSpec {
                    units: (0..n).collect(),
                    cap,
                }]
            });
            budget = config.max_instances.saturating_sub(engine.planned_bound());
        }
        for trigger in &scenario.triggers {
            let planner = Planner::manual(model, trigger);
            engine.notes.extend(planner.notes().iter().cloned());
            engine.add_set(planner, Origin::Manual, None, true, true, |n| {
                vec![chains::ChainSpec {
                    units: (0..n).collect(),
                    cap: u32::MAX,
                }]
            });
        }
        for (b_index, b) in scenario.backfills.iter().enumerate() {
            let at = local_to_instant(tz, b.at);
            let req = Request {
                targets: b.targets.clone(),
                downstream: b.downstream,
                from: b.from,
                to: b.to,
                window: b.window,
                dates: b.dates.clone(),
                now: Some(at),
                clip: None,
                max_instances: budget,
            };
            let planner = Planner::new(model, &req).map_err(|error| RunError::Plan {
                backfill: Some(b_index),
                error,
            })?;
            engine.notes.extend(
                planner
                    .notes()
                    .iter()
                    .map(|n| format!("backfill {}: {n}", b_index + 1)),
            );
            if b.order == Order::Desc
                && rules.reverse_self_dependency == ReverseSelfDependency::Reject
                && let Some(t) = planner.tasks().find(|t| model.task(*t).self_dependency)
            {
                return Err(RunError::ReverseWithSelfDependency {
                    backfill: b_index,
                    task: model.task(t).name.clone(),
                });
            }
            let wait = !b.run_immediately && rules.future_instances == FutureInstances::Wait;
            let across = rules.backfill_self_dependency == BackfillSelfDependency::AcrossDates;
            let (groups, split, order) = (b.groups, rules.group_split, b.order);
            let first_chain = engine.chains.len();
            engine.add_set(
                planner,
                Origin::Backfill,
                Some(b_index as u32),
                wait,
                across,
                |n| {
                    // Positions in date order, then split; `desc` reverses the dates first.
                    let ordered: Vec<u32> = match order {
                        Order::Asc => (0..n).collect(),
                        Order::Desc => (0..n).rev().collect(),
                    };
                    chains::split(n, groups, split)
                        .into_iter()
                        .map(|c| chains::ChainSpec {
                            units: c.units.iter().map(|&p| ordered[p as usize]).collect(),
                            cap: c.cap,
                        })
                        .collect()
                },
            );
            for c in first_chain..engine.chains.len() {
                for &u in &engine.chains[c].units {
                    engine.units[u as usize].due = at;
                }
            }
            budget = config.max_instances.saturating_sub(engine.planned_bound());
        }
        for (k, o) in scenario.operations.iter().enumerate() {
            engine.push(local_to_instant(tz, o.at), Ev::Operation, k as u32, 0);
        }
        for c in 0..engine.chains.len() {
            if let Some(&u) = engine.chains[c].units.first() {
                let due = engine.units[u as usize].due.max(start);
                engine.chains[c].wake_queued = true;
                engine.push(due, Ev::Advance, c as u32, 0);
            }
        }
        Ok(engine)
    }

    /// An upper bound of the instances planned so far (for `--max-instances`).
    fn planned_bound(&self) -> u64 {
        self.sets.iter().map(|s| s.planner.at_most()).sum()
    }

    fn add_set(
        &mut self,
        planner: Planner<'m>,
        origin: Origin,
        backfill: Option<u32>,
        wait_for_time: bool,
        self_across: bool,
        split: impl FnOnce(u32) -> Vec<chains::ChainSpec>,
    ) {
        let set = self.sets.len() as u32;
        let first_unit = self.units.len() as u32;
        let n = planner.units().len() as u32;
        for (pos, &key) in planner.units().iter().enumerate() {
            self.units.push(Unit {
                key,
                origin,
                backfill,
                due: planner.due(key),
                created: None,
                ended: None,
                failed: false,
                first: 0,
                count: 0,
                set,
                pos: pos as u32,
                chain: NONE,
                unsettled: 0,
                reopened: false,
                run_times: 1,
                self_ends: Vec::new(),
            });
        }
        for spec in split(n) {
            let id = self.chains.len() as u32;
            let units: Vec<u32> = spec.units.iter().map(|p| first_unit + p).collect();
            for &u in &units {
                self.units[u as usize].chain = id;
            }
            self.chains.push(Chain {
                backfill: backfill.is_some(),
                units,
                next: 0,
                in_flight: 0,
                cap: spec.cap,
                stopped: false,
                wake_queued: false,
            });
        }
        self.sets.push(RunSet {
            planner,
            first_unit,
            wait_for_time,
            self_across,
        });
    }

    /// `self.now` plus `wait`, when the calendar holds it; otherwise the run stops with
    /// a message naming the instance and what was waited for.
    fn after(&mut self, wait: Seconds, i: u32, what: &str) -> Option<Instant> {
        let at = i64::try_from(wait)
            .ok()
            .and_then(|w| self.now.checked_add(w))
            .filter(|&at| at <= crate::calendar::LAST_INSTANT);
        if at.is_none() && self.past_end.is_none() {
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
        at
    }

    fn push(&mut self, at: Instant, ev: Ev, a: u32, b: u32) {
        self.seq += 1;
        self.events.push(Reverse((at, self.seq, ev, a, b)));
    }

    /// Runs until nothing is left to do. Past the horizon (`until`) nothing new starts
    /// (no instance's time comes, no unit is created, no operator acts) and what has
    /// started runs to its end, retries included.
    pub fn run(&mut self, sink: &mut impl Sink) {
        while let Some(&Reverse((t, ..))) = self.events.peek() {
            if self.past_end.is_some() {
                break;
            }
            let past = self.past_horizon(t);
            self.now = t;
            while let Some(&Reverse((t2, _, ev, a, b))) = self.events.peek() {
                if t2 != t {
                    break;
                }
                self.events.pop();
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
                }
            }
            self.dispatch(sink);
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
        self.seq
    }

    /// The virtual time the simulation stopped at.
    pub fn now(&self) -> Instant {
        self.now
    }

    fn transition(&mut self, i: u32, to: State, reason: Reason, sink: &mut impl Sink) {
        let inst = &mut self.instances[i as usize];
        let from = inst.state;
        inst.state = to;
        let task = self.model.task(inst.task);
        sink.event(&Event {
            time: self.now,
            instance: i,
            task: inst.task,
            group: task.group,
            task_group: task.task_group,
            slots: task.pool_slots.max(1),
            scheduled: inst.scheduled,
            run_after: inst.run_after,
            date: self.units[inst.unit as usize].key,
            attempt: inst.attempts,
            from,
            to,
            reason,
        });
    }

    /// Creates the next units of a chain that are due and fit its cap.
    fn advance(&mut self, c: u32, sink: &mut impl Sink) {
        if self.past_horizon(self.now) {
            return;
        }
        loop {
            let chain = &self.chains[c as usize];
            if chain.stopped || chain.next >= chain.units.len() || chain.in_flight >= chain.cap {
                return;
            }
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

    fn create_unit(&mut self, u: u32, sink: &mut impl Sink) {
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
        for p in &self.plan.instances {
            self.instances.push(Instance {
                task: p.task,
                unit: u,
                scheduled: p.scheduled,
                run_after: p.run_after,
                kind: p.kind,
                origin,
                state: State::NotRun,
                attempts: 0,
                tries: 0,
                start: None,
                end: None,
                pending: 0,
                first_dependent: NONE,
                outcome: Reason::Finished,
                upstream_failed: false,
            });
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
        // the unit before it in date order.
        if self_across && pos > 0 {
            let prev = first_unit + pos - 1;
            for &(task, first, _) in &self_ends {
                if self.units[prev as usize].created.is_some() {
                    if let Some(last) = self.last_of(prev, task) {
                        self.bind(last, first);
                    }
                } else {
                    self.instances[first as usize].pending += 1;
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
            started: true,
            failed: false,
            reopened: false,
        });
        for i in base..base + count {
            self.enter(i, wait_for_time, Reason::Created, sink);
        }
        // Instances of later units that waited for this one to exist.
        if let Some(waiters) = self.deferred.remove(&u) {
            for (task, waiter) in waiters {
                self.instances[waiter as usize].pending -= 1;
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
    fn over_budget(&mut self, origin: Origin, across: usize) -> bool {
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
    fn enter(&mut self, i: u32, wait_for_time: bool, reason: Reason, sink: &mut impl Sink) {
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

    fn last_of(&self, u: u32, task: TaskId) -> Option<u32> {
        self.units[u as usize]
            .self_ends
            .iter()
            .find(|e| e.0 == task)
            .map(|e| e.2)
    }

    /// `down` waits for `up` unless `up` has already succeeded.
    fn bind(&mut self, up: u32, down: u32) {
        if self.instances[up as usize].state.satisfies_downstream() {
            return;
        }
        let head = self.instances[up as usize].first_dependent;
        self.edges.push(Edge {
            to: down,
            next: head,
            live: true,
        });
        self.instances[up as usize].first_dependent = (self.edges.len() - 1) as u32;
        self.instances[down as usize].pending += 1;
    }

    fn maybe_unblocked(&mut self, i: u32, sink: &mut impl Sink) {
        let inst = &self.instances[i as usize];
        if inst.pending == 0 && inst.state == State::WaitingUpstream {
            self.ready(i, Reason::UpstreamDone, sink);
        }
    }

    /// Time and upstream are satisfied: a dry-run succeeds, others queue for a slot.
    fn ready(&mut self, i: u32, reason: Reason, sink: &mut impl Sink) {
        if self.instances[i as usize].kind == Kind::DryRun {
            self.instances[i as usize].end = Some(self.now);
            self.transition(i, State::DryRun, Reason::DryRun, sink);
            self.settled(i, sink);
            return;
        }
        self.transition(i, State::WaitingResources, reason, sink);
        self.enqueue(i);
    }

    fn enqueue(&mut self, i: u32) {
        let inst = &self.instances[i as usize];
        let task = self.model.task(inst.task);
        let key = self.task_key[inst.task.0 as usize];
        self.groups[task.group.0 as usize]
            .queue
            .push(Reverse((key, inst.scheduled, i)));
    }

    fn time_reached(&mut self, i: u32, sink: &mut impl Sink) {
        if self.instances[i as usize].state != State::WaitingTime {
            return;
        }
        if self.instances[i as usize].pending > 0 {
            self.transition(i, State::WaitingUpstream, Reason::TimeReached, sink);
        } else {
            self.ready(i, Reason::TimeReached, sink);
        }
    }

    /// Starts queued instances while their groups (and task groups) have slots, in
    /// each group's queue order.
    fn dispatch(&mut self, sink: &mut impl Sink) {
        for g in 0..self.groups.len() {
            while self.groups[g].free > 0 {
                let Some(Reverse(entry)) = self.groups[g].queue.pop() else {
                    break;
                };
                let i = entry.2;
                if self.instances[i as usize].state != State::WaitingResources {
                    continue; // killed or ended while queued
                }
                let task = self.model.task(self.instances[i as usize].task);
                let need = task.pool_slots.max(1);
                let limit_full = task
                    .task_group
                    .is_some_and(|tg| self.groups[tg.0 as usize].free == 0)
                    || self
                        .model
                        .workflow(task.workflow)
                        .max_active_tasks
                        .is_some_and(|m| self.workflow_running[task.workflow.0 as usize] >= m);
                if need > self.groups[g].free || limit_full {
                    self.aside.push(Reverse(entry));
                    continue;
                }
                if self.executions >= self.max_executions {
                    self.aside.push(Reverse(entry));
                    self.stopped = Some((
                        self.now,
                        Stop::Executions {
                            limit: self.max_executions,
                        },
                    ));
                    break;
                }
                self.executions += 1;
                self.groups[g].free -= need;
                if let Some(tg) = task.task_group {
                    self.groups[tg.0 as usize].free -= 1;
                }
                self.workflow_running[task.workflow.0 as usize] += 1;
                self.start(i, sink);
            }
            let aside = std::mem::take(&mut self.aside);
            self.groups[g].queue.extend(aside.iter().copied());
            self.aside = aside;
            self.aside.clear();
        }
    }

    fn start(&mut self, i: u32, sink: &mut impl Sink) {
        let model = self.model;
        let now = self.now;
        let inst = &mut self.instances[i as usize];
        inst.attempts += 1;
        inst.tries += 1;
        inst.start.get_or_insert(now);
        let attempt = inst.attempts;
        let task = model.task(inst.task);
        let mut duration = self.rng.duration(task.duration);
        if let Some(factor) = self.stretches.get(&(inst.task, inst.scheduled)) {
            duration = (duration as f64 * factor).round() as Seconds;
        }
        let scripted = self
            .faults
            .get(&(inst.task, inst.scheduled))
            .and_then(|attempts| attempts.iter().find(|(a, _)| *a == attempt))
            .map(|(_, phase)| match phase {
                FaultPhase::BeforeWrite => Reason::FailedBeforeWrite,
                FaultPhase::AfterWrite => Reason::FailedAfterWrite,
            });
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
        self.instances[i as usize].outcome = outcome;
        self.transition(i, State::Running, Reason::SlotFree, sink);
        if let Some(end) = self.after(runs_for, i, "an execution") {
            self.push(end, Ev::AttemptEnd, i, attempt);
        }
    }

    fn release(&mut self, i: u32) {
        let task = self.model.task(self.instances[i as usize].task);
        self.groups[task.group.0 as usize].free += task.pool_slots.max(1);
        if let Some(tg) = task.task_group {
            self.groups[tg.0 as usize].free += 1;
        }
        self.workflow_running[task.workflow.0 as usize] -= 1;
    }

    fn attempt_end(&mut self, i: u32, attempt: u32, sink: &mut impl Sink) {
        let inst = &self.instances[i as usize];
        if inst.state != State::Running || inst.attempts != attempt {
            return; // killed meanwhile
        }
        self.release(i);
        self.instances[i as usize].end = Some(self.now);
        let outcome = self.instances[i as usize].outcome;
        if outcome == Reason::Finished {
            self.transition(i, State::Succeeded, outcome, sink);
            self.settled(i, sink);
            return;
        }
        let task = self.model.task(self.instances[i as usize].task);
        let retries_left = self.instances[i as usize].tries <= task.retry.times;
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

    /// The wait before the retry after failed attempt `attempt` (AF §3 for exponential).
    fn retry_interval(&self, i: u32, attempt: u32) -> Seconds {
        let inst = &self.instances[i as usize];
        let task = self.model.task(inst.task);
        let r = task.retry;
        match r.backoff {
            Backoff::Fixed => r.interval,
            Backoff::Exponential => {
                let workflow = &self.model.workflow(task.workflow).name;
                let task_id = task.name.rsplit('.').next().unwrap_or(&task.name);
                let logical = python_datetime(self.model, inst.scheduled);
                exponential_backoff(
                    r.interval,
                    attempt,
                    workflow,
                    task_id,
                    &logical,
                    r.max_interval,
                )
            }
        }
    }

    fn retry_due(&mut self, i: u32, sink: &mut impl Sink) {
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
    fn settled(&mut self, i: u32, sink: &mut impl Sink) {
        self.satisfied(i, sink);
        self.unit_settle(i, false, sink);
    }

    /// `i` succeeded: each dependent still counting it stops; one that had not run
    /// because `i` failed comes back once nothing else blocks it.
    fn satisfied(&mut self, i: u32, sink: &mut impl Sink) {
        let mut e = self.instances[i as usize].first_dependent;
        while e != NONE {
            let edge = self.edges[e as usize];
            if !edge.live {
                e = edge.next;
                continue;
            }
            self.edges[e as usize].live = false;
            e = edge.next;
            let d = edge.to;
            self.instances[d as usize].pending -= 1;
            let di = &self.instances[d as usize];
            if di.state == State::NotRun && di.upstream_failed && di.pending == 0 {
                self.instances[d as usize].upstream_failed = false;
                self.reopen(d, sink);
                self.ready(d, Reason::UpstreamDone, sink);
            } else {
                self.maybe_unblocked(d, sink);
            }
        }
    }

    /// A final failure: its same-task dependents (self-dependency) stay blocked; the
    /// others never run; with `failure_strategy = end` the rest of the workflow
    /// instance stops.
    fn failed(&mut self, i: u32, sink: &mut impl Sink) {
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
                        self.instances[j as usize].end = Some(self.now);
                        self.transition(j, State::Killed, Reason::WorkflowEnded, sink);
                    }
                    State::Frozen => continue,
                    _ => self.transition(j, State::NotRun, Reason::WorkflowEnded, sink),
                }
                self.unit_settle(j, true, sink);
            }
        }
    }

    fn unit_settle(&mut self, i: u32, failed: bool, sink: &mut impl Sink) {
        let u = self.instances[i as usize].unit;
        let unit = &mut self.units[u as usize];
        unit.unsettled -= 1;
        unit.failed |= failed;
        if unit.unsettled == 0 {
            self.unit_done(u, sink);
        }
    }

    fn unit_done(&mut self, u: u32, sink: &mut impl Sink) {
        let unit = &mut self.units[u as usize];
        unit.ended = Some(self.now);
        let (c, failed, reopened) = (unit.chain, unit.failed, unit.reopened);
        sink.unit(&UnitEvent {
            time: self.now,
            unit: u,
            key: unit.key,
            origin: unit.origin,
            backfill: unit.backfill,
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

    /// Applies operator action `k` to the latest instance it names.
    fn operate(&mut self, k: u32, sink: &mut impl Sink) {
        let (kind, task, scheduled) = self.operations[k as usize];
        let Some(i) = (0..self.instances.len() as u32).rev().find(|&i| {
            let inst = &self.instances[i as usize];
            inst.task == task && inst.scheduled == scheduled
        }) else {
            self.note(k, "no such instance exists yet");
            return;
        };
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
                self.rerun(k, members, false, sink);
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
                    self.instances[i as usize].end = Some(self.now);
                }
                self.transition(i, State::Killed, Reason::Killed, sink);
                self.failed(i, sink);
            }
        }
    }

    fn note(&mut self, k: u32, why: &str) {
        let (kind, task, scheduled) = self.operations[k as usize];
        self.notes.push(format!(
            "{}: {kind} {} scheduled {}: {why}",
            crate::calendar::schedule::rfc3339(&self.model.timezone, self.now),
            self.model.task(task).name,
            crate::calendar::schedule::rfc3339(&self.model.timezone, scheduled),
        ));
    }

    /// The instances of `i`'s workflow in its unit whose state passes `keep`.
    fn workflow_instance(&self, i: u32, keep: impl Fn(State) -> bool) -> Vec<u32> {
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
    fn descendants(&self, i: u32) -> Vec<u32> {
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
    fn ancestors(&self, i: u32) -> Vec<u32> {
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
    fn rerun(&mut self, k: u32, members: Vec<u32>, regenerate: bool, sink: &mut impl Sink) {
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
        // its own and the one before (self-dependency across units).
        let mut units: Vec<u32> = Vec::new();
        for &i in &set {
            let u = self.instances[i as usize].unit;
            units.push(u);
            let unit = &self.units[u as usize];
            if unit.pos > 0 {
                units.push(self.sets[unit.set as usize].first_unit + unit.pos - 1);
            }
        }
        units.sort_unstable();
        units.dedup();
        for &i in &set {
            self.instances[i as usize].pending = 0;
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
                        self.instances[edge.to as usize].pending += u32::from(up_pending);
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
            let later = self.later_dates_again(first_unit);
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

    /// New units for the dates after `u` in its backfill chain (DS #12586).
    fn later_dates_again(&mut self, u: u32) -> Vec<u32> {
        let Some(chain) = self.chains.iter().position(|c| c.units.contains(&u)) else {
            return Vec::new();
        };
        let units = &self.chains[chain].units;
        let pos = units.iter().position(|&x| x == u).unwrap_or(units.len());
        let later: Vec<u32> = units[pos + 1..].to_vec();
        later
            .into_iter()
            .map(|l| {
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
                self.units.push(copy);
                (self.units.len() - 1) as u32
            })
            .collect()
    }

    /// `i` leaves a final state: its unit has one more instance to settle, and runs
    /// again if it had ended.
    fn reopen(&mut self, i: u32, sink: &mut impl Sink) {
        let u = self.instances[i as usize].unit;
        if self.units[u as usize].ended.is_some() {
            self.reopen_unit(u, Vec::new(), sink);
        }
        self.units[u as usize].unsettled += 1;
    }

    /// A finished unit runs again, in a chain of its own that goes on with `later`.
    fn reopen_unit(&mut self, u: u32, later: Vec<u32>, sink: &mut impl Sink) {
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
            started: true,
            failed: false,
            reopened: true,
        });
    }

    /// The scenario's instances that have not reached a final state, each with the
    /// real blocker: the upstream it waits for, the unit never started that it needs,
    /// the group, pool, task group or `max_active_tasks` that holds it, an unfreeze,
    /// the budget that stopped the run, or, only when the scenario has one, the
    /// horizon that came before its time, its retry or its execution's end.
    pub fn stuck(&self) -> Vec<Stuck> {
        let mut waits: BTreeMap<u32, Vec<Wait>> = BTreeMap::new();
        for (up, inst) in self.instances.iter().enumerate() {
            let mut e = inst.first_dependent;
            while e != NONE {
                let Edge { to: d, next, .. } = self.edges[e as usize];
                e = next;
                if !self.instances[d as usize].state.is_final()
                    && !inst.state.satisfies_downstream()
                {
                    waits.entry(d).or_default().push(Wait::Instance(up as u32));
                }
            }
        }
        for (&unit, list) in &self.deferred {
            for &(task, waiter) in list {
                waits
                    .entry(waiter)
                    .or_default()
                    .push(Wait::UnitNeverStarted { unit, task });
            }
        }
        // When each pending event would have come (past the horizon).
        let mut due: BTreeMap<u32, Instant> = BTreeMap::new();
        for &Reverse((t, _, ev, i, _)) in self.events.iter() {
            if matches!(ev, Ev::AttemptEnd | Ev::RetryDue) {
                due.entry(i).and_modify(|d| *d = (*d).min(t)).or_insert(t);
            }
        }
        let stopped = self.stopped.map(|(_, s)| Wait::Stopped(s));
        self.instances
            .iter()
            .enumerate()
            .filter(|(_, inst)| !inst.state.is_final())
            .map(|(i, inst)| {
                let i = i as u32;
                let waits_for = match inst.state {
                    State::WaitingUpstream => waits.remove(&i).unwrap_or_default(),
                    State::Frozen => vec![Wait::Unfreeze],
                    State::WaitingResources => match self.resource_blocker(i) {
                        // Never: no budget or horizon explains it.
                        w @ Wait::PoolTooSmall { .. } => vec![w],
                        w => vec![stopped.unwrap_or(w)],
                    },
                    _ if stopped.is_some() => stopped.into_iter().collect(),
                    State::WaitingTime => vec![Wait::Time(inst.run_after)],
                    State::WaitingRetry => vec![Wait::Retry(due.get(&i).copied())],
                    _ => vec![Wait::Finishing(due.get(&i).copied())],
                };
                Stuck {
                    instance: i,
                    state: inst.state,
                    waits_for,
                }
            })
            .collect()
    }

    /// What keeps a queued instance from its slot at the end of the run.
    fn resource_blocker(&self, i: u32) -> Wait {
        let task_id = self.instances[i as usize].task;
        let task = self.model.task(task_id);
        let need = task.pool_slots.max(1);
        let group = task.group;
        if need > self.model.groups[group.0 as usize].slots {
            return Wait::PoolTooSmall {
                task: task_id,
                group,
                need,
            };
        }
        if need > self.groups[group.0 as usize].free {
            return Wait::Slots { group, need };
        }
        if let Some(tg) = task.task_group
            && self.groups[tg.0 as usize].free == 0
        {
            return Wait::TaskGroup(tg);
        }
        Wait::MaxActiveTasks(task.workflow)
    }

    /// Every binding: (upstream, downstream) instance.
    pub fn bindings(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.instances
            .iter()
            .enumerate()
            .flat_map(move |(up, inst)| {
                let mut e = inst.first_dependent;
                std::iter::from_fn(move || {
                    (e != NONE).then(|| {
                        let Edge { to: d, next, .. } = self.edges[e as usize];
                        e = next;
                        (up as u32, d)
                    })
                })
            })
    }

    /// How many instances each task should have: every unit of every backfill and of
    /// the recurring window, planned as the calendar says, regardless of what ran.
    pub fn expected_counts(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.model.tasks.len()];
        let mut plan = UnitPlan::default();
        let mut scratch = FillScratch::default();
        for set in &self.sets {
            for &key in set.planner.units() {
                set.planner.fill(key, &mut plan, &mut scratch);
                for i in &plan.instances {
                    counts[i.task.0 as usize] += 1;
                }
            }
        }
        counts
    }

    /// Units no chain ever started (a chain stopped after a failure, or the horizon).
    pub fn never_started(&self) -> impl Iterator<Item = (u32, &Unit)> + '_ {
        self.units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.created.is_none())
            .map(|(i, u)| (i as u32, u))
    }

    /// Why a unit no chain started never started.
    pub fn why_never_started(&self, u: u32) -> NotStarted {
        if let Some((_, stop)) = self.stopped {
            return NotStarted::Stopped(stop);
        }
        let unit = &self.units[u as usize];
        if self.horizon.is_some_and(|h| unit.due > h) {
            return NotStarted::Horizon(unit.due);
        }
        let Some(chain) = self.chains.get(unit.chain as usize) else {
            return NotStarted::Horizon(unit.due);
        };
        if chain.stopped {
            return NotStarted::ChainStopped;
        }
        match chain.units[..chain.next].iter().find(|&&x| {
            let x = &self.units[x as usize];
            x.created.is_some() && x.ended.is_none()
        }) {
            Some(&open) => NotStarted::Full {
                cap: chain.cap,
                open,
            },
            None => NotStarted::Horizon(unit.due),
        }
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }
}

/// Plans and runs one scenario, sending every transition to `sink`.
pub fn simulate<'m>(
    model: &'m Model,
    scenario: &Scenario,
    config: Config,
    sink: &mut impl Sink,
) -> Result<Engine<'m>, RunError> {
    let mut engine = Engine::new(model, scenario, config)?;
    engine.run(sink);
    match engine.past_end.take() {
        Some(e) => Err(RunError::PastCalendarEnd(e)),
        None => Ok(engine),
    }
}

/// An instance left unfinished.
#[derive(Clone, Debug, PartialEq)]
pub struct Stuck {
    pub instance: u32,
    pub state: State,
    pub waits_for: Vec<Wait>,
}

/// Why a unit never started.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NotStarted {
    /// A budget ran out and the run stopped.
    Stopped(Stop),
    /// It was due after the horizon.
    Horizon(Instant),
    /// Its chain stopped after a failure (`chain_on_failure = stop`).
    ChainStopped,
    /// Its chain allows `cap` units in flight (the backfill's groups, Airflow's
    /// `max_active_runs`), and `open` never ended.
    Full { cap: u32, open: u32 },
}

/// What a stuck instance waits for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Wait {
    /// An upstream (or previous self-dependent) instance that did not succeed.
    Instance(u32),
    /// The previous unit, never started, whose last instance of `task` it needs.
    UnitNeverStarted { unit: u32, task: TaskId },
    /// Its scheduled time, after the horizon.
    Time(Instant),
    /// Its retry, due after the horizon (when known).
    Retry(Option<Instant>),
    /// Its running execution, which ends after the horizon (when known).
    Finishing(Option<Instant>),
    /// `need` slots of `group`, in use by other instances when the run ended.
    Slots { group: GroupId, need: u32 },
    /// Never: `task` needs more slots (`pool_slots`) than `group` has. Airflow's
    /// scheduler leaves such a task instance `scheduled` for ever, with a warning.
    PoolTooSmall {
        task: TaskId,
        group: GroupId,
        need: u32,
    },
    /// A slot of a DolphinScheduler task group, all in use when the run ended.
    TaskGroup(GroupId),
    /// Its workflow's `max_active_tasks`, reached when the run ended.
    MaxActiveTasks(WorkflowId),
    /// An operator to unfreeze it.
    Unfreeze,
    /// Nothing: a budget ran out and the run stopped.
    Stopped(Stop),
}

/// Each task's queue key, smaller first: its workflow's priority, then its effective
/// priority by `weight_rule`, each ordered by `priority_order`. The effective weight is
/// clamped to a 32-bit integer as Airflow's `db_safe_priority` does (its database
/// column's range; priorities of the other profiles never come near it).
fn task_keys(model: &Model) -> Vec<i64> {
    let n = model.tasks.len();
    let own: Vec<i64> = model.tasks.iter().map(|t| t.priority).collect();
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, t) in model.tasks.iter().enumerate() {
        for u in &t.upstream {
            down[u.0 as usize].push(i);
            up[i].push(u.0 as usize);
        }
    }
    let reach = match model.rules.weight_rule {
        WeightRule::Absolute => vec![0; n],
        WeightRule::Downstream => reach_sums(&own, &down),
        WeightRule::Upstream => reach_sums(&own, &up),
    };
    (0..n)
        .map(|i| {
            let weight = i128::from(own[i]) + reach[i];
            let weight = weight.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i64;
            // The workflow's priority goes first (DolphinScheduler's dispatch order:
            // workflow-instance priority, then task priority, DS §4); other profiles
            // leave every workflow at the same priority.
            let workflow = i64::from(model.workflow(model.tasks[i].workflow).priority);
            let (workflow, weight) = match model.rules.priority_order {
                PriorityOrder::HigherFirst => (-workflow, -weight),
                PriorityOrder::LowerFirst => (workflow, weight),
            };
            (workflow << 32) + weight
        })
        .collect()
}

/// Per task, the sum of `own` over every task reachable along `next` (the dependency
/// graph, acyclic), each counted once, as Airflow sums `get_flat_relatives`. Successors
/// come first (reverse topological order), so a task with one successor adds that
/// successor and its sum, and a task whose whole reach is a tree (every task in it has
/// one predecessor) adds its successors and their sums: linear on chains, fan-ins and
/// trees. Only where paths rejoin does a task search its reach, stopping at trees.
fn reach_sums(own: &[i64], next: &[Vec<usize>]) -> Vec<i128> {
    let n = own.len();
    let mut preds = vec![0u32; n];
    for succ in next {
        for &s in succ {
            preds[s] += 1;
        }
    }
    // Kahn's algorithm: a topological order, without recursion.
    let mut left = preds.clone();
    let mut order: Vec<usize> = (0..n).filter(|&i| left[i] == 0).collect();
    let mut k = 0;
    while k < order.len() {
        for &s in &next[order[k]] {
            left[s] -= 1;
            if left[s] == 0 {
                order.push(s);
            }
        }
        k += 1;
    }
    let mut sum = vec![0i128; n];
    // Whether every task reachable from this one has exactly one predecessor.
    let mut tree = vec![false; n];
    let mut seen = vec![usize::MAX; n];
    let mut stack = Vec::new();
    for &x in order.iter().rev() {
        tree[x] = next[x].iter().all(|&s| preds[s] == 1 && tree[s]);
        sum[x] = if next[x].len() == 1 || tree[x] {
            next[x].iter().map(|&s| i128::from(own[s]) + sum[s]).sum()
        } else {
            let mut total = 0;
            stack.extend(next[x].iter().copied());
            while let Some(y) = stack.pop() {
                if std::mem::replace(&mut seen[y], x) == x {
                    continue;
                }
                total += i128::from(own[y]);
                if tree[y] {
                    // Only reachable through y: its reach is its sum.
                    total += sum[y];
                } else {
                    stack.extend(next[y].iter().copied());
                }
            }
            total
        };
    }
    sum
}

#[cfg(test)]
mod reach_tests {
    use super::reach_sums;
    use proptest::prelude::*;

    proptest! {
        /// On any acyclic graph (edges go from lower to higher index), the shortcuts
        /// give the same sums as a search from every task.
        #[test]
        fn reach_sums_equal_a_search_from_every_task(
            n in 1usize..24,
            edges in proptest::collection::vec((0usize..24, 0usize..24), 0..60),
            own in proptest::collection::vec(-5i64..100, 24),
        ) {
            let mut next = vec![Vec::new(); n];
            for (a, b) in edges {
                let (a, b) = (a % n, b % n);
                if a < b && !next[a].contains(&b) {
                    next[a].push(b);
                }
            }
            let own = &own[..n];
            let brute: Vec<i128> = (0..n)
                .map(|start| {
                    let mut seen = vec![false; n];
                    let mut stack = next[start].clone();
                    let mut sum = 0;
                    while let Some(x) = stack.pop() {
                        if !std::mem::replace(&mut seen[x], true) {
                            sum += i128::from(own[x]);
                            stack.extend(&next[x]);
                        }
                    }
                    sum
                })
                .collect();
            prop_assert_eq!(reach_sums(own, &next), brute);
        }
    }

    #[test]
    fn weight_rule_downstream_on_a_chain_of_40000_tasks_counts_each_later_task_once() {
        let n = 40_000;
        let next: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let sums = reach_sums(&vec![1; n], &next);
        assert!(
            sums.iter()
                .enumerate()
                .all(|(i, &s)| s == (n - 1 - i) as i128)
        );
    }
}

/// Python's `str()` of an aware datetime: `2025-03-01 00:00:00+00:00`, as Airflow
/// hashes the logical date.
fn python_datetime(model: &Model, at: Instant) -> String {
    let t = crate::calendar::schedule::rfc3339(&model.timezone, at);
    // rfc3339 gives `2025-03-01T00:00:00+00:00`.
    t.replacen('T', " ", 1)
}

/// Airflow 3's `next_retry_datetime` delay (AF §3): `B = ceil(delay × 2^(try−1))`,
/// plus `sha1("dag#task#logical_date#try") mod B`, capped at a day and at
/// `max_retry_delay`.
pub fn exponential_backoff(
    delay: Seconds,
    try_number: u32,
    dag_id: &str,
    task_id: &str,
    logical_date: &str,
    max_interval: Option<Seconds>,
) -> Seconds {
    const MAX_RETRY_DELAY: Seconds = 86_400;
    let factor = 2f64.powi(try_number.saturating_sub(1).min(60) as i32);
    let min_backoff = ((delay as f64) * factor).ceil();
    let min_backoff = if min_backoff.is_finite() && min_backoff < 1e15 {
        (min_backoff as Seconds).max(1)
    } else {
        MAX_RETRY_DELAY
    };
    let digest = sha1_smol::Sha1::from(format!("{dag_id}#{task_id}#{logical_date}#{try_number}"))
        .digest()
        .bytes();
    let jitter = digest.iter().fold(0u128, |r, &b| {
        (r * 256 + u128::from(b)) % u128::from(min_backoff)
    }) as Seconds;
    let backoff = (min_backoff + jitter).min(MAX_RETRY_DELAY);
    max_interval.map_or(backoff, |m| backoff.min(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_stays_well_under_200_bytes() {
        // product.md: under 200 bytes an instance; each binding adds 8 more.
        assert!(
            std::mem::size_of::<Instance>() <= 80,
            "{}",
            std::mem::size_of::<Instance>()
        );
        assert_eq!(std::mem::size_of::<Edge>(), 12);
    }

    #[test]
    fn exponential_backoff_matches_airflows_pinned_ranges() {
        // test_taskinstance.py: retry_delay 30s, max_retry_delay 60min (AF §3).
        let wait = |try_number| {
            exponential_backoff(
                30,
                try_number,
                "dag",
                "task",
                "2025-03-01 00:00:00+00:00",
                Some(3600),
            )
        };
        assert!((30..60).contains(&wait(1)));
        assert!((120..240).contains(&wait(3)));
        assert!((480..960).contains(&wait(5)));
        assert_eq!(wait(9), 3600);
        assert_eq!(wait(50), 3600);
        assert_eq!(wait(5000), 3600);
    }

    #[test]
    fn the_jitter_is_the_sha1_of_the_key_modulo_the_base() {
        // sha1("d#t#x#1") = 3c0a...: computed independently below, byte by byte.
        let digest = sha1_smol::Sha1::from("d#t#x#1").digest().bytes();
        let modulo = digest
            .iter()
            .fold(0u128, |r, &b| (r * 256 + u128::from(b)) % 7);
        assert_eq!(
            exponential_backoff(7, 1, "d", "t", "x", None),
            7 + modulo as u64
        );
    }
}
