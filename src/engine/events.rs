//! What the engine emits: each transition of an instance and each unit's start and
//! end, to a [`Sink`]. The engine knows no observer beyond this trait.

use super::*;

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
    /// The origin a scripted fault is limited to.
    pub fn of_fault(o: crate::model::FaultOrigin) -> Self {
        use crate::model::FaultOrigin as F;
        match o {
            F::Recurring => Origin::Recurring,
            F::Backfill => Origin::Backfill,
            F::Rerun => Origin::Rerun,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Origin::Recurring => "recurring",
            Origin::Backfill => "backfill",
            Origin::Rerun => "rerun",
            Origin::Manual => "manual",
        }
    }
}

/// One transition of one instance: the instance as the transition leaves it (its
/// state is `to`), read through accessors, so that an event is a handful of words
/// however much observers read of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event<'a> {
    pub time: Instant,
    pub instance: u32,
    pub from: State,
    pub to: State,
    pub reason: Reason,
    inst: &'a Instance,
    run: &'a slots::TaskRun,
}

impl<'a> Event<'a> {
    pub(super) fn new(
        time: Instant,
        instance: u32,
        (from, to, reason): (State, State, Reason),
        inst: &'a Instance,
        run: &'a slots::TaskRun,
    ) -> Self {
        Event {
            time,
            instance,
            from,
            to,
            reason,
            inst,
            run,
        }
    }

    #[inline]
    pub fn task(&self) -> TaskId {
        self.inst.task
    }

    #[inline]
    pub fn group(&self) -> GroupId {
        self.run.group
    }

    /// The extra named limit it also holds while running (DolphinScheduler task group).
    #[inline]
    pub fn task_group(&self) -> Option<GroupId> {
        self.run.task_group
    }

    /// Slots the instance holds while it runs (Airflow `pool_slots`; 1 elsewhere).
    #[inline]
    pub fn slots(&self) -> u32 {
        self.run.slots
    }

    #[inline]
    pub fn scheduled(&self) -> Instant {
        self.inst.scheduled
    }

    /// When the instance may start (its data interval's end under Airflow's interval
    /// timetable; the scheduled time elsewhere).
    #[inline]
    pub fn run_after(&self) -> Instant {
        self.inst.run_after
    }

    /// The unit (business date or run) the instance belongs to: the `unit` of the
    /// [`UnitEvent`] that started it, which says its key ([`UnitKeys`]).
    #[inline]
    pub fn unit(&self) -> u32 {
        self.inst.unit
    }

    /// The execution this transition belongs to (0 before the first one starts).
    #[inline]
    pub fn attempt(&self) -> u32 {
        self.inst.attempts
    }
}

/// For observers' unit tests: an event of a backfill instance of task 0 scheduled at
/// 0, in group 0 with one slot and no task group, in its first execution.
#[cfg(test)]
impl Event<'static> {
    pub(crate) fn sample(
        instance: u32,
        time: Instant,
        (from, to, reason): (State, State, Reason),
    ) -> Self {
        let mut inst = Instance::planned(TaskId(0), 0, 0, 0, Kind::Run, Origin::Backfill);
        inst.state = to;
        inst.attempts = 1;
        let run = slots::TaskRun {
            group: GroupId(0),
            task_group: None,
            slots: 1,
            workflow: crate::model::WorkflowId(0),
            max_active_tasks: None,
            key: 0,
        };
        Event::new(
            time,
            instance,
            (from, to, reason),
            Box::leak(Box::new(inst)),
            Box::leak(Box::new(run)),
        )
    }
}

/// A unit (a backfill date, a DolphinScheduler workflow instance, an Airflow DAG run)
/// started or ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitEvent<'a> {
    pub time: Instant,
    pub unit: u32,
    pub key: UnitKey,
    pub origin: Origin,
    /// The backfill (index in the scenario) the unit belongs to.
    pub backfill: Option<u32>,
    /// Its run set: the units of one request (a backfill, the recurring schedule),
    /// or of one workflow's part of it when the request was split by workflow
    /// (`unit_scope = workflow`). Dates in parallel are counted per set.
    pub set: u32,
    /// The workflows of its set when the request was split by workflow; None when
    /// not ([`Engine::unit_workflows`](super::Engine::unit_workflows)).
    pub workflows: Option<&'a [WorkflowId]>,
    /// Started (true) or ended (false).
    pub started: bool,
    /// When ended: some instance failed, was killed or never ran.
    pub failed: bool,
    /// Started again by an operator's rerun, after it had ended; its end is the
    /// rerun's end. Not a new date of its backfill.
    pub reopened: bool,
}

