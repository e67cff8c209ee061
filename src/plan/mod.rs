//! Planning: which instances a backfill request (or a recurring window) creates, with
//! their scheduled times, dates, kinds and dependency bindings, before anything runs.
//! Follows each profile's rules through its knobs (SEMANTICS.md; DW §5, §6, DS §1.2,
//! AF §1.4).
//!
//! Work is cut into **units**: a business date (dataworks) or one run time (the
//! others). A [`Planner`] lists the units of a request at once, cheaply, and fills a
//! unit's instances and bindings only when asked, so the engine creates instances as
//! their dates come due and a year-long backfill never sits in memory twice.

mod bind;
pub mod reach;
mod scope;
pub mod timetable;

pub use scope::{split_by_workflow, workflows_of};

use jiff::civil::{Date, Time};

use crate::calendar::schedule::{instant_to_local, local_to_instant, rfc3339};
use crate::calendar::{CronExpr, Fire, Instant, Schedule};
use crate::model::{DateOrTime, Model, Target, TaskId, WorkflowId};
use crate::rules::{
    DateConvention, FutureInstances, GapInstances, MissingSchedule, OffDayInstances, SingleDayRange,
};

/// DolphinScheduler's `Constants.DEFAULT_CRON_STRING`: a workflow without an online
/// schedule is backfilled once a day at 00:00 (DS §1.2).
pub const DS_DEFAULT_CRON: &str = "0 0 0 * * ? *";

/// Whether an instance executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Run,
    /// Succeeds at its scheduled time without running (DataWorks off days, DST gaps).
    DryRun,
}

/// One planned instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedInstance {
    pub task: TaskId,
    /// The scheduled (logical) time: fixed for the instance's life.
    pub scheduled: Instant,
    /// When it may start: the scheduled time, or the end of its data interval.
    pub run_after: Instant,
    pub kind: Kind,
}

/// What names a unit of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum UnitKey {
    /// A DataWorks business date: its instances are scheduled on the next day.
    BusinessDate(Date),
    /// One run time (a DolphinScheduler workflow instance, an Airflow DAG run).
    RunTime(Instant),
}

impl UnitKey {
    /// The date the profile assigns to the unit's instances, as shown to people.
    pub fn date_text(self, model: &Model) -> String {
        match self {
            UnitKey::BusinessDate(d) => d.to_string(),
            UnitKey::RunTime(t) => rfc3339(&model.timezone, t),
        }
    }
}

/// A unit's instances (grouped by task in request order, each task's in time order)
/// and their bindings, as indices into `instances`.
#[derive(Clone, Debug, Default)]
pub struct UnitPlan {
    pub instances: Vec<PlannedInstance>,
    /// (downstream, upstream): the downstream instance waits for the upstream one.
    pub bindings: Vec<(u32, u32)>,
    /// For each self-dependent task with instances here: its first and last instance.
    /// The first waits for the last of the previous unit (rule `backfill_self_dependency`).
    pub self_ends: Vec<(TaskId, u32, u32)>,
}

impl UnitPlan {
    fn clear(&mut self) {
        self.instances.clear();
        self.bindings.clear();
        self.self_ends.clear();
    }
}

/// A backfill request, as the `instances` command or a scenario gives it.
#[derive(Clone, Debug)]
pub struct Request {
    pub targets: Vec<Target>,
    pub downstream: bool,
    pub from: DateOrTime,
    pub to: DateOrTime,
    pub window: Option<(Time, Time)>,
    /// DolphinScheduler's explicit schedule times: they replace the range, and the
    /// cron is not consulted (DS §1.1).
    pub dates: Option<Vec<jiff::civil::DateTime>>,
    /// The virtual now: with `future_instances = skip`, runs not yet due are left out.
    pub now: Option<Instant>,
    /// Only instances scheduled at or after the first instant and firing at or before
    /// the second (a recurring window, both ends included).
    pub clip: Option<(Instant, Instant)>,
    pub max_instances: u64,
}

/// The most run times a request whose calendar bound passes `--max-instances` is
/// listed to count them (a recurring window's clip can leave far fewer than its bound);
/// past it, the bound refuses it. About 40 bytes each while listed.
const LISTED_TO_COUNT: u64 = 5_000_000;

/// Why a request creates nothing sensible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// More instances than what `--max-instances` leaves the request, found before the
    /// run: the calendar's bound passed it, and (`counted`: business dates) so did the
    /// units' instances, counted up to it.
    TooMany {
        at_most: u64,
        limit: u64,
        counted: bool,
    },
    /// DataWorks: no scheduled time of an hourly or minutely node falls in the window.
    OutsideWindow { task: String },
    /// The task has no schedule to backfill from.
    NoSchedule { task: String },
    /// The profile takes business dates, not times.
    NeedsDates,
    /// `to` before `from`.
    Inverted,
    /// More dependency bindings than `--max-instances`, found while listing.
    TooManyBindings { at_least: u64, limit: u64 },
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::TooMany {
                at_most,
                limit,
                counted: true,
            } => write!(
                f,
                "the range would create more than the {limit} {} --max-instances leaves for it (after a scenario's history and earlier sets), up to {at_most}",
                instances(*limit)
            ),
            PlanError::TooMany {
                at_most,
                limit,
                counted: false,
            } => write!(
                f,
                "the calendar allows up to {at_most} instances in the range, more than the {limit} {} --max-instances leaves for it (after a scenario's history and earlier sets): a bound counted before listing the runs (a recurring window's clip, effective periods and runs not yet due may leave fewer); raise --max-instances to run it",
                instances(*limit)
            ),
            PlanError::OutsideWindow { task } => write!(
                f,
                "{task}: the task's scheduled times are outside the selected business time range"
            ),
            PlanError::NoSchedule { task } => write!(f, "{task} has no schedule to backfill"),
            PlanError::NeedsDates => write!(
                f,
                "a DataWorks backfill takes business dates (YYYY-MM-DD), not times"
            ),
            PlanError::Inverted => write!(f, "the range ends before it starts"),
            PlanError::TooManyBindings { at_least, limit } => write!(
                f,
                "the range would bind at least {at_least} dependencies, more than --max-instances {limit} (it bounds bindings too)"
            ),
        }
    }
}

