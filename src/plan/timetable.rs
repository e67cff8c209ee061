//! Planning with an Airflow timetable (`model::timetable`): the calendar's
//! [`Timetable`] of a workflow, how many runs a range can hold, and the planner of a
//! run triggered by hand.

use super::{PlanError, Planner, UnitKey};
use crate::calendar::schedule::{local_to_instant, rfc3339};
use crate::calendar::timetable::{Kind, Timetable};
use crate::calendar::{CronExpr, Instant, Schedule};
use crate::model::timetable::{ScheduleSpec, Trigger};
use crate::model::{Model, TaskId, WorkflowId};
use crate::rules::Timetable as TimetableKnob;

fn schedule(model: &Model, text: &str) -> Option<Schedule> {
    Some(Schedule {
        expr: CronExpr::parse(text, model.rules.cron_dialect).ok()?,
        tz: model.timezone.clone(),
        gap: model.rules.dst_gap,
        fold: model.rules.dst_fold,
        stepping: model.rules.cron_stepping,
    })
}

/// The workflow's timetable when it sets timetable keys (None: one cron, planned as
/// before; `Err` when it has no schedule at all). With `always`, a plain cron workflow
/// gets its timetable too (a manual run's data interval).
pub fn workflow_timetable(
    model: &Model,
    workflow: WorkflowId,
    always: bool,
) -> Option<Result<Timetable, PlanError>> {
    let w = model.workflow(workflow);
    let no_schedule = || PlanError::NoSchedule {
        task: w.name.clone(),
    };
    let data_interval = model.rules.timetable == TimetableKnob::Interval;
    let tz = model.timezone.clone();
    let at = |t| local_to_instant(&model.timezone, t);
    let Some(spec) = &w.timetable else {
        if !always {
            return None;
        }
        let kind = match w.cron.as_deref().and_then(|c| schedule(model, c)) {
            Some(s) => Kind::Cron(s),
            None => Kind::Once,
        };
        return Some(Ok(Timetable {
            kind,
            data_interval,
            interval: crate::calendar::timetable::Delta::seconds(0),
            start: None,
            end: None,
            catchup: false,
            tz,
        }));
    };
    let kind = match &spec.schedule {
        ScheduleSpec::Crons(list) => {
            let Some(mut schedules) = list
                .iter()
                .map(|c| schedule(model, c))
                .collect::<Option<Vec<_>>>()
            else {
                return Some(Err(no_schedule()));
            };
            if schedules.len() == 1 {
                Kind::Cron(schedules.remove(0))
            } else {
                Kind::Crons(schedules)
            }
        }
        ScheduleSpec::Delta(d) => Kind::Delta(*d),
        ScheduleSpec::Once => Kind::Once,
        ScheduleSpec::None if always => Kind::Once,
        ScheduleSpec::None => return Some(Err(no_schedule())),
    };
    Some(Ok(Timetable {
        data_interval: data_interval && !matches!(kind, Kind::Crons(_) | Kind::Once),
        kind,
        interval: spec
            .interval
            .unwrap_or(crate::calendar::timetable::Delta::seconds(0)),
        start: spec.start_date.map(at),
        end: spec.end_date.map(at),
        catchup: spec.catchup,
        tz,
    }))
}

/// At most how many runs `[first, last]` (instants) holds: counted, never generated.
pub fn max_runs(t: &Timetable, first: Instant, last: Instant) -> u64 {
    let day = |i: Instant| crate::calendar::schedule::instant_to_local(&t.tz, i).date();
    let (a, b) = (day(first), day(last));
    match &t.kind {
        Kind::Cron(s) => s.expr.max_fires_between(a, b),
        Kind::Crons(list) => list
            .iter()
            .map(|s| s.expr.max_fires_between(a, b))
            .fold(0, u64::saturating_add),
        Kind::Once => 1,
        Kind::Delta(d) => {
            // A month is at least 28 days; two days' margin for the zone.
            let step = i64::from(d.months)
                .saturating_mul(28 * 86_400)
                .saturating_add(d.seconds)
                .max(1);
            let span = last.saturating_sub(first).saturating_add(2 * 86_400).max(0);
            (span / step) as u64 + 2
        }
    }
}

impl Planner<'_> {
    /// The runs of a task with a timetable: the scheduler's from the clip's start to
    /// its end (a recurring window), else a backfill's.
    pub(super) fn timetable_ticks(
        t: &Timetable,
        from: Instant,
        to: Instant,
        clip: Option<(Instant, Instant)>,
    ) -> Vec<crate::calendar::Tick> {
        match clip {
            Some((start, until)) => t.recurring(start, until, usize::MAX),
            None => t.backfill(from, to, usize::MAX),
        }
    }

    /// The planner of one run triggered by hand (`airflow dags trigger`): every task
    /// of the workflow, scheduled at the logical date (the trigger time without one),
    /// starting at the trigger time. The note says what Airflow infers for it.
    pub fn manual<'m>(model: &'m Model, trigger: &Trigger) -> Planner<'m> {
        let tz = &model.timezone;
        let run_after = local_to_instant(tz, trigger.at);
        let logical = local_to_instant(tz, trigger.logical_date.unwrap_or(trigger.at));
        let w = model.workflow(trigger.workflow);
        let tasks: Vec<TaskId> = w.tasks.clone();
        let mut slot = vec![None; model.tasks.len()];
        for (i, t) in tasks.iter().enumerate() {
            slot[t.0 as usize] = Some(i as u32);
        }
        let interval = workflow_timetable(model, trigger.workflow, true)
            .and_then(Result::ok)
            .and_then(|t| t.manual_interval(run_after));
        let note = match (trigger.logical_date, interval) {
            (Some(_), Some((a, b))) => format!(
                "manual run of {} triggered at {}: logical date {}, data interval {} to {} \
                 (infer_manual_data_interval of the trigger time)",
                w.name,
                rfc3339(tz, run_after),
                rfc3339(tz, logical),
                rfc3339(tz, a),
                rfc3339(tz, b)
            ),
            _ => format!(
                "manual run of {} triggered at {} without a logical date: Airflow 3 gives it \
                 none and no data interval; schedsim names it by its trigger time",
                w.name,
                rfc3339(tz, run_after)
            ),
        };
        Planner {
            model,
            tasks: tasks.iter().map(|t| (*t, None)).collect(),
            timetables: vec![None; tasks.len()],
            slot,
            // No task of a manual run has a cron: nothing to share.
            expr_group: (0..tasks.len() as u32).collect(),
            window: None,
            clip: None,
            units: vec![UnitKey::RunTime(logical)],
            at_most: tasks.len() as u64,
            exact: Some(tasks.len() as u64),
            ticks: tasks.iter().map(|t| (logical, run_after, *t)).collect(),
            notes: vec![note],
        }
    }
}
