//! A workflow's `schedule` (the dao's `Schedule`): its Quartz cron, time zone,
//! startTime/endTime (the tasks' effective period), failure strategy, worker group,
//! priority and release state, or the lack of one, each said where the model cannot
//! carry it.

use jiff::civil::{Date, DateTime};

use super::super::json::Obj;
use super::super::{DraftWorkflow, ImportError, Report, model_name};
use super::{named_group, priority};
use crate::calendar::cron::CronExpr;
use crate::rules::CronDialect;

/// What a workflow's schedule gives besides the draft's own fields.
#[derive(Default)]
pub(super) struct Schedule {
    pub timezone: Option<String>,
    /// The first date of the effective period, for the default scenario.
    pub start: Option<String>,
    /// Every task's effective period (both ends included).
    pub effective: Option<(String, String)>,
    /// Whether the export has a schedule.
    pub scheduled: bool,
    /// The schedule's workerGroup (model name, JSON path), when not `default`.
    pub group: Option<(String, String)>,
}

/// Reads the schedule of the exported workflow `o` (named `raw_name` in the export)
/// into `draft`.
pub(super) fn read(
    o: &Obj<'_>,
    raw_name: &str,
    draft: &mut DraftWorkflow,
    report: &mut Report,
) -> Result<Schedule, ImportError> {
    let mut out = Schedule::default();
    let Some(s) = o.opt_obj("schedule")? else {
        draft
            .comment
            .push(format!("{raw_name}: no schedule in the export"));
        report.notes.push(format!(
            "workflow {}: no schedule in the export: DolphinScheduler never fires it (a parent's sub-process task or a manual start runs it); the model gives it no cron, so the default scenario and a recurring scenario leave it out, and a backfill runs it daily at 00:00 (missing_schedule = \"daily_midnight\", the cron of a complement of a workflow without a schedule)",
            draft.name
        ));
        return Ok(out);
    };
    let cron = s.str("crontab")?;
    let expr = CronExpr::parse(cron, CronDialect::Quartz).map_err(|e| {
        s.err(
            "crontab",
            format!(
                "`{cron}` is not a cron DolphinScheduler (Quartz) accepts: {}",
                e.message
            ),
        )
    })?;
    draft.cron = Some(cron.to_string());
    out.scheduled = true;
    if let Some(tz) = s.opt_str("timezoneId")? {
        if crate::model::tzdb().get(tz).is_err() {
            return Err(s.err("timezoneId", format!("unknown time zone `{tz}`")));
        }
        out.timezone = Some(tz.to_string());
    }
    let time = |key: &str| -> Result<Option<DateTime>, ImportError> {
        let Some(text) = s.opt_str(key)? else {
            return Ok(None);
        };
        let parsed = match text.get(..10).filter(|_| text.len() == 10) {
            Some(day) => day.parse::<Date>().map(|d| d.at(0, 0, 0, 0)),
            None => text.replacen(' ', "T", 1).parse::<DateTime>(),
        };
        parsed.map(Some).map_err(|_| {
            s.err(
                key,
                format!("expected a time such as \"2024-04-01 00:00:00\", found `{text}`"),
            )
        })
    };
    let (from, to) = (time("startTime")?, time("endTime")?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(s.err(
            "endTime",
            format!("the schedule ends ({t}) before it starts ({f})"),
        ));
    }
    if from.is_some() || to.is_some() {
        let (f, t) = bounds(&expr, from, to, &draft.name, report);
        out.start = from.map(|_| f.to_string());
        report.notes.push(format!(
            "workflow {}: the schedule's startTime/endTime ({f} to {t}) is every task's effective period; DolphinScheduler bounds only its recurring trigger with them, schedsim bounds backfills too",
            draft.name
        ));
        out.effective = Some((f.to_string(), t.to_string()));
    }
    draft.failure_strategy = match s.opt_str("failureStrategy")? {
        None => None,
        Some("CONTINUE") => Some("continue"),
        Some("END") => Some("end"),
        Some(other) => {
            return Err(s.err(
                "failureStrategy",
                format!("unknown failureStrategy `{other}`: expected CONTINUE or END"),
            ));
        }
    };
    if let Some(g) = s.opt_str("workerGroup")?.filter(named_group) {
        out.group = Some((
            model_name(g, "worker group", &s.at("workerGroup"), report),
            s.at("workerGroup"),
        ));
    }
    if let Some(e) = s.opt_int("environmentCode")?.filter(|e| *e != -1) {
        report.drop(
            s.at("environmentCode"),
            format!("workflow {}: the schedule's environmentCode {e}", draft.name),
            "an environment is the shell configuration its runs' tasks start with, which schedsim does not model (it changes neither when nor where a task runs)",
        );
    }
    let key = if s.opt("workflowInstancePriority").is_some() {
        "workflowInstancePriority"
    } else {
        "processInstancePriority"
    };
    draft.priority = priority(&s, key)?;
    if s.opt_str("releaseState")? == Some("OFFLINE") {
        draft.comment.push(format!(
            "{raw_name}: the schedule is OFFLINE (paused): it does not fire; its cron is kept for backfills"
        ));
        report.notes.push(format!(
            "workflow {}: schedule OFFLINE, the cron kept for backfills (the default scenario runs no recurring schedule)",
            draft.name
        ));
    }
    Ok(out)
}