fn instances(n: u64) -> &'static str {
    if n == 1 { "instance" } else { "instances" }
}

/// The tasks a request covers, in model order: its targets, and with `downstream`
/// everything downstream of them.
pub fn covered_tasks(model: &Model, targets: &[Target], downstream: bool) -> Vec<TaskId> {
    let mut on = vec![false; model.tasks.len()];
    for t in targets {
        match *t {
            Target::Task(id) => on[id.0 as usize] = true,
            Target::Workflow(w) => model
                .workflow(w)
                .tasks
                .iter()
                .for_each(|id| on[id.0 as usize] = true),
        }
    }
    if downstream {
        // Upstreams always come from declared tasks; iterate to a fixed point.
        loop {
            let mut changed = false;
            for (i, task) in model.tasks.iter().enumerate() {
                if !on[i] && task.upstream.iter().any(|u| on[u.0 as usize]) {
                    on[i] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }
    (0..model.tasks.len())
        .filter(|i| on[*i])
        .map(|i| TaskId(i as u32))
        .collect()
}

/// The schedule a task is backfilled from.
/// The first five of `items`, comma-separated, then how many more there are: a
/// note's list that may run long.
pub fn first_few(items: &[impl AsRef<str>]) -> String {
    const LISTED: usize = 5;
    let shown: Vec<&str> = items.iter().take(LISTED).map(AsRef::as_ref).collect();
    match items.len().saturating_sub(LISTED) {
        0 => shown.join(", "),
        more => format!("{} (and {more} more)", shown.join(", ")),
    }
}

/// Whether the scheduler fires workflow `w` by itself: a cron (its own or a task's)
/// or a timetable other than `schedule = None`. One that does not (a DolphinScheduler
/// sub-process target, an Airflow DAG with `schedule=None`) runs only when asked: a
/// backfill, a manual run, a parent.
pub fn fires_on_schedule(model: &Model, w: WorkflowId) -> bool {
    let workflow = model.workflow(w);
    match &workflow.timetable {
        Some(t) => t.schedule != crate::model::timetable::ScheduleSpec::None,
        None => {
            workflow.cron.is_some() || workflow.tasks.iter().any(|&t| model.task(t).cron.is_some())
        }
    }
}

pub fn schedule_of(model: &Model, task: TaskId) -> Result<Schedule, PlanError> {
    let text = match model.cron_of(task) {
        Some(c) => c,
        None if model.rules.missing_schedule == MissingSchedule::DailyMidnight => DS_DEFAULT_CRON,
        None => {
            return Err(PlanError::NoSchedule {
                task: model.task(task).name.clone(),
            });
        }
    };
    // Crons were checked at validation; a rule override of the dialect may still reject one.
    let expr =
        CronExpr::parse(text, model.rules.cron_dialect).map_err(|_| PlanError::NoSchedule {
            task: model.task(task).name.clone(),
        })?;
    Ok(Schedule {
        expr,
        tz: model.timezone.clone(),
        gap: model.rules.dst_gap,
        fold: model.rules.dst_fold,
        stepping: model.rules.cron_stepping,
    })
}

/// The instances of one request, unit by unit.
pub struct Planner<'m> {
    model: &'m Model,
    /// Covered tasks in model order, each with its cron schedule (none for a delta,
    /// @once or a manual run).
    tasks: Vec<(TaskId, Option<Schedule>)>,
    /// Parallel to `tasks`: the Airflow timetable of a workflow that sets its keys.
    timetables: Vec<Option<crate::calendar::timetable::Timetable>>,
    /// Position in `tasks` of each model task, if covered.
    slot: Vec<Option<u32>>,
    /// Per covered task, a number shared by a run of tasks in a row with the same
    /// expression (every schedule has the model's zone and DST rules): they fire at
    /// the same instants, computed once per date.
    expr_group: Vec<u32>,
    window: Option<(Time, Time)>,
    clip: Option<(Instant, Instant)>,
    units: Vec<UnitKey>,
    /// At most how many instances the request creates (counted before any is).
    at_most: u64,
    /// How many it creates, when counted (run times, listed; business dates whose
    /// bound passed the limit).
    exact: Option<u64>,
    /// Run-time profiles: every (tick, task) of the request, in time then task order.
    ticks: Vec<(Instant, Instant, TaskId)>,
    /// What the request left out and why, for people (a date-only `to`, runs not due).
    notes: Vec<String>,
}

impl<'m> Planner<'m> {
    /// Checks the request and lists its units; instances come later, from [`fill`].
    ///
    /// [`fill`]: Planner::fill
    pub fn new(model: &'m Model, req: &Request) -> Result<Self, PlanError> {
        if req.to.start() < req.from.start() {
            return Err(PlanError::Inverted);
        }
        let covered = covered_tasks(model, &req.targets, req.downstream);
        let mut tasks: Vec<(TaskId, Option<Schedule>)> = Vec::with_capacity(covered.len());
        let mut timetables = Vec::with_capacity(covered.len());
        for &t in &covered {
            match timetable::workflow_timetable(model, model.task(t).workflow, false) {
                Some(tt) => {
                    let tt = tt?;
                    let cron = match &tt.kind {
                        crate::calendar::timetable::Kind::Cron(s) => Some(s.clone()),
                        crate::calendar::timetable::Kind::Crons(list) => list.first().cloned(),
                        _ => None,
                    };
                    tasks.push((t, cron));
                    timetables.push(Some(tt));
                }
                None => {
                    tasks.push((t, Some(schedule_of(model, t)?)));
                    timetables.push(None);
                }
            }
        }
        // Count before generating: days × fires per day, for every task.
        let (first, last) = (req.from.start().date(), req.to.start().date());
        let tz = &model.timezone;
        let at_most = tasks
            .iter()
            .zip(&timetables)
            .map(|((_, s), tt)| match (&req.dates, tt, s) {
                (Some(dates), _, _) => dates.len() as u64,
                (None, Some(tt), _) => {
                    // A catch-up from the start date counts from there.
                    let from = local_to_instant(tz, req.from.start());
                    let from = match (req.clip, tt.catchup, tt.start) {
                        (Some(_), true, Some(start)) => start.min(from),
                        _ => from,
                    };
                    timetable::max_runs(tt, from, local_to_instant(tz, req.to.start()))
                }
                (None, None, Some(s)) => s.expr.max_fires_between(first, last),
                (None, None, None) => 0,
            })
            .fold(0u64, u64::saturating_add);
        let business_dates = model.rules.date_convention == DateConvention::BusinessDate;
        // Run times are listed one by one (every tick of every task): a bound past the
        // limit and past what is cheap to list refuses before any is. Business dates
        // are listed as days. Either is counted below.
        if at_most > req.max_instances && !business_dates && at_most > LISTED_TO_COUNT {
            return Err(PlanError::TooMany {
                at_most,
                limit: req.max_instances,
                counted: false,
            });
        }
        let mut slot = vec![None; model.tasks.len()];
        for (i, (t, _)) in tasks.iter().enumerate() {
            slot[t.0 as usize] = Some(i as u32);
        }
        let mut expr_group = Vec::with_capacity(tasks.len());
        for k in 0..tasks.len() {
            // Fires depend on the expression and the zone (a workflow may have its own).
            let same = k > 0
                && match (&tasks[k].1, &tasks[k - 1].1) {
                    (Some(a), Some(b)) => a.expr == b.expr && a.tz == b.tz,
                    _ => false,
                };
            let last = expr_group.last().copied().unwrap_or(0);
            expr_group.push(if same { last } else { last + u32::from(k > 0) });
        }
        let mut planner = Planner {
            model,
            tasks,
            timetables,
            slot,
            expr_group,
            window: req.window,
            clip: req.clip,
            units: Vec::new(),
            at_most,
            exact: None,
            ticks: Vec::new(),
            notes: Vec::new(),
        };
        match model.rules.date_convention {
            DateConvention::BusinessDate => planner.list_dates(req)?,
            DateConvention::ScheduleTime | DateConvention::LogicalDate => {
                planner.list_ticks(req);
                planner.note_date_only_to(req);
            }
        }
        planner.note_effective(first, last);
        planner.note_outside_upstreams();
        // The bound counts every fire of the days around the business dates (a date's
        // instances run on the next day), and of a range a recurring window clips: only
        // the units' own instances, counted up to the limit, say whether the range
        // really passes it.
        if business_dates {
            if at_most > req.max_instances {
                planner.exact = planner.count_up_to(req.max_instances);
            }
        } else {
            planner.exact = Some(planner.ticks.len() as u64);
        }
        if at_most > req.max_instances && planner.exact.is_none_or(|n| n > req.max_instances) {
            return Err(PlanError::TooMany {
                at_most,
                limit: req.max_instances,
                counted: true,
            });
        }
        Ok(planner)
    }

    /// Counts the instances when they were not (business dates within their bound's
    /// budget): whether it did.
    pub fn count(&mut self) -> bool {
        if self.exact.is_some() {
            return false;
        }
        self.exact = self.count_up_to(u64::MAX);
        true
    }

    /// The units' instances, counted unit by unit: `None` once past `limit`.
    fn count_up_to(&self, limit: u64) -> Option<u64> {
        let (mut plan, mut scratch) = (UnitPlan::default(), FillScratch::default());
        let mut n = 0u64;
        for &unit in &self.units {
            self.fill_instances(unit, &mut plan, &mut scratch);
            n += plan.instances.len() as u64;
            if n > limit {
                return None;
            }
        }
        Some(n)
    }

    /// A task whose effective period leaves out dates of the request: it has no
    /// instance on them, and its downstream binds to nothing there.
    fn note_effective(&mut self, first: Date, last: Date) {
        for (task, _) in &self.tasks {
            let t = self.model.task(*task);
            let Some((from, to)) = t.effective else {
                continue;
            };
            if first < from || last > to {
                self.notes.push(format!(
                    "{}: no instance on the dates outside its effective period ({from} to {to}); what depends on it there waits for nothing",
                    t.name
                ));
            }
        }
    }

    /// Upstreams the request does not run: they bind nothing (SEMANTICS.md, Units,
    /// bindings and dates in parallel), so their downstream starts without them.
    fn note_outside_upstreams(&mut self) {
        let mut pairs = Vec::new();
        for (task, _) in &self.tasks {
            let t = self.model.task(*task);
            for u in &t.upstream {
                if self.slot[u.0 as usize].is_none() {
                    pairs.push(format!("{} on {}", t.name, self.model.task(*u).name));
                }
            }
        }
        if pairs.is_empty() {
            return;
        }
        self.notes.push(format!(
            "upstreams it does not run bind nothing, so what depends on them starts without waiting: {}; add them to the targets (or `downstream = true` from them) to wait on them",
            first_few(&pairs)
        ));
    }

    /// What the request left out and why: one sentence each, for people.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// A date-only `to` is that date's midnight (Airflow's `--to-date` is parsed so,
    /// DolphinScheduler's complement takes date-times and its picker sets 00:00:00):
    /// name the first fire of that day it leaves out.
    fn note_date_only_to(&mut self, req: &Request) {
        let (DateOrTime::Date(day), None) = (req.to, &req.dates) else {
            return;
        };
        let tz = &self.model.timezone;
        let first = self
            .tasks
            .iter()
            .zip(&self.timetables)
            .filter(|((task, _), _)| in_effect(self.model, *task, day))
            .filter_map(|((task, s), tt)| match tt {
                Some(tt) => {
                    // The request's own runs (a delta steps from `from`) past midnight.
                    let midnight = local_to_instant(tz, day.to_datetime(Time::midnight()));
                    let end =
                        local_to_instant(tz, day.tomorrow().ok()?.to_datetime(Time::midnight()));
                    let from = local_to_instant(tz, req.from.start());
                    tt.backfill(from, end - 1, usize::MAX)
                        .into_iter()
                        .find(|t| t.at > midnight)
                        .map(|t| (t.at, *task))
                }
                None => s.as_ref()?.first_after_midnight(day).map(|f| (f.at, *task)),
            })
            .min();
        if let Some((at, task)) = first {
            self.notes.push(format!(
                "`to` {day} is a date, read as its midnight {day}T00:00:00: the fires later that \
                 day are left out, the first {} of {} (give `{day}T23:59:59` to include the day)",
                rfc3339(tz, at),
                self.model.task(task).name
            ));
        }
    }

    /// At most how many instances the request creates: counted, when it was.
    pub fn at_most(&self) -> u64 {
        self.exact.unwrap_or(self.at_most)
    }

    /// The request's units in ascending order.
    pub fn units(&self) -> &[UnitKey] {
        &self.units
    }

    /// The position in [`Planner::units`] of the unit a self-dependent `task` of the
    /// unit at `pos` follows: for business dates the date before (which may lack the
    /// task); for run times the last earlier run time at which `task` fires, as units
    /// of several workflows interleave (an hourly DAG's runs between a daily one's).
    pub fn previous_with(&self, pos: usize, task: TaskId) -> Option<usize> {
        match self.units[pos] {
            UnitKey::BusinessDate(_) => pos.checked_sub(1),
            UnitKey::RunTime(at) => {
                let end = self.ticks.partition_point(|t| t.0 < at);
                let prev = self.ticks[..end].iter().rev().find(|t| t.2 == task)?.0;
                self.units[..pos]
                    .binary_search(&UnitKey::RunTime(prev))
                    .ok()
            }
        }
    }

    /// When a unit comes due in a recurring schedule: its first run time, or for a
    /// business date the midnight of the day its instances are scheduled on.
    pub fn due(&self, unit: UnitKey) -> Instant {
        match unit {
            UnitKey::BusinessDate(biz) => local_to_instant(
                &self.model.timezone,
                biz.tomorrow().unwrap_or(biz).to_datetime(Time::midnight()),
            ),
            UnitKey::RunTime(at) => {
                let start = self.ticks.partition_point(|t| t.0 < at);
                self.ticks[start..]
                    .iter()
                    .take_while(|t| t.0 == at)
                    .map(|t| t.1)
                    .min()
                    .unwrap_or(at)
            }
        }
    }

    /// Whether the request covers `task`.
    pub fn covers(&self, task: TaskId) -> bool {
        self.slot[task.0 as usize].is_some()
    }

    /// The tasks the request covers.
    pub fn tasks(&self) -> impl Iterator<Item = TaskId> + '_ {
        self.tasks.iter().map(|(t, _)| *t)
    }

    /// DataWorks: each business date B creates the instances scheduled on day B + 1.
    fn list_dates(&mut self, req: &Request) -> Result<(), PlanError> {
        let (DateOrTime::Date(first), DateOrTime::Date(last)) = (req.from, req.to) else {
            return Err(PlanError::NeedsDates);
        };
        // No scheduled time of a sub-daily task in the window is an error for the
        // whole request (DW §6 rule 3), whatever the dates.
        if let Some((a, b)) = self.window {
            for (task, s) in &self.tasks {
                let Some(s) = s else { continue };
                let times = s.expr.times_of_day();
                let inside = |secs: &u32| {
                    let t = Time::midnight() + jiff::Span::new().seconds(i64::from(*secs));
                    a <= t && t <= b
                };
                if times.len() > 1 && !times.iter().any(inside) {
                    return Err(PlanError::OutsideWindow {
                        task: self.model.task(*task).name.clone(),
                    });
                }
            }
            // The window narrows sub-daily nodes only (DW §6 rule 3): say which ones
            // it leaves whole.
            let whole: Vec<&str> = self
                .tasks
                .iter()
                .filter(|(_, s)| s.as_ref().is_some_and(|s| s.expr.times_of_day().len() <= 1))
                .map(|(t, _)| self.model.task(*t).name.as_str())
                .collect();
            if !whole.is_empty() {
                self.notes.push(format!(
                    "the window {a}-{b} applies to hourly and minute nodes only: {} run every instance of the range",
                    whole.join(", ")
                ));
            }
        }
        let mut biz = first;
        while biz <= last {
            // A business date's instances are scheduled on the day after: the
            // calendar's last day has none.
            let Ok(next) = biz.tomorrow() else {
                self.notes.push(format!(
                    "business date {biz} is left out: its instances would be scheduled on the day after, past the calendar's last day"
                ));
                break;
            };
            self.units.push(UnitKey::BusinessDate(biz));
            biz = next;
        }
        Ok(())
    }

    /// DolphinScheduler and Airflow: the schedule's times inside the range, both ends
    /// included (DS §1.2, AF §1.4); one unit per distinct time.
    fn list_ticks(&mut self, req: &Request) {
        let model = self.model;
        let tz = &model.timezone;
        let rules = &model.rules;
        let from = local_to_instant(tz, req.from.start());
        let to = local_to_instant(tz, req.to.start());
        let bounds: Vec<(&str, jiff::civil::DateTime)> = match &req.dates {
            Some(dates) => dates.iter().map(|&d| ("the complement date", d)).collect(),
            None => vec![
                ("the range's `from`", req.from.start()),
                ("the range's `to`", req.to.start()),
            ],
        };
        for (what, local) in bounds {
            self.notes
                .extend(crate::calendar::schedule::bound_note(tz, what, local));
        }
        if req.dates.is_none() && req.clip.is_none() {
            self.note_aligned_from(from);
        }
        // Runs not due at `now` under `future_instances = skip`: how many, the first.
        let mut not_due: (u64, Option<(Instant, TaskId)>) = (0, None);
        for ((task, schedule), tt) in self.tasks.iter().zip(&self.timetables) {
            let ticks = if let Some(dates) = &req.dates {
                dates
                    .iter()
                    .map(|&local| {
                        let at = local_to_instant(tz, local);
                        crate::calendar::Tick {
                            at,
                            run_after: at,
                            local,
                            shifted: false,
                        }
                    })
                    .collect()
            } else if from == to && rules.single_day_range == SingleDayRange::OneDate {
                // start = end: exactly one date, the start, without consulting the cron.
                vec![crate::calendar::Tick {
                    at: from,
                    run_after: from,
                    local: req.from.start(),
                    shifted: false,
                }]
            } else if let Some(tt) = tt {
                Self::timetable_ticks(tt, from, to, req.clip)
            } else if let Some(schedule) = schedule {
                let ticks = schedule.ticks(from, to, rules.timetable, usize::MAX);
                // A data-interval timetable stops where it cannot find an interval's
                // end (Airflow's "did not advance"; the calendar's end, 9999-12-31).
                let after = ticks.last().map_or(from, |t| t.at.saturating_add(1));
                if rules.timetable == crate::rules::Timetable::Interval
                    && let Some(f) = schedule.fires(after, to).next()
                {
                    self.notes.push(format!(
                        "{}: no run from {} on: the timetable finds no end for its data \
                         interval (Airflow's \"did not advance\", or past 9999-12-31)",
                        model.task(*task).name,
                        rfc3339(tz, f.at)
                    ));
                }
                ticks
            } else {
                Vec::new()
            };
            // A timetable's scheduler already kept its window (and its catch-up runs).
            let scheduler = tt.is_some() && req.clip.is_some();
            for t in ticks {
                if !(scheduler || self.clipped_in(t.at, t.run_after))
                    || !in_effect(model, *task, instant_to_local(tz, t.at).date())
                {
                    continue;
                }
                if rules.future_instances == FutureInstances::Skip
                    && req.now.is_some_and(|now| t.run_after >= now)
                {
                    not_due.0 += 1;
                    let this = (t.at, *task);
                    not_due.1 = Some(not_due.1.map_or(this, |first| first.min(this)));
                    continue;
                }
                self.ticks.push((t.at, t.run_after, *task));
            }
        }
        if let (n, Some((at, task)), Some(now)) = (not_due.0, not_due.1, req.now) {
            self.notes.push(format!(
                "{n} instance{} not created: due at or after the request's time {} \
                 (future_instances = skip: a backfill creates only runs whose interval has \
                 ended), the first {} of {}",
                if n == 1 { " was" } else { "s were" },
                rfc3339(tz, now),
                rfc3339(tz, at),
                model.task(task).name
            ));
        }
        self.ticks.sort_unstable_by_key(|&(at, _, task)| (at, task));
        self.units
            .extend(self.ticks.iter().map(|t| UnitKey::RunTime(t.0)));
        self.units.dedup();
    }

    /// A `from` on a fire time that Airflow's alignment steps past across a DST change
    /// ([`Schedule::aligned_past`]): the backfill starts a run later, as Airflow's does.
    fn note_aligned_from(&mut self, from: Instant) {
        let tz = &self.model.timezone;
        for ((task, schedule), tt) in self.tasks.iter().zip(&self.timetables) {
            let schedules: Vec<&Schedule> = match tt.as_ref().map(|tt| &tt.kind) {
                Some(crate::calendar::timetable::Kind::Cron(s)) => vec![s],
                Some(crate::calendar::timetable::Kind::Crons(list)) => list.iter().collect(),
                Some(_) => Vec::new(),
                None => schedule.iter().collect(),
            };
            for next in schedules.into_iter().filter_map(|s| s.aligned_past(from)) {
                let note = format!(
                    "{}: `from` {} is a fire time, left out as Airflow leaves it out: \
                     CronMixin._align_to_next keeps a bound only when the fire it finds before \
                     the next one is the bound, and across this daylight-saving change it is \
                     not; the runs start at {}, one fewer",
                    self.model.task(*task).name,
                    rfc3339(tz, from),
                    rfc3339(tz, next)
                );
                // One note for the tasks of a schedule (a DAG's cron).
                let same = format!("{}, one fewer", rfc3339(tz, next));
                if !self.notes.iter().any(|n| n.ends_with(&same)) {
                    self.notes.push(note);
                }
            }
        }
    }

    /// Inside the recurring window: scheduled at or after its start, and firing (its
    /// run may start: the end of an Airflow data interval) at or before `until`.
    fn clipped_in(&self, at: Instant, run_after: Instant) -> bool {
        self.clip.is_none_or(|(a, b)| a <= at && run_after <= b)
    }

    /// The instances and bindings of one unit, into `out` (cleared first).
    pub fn fill(&self, unit: UnitKey, out: &mut UnitPlan, scratch: &mut FillScratch) {
        self.fill_instances(unit, out, scratch);
        self.bind(out, scratch);
    }

    /// The unit's instances only, without bindings (what counting needs).
    pub fn fill_instances(&self, unit: UnitKey, out: &mut UnitPlan, scratch: &mut FillScratch) {
        out.clear();
        match unit {
            UnitKey::BusinessDate(biz) => self.fill_date(biz, out, scratch),
            UnitKey::RunTime(at) => {
                let start = self.ticks.partition_point(|t| t.0 < at);
                out.instances
                    .extend(self.ticks[start..].iter().take_while(|t| t.0 == at).map(
                        |&(scheduled, run_after, task)| PlannedInstance {
                            task,
                            scheduled,
                            run_after,
                            kind: Kind::Run,
                        },
                    ));
            }
        }
    }

    fn fill_date(&self, biz: Date, out: &mut UnitPlan, scratch: &mut FillScratch) {
        let model = self.model;
        let rules = &model.rules;
        let day = biz.tomorrow().unwrap_or(biz);
        // The expression group whose fires `scratch.fires` holds for `day`: tasks with
        // the same expression in a row (a workflow's cron) share them.
        let mut fires_of: Option<u32> = None;
        for (k, (task, schedule)) in self.tasks.iter().enumerate() {
            let Some(schedule) = schedule else { continue };
            if !in_effect(model, *task, biz) {
                continue;
            }
            let tz = &schedule.tz;
            let sub_daily = schedule.expr.times_of_day().len() > 1;
            let off_days = schedule.expr.restricts_days()
                && rules.off_day_instances == OffDayInstances::DryRun;
            let before = out.instances.len();
            if off_days && !schedule.expr.matches_date(day) {
                // A weekly/monthly/yearly node has an instance every day; off days dry-run.
                for &secs in schedule.expr.times_of_day() {
                    let local = day.to_datetime(Time::midnight())
                        + jiff::Span::new().seconds(i64::from(secs));
                    let at = local_to_instant(tz, local);
                    out.instances.push(PlannedInstance {
                        task: *task,
                        scheduled: at,
                        run_after: at,
                        kind: Kind::DryRun,
                    });
                }
            } else {
                if fires_of != Some(self.expr_group[k]) {
                    fires_of = Some(self.expr_group[k]);
                    scratch.fires.clear();
                    schedule.fires_on(day, &mut scratch.fires, &mut scratch.resolved);
                    scratch.fires.sort_by_key(|f| f.at);
                    scratch.fires.dedup_by_key(|f| f.at);
                    // A sub-daily node's fire shifted out of a gap onto a fire of the next day
                    // (a gap across midnight) is that fire, of the next business date: the
                    // gap's hour has no instance (DW §2: 23 hourly instances that day).
                    if sub_daily
                        && scratch.fires.iter().any(|f| f.shifted)
                        && let Ok(next) = day.tomorrow()
                    {
                        scratch.next.clear();
                        schedule.fires_on(next, &mut scratch.next, &mut scratch.resolved);
                        let next_fires = &scratch.next;
                        scratch
                            .fires
                            .retain(|f| !(f.shifted && next_fires.iter().any(|n| n.at == f.at)));
                    }
                }
                for f in &scratch.fires {
                    let in_window = match self.window {
                        Some((a, b)) if sub_daily => a <= f.local.time() && f.local.time() <= b,
                        _ => true,
                    };
                    if !in_window {
                        continue;
                    }
                    // DW §2 D2: a daily node whose time falls in the gap is delayed and dry-run.
                    let kind =
                        if f.shifted && !sub_daily && rules.gap_instances == GapInstances::DryRun {
                            Kind::DryRun
                        } else {
                            Kind::Run
                        };
                    out.instances.push(PlannedInstance {
                        task: *task,
                        scheduled: f.at,
                        run_after: f.at,
                        kind,
                    });
                }
            }
            if self.clip.is_some() {
                let mut i = before;
                while i < out.instances.len() {
                    let p = &out.instances[i];
                    if self.clipped_in(p.scheduled, p.run_after) {
                        i += 1;
                    } else {
                        out.instances.remove(i);
                    }
                }
            }
        }
    }

    /// Binds each instance to the upstream instances it waits for (DW §5.2), and each
    /// self-dependent task's instances to the one before (DW §5, rule 5 of §6).
    fn bind(&self, out: &mut UnitPlan, scratch: &mut FillScratch) {
        // Each covered task's run of instances: instances are grouped by task.
        let runs = &mut scratch.runs;
        runs.clear();
        runs.resize(self.tasks.len(), (0, 0));
        let mut i = 0;
        while i < out.instances.len() {
            let task = out.instances[i].task;
            let start = i;
            while i < out.instances.len() && out.instances[i].task == task {
                i += 1;
            }
            if let Some(s) = self.slot[task.0 as usize] {
                runs[s as usize] = (start as u32, i as u32);
            }
        }
        for (pos, (task, _)) in self.tasks.iter().enumerate() {
            let (a, b) = runs[pos];
            if a == b {
                continue;
            }
            let t = self.model.task(*task);
            let down = &out.instances[a as usize..b as usize];
            for up in &t.upstream {
                let Some(up_pos) = self.slot[up.0 as usize] else {
                    // An upstream outside the request: a backfill binds only what it runs.
                    continue;
                };
                let (ua, ub) = runs[up_pos as usize];
                if ua == ub {
                    continue;
                }
                let up_instances = &out.instances[ua as usize..ub as usize];
                let up_self = self.model.task(*up).self_dependency;
                bind::cross_cycle(down, t.self_dependency, up_instances, up_self, |d, u| {
                    out.bindings.push((a + d, ua + u));
                });
            }
            if t.self_dependency {
                out.bindings.extend((a + 1..b).map(|k| (k, k - 1)));
                out.self_ends.push((*task, a, b - 1));
            }
        }
    }
}

/// Buffers [`Planner::fill`] reuses from unit to unit.
#[derive(Default)]
pub struct FillScratch {
    fires: Vec<Fire>,
    /// The next day's fires, for fires shifted across midnight.
    next: Vec<Fire>,
    resolved: Vec<(Instant, bool)>,
    runs: Vec<(u32, u32)>,
}

fn in_effect(model: &Model, task: TaskId, date: Date) -> bool {
    model
        .task(task)
        .effective
        .is_none_or(|(from, to)| from <= date && date <= to)
}

/// A planned instance as listed by `schedsim instances`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub task: TaskId,
    pub scheduled: Instant,
    pub run_after: Instant,
    pub kind: Kind,
    pub unit: UnitKey,
    /// The business date (dataworks) or the schedule/logical time (others), as shown.
    pub date: String,
    /// Indices in the listing of the instances this one waits for.
    pub waits_for: Vec<u32>,
}

