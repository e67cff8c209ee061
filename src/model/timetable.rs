//! A DAG's timetable keys (airflow): `cron` as a list (`MultipleCronTriggerTimetable`),
//! `schedule = "@once"` or a delta (`"3d"`, `"1mo"`), `interval` (the data interval of
//! a trigger timetable, `CronTriggerTimetable(interval=...)`), `catchup`, `start_date`,
//! `end_date`; and `[[scenario.trigger]]`, a run triggered by hand (`airflow dags
//! trigger`). The document types, their checks, and the checked values the planner
//! reads (`calendar::timetable` holds Airflow's rules).

use std::ops::Range;

use jiff::civil;
use schemars::JsonSchema;
use serde::Serialize;
use toml::de::DeValue;

use super::decode::{Decode, Decoder, Val};
use super::diagnostic::Diagnostic;
use super::doc::{DateOrTimeText, DateTimeText, WorkflowDoc};
use super::span::Sp;
use crate::calendar::timetable::Delta;
use crate::rules::{Profile, Rules, Timetable};

/// `cron`: one expression, or (airflow) a list of them: a run whenever one fires.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CronDoc {
    One(Sp<String>),
    Many(Sp<Vec<Sp<String>>>),
}

impl CronDoc {
    /// Every expression, in order.
    pub fn each(&self) -> Vec<&Sp<String>> {
        match self {
            CronDoc::One(c) => vec![c],
            CronDoc::Many(list) => list.value.iter().collect(),
        }
    }
}

impl Decode for CronDoc {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        match v.get_ref() {
            DeValue::Array(_) => Sp::<Vec<Sp<String>>>::decode(v, d).map(CronDoc::Many),
            _ => Sp::<String>::decode(v, d).map(CronDoc::One),
        }
    }
}

/// `[[scenario.trigger]]`: a DAG run triggered by hand (`airflow dags trigger`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerDoc {
    /// The workflow (DAG) triggered.
    pub workflow: Sp<String>,
    /// When it is triggered: the run's `run_after`.
    pub at: Sp<DateTimeText>,
    /// `--logical-date`; default: `at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical_date: Option<Sp<DateTimeText>>,
}

impl Decode for TriggerDoc {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        let mut t = super::decode::TableReader::open(v, "[[scenario.trigger]]", d)?;
        let workflow = t.required("workflow", d);
        let at = t.required("at", d);
        let logical_date = t.optional("logical_date", d);
        t.finish(d);
        Some(TriggerDoc {
            workflow: workflow?,
            at: at?,
            logical_date,
        })
    }
}

/// What a DAG's schedule is, beyond one cron.
#[derive(Clone, Debug, PartialEq)]
pub enum ScheduleSpec {
    /// One cron or several (`MultipleCronTriggerTimetable` when more than one).
    Crons(Vec<String>),
    Delta(Delta),
    Once,
    /// No schedule: manual runs only.
    None,
}

/// A workflow's timetable keys, checked. Absent when the workflow uses none of them
/// (one cron, as before: the DAG is switched on at the scenario's start).
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowTimetable {
    pub schedule: ScheduleSpec,
    /// Trigger timetables: the data interval before each run.
    pub interval: Option<Delta>,
    pub catchup: bool,
    pub start_date: Option<civil::DateTime>,
    pub end_date: Option<civil::DateTime>,
}

/// A manual run, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub workflow: super::WorkflowId,
    pub at: civil::DateTime,
    /// `--logical-date`; None: Airflow 3 gives the run none.
    pub logical_date: Option<civil::DateTime>,
}

impl super::Workflow {
    /// Whether the workflow has a schedule (a cron, a delta or @once), not only manual
    /// runs.
    pub fn scheduled(&self) -> bool {
        match &self.timetable {
            Some(t) => t.schedule != ScheduleSpec::None,
            None => self.cron.is_some(),
        }
    }
}

