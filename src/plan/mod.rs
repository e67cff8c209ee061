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
mod error;
mod fill;
mod listing;
pub mod reach;
mod scope;
pub mod timetable;
mod units;
mod writes;

pub use error::PlanError;
pub use fill::FillScratch;
pub use listing::{Listed, plan, plan_with_notes};
pub use scope::{split_by_workflow, workflows_of};
pub use writes::{PartitionKey, partition_names, partitions};

use jiff::civil::{Date, Time};

use crate::calendar::schedule::{local_to_instant, rfc3339};
use crate::calendar::{CronExpr, Instant, Schedule};
use crate::model::{DateOrTime, Model, Target, TaskId, WorkflowId};
use crate::rules::MissingSchedule;

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

/// The schedule a task is backfilled from.
pub fn schedule_of(model: &Model, task: TaskId) -> Result<Schedule, PlanError> {
    Schedules::default().of(model, task)
}

/// [`schedule_of`] for many tasks of one model: each cron text is parsed once (a
/// tenant's 100,000 tasks share a few hundred).
#[derive(Default)]
pub struct Schedules<'m>(std::collections::HashMap<&'m str, CronExpr>);

impl<'m> Schedules<'m> {
    pub fn of(&mut self, model: &'m Model, task: TaskId) -> Result<Schedule, PlanError> {
        let text = match model.cron_of(task) {
            Some(c) => c,
            None if model.rules.missing_schedule == MissingSchedule::DailyMidnight => {
                DS_DEFAULT_CRON
            }
            None => {
                return Err(PlanError::NoSchedule {
                    task: model.task(task).name.clone(),
                });
            }
        };
        let expr = match self.0.get(text) {
            Some(expr) => expr.clone(),
            // Crons were checked at validation; a rule override of the dialect may
            // still reject one.
            None => {
                let expr = CronExpr::parse(text, model.rules.cron_dialect).map_err(|_| {
                    PlanError::NoSchedule {
                        task: model.task(task).name.clone(),
                    }
                })?;
                self.0.insert(text, expr.clone());
                expr
            }
        };
        Ok(Schedule {
            expr,
            tz: model.timezone.clone(),
            gap: model.rules.dst_gap,
            fold: model.rules.dst_fold,
            stepping: model.rules.cron_stepping,
        })
    }
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
    /// What the request left out and why: one sentence each, for people.
    pub fn notes(&self) -> &[String] {
        &self.notes
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
}

fn in_effect(model: &Model, task: TaskId, date: Date) -> bool {
    model
        .task(task)
        .effective
        .is_none_or(|(from, to)| from <= date && date <= to)
}
