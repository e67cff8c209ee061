//! Planning: which instances a backfill request creates, with their scheduled times,
//! dates and kinds, before anything runs. Follows each profile's rules through its
//! knobs (SEMANTICS.md; DW §6, DS §1.2, AF §1.4).

use jiff::civil::{Date, Time};

use crate::calendar::schedule::{instant_to_local, local_to_instant, rfc3339};
use crate::calendar::{CronExpr, Instant, Schedule};
use crate::model::{DateOrTime, Model, Target, TaskId};
use crate::rules::{
    DateConvention, FutureInstances, MissingSchedule, OffDayInstances, SingleDayRange,
};

/// DolphinScheduler's `Constants.DEFAULT_CRON_STRING`: a workflow without an online
/// schedule is backfilled once a day at 00:00 (DS §1.2).
pub const DS_DEFAULT_CRON: &str = "0 0 0 * * ? *";

/// Whether an instance executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Run,
    /// Succeeds at its scheduled time without running (DataWorks off days).
    DryRun,
}

/// One planned instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedInstance {
    pub task: TaskId,
    /// The scheduled (logical) time: fixed for the instance's life.
    pub scheduled: Instant,
    /// When it may start: the scheduled time, or the end of its data interval.
    pub run_after: Instant,
    /// The business date (dataworks) or the schedule/logical time (others), as shown.
    pub date: String,
    pub kind: Kind,
}

/// A backfill request, as the `instances` command or a scenario gives it.
#[derive(Clone, Debug)]
pub struct Request {
    pub targets: Vec<Target>,
    pub downstream: bool,
    pub from: DateOrTime,
    pub to: DateOrTime,
    pub window: Option<(Time, Time)>,
    /// The virtual now: with `future_instances = skip`, runs not yet due are left out.
    pub now: Option<Instant>,
    pub max_instances: u64,
}

/// Why a request creates nothing sensible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// More instances than `--max-instances`, found before generating any.
    TooMany { at_most: u64, limit: u64 },
    /// DataWorks: no scheduled time of an hourly or minutely node falls in the window.
    OutsideWindow { task: String },
    /// The task has no schedule to backfill from.
    NoSchedule { task: String },
    /// The profile takes business dates, not times.
    NeedsDates,
    /// `to` before `from`.
    Inverted,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::TooMany { at_most, limit } => write!(
                f,
                "the range would create up to {at_most} instances, more than --max-instances {limit}"
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
        }
    }
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

/// Every instance the request creates, ordered by scheduled time, then task.
pub fn plan(model: &Model, req: &Request) -> Result<Vec<PlannedInstance>, PlanError> {
    if req.to.start() < req.from.start() {
        return Err(PlanError::Inverted);
    }
    let tasks = covered_tasks(model, &req.targets, req.downstream);
    let schedules: Vec<(TaskId, Schedule)> = tasks
        .iter()
        .map(|t| schedule_of(model, *t).map(|s| (*t, s)))
        .collect::<Result<_, _>>()?;
    // Count before generating: days × fires per day, for every task.
    let (first, last) = (req.from.start().date(), req.to.start().date());
    let at_most = schedules
        .iter()
        .map(|(_, s)| s.expr.max_fires_between(first, last))
        .fold(0u64, u64::saturating_add);
    if at_most > req.max_instances {
        return Err(PlanError::TooMany {
            at_most,
            limit: req.max_instances,
        });
    }
    let mut out = Vec::new();
    for (task, schedule) in &schedules {
        match model.rules.date_convention {
            DateConvention::BusinessDate => business_dates(model, *task, schedule, req, &mut out)?,
            DateConvention::ScheduleTime | DateConvention::LogicalDate => {
                times(model, *task, schedule, req, &mut out)
            }
        }
    }
    out.sort_by_key(|i| (i.scheduled, i.task));
    Ok(out)
}