impl Listed {
    pub fn instance(&self) -> PlannedInstance {
        PlannedInstance {
            task: self.task,
            scheduled: self.scheduled,
            run_after: self.run_after,
            kind: self.kind,
        }
    }
}

/// Every instance the request creates, ordered by scheduled time, then task, each with
/// the instances it is bound to.
pub fn plan(model: &Model, req: &Request) -> Result<Vec<Listed>, PlanError> {
    plan_with_notes(model, req).map(|(listed, _)| listed)
}

/// [`plan`], with the planner's notes on what the request left out.
pub fn plan_with_notes(
    model: &Model,
    req: &Request,
) -> Result<(Vec<Listed>, Vec<String>), PlanError> {
    let planner = Planner::new(model, req)?;
    let mut listed: Vec<Listed> = Vec::new();
    let mut unit_plan = UnitPlan::default();
    let mut scratch = FillScratch::default();
    // The previous unit's last instance of each self-dependent task, for chaining.
    let mut last_of: Vec<Option<u32>> = vec![None; model.tasks.len()];
    let across =
        model.rules.backfill_self_dependency == crate::rules::BackfillSelfDependency::AcrossDates;
    let mut bindings = 0u64;
    for (n, &unit) in planner.units().iter().enumerate() {
        planner.fill(unit, &mut unit_plan, &mut scratch);
        // Bounded before they are listed: the unit's own bindings and, below, one per
        // self-dependent task chained across units.
        bindings += unit_plan.bindings.len() as u64;
        if bindings > req.max_instances {
            return Err(PlanError::TooManyBindings {
                at_least: bindings,
                limit: req.max_instances,
            });
        }
        let base = listed.len() as u32;
        let date = unit.date_text(model);
        listed.extend(unit_plan.instances.iter().map(|i| Listed {
            task: i.task,
            scheduled: i.scheduled,
            run_after: i.run_after,
            kind: i.kind,
            unit,
            date: date.clone(),
            waits_for: Vec::new(),
        }));
        for &(d, u) in &unit_plan.bindings {
            listed[(base + d) as usize].waits_for.push(base + u);
        }
        for &(task, first, last) in &unit_plan.self_ends {
            let prev = &mut last_of[task.0 as usize];
            if let (Some(p), true) = (*prev, across && n > 0) {
                listed[(base + first) as usize].waits_for.push(p);
                bindings += 1;
            }
            *prev = Some(base + last);
        }
    }
    // Sort by (scheduled, task) and renumber the bindings.
    let mut order: Vec<u32> = (0..listed.len() as u32).collect();
    order.sort_by_key(|&i| {
        let l = &listed[i as usize];
        (l.scheduled, l.task, l.unit)
    });
    let mut new_index = vec![0u32; listed.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old as usize] = new as u32;
    }
    let listed = order
        .iter()
        .map(|&i| {
            let mut l = listed[i as usize].clone();
            l.waits_for
                .iter_mut()
                .for_each(|w| *w = new_index[*w as usize]);
            l.waits_for.sort_unstable();
            l
        })
        .collect();
    Ok((listed, planner.notes().to_vec()))
}

