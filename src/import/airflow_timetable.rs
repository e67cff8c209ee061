//! The timetable of a serialized Airflow DAG, in the model's keys: a cron (trigger or
//! data-interval), several crons (MultipleCronTriggerTimetable), a delta
//! (DeltaTriggerTimetable, DeltaDataIntervalTimetable; timedelta seconds or an encoded
//! relativedelta), @once, a trigger's data interval, and the DAG's catchup, start and
//! end dates. Asset-, event-driven and continuous timetables are refused at their path.

use serde_json::Value;

use super::json::{self, Obj};
use super::{DraftTimetable, ImportError, Report};
use crate::rules::CronDialect;

/// What a timetable reads as: the `timetable` rule it needs (none for @once or several
/// crons, which have one form), its one cron, and its other keys.
#[derive(Default)]
pub(super) struct Read {
    pub kind: Option<&'static str>,
    pub cron: Option<String>,
    pub keys: DraftTimetable,
}

fn cron(v: &Obj<'_>, key: &str, e: &str) -> Result<String, ImportError> {
    crate::calendar::cron::CronExpr::parse(e, CronDialect::Unix).map_err(|err| {
        v.err(
            key,
            format!("`{e}` is not a cron Airflow accepts: {}", err.message),
        )
    })?;
    Ok(e.to_string())
}

/// A delta as model text: `259200.0` → "3d"; `{"months": 1, "days": 2}` → "1mo2d".
/// None for a zero delta.
fn delta(v: &Obj<'_>, key: &str) -> Result<Option<String>, ImportError> {
    let (months, seconds) = match v.opt(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => {
            let s = n
                .as_f64()
                .filter(|s| s.fract() == 0.0 && *s >= 0.0 && *s < 1e15)
                .ok_or_else(|| v.err(key, "expected whole seconds ≥ 0"))?;
            (0, s as i64)
        }
        Some(Value::Object(_)) => {
            let o = v.obj(key)?;
            let mut months = 0i64;
            let mut seconds = 0i64;
            for (k, per_month, per_second) in [
                ("years", 12, 0),
                ("months", 1, 0),
                ("weeks", 0, 7 * 86_400),
                ("days", 0, 86_400),
                ("hours", 0, 3_600),
                ("minutes", 0, 60),
                ("seconds", 0, 1),
            ] {
                let n = o.opt_int(k)?.unwrap_or(0);
                if n < 0 {
                    return Err(o.err(k, "a negative relativedelta field"));
                }
                months = months.saturating_add(n.saturating_mul(per_month));
                seconds = seconds.saturating_add(n.saturating_mul(per_second));
            }
            if let Some(k) = [
                "year",
                "month",
                "day",
                "weekday",
                "hour",
                "minute",
                "second",
                "leapdays",
                "microseconds",
                "microsecond",
            ]
            .into_iter()
            .find(|k| o.opt(k).is_some())
            {
                return Err(o.err(
                    k,
                    "a relativedelta with absolute or weekday fields: schedsim's delta schedules add years, months, days and time",
                ));
            }
            (months, seconds)
        }
        Some(other) => {
            return Err(v.err(
                key,
                format!("expected a time delta, found {}", json::kind(other)),
            ));
        }
    };
    if months == 0 && seconds == 0 {
        return Ok(None);
    }
    let mut text = String::new();
    let (y, mo) = (months / 12, months % 12);
    for (n, unit) in [(y, "y"), (mo, "mo")] {
        if n > 0 {
            text.push_str(&format!("{n}{unit}"));
        }
    }
    let mut rest = seconds;
    for (per, unit) in [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")] {
        if rest >= per {
            text.push_str(&format!("{}{unit}", rest / per));
            rest %= per;
        }
    }
    Ok(Some(text))
}

/// The `timetable` of a serialized DAG.
pub(super) fn read(t: &Obj<'_>, report: &mut Report, dag: &str) -> Result<Read, ImportError> {
    let ty = t.str("__type")?;
    let class = ty.rsplit('.').next().unwrap_or(ty);
    let var = || {
        t.opt_obj("__var")?
            .ok_or_else(|| t.err("__var", "the timetable has no `__var`"))
    };
    let mut read = Read::default();
    match class {
        "CronTriggerTimetable" | "CronDataIntervalTimetable" => {
            let v = var()?;
            read.cron = Some(cron(&v, "expression", v.str("expression")?)?);
            if class == "CronTriggerTimetable" {
                read.kind = Some("trigger");
                read.keys.interval = delta(&v, "interval")?;
            } else {
                read.kind = Some("interval");
            }
        }
        "MultipleCronTriggerTimetable" => {
            let v = var()?;
            let mut list = Vec::new();
            for (path, e) in v.list("expressions")? {
                let e = e.as_str().ok_or_else(|| {
                    v.err("expressions", format!("{path}: expected a cron string"))
                })?;
                list.push(cron(&v, "expressions", e)?);
            }
            if list.is_empty() {
                return Err(v.err("expressions", "cron expression required"));
            }
            read.keys.interval = delta(&v, "interval")?;
            if list.len() == 1 {
                read.kind = Some("trigger");
                read.cron = list.pop();
            } else {
                read.keys.crons = list;
            }
        }
        "DeltaTriggerTimetable" | "DeltaDataIntervalTimetable" => {
            let v = var()?;
            let d = delta(&v, "delta")?
                .ok_or_else(|| v.err("delta", "schedule interval must be positive"))?;
            read.keys.schedule = Some(d);
            if class == "DeltaTriggerTimetable" {
                read.kind = Some("trigger");
                read.keys.interval = delta(&v, "interval")?;
            } else {
                read.kind = Some("interval");
            }
        }
        "OnceTimetable" => read.keys.schedule = Some("@once".into()),
        "NullTimetable" => {}
        "ContinuousTimetable"
        | "AssetTriggeredTimetable"
        | "DatasetTriggeredTimetable"
        | "AssetOrTimeSchedule"
        | "EventsTimetable" => {
            return Err(t.err(
                "__type",
                format!("timetable {class}: asset-, event-driven and continuous DAGs are out of schedsim's scope (SEMANTICS.md); model its runs as [[scenario.trigger]]"),
            ));
        }
        _ => return Err(t.err("__type", format!("unknown timetable `{ty}`"))),
    }
    if read.keys.interval.is_some() {
        report.notes.push(format!(
            "DAG {dag}: the trigger timetable's data interval is kept as `interval`"
        ));
    }
    Ok(read)
}