impl UnitEvent<'_> {
    /// How a run's dates are told apart in records and diffs: the date, and, when
    /// its request was split by workflow, its workflows (`2025-03-01T00:00:00+00:00
    /// (daily)`).
    pub fn label(&self, model: &Model) -> String {
        unit_label(model, self.key, self.workflows)
    }
}

/// A unit's date, and its workflows when its request was split by workflow.
pub(super) fn unit_label(model: &Model, key: UnitKey, workflows: Option<&[WorkflowId]>) -> String {
    labelled(
        key.date_text(model),
        workflows.map(|ws| workflow_names(model, ws)).as_deref(),
    )
}

/// `DATE (WORKFLOW, ...)`, or the date alone: one form for the engine's units and
/// for a trace's unit lines read back, so that a diff matches them.
pub fn labelled(date: String, workflows: Option<&[String]>) -> String {
    match workflows {
        Some(ws) => format!("{date} ({})", ws.join(", ")),
        None => date,
    }
}

/// The names of `workflows`, in order.
pub fn workflow_names(model: &Model, workflows: &[WorkflowId]) -> Vec<String> {
    workflows
        .iter()
        .map(|&w| model.workflow(w).name.clone())
        .collect()
}

/// What holds a waiting instance, where its state alone does not say it: which
/// upstream kind holds a `waiting_upstream` instance, which limit a
/// `waiting_resources` one (SEMANTICS.md, Waits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// An instance of another task it is bound to has not succeeded.
    Upstream,
    /// Only the previous instance of its own task holds it (self-dependency).
    SelfDependency,
    /// Its resource group (Airflow: pool) has fewer free slots than it needs.
    Slots(GroupId),
    /// Every slot of its DolphinScheduler task group is in use.
    TaskGroup(GroupId),
    /// Its workflow already runs `max_active_tasks` instances (Airflow).
    MaxActiveTasks(WorkflowId),
}

/// Units' keys by unit, as their [`UnitEvent`]s say them: for an observer that needs
/// an event's business date or run ([`Event::unit`]). A unit starts before any of its
/// instances moves, so every event's unit is known.
#[derive(Default)]
pub struct UnitKeys(Vec<Option<UnitKey>>);

impl UnitKeys {
    /// Keeps the key of the unit `e` is about.
    pub fn note(&mut self, e: &UnitEvent) {
        let u = e.unit as usize;
        if self.0.len() <= u {
            self.0.resize(u + 1, None);
        }
        self.0[u] = Some(e.key);
    }

    /// The key of unit `u`, which started before.
    pub fn of(&self, u: u32) -> UnitKey {
        self.0
            .get(u as usize)
            .copied()
            .flatten()
            .expect("a unit starts before any of its instances moves")
    }
}

/// The hold of a waiting instance changed. An instance that enters
/// `waiting_upstream` is held by [`Hold::Upstream`], one that enters
/// `waiting_resources` by [`Hold::Slots`] of its group, until a `Held` says otherwise;
/// the engine says so after the transition, at the same instant, and again at the
/// end of each instant's dispatch when the hold of a queued instance changed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Held {
    pub time: Instant,
    pub instance: u32,
    pub task: TaskId,
    pub hold: Hold,
}

/// A windowed run retires a unit: its instances `first..end` are final and are dropped
/// after this call, with their bindings. Sent at the end of the instant the unit ended
/// in, in the order units ended (not id order).
#[derive(Clone, Copy)]
pub struct Retired<'a> {
    /// The instant the unit is retired in (its end's).
    pub time: Instant,
    pub unit: u32,
    pub first: u32,
    pub end: u32,
    /// The engine's instances: `first..end` are held.
    pub instances: &'a crate::window::Window<Instance>,
    pub units: &'a [Unit],
    /// The bindings (upstream, downstream) of the retired instances, in
    /// `Engine::bindings` order; both ends are retired here.
    pub bindings: &'a [(u32, u32)],
}