/// What an instance's partition expressions are evaluated against, for an execution
/// at `executed`.
fn partition_context<'m>(
    model: &'m Model,
    instance: &PlannedInstance,
    unit: UnitKey,
    executed: Instant,
) -> crate::calendar::params::Context<'m> {
    let tz = &model.timezone;
    let scheduled = instant_to_local(tz, instance.scheduled);
    let business_date = match unit {
        UnitKey::BusinessDate(d) => d,
        UnitKey::RunTime(_) => scheduled.date().yesterday().unwrap_or(scheduled.date()),
    };
    let utc = |t: Instant| instant_to_local(&jiff::tz::TimeZone::UTC, t);
    crate::calendar::params::Context {
        business_date,
        scheduled,
        scheduled_at: instance.scheduled,
        zone: tz,
        logical_utc: utc(instance.scheduled),
        interval_end_utc: utc(instance.run_after),
        executed: instant_to_local(tz, executed),
    }
}

/// One partition a write names; an empty `partition` is the whole table (a
/// table-level write).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionKey {
    pub table: String,
    pub partition: String,
}

impl PartitionKey {
    /// A table-level write's key: the whole table.
    pub fn whole_table(&self) -> bool {
        self.partition.is_empty()
    }
}

impl std::fmt::Display for PartitionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.whole_table() {
            write!(f, "{} (whole table)", self.table)
        } else {
            write!(f, "{}/{}", self.table, self.partition)
        }
    }
}

