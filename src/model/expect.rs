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
use schemars::JsonSchema;
use serde::Serialize;

use super::decode::{Decode, Decoder, TableReader, Val, text_type};
use super::diagnostic::{Diagnostic, did_you_mean};
use super::doc::{DateTimeText, DurationText};
use super::span::Sp;
use super::text::{parse_datetime, parse_duration, parse_time};
use super::{Model, Seconds, TaskId};
use crate::keyword_enum;

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

/// The deadline of an instance that may first run at the local time `anchor`: `by` on
/// the anchor's day, or on the next day when the anchor's time of day is later than
/// `by` (a run due after the cut-off is judged by the next morning's).
pub fn ready_deadline(anchor: civil::DateTime, by: civil::Time) -> civil::DateTime {
    let day = anchor.date();
    let same = day.to_datetime(by);
    if anchor <= same {
        same
    } else {
        day.tomorrow()
            .map_or(civil::DateTime::MAX, |d| d.to_datetime(by))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> civil::DateTime {
        s.parse().unwrap()
    }

    #[test]
    fn a_run_due_before_the_cut_off_is_judged_the_same_day() {
        let by = civil::time(8, 0, 0, 0);
        assert_eq!(
            ready_deadline(at("2025-03-02T02:00"), by),
            at("2025-03-02T08:00")
        );
        assert_eq!(
            ready_deadline(at("2025-03-02T08:00"), by),
            at("2025-03-02T08:00")
        );
    }

    #[test]
    fn a_run_due_after_the_cut_off_is_judged_by_the_next_day() {
        let by = civil::time(8, 0, 0, 0);
        assert_eq!(
            ready_deadline(at("2025-03-02T08:00:01"), by),
            at("2025-03-03T08:00")
        );
        assert_eq!(
            ready_deadline(at("2025-03-02T23:00"), by),
            at("2025-03-03T08:00")
        );
    }
}