impl Retired<'_> {
    /// The retired instances with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Instance)> + '_ {
        (self.first..self.end).zip(self.instances.range(self.first as usize, self.end as usize))
    }
}

/// Instances `first..end` of a unit just created, each of which entered
/// `waiting_upstream` from `not_run` for `created` at `time`, one after the other in
/// id order with nothing else between them: what one [`Event`] each would say
/// ([`Created::events`]), told at once. Most of a unit's instances are created so
/// (all but those its upstreams do not hold).
#[derive(Clone, Copy)]
pub struct Created<'a> {
    pub time: Instant,
    pub first: u32,
    pub end: u32,
    instances: &'a crate::window::Window<Instance>,
    runs: &'a [slots::TaskRun],
}

impl<'a> Created<'a> {
    pub(super) fn new(
        time: Instant,
        (first, end): (u32, u32),
        instances: &'a crate::window::Window<Instance>,
        runs: &'a [slots::TaskRun],
    ) -> Self {
        Created {
            time,
            first,
            end,
            instances,
            runs,
        }
    }

    /// The transitions, as [`Sink::event`] would have been told them.
    pub fn events(&self) -> impl Iterator<Item = Event<'a>> + 'a {
        let (time, runs) = (self.time, self.runs);
        let transition = (State::NotRun, State::WaitingUpstream, Reason::Created);
        (self.first..self.end)
            .zip(self.instances.range(self.first as usize, self.end as usize))
            .map(move |(i, inst)| {
                Event::new(time, i, transition, inst, &runs[inst.task.0 as usize])
            })
    }
}

/// Instances `ids`, in that order, each of which went from `waiting_resources` to
/// `running` for `slot_free` at `time`: the executions one dispatch started, with
/// nothing else told between them ([`Started::events`]), told at once.
#[derive(Clone, Copy)]
pub struct Started<'a> {
    pub time: Instant,
    pub ids: &'a [u32],
    instances: &'a crate::window::Window<Instance>,
    runs: &'a [slots::TaskRun],
}

impl<'a> Started<'a> {
    pub(super) fn new(
        time: Instant,
        ids: &'a [u32],
        instances: &'a crate::window::Window<Instance>,
        runs: &'a [slots::TaskRun],
    ) -> Self {
        Started {
            time,
            ids,
            instances,
            runs,
        }
    }

    /// The transitions, as [`Sink::event`] would have been told them.
    #[inline]
    pub fn events(&self) -> impl Iterator<Item = Event<'a>> + 'a {
        let (time, instances, runs) = (self.time, self.instances, self.runs);
        let transition = (State::WaitingResources, State::Running, Reason::SlotFree);
        self.ids.iter().map(move |&i| {
            let inst = &instances[i as usize];
            Event::new(time, i, transition, inst, &runs[inst.task.0 as usize])
        })
    }
}