/// The partition each write of an execution at `executed` lands in, with its mode,
/// in the task's order of writes; or why one of them names no date of the calendar
/// (an offset that leaves it), naming the task, the expression and the run.
pub fn partitions(
    model: &Model,
    instance: &PlannedInstance,
    unit: UnitKey,
    executed: Instant,
) -> Result<Vec<(PartitionKey, crate::model::WriteMode)>, String> {
    let writes = &model.task(instance.task).writes;
    let mut names = Vec::with_capacity(writes.len());
    partition_names(model, instance, unit, executed, &mut names)?;
    Ok(writes
        .iter()
        .zip(names)
        .map(|(w, partition)| {
            let table = w.table.clone();
            (PartitionKey { table, partition }, w.mode)
        })
        .collect())
}

/// [`partitions`] without the tables: the partition name of each of the task's
/// writes, in order, pushed onto `out` (an empty name is the whole table).
pub fn partition_names(
    model: &Model,
    instance: &PlannedInstance,
    unit: UnitKey,
    executed: Instant,
    out: &mut Vec<String>,
) -> Result<(), String> {
    let cx = partition_context(model, instance, unit, executed);
    let flavor = crate::calendar::params::Flavor::of(&model.rules);
    let task = model.task(instance.task);
    for w in &task.writes {
        out.push(match w.partition.as_deref() {
            None => String::new(),
            Some(p) => crate::calendar::params::evaluate(p, flavor, &cx).map_err(|e| {
                format!(
                    "task {}: the partition `{}` of its run scheduled {}: {e}",
                    task.name,
                    p,
                    crate::calendar::schedule::rfc3339(&model.timezone, instance.scheduled),
                )
            })?,
        });
    }
    Ok(())
}