/// The effective period's dates for a schedule from `from` to `to` (local times; a
/// bound not given is "always": 1970-01-01, 9999-12-31), as Quartz bounds its
/// trigger: a bound's date is left out when every fire of it is outside the bound.
/// A model's effective period holds whole dates: when only some are, they are kept,
/// and the report says so, as it says each bound moved and each bound not given.
fn bounds(
    cron: &CronExpr,
    from: Option<DateTime>,
    to: Option<DateTime>,
    workflow: &str,
    report: &mut Report,
) -> (Date, Date) {
    let second = jiff::SignedDuration::from_secs(1);
    let first = from.and_then(|f| cron.next_after(f.checked_sub(second).ok()?));
    let last = to.and_then(|t| cron.prev_before(t.checked_add(second).ok()?));
    if let (Some(f), Some(t), Some(a), Some(b)) = (from, to, first, last)
        && a > b
    {
        // No fire between them: the dates as written (the trigger never fires).
        report.notes.push(format!(
            "workflow {workflow}: the cron fires never from startTime {f} to endTime {t}: the effective period is their dates"
        ));
        return (f.date(), t.date());
    }
    let mut say = |text: String| report.notes.push(format!("workflow {workflow}: {text}"));
    let start = match (from, first) {
        (None, _) => {
            say("the schedule names no startTime: the effective period starts on 1970-01-01 (always)".into());
            Date::constant(1970, 1, 1)
        }
        (Some(f), None) => f.date(),
        (Some(f), Some(a)) if a.date() > f.date() && cron.matches_date(f.date()) => {
            let next = f.date().tomorrow().unwrap_or(f.date());
            say(format!(
                "startTime {f} is after that day's fires: the effective period starts on {next}"
            ));
            next
        }
        (Some(f), Some(a)) => {
            if cron.prev_before(f).is_some_and(|p| p.date() == a.date()) {
                say(format!(
                    "the fires of {} before startTime {} are in the model (an effective period holds whole dates)",
                    a.date(),
                    f.time()
                ));
            }
            f.date()
        }
    };
    let end = match (to, last) {
        (None, _) => {
            say(
                "the schedule names no endTime: the effective period ends on 9999-12-31 (never)"
                    .into(),
            );
            Date::constant(9999, 12, 31)
        }
        (Some(t), None) => t.date(),
        (Some(t), Some(b)) if b.date() < t.date() && cron.matches_date(t.date()) => {
            let before = t.date().yesterday().unwrap_or(t.date());
            say(format!(
                "endTime {t} is before that day's fires: the effective period ends on {before}"
            ));
            before
        }
        (Some(t), Some(b)) => {
            if cron.next_after(t).is_some_and(|n| n.date() == b.date()) {
                say(format!(
                    "the fires of {} after endTime {} are in the model (an effective period holds whole dates)",
                    b.date(),
                    t.time()
                ));
            }
            t.date()
        }
    };
    (start, end)
}
