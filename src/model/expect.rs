//! `[[expect]]`: what a model expects of its runs (deadlines, SLAs), read from the
//! file and resolved against the model. `check` judges each as the property
//! `expect:NAME` (`observe::expect`); sweeps report the fraction of seeds that meet it.
//!
//! One of three forms per entry:
//! - `finish_by = "2025-03-10T08:00:00"`: the whole scenario is done by then;
//! - `makespan_at_most = "6h"`: first start to last end at most that long;
//! - `task = "workflow.task"` with `ready_by = "08:00"`: each instance of the task has
//!   succeeded by that local time of day (SEMANTICS.md, "Expectations", has the rule).

use std::collections::BTreeMap;
use std::ops::Range;

use jiff::civil;
use jiff::tz::TimeZone;
use schemars::JsonSchema;
use serde::Serialize;

use super::decode::{Decode, Decoder, TableReader, Val, text_type};
use super::diagnostic::{Diagnostic, did_you_mean};
use super::doc::{DateTimeText, DurationText};
use super::span::Sp;
use super::text::{parse_datetime, parse_duration, parse_time};
use super::{Model, Seconds, TaskId};
use crate::calendar::schedule::{Instant, instant_to_local, local_to_instant, resolve_local};
use crate::keyword_enum;
use crate::rules::{DstFold, DstGap};

text_type!(
    /// A local time of day, `"08:00"` or `"06:30:00"`.
    TimeOfDayText,
    "a local time of day such as \"08:00\" or \"06:30:00\"",
    "^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$"
);

keyword_enum! {
    /// Which instances of a task a `ready_by` expectation judges.
    pub enum ExpectOrigin ("instance origin") {
        /// Every instance: the recurring schedule's, backfills', reruns'.
        Any = "any",
        /// The recurring schedule's (the nightly runs).
        Recurring = "recurring",
        /// Backfills' (and the complement dates a rerun regenerates).
        Backfill = "backfill",
    }
}

/// `[[expect]]`: a deadline or SLA that `check` verifies as `expect:NAME`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectDoc {
    pub name: Sp<String>,
    /// Only this scenario; default: every scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Sp<String>>,
    /// A local date-time by which the whole scenario is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_by: Option<Sp<DateTimeText>>,
    /// The longest makespan (first start to last end) allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub makespan_at_most: Option<Sp<DurationText>>,
    /// A "workflow.task" whose every instance must be ready by `ready_by`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Sp<String>>,
    /// With `task`: a local time of day, on the day the instance may first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_by: Option<Sp<TimeOfDayText>>,
    /// With `task`: which instances are judged (`any`, `recurring`, `backfill`);
    /// default `any`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Sp<ExpectOrigin>>,
    #[serde(skip)]
    pub span: Range<usize>,
}

impl Decode for ExpectDoc {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        let mut t = TableReader::open(v, "[[expect]]", d)?;
        let name = t.required("name", d);
        let scenario = t.optional("scenario", d);
        let finish_by = t.optional("finish_by", d);
        let makespan_at_most = t.optional("makespan_at_most", d);
        let task = t.optional("task", d);
        let ready_by = t.optional("ready_by", d);
        let origin = t.optional("origin", d);
        t.finish(d);
        Some(ExpectDoc {
            name: name?,
            scenario,
            finish_by,
            makespan_at_most,
            task,
            ready_by,
            origin,
            span: v.span(),
        })
    }
}

/// A resolved expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub name: String,
    /// Only this scenario; `None`: every scenario.
    pub scenario: Option<String>,
    pub kind: ExpectKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExpectKind {
    /// Every instance final, every date started, the last execution ended by then.
    FinishBy(civil::DateTime),
    /// Every instance final, every date started, makespan at most this.
    MakespanAtMost(Seconds),
    /// Each judged instance of the task succeeded by this time of day.
    ReadyBy {
        task: TaskId,
        by: civil::Time,
        origin: ExpectOrigin,
    },
}