/// What observes a simulation.
pub trait Sink {
    fn event(&mut self, e: &Event<'_>);
    /// A run of instances created waiting for their upstreams: by default, an
    /// [`Sink::event`] each, in order.
    fn created(&mut self, c: &Created<'_>) {
        for e in c.events() {
            self.event(&e);
        }
    }
    /// The executions a dispatch started: by default, an [`Sink::event`] each, in
    /// order.
    fn started(&mut self, s: &Started<'_>) {
        for e in s.events() {
            self.event(&e);
        }
    }
    fn unit(&mut self, _e: &UnitEvent) {}
    fn held(&mut self, _h: &Held) {}
    /// A windowed run drops these instances next: fold what is kept of them.
    fn retire(&mut self, _r: &Retired<'_>) {}
    /// Whether the sink does anything at all in this run (asked once, before it):
    /// [`Gated`] skips a list of sinks none of which does.
    fn active(&self) -> bool {
        true
    }
    /// Whether what the sink gathers is to be thrown away (a windowed store met a
    /// partition it had closed, and the run starts again keeping every instance):
    /// a windowed run stops at the end of the instant (asked once per instant).
    fn abandoned(&self) -> bool {
        false
    }
}

/// A sink that drops everything.
impl Sink for () {
    #[inline]
    fn event(&mut self, _e: &Event<'_>) {}
    fn active(&self) -> bool {
        false
    }
}

/// Sinks that most runs leave idle (an absent trace, a store with nothing to
/// write): one test per event for all of them, where each would test its own.
pub struct Gated<S> {
    on: bool,
    sink: S,
}

impl<S: Sink> Gated<S> {
    pub fn new(sink: S) -> Self {
        Gated {
            on: sink.active(),
            sink,
        }
    }
}

impl<S: Sink> Sink for Gated<S> {
    #[inline]
    fn event(&mut self, e: &Event<'_>) {
        if self.on {
            self.sink.event(e);
        }
    }
    #[inline]
    fn unit(&mut self, e: &UnitEvent) {
        if self.on {
            self.sink.unit(e);
        }
    }
    #[inline]
    fn created(&mut self, c: &Created<'_>) {
        if self.on {
            self.sink.created(c);
        }
    }
    #[inline]
    fn started(&mut self, s: &Started<'_>) {
        if self.on {
            self.sink.started(s);
        }
    }
    #[inline]
    fn held(&mut self, h: &Held) {
        if self.on {
            self.sink.held(h);
        }
    }
    #[inline]
    fn retire(&mut self, r: &Retired<'_>) {
        if self.on {
            self.sink.retire(r);
        }
    }
    fn active(&self) -> bool {
        self.on
    }
    fn abandoned(&self) -> bool {
        self.on && self.sink.abandoned()
    }
}

/// Every observer of a list, in order.
impl<A: Sink, B: Sink> Sink for (A, B) {
    #[inline]
    fn event(&mut self, e: &Event<'_>) {
        self.0.event(e);
        self.1.event(e);
    }
    #[inline]
    fn unit(&mut self, e: &UnitEvent) {
        self.0.unit(e);
        self.1.unit(e);
    }
    #[inline]
    fn created(&mut self, c: &Created<'_>) {
        self.0.created(c);
        self.1.created(c);
    }
    #[inline]
    fn started(&mut self, s: &Started<'_>) {
        self.0.started(s);
        self.1.started(s);
    }
    #[inline]
    fn held(&mut self, h: &Held) {
        self.0.held(h);
        self.1.held(h);
    }
    #[inline]
    fn retire(&mut self, r: &Retired<'_>) {
        self.0.retire(r);
        self.1.retire(r);
    }
    fn active(&self) -> bool {
        self.0.active() || self.1.active()
    }
    fn abandoned(&self) -> bool {
        self.0.abandoned() || self.1.abandoned()
    }
}

/// An observer that may be absent.
impl<S: Sink> Sink for Option<S> {
    #[inline]
    fn event(&mut self, e: &Event<'_>) {
        if let Some(s) = self {
            s.event(e);
        }
    }
    #[inline]
    fn unit(&mut self, e: &UnitEvent) {
        if let Some(s) = self {
            s.unit(e);
        }
    }
    #[inline]
    fn created(&mut self, c: &Created<'_>) {
        if let Some(s) = self {
            s.created(c);
        }
    }
    #[inline]
    fn started(&mut self, s: &Started<'_>) {
        if let Some(sink) = self {
            sink.started(s);
        }
    }
    #[inline]
    fn held(&mut self, h: &Held) {
        if let Some(s) = self {
            s.held(h);
        }
    }
    #[inline]
    fn retire(&mut self, r: &Retired<'_>) {
        if let Some(s) = self {
            s.retire(r);
        }
    }
    fn active(&self) -> bool {
        self.as_ref().is_some_and(S::active)
    }
    fn abandoned(&self) -> bool {
        self.as_ref().is_some_and(S::abandoned)
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    #[inline]
    fn event(&mut self, e: &Event<'_>) {
        (**self).event(e);
    }
    #[inline]
    fn unit(&mut self, e: &UnitEvent) {
        (**self).unit(e);
    }
    #[inline]
    fn created(&mut self, c: &Created<'_>) {
        (**self).created(c);
    }
    #[inline]
    fn started(&mut self, s: &Started<'_>) {
        (**self).started(s);
    }
    #[inline]
    fn held(&mut self, h: &Held) {
        (**self).held(h);
    }
    #[inline]
    fn retire(&mut self, r: &Retired<'_>) {
        (**self).retire(r);
    }
    fn active(&self) -> bool {
        (**self).active()
    }
    fn abandoned(&self) -> bool {
        (**self).abandoned()
    }
}