fn in_effect(model: &Model, task: TaskId, date: Date) -> bool {
    model
        .task(task)
        .effective
        .is_none_or(|(from, to)| from <= date && date <= to)
}

/// DataWorks: each business date B creates the instances scheduled on day B + 1 (DW §6).
fn business_dates(
    model: &Model,
    task: TaskId,
    schedule: &Schedule,
    req: &Request,
    out: &mut Vec<PlannedInstance>,
) -> Result<(), PlanError> {
    let (DateOrTime::Date(first), DateOrTime::Date(last)) = (req.from, req.to) else {
        return Err(PlanError::NeedsDates);
    };
    let tz = &schedule.tz;
    let sub_daily = schedule.expr.times_of_day().len() > 1;
    let off_days =
        schedule.expr.restricts_days() && model.rules.off_day_instances == OffDayInstances::DryRun;
    let mut fires = Vec::new();
    let mut day_fires = Vec::new();
    let mut scratch = Vec::new();
    let mut any_in_window = false;
    let mut biz = first;
    while biz <= last {
        let day = biz.tomorrow().unwrap_or(biz);
        if in_effect(model, task, biz) {
            fires.clear();
            if off_days && !schedule.expr.matches_date(day) {
                // A weekly/monthly/yearly node has an instance every day; off days dry-run.
                for &secs in schedule.expr.times_of_day() {
                    let local = day.to_datetime(Time::midnight())
                        + jiff::Span::new().seconds(i64::from(secs));
                    let at = local_to_instant(tz, local);
                    fires.push((at, Kind::DryRun));
                }
            } else {
                day_fires.clear();
                schedule.fires_on(day, &mut day_fires, &mut scratch);
                day_fires.sort_by_key(|f| f.at);
                day_fires.dedup_by_key(|f| f.at);
                fires.extend(day_fires.iter().filter_map(|f| {
                    let in_window = match req.window {
                        Some((a, b)) if sub_daily => a <= f.local.time() && f.local.time() <= b,
                        _ => true,
                    };
                    in_window.then_some((f.at, Kind::Run))
                }));
            }
            any_in_window |= !fires.is_empty();
            for &(at, kind) in &fires {
                out.push(PlannedInstance {
                    task,
                    scheduled: at,
                    run_after: at,
                    date: biz.to_string(),
                    kind,
                });
            }
        }
        biz = match biz.tomorrow() {
            Ok(d) => d,
            Err(_) => break,
        };
    }
    if req.window.is_some() && sub_daily && !any_in_window {
        return Err(PlanError::OutsideWindow {
            task: model.task(task).name.clone(),
        });
    }
    Ok(())
}

/// DolphinScheduler and Airflow: the schedule's times inside the range, both ends
/// included (DS §1.2, AF §1.4).
fn times(
    model: &Model,
    task: TaskId,
    schedule: &Schedule,
    req: &Request,
    out: &mut Vec<PlannedInstance>,
) {
    let tz = &schedule.tz;
    let from = local_to_instant(tz, req.from.start());
    let to = local_to_instant(tz, req.to.start());
    let rules = &model.rules;
    let ticks = if from == to && rules.single_day_range == SingleDayRange::OneDate {
        // start = end: exactly one date, the start, without consulting the cron.
        vec![crate::calendar::Tick {
            at: from,
            run_after: from,
            local: req.from.start(),
            shifted: false,
        }]
    } else {
        schedule.ticks(from, to, rules.timetable, usize::MAX)
    };
    for t in ticks {
        if rules.future_instances == FutureInstances::Skip
            && req.now.is_some_and(|now| t.run_after >= now)
        {
            continue;
        }
        if !in_effect(model, task, instant_to_local(tz, t.at).date()) {
            continue;
        }
        out.push(PlannedInstance {
            task,
            scheduled: t.at,
            run_after: t.run_after,
            date: rfc3339(tz, t.at),
            kind: Kind::Run,
        });
    }
}