/// `"3d"`, `"1h30m"`, `"1mo"`, `"1y2mo"`: a `timedelta`, or a `relativedelta` when it
/// has months or years.
pub fn parse_delta(text: &str) -> Result<Delta, String> {
    let mut months: i64 = 0;
    let mut seconds: i64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("it is empty".into());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("`{rest}` does not start with a number"));
        }
        let n: i64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{}` is too large", &rest[..digits]))?;
        rest = &rest[digits..];
        let (unit, len) = [
            ("mo", 2),
            ("y", 1),
            ("w", 1),
            ("d", 1),
            ("h", 1),
            ("m", 1),
            ("s", 1),
        ]
        .into_iter()
        .find(|(u, _)| rest.starts_with(u))
        .ok_or_else(|| format!("`{rest}` has no unit (y, mo, w, d, h, m or s)"))?;
        rest = &rest[len..];
        let too_large = || format!("`{text}` is too large");
        let (to_months, per) = match unit {
            "y" => (12, 0),
            "mo" => (1, 0),
            "w" => (0, 7 * 86_400),
            "d" => (0, 86_400),
            "h" => (0, 3_600),
            "m" => (0, 60),
            _ => (0, 1),
        };
        months = n
            .checked_mul(to_months)
            .and_then(|m| months.checked_add(m))
            .ok_or_else(too_large)?;
        seconds = n
            .checked_mul(per)
            .and_then(|x| seconds.checked_add(x))
            .ok_or_else(too_large)?;
    }
    let months = i32::try_from(months).map_err(|_| format!("`{text}` is too large"))?;
    if months > 12 * 20_000 || seconds > crate::calendar::CALENDAR_SECONDS as i64 {
        return Err(format!("`{text}` is longer than the calendar"));
    }
    if months == 0 && seconds == 0 {
        return Err("it must be positive (Airflow: \"schedule interval must be positive\")".into());
    }
    Ok(Delta { months, seconds })
}

/// The keys' problems, as diagnostics; the checked timetable when the workflow has one.
pub(super) fn resolve(
    w: &WorkflowDoc,
    profile: Profile,
    rules: &Rules,
    diags: &mut Vec<Diagnostic>,
) -> Option<WorkflowTimetable> {
    let many = matches!(w.cron, Some(CronDoc::Many(_)));
    let keys: [(Option<Range<usize>>, &str); 6] = [
        (
            match &w.cron {
                Some(CronDoc::Many(l)) => Some(l.span.clone()),
                _ => None,
            },
            "a list of crons",
        ),
        (w.schedule.as_ref().map(|v| v.span.clone()), "`schedule`"),
        (w.interval.as_ref().map(|v| v.span.clone()), "`interval`"),
        (w.catchup.as_ref().map(|v| v.span.clone()), "`catchup`"),
        (
            w.start_date.as_ref().map(|v| v.span.clone()),
            "`start_date`",
        ),
        (w.end_date.as_ref().map(|v| v.span.clone()), "`end_date`"),
    ];
    let mut any = false;
    for (span, key) in keys {
        let Some(span) = span else { continue };
        any = true;
        if let Some(message) = super::only_for_message(key, &[Profile::Airflow], profile) {
            diags.push(
                Diagnostic::new(span, message, format!("not allowed with profile `{profile}`"))
                    .help("Airflow timetables (catchup, start and end dates, delta schedules, @once, several crons) are DAG settings"),
            );
        }
    }
    if !any || profile != Profile::Airflow {
        return None;
    }
    let mut schedule = match &w.cron {
        Some(c) => ScheduleSpec::Crons(c.each().iter().map(|c| c.value.clone()).collect()),
        None => ScheduleSpec::None,
    };
    if let (Some(CronDoc::Many(list)), true) = (&w.cron, many)
        && list.value.is_empty()
    {
        diags.push(Diagnostic::new(
            list.span.clone(),
            "an empty list of crons",
            "expected at least one cron expression (MultipleCronTriggerTimetable: \"cron expression required\")",
        ));
    }
    if many
        && rules.timetable == Timetable::Interval
        && let Some(CronDoc::Many(list)) = &w.cron
    {
        diags.push(
            Diagnostic::new(
                list.span.clone(),
                "several crons make a trigger timetable, but the `timetable` rule is `interval`",
                "expected one cron with `timetable = \"interval\"`",
            )
            .help("Airflow's MultipleCronTriggerTimetable has no data-interval form"),
        );
    }
    if let Some(s) = &w.schedule {
        if let Some(c) = &w.cron {
            diags.push(
                Diagnostic::new(
                    s.span.clone(),
                    "a workflow has either `cron` or `schedule`, not both",
                    "expected one schedule",
                )
                .related(
                    c.each().first().map_or(0..0, |c| c.span.clone()),
                    "`cron` is here",
                ),
            );
        }
        schedule = match s.value.trim() {
            "@once" => ScheduleSpec::Once,
            text if text.starts_with('@') => {
                diags.push(
                    Diagnostic::new(
                        s.span.clone(),
                        format!("`schedule = \"{text}\"` is not a timetable schedsim knows"),
                        "expected \"@once\" or a delta such as \"3d\", \"12h\" or \"1mo\"",
                    )
                    .help("a cron preset such as \"@daily\" goes in `cron`"),
                );
                ScheduleSpec::None
            }
            text => match parse_delta(text) {
                Ok(d) => ScheduleSpec::Delta(d),
                Err(e) => {
                    diags.push(Diagnostic::new(
                        s.span.clone(),
                        format!("invalid delta schedule `{text}`: {e}"),
                        "expected \"@once\" or a delta such as \"3d\", \"12h\" or \"1mo\" (months and years are a relativedelta)",
                    ));
                    ScheduleSpec::None
                }
            },
        };
    }
    let interval = w.interval.as_ref().and_then(|v| {
        let trigger = rules.timetable == Timetable::Trigger
            && matches!(schedule, ScheduleSpec::Crons(_) | ScheduleSpec::Delta(_));
        if !trigger {
            diags.push(
                Diagnostic::new(
                    v.span.clone(),
                    "`interval` is the data interval of a trigger timetable",
                    "expected `interval` beside a `cron` or a delta `schedule` under `timetable = \"trigger\"`",
                )
                .help("a data-interval timetable's interval runs from one tick to the next; @once has none"),
            );
            return None;
        }
        parse_delta(&v.value)
            .map_err(|e| {
                diags.push(Diagnostic::new(
                    v.span.clone(),
                    format!("invalid `interval`: {e}"),
                    "expected a duration such as \"1d\" or \"1mo\"",
                ));
            })
            .ok()
    });
    let date = |v: &Option<Sp<DateOrTimeText>>, what: &str, diags: &mut Vec<Diagnostic>| {
        let v = v.as_ref()?;
        super::parse_bound(v.value.0.trim())
            .map(|b| b.start())
            .map_err(|e| {
                diags.push(Diagnostic::new(
                    v.span.clone(),
                    format!("invalid {what}: {e}"),
                    "expected a date such as \"2025-03-01\" or a local date-time such as \"2025-03-01T02:00:00\"",
                ))
            })
            .ok()
    };
    let start_date = date(&w.start_date, "`start_date`", diags);
    let end_date = date(&w.end_date, "`end_date`", diags);
    if let (Some(a), Some(b), Some(sa), Some(sb)) =
        (start_date, end_date, &w.start_date, &w.end_date)
        && b < a
    {
        diags.push(
            Diagnostic::new(
                sb.span.clone(),
                "inverted dates: `end_date` comes before `start_date`",
                "expected an end date not before the start date",
            )
            .related(sa.span.clone(), "start_date is here"),
        );
    }
    if schedule == ScheduleSpec::None
        && let Some(c) = &w.catchup
    {
        diags.push(
            Diagnostic::new(
                c.span.clone(),
                "`catchup` without a schedule has nothing to catch up",
                "expected a `cron` or a `schedule` beside it",
            )
            .help("a DAG without a schedule runs only when triggered: `[[scenario.trigger]]`"),
        );
    }
    Some(WorkflowTimetable {
        schedule,
        interval,
        catchup: w.catchup.as_ref().is_some_and(|c| c.value),
        start_date,
        end_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_read_as_timedelta_or_relativedelta() {
        assert_eq!(parse_delta("3d"), Ok(Delta::seconds(3 * 86_400)));
        assert_eq!(parse_delta("1h30m"), Ok(Delta::seconds(5_400)));
        assert_eq!(
            parse_delta("1y2mo1d"),
            Ok(Delta {
                months: 14,
                seconds: 86_400
            })
        );
        assert!(parse_delta("0d").unwrap_err().contains("positive"));
        assert!(parse_delta("3x").unwrap_err().contains("no unit"));
        assert!(parse_delta("d").unwrap_err().contains("number"));
        assert!(parse_delta("99999999999999999999d").is_err());
        assert!(parse_delta("999999999y").is_err());
    }
}