impl Expect {
    /// The property `check` reports for it.
    pub fn property(&self) -> String {
        format!("expect:{}", self.name)
    }

    /// Whether it judges runs of this scenario.
    pub fn applies_to(&self, scenario: &str) -> bool {
        self.scenario.as_deref().is_none_or(|s| s == scenario)
    }
}

/// Resolves the `[[expect]]` entries against a model; problems go to `diags`.
pub(super) fn resolve(
    docs: &[ExpectDoc],
    model: &Model,
    doubts: &super::names::Doubts,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Expect> {
    let mut seen: BTreeMap<&str, Range<usize>> = BTreeMap::new();
    let mut out = Vec::new();
    for e in docs {
        let name = &e.name.value;
        if name.is_empty() || name.contains(char::is_whitespace) {
            diags.push(Diagnostic::new(
                e.name.span.clone(),
                format!("expectation name `{name}` is empty or has spaces"),
                "expected a name without spaces, such as \"sales_by_8\"",
            ));
        }
        if let Some(first) = seen.get(name.as_str()) {
            diags.push(
                Diagnostic::new(
                    e.name.span.clone(),
                    format!("expectation `{name}` is defined twice"),
                    "expected each [[expect]] name once",
                )
                .related(first.clone(), "first defined here"),
            );
        } else {
            seen.insert(name, e.name.span.clone());
        }
        if let Some(s) = &e.scenario
            && !model.scenarios.iter().any(|sc| sc.name == s.value)
            && !doubts.scenario(&s.value)
        {
            let mut d = Diagnostic::new(
                s.span.clone(),
                format!("no scenario `{}` in this model", s.value),
                "expected the name of a [[scenario]]",
            );
            if let Some(near) =
                did_you_mean(&s.value, model.scenarios.iter().map(|x| x.name.as_str()))
            {
                d = d.help(format!("did you mean `{near}`?"));
            }
            diags.push(d);
        }
        if let Some(kind) = kind(e, model, doubts, diags) {
            out.push(Expect {
                name: name.clone(),
                scenario: e.scenario.as_ref().map(|s| s.value.clone()),
                kind,
            });
        }
    }
    out
}

/// The entry's one form, or `None` after reporting why not.
fn kind(
    e: &ExpectDoc,
    model: &Model,
    doubts: &super::names::Doubts,
    diags: &mut Vec<Diagnostic>,
) -> Option<ExpectKind> {
    let forms = [
        e.finish_by.as_ref().map(|v| ("finish_by", v.span.clone())),
        e.makespan_at_most
            .as_ref()
            .map(|v| ("makespan_at_most", v.span.clone())),
        e.task.as_ref().map(|v| ("task", v.span.clone())),
    ];
    let given: Vec<(&str, Range<usize>)> = forms.into_iter().flatten().collect();
    const EXPECTED: &str =
        "expected one of `finish_by`, `makespan_at_most`, or `task` with `ready_by`";
    match given.as_slice() {
        [] => {
            diags.push(
                Diagnostic::new(
                    e.span.start..e.span.start.saturating_add(1).min(e.span.end),
                    format!("expectation `{}` says nothing to check", e.name.value),
                    EXPECTED,
                )
                .help("for example ready_by = \"08:00\" with task = \"workflow.task\", or makespan_at_most = \"6h\""),
            );
            return None;
        }
        [_] => {}
        [(a, _), (b, span), ..] => {
            diags.push(
                Diagnostic::new(
                    span.clone(),
                    format!("expectation `{}` gives both `{a}` and `{b}`", e.name.value),
                    EXPECTED,
                )
                .help("write one [[expect]] per deadline"),
            );
            return None;
        }
    }
    let not_without_task = |key: &str, span: &Range<usize>, diags: &mut Vec<Diagnostic>| {
        diags.push(Diagnostic::new(
            span.clone(),
            format!("`{key}` belongs to a task expectation; this one has no `task`"),
            "expected `task` with it, or no such key",
        ));
    };
    if e.task.is_none() {
        if let Some(r) = &e.ready_by {
            not_without_task("ready_by", &r.span, diags);
        }
        if let Some(o) = &e.origin {
            not_without_task("origin", &o.span, diags);
        }
    }
    if let Some(f) = &e.finish_by {
        return match parse_datetime(&f.value.0) {
            Ok(t) => Some(ExpectKind::FinishBy(t)),
            Err(why) => {
                diags.push(Diagnostic::new(
                    f.span.clone(),
                    format!("invalid finish_by: {why}"),
                    "expected a local date-time such as \"2025-03-10T08:00:00\"",
                ));
                None
            }
        };
    }
    if let Some(m) = &e.makespan_at_most {
        return match parse_duration(&m.value.0) {
            Ok(0) => {
                diags.push(Diagnostic::new(
                    m.span.clone(),
                    "makespan_at_most must be positive",
                    "expected a duration longer than zero",
                ));
                None
            }
            Ok(s) => Some(ExpectKind::MakespanAtMost(s)),
            Err(why) => {
                diags.push(Diagnostic::new(
                    m.span.clone(),
                    format!("invalid makespan_at_most: {why}"),
                    "expected a duration such as \"90s\", \"10m\", \"2h\", \"1d\" or \"1h30m\"",
                ));
                None
            }
        };
    }
    let task = e.task.as_ref()?;
    let id = model.tasks.iter().position(|t| t.name == task.value);
    if id.is_none() && !doubts.task(&task.value) {
        let mut d = Diagnostic::new(
            task.span.clone(),
            format!("no task `{}` in this model", task.value),
            "expected a \"workflow.task\" name",
        );
        if let Some(near) = did_you_mean(&task.value, model.tasks.iter().map(|t| t.name.as_str())) {
            d = d.help(format!("did you mean `{near}`?"));
        }
        diags.push(d);
    }
    let by = match &e.ready_by {
        None => {
            diags.push(Diagnostic::new(
                task.span.clone(),
                format!(
                    "expectation `{}` names a task but no `ready_by`",
                    e.name.value
                ),
                "expected ready_by = \"HH:MM\" with `task`",
            ));
            None
        }
        Some(r) => match parse_time(&r.value.0) {
            Ok(t) => Some(t),
            Err(why) => {
                let mut d = Diagnostic::new(
                    r.span.clone(),
                    format!("invalid ready_by: {why}"),
                    "expected a local time of day such as \"08:00\" or \"06:30:00\"",
                );
                if why.contains("not a date-time") {
                    d = d.help("ready_by is a time of day on each instance's day; use finish_by for an absolute deadline");
                }
                diags.push(d);
                None
            }
        },
    };
    Some(ExpectKind::ReadyBy {
        task: TaskId(id? as u32),
        by: by?,
        origin: e.origin.as_ref().map_or(ExpectOrigin::Any, |o| o.value),
    })
}

/// The deadline of an instance that may first run at `run_after`, and the local day
/// whose `by` it is: the first instant of `by` on the local day of `run_after` at or
/// after it, else `by` the next day (a run due after the cut-off is judged by the next
/// morning's). Compared as instants: in a fall-back fold `by` is two instants, and an
/// instance due between them is judged by the second; in a spring-forward gap `by` is
/// read as every time a user types, moved forward by the gap's length (02:30 → 03:30).
pub fn ready_deadline(
    tz: &TimeZone,
    run_after: Instant,
    by: civil::Time,
) -> (Instant, civil::Date) {
    let day = instant_to_local(tz, run_after).date();
    let mut instants = Vec::with_capacity(2);
    for d in [Some(day), day.tomorrow().ok()].into_iter().flatten() {
        instants.clear();
        resolve_local(
            tz,
            d.to_datetime(by),
            DstGap::ShiftByGap,
            DstFold::Both,
            &mut instants,
        );
        if let Some(&(at, _)) = instants.iter().find(|(at, _)| *at >= run_after) {
            return (at, d);
        }
    }
    // The calendar's last day, past its `by`: no later day to judge by.
    (local_to_instant(tz, civil::DateTime::MAX), day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::schedule::rfc3339;

    /// The deadline, in `zone`, of an instance that may first run at `run_after`
    /// (RFC 3339), with the day whose `by` it is.
    fn deadline(zone: &str, run_after: &str, by: &str) -> (String, String) {
        let tz = crate::model::tzdb().get(zone).unwrap();
        let at = run_after.parse::<jiff::Timestamp>().unwrap().as_second();
        let (t, day) = ready_deadline(&tz, at, by.parse().unwrap());
        (rfc3339(&tz, t), day.to_string())
    }

    fn is(at: &str, day: &str) -> (String, String) {
        (at.to_string(), day.to_string())
    }

    #[test]
    fn a_run_due_before_the_cut_off_is_judged_the_same_day() {
        let z = "Asia/Shanghai";
        for run in ["2025-03-02T02:00:00+08:00", "2025-03-02T08:00:00+08:00"] {
            assert_eq!(
                deadline(z, run, "08:00"),
                is("2025-03-02T08:00:00+08:00", "2025-03-02")
            );
        }
    }

    #[test]
    fn a_run_due_after_the_cut_off_is_judged_by_the_next_day() {
        let z = "Asia/Shanghai";
        for run in ["2025-03-02T08:00:01+08:00", "2025-03-02T23:00:00+08:00"] {
            assert_eq!(
                deadline(z, run, "08:00"),
                is("2025-03-03T08:00:00+08:00", "2025-03-03")
            );
        }
    }

    /// Regression: a `ready_by` in the fall-back fold was its first instant whatever
    /// the instance, so a run due in the second hour had a deadline before it was due
    /// (02:30 CET judged by 02:45 CEST, 45 minutes earlier).
    #[test]
    fn a_ready_by_in_a_fold_is_its_first_instant_at_or_after_the_run() {
        let z = "Europe/Berlin";
        let (first, second) = ("2025-10-26T02:45:00+02:00", "2025-10-26T02:45:00+01:00");
        let day = "2025-10-26";
        // Before the fold, and in its first hour: the first 02:45.
        assert_eq!(
            deadline(z, "2025-10-26T01:00:00+02:00", "02:45"),
            is(first, day)
        );
        assert_eq!(
            deadline(z, "2025-10-26T02:30:00+02:00", "02:45"),
            is(first, day)
        );
        // Past the first 02:45, or in the second hour: the second.
        assert_eq!(
            deadline(z, "2025-10-26T02:50:00+02:00", "02:45"),
            is(second, day)
        );
        assert_eq!(
            deadline(z, "2025-10-26T02:30:00+01:00", "02:45"),
            is(second, day)
        );
        // Past both: the next day's.
        assert_eq!(
            deadline(z, "2025-10-26T02:50:00+01:00", "02:45"),
            is("2025-10-27T02:45:00+01:00", "2025-10-27")
        );
    }

    /// A `ready_by` in the spring-forward gap is read past it, by the gap's length,
    /// and the same-day choice compares that instant with the run's.
    #[test]
    fn a_ready_by_in_a_gap_is_read_past_it() {
        let z = "America/New_York";
        let (shifted, day) = ("2025-03-09T03:30:00-04:00", "2025-03-09");
        assert_eq!(
            deadline(z, "2025-03-09T01:00:00-05:00", "02:30"),
            is(shifted, day)
        );
        assert_eq!(
            deadline(z, "2025-03-09T03:10:00-04:00", "02:30"),
            is(shifted, day)
        );
        assert_eq!(
            deadline(z, "2025-03-09T03:40:00-04:00", "02:30"),
            is("2025-03-10T02:30:00-04:00", "2025-03-10")
        );
    }
}
