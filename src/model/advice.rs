//! Validation warnings about settings an engine accepts but its documentation
//! advises against, or that it reads otherwise than they say. They do not change the
//! exit code; each says the bound and where it comes from.
//!
//! - A schedule time listed twice in a backfill's `dates`: it runs once.
//! - `depends_relation`, `depends_groups`, `check_interval` or `failure_waiting` on a
//!   task without DEPENDENT items, and a backfill's `all_levels` without `dependents`.
//! - A Quartz day-of-month list with `W` (`2W,16`): Quartz 2.3.2 fires only the
//!   weekday nearest its smallest day.
//! - A cron that names no date of the calendar (`0 0 0 30 2 ?`): every engine
//!   accepts it, and it never fires.
//! - A 3.2 date function (`$[this_day(...)]`...) under `profile_version = "3.1"`:
//!   3.1.9's `TimePlaceholderUtils` has none of them.
//! - DataWorks backfill `groups` above 5: the console offers 2 to 5 groups (DW §6
//!   rule 4, the seed's "2–5 groups"); the API accepts up to 10 (`Parallelism` 1–10,
//!   `ConcurrentRuns` 2–10, DW §11 conflict 3), and so does schedsim.
//! - Retries above 10 where the engine has no bound of its own: DolphinScheduler's UI
//!   field `failRetryTimes` has only `min: 0` (3.2.2
//!   `dolphinscheduler-ui/.../fields/use-failed.ts`) and the API takes any Java int;
//!   Airflow's `retries` is any integer (`task_instance.max_tries`). DataWorks, the
//!   only engine that documents a bound, stops at 10 reruns (DW §7), and schedsim
//!   refuses more there.
//! - An `[[expect]]`'s `finish_by` at or before the start of a scenario it judges, or
//!   in a daylight-saving gap or fold (read past the gap, or as the first instant).
//! - An Airflow task's `pool_slots` above its pool's slots: Airflow never runs it.
//! - A scenario's typed time (start, until, a backfill's `at`, an operation's, fault's,
//!   stretch's or history's time) in a daylight-saving gap or fold: read past the gap,
//!   or as the first instant, as the run notes too.
//! - An Airflow `empty = true` task's execution settings (duration, retry, pool, ...):
//!   its instances succeed without running, so they never act.

use super::doc::Document;
use super::{Diagnostic, FileDiagnostics, Model};
use crate::rules::Profile;

/// The most groups of business dates DataWorks' console offers.
pub const DATAWORKS_CONSOLE_GROUPS: u32 = 5;

/// The most automatic reruns DataWorks allows (DW §7), the only documented bound.
pub const DOCUMENTED_RETRIES: u32 = 10;

/// The `$[...]` functions DolphinScheduler added in 3.2.0 (`TaskConstants`).
const DS_3_2_FUNCTIONS: [&str; 7] = [
    "this_day",
    "last_day",
    "year_week",
    "month_first_day",
    "month_last_day",
    "week_first_day",
    "week_last_day",
];

/// Adds the warnings of a model that validates to `out`.
pub fn warnings(model: &Model, doc: &Document, out: &mut FileDiagnostics) {
    shifted_times(model, doc, out);
    // A `finish_by` no run of a scenario it judges can meet: nothing of the scenario
    // ends before it starts.
    for e in &doc.expects {
        let Some(by) = &e.finish_by else { continue };
        let Ok(t) = super::text::parse_datetime(&by.value.0) else {
            continue;
        };
        // One in a daylight-saving gap or fold is read as every time the model types.
        let what = format!("expectation `{}`'s finish_by", e.name.value);
        out.diagnostics
            .extend(shifted(model, &what, by.span.clone(), t));
        let judged = model
            .scenarios
            .iter()
            .filter(|s| e.scenario.as_ref().is_none_or(|n| n.value == s.name) && s.start >= t);
        for s in judged {
            out.diagnostics.push(
                Diagnostic::new(
                    by.span.clone(),
                    format!(
                        "finish_by {t} is not after scenario `{}`'s start ({}): no run of it can meet expectation `{}`",
                        s.name, s.start, e.name.value
                    ),
                    "a deadline after the scenario's start",
                )
                .help("a backfill of past dates runs from the scenario's start (or its `at`): give the date-time it should be done by, or `scenario = \"...\"` to judge one scenario"),
            );
        }
    }
    for b in doc.scenarios.iter().flat_map(|s| &s.backfills) {
        // DolphinScheduler runs a repeated schedule time once (`complement_dates`).
        let mut seen = Vec::new();
        for d in b.dates.iter().flat_map(|list| &list.value) {
            let Ok(t) = super::text::parse_datetime(&d.value.0) else {
                continue;
            };
            if seen.contains(&t) {
                out.diagnostics.push(
                    Diagnostic::new(
                        d.span.clone(),
                        format!("{t} is listed already: the complement runs it once"),
                        "each schedule time once",
                    )
                    .help("DolphinScheduler's complement takes each date of its list once; remove the repeat"),
                );
            } else {
                seen.push(t);
            }
        }
        if let Some(all) = &b.all_levels
            && all.value
            && !b.dependents.as_ref().is_some_and(|d| d.value)
        {
            out.diagnostics.push(
                Diagnostic::new(
                    all.span.clone(),
                    "`all_levels` does nothing without `dependents = true`",
                    "`dependents = true` beside it",
                )
                .help("allLevelDependent only widens a complement of dependent workflows (complementDependentMode = ALL_DEPENDENT)"),
            );
        }
    }
    // A DEPENDENT task's settings on a task that has no items.
    for t in doc.workflows.iter().flat_map(|w| &w.tasks) {
        let keys = [
            (
                t.depends_relation.as_ref().map(|v| v.span.clone()),
                "depends_relation",
            ),
            (
                t.depends_groups
                    .as_ref()
                    .and_then(|g| g.first())
                    .map(|v| v.span.clone()),
                "depends_groups",
            ),
            (
                t.check_interval.as_ref().map(|v| v.span.clone()),
                "check_interval",
            ),
            (
                t.failure_waiting.as_ref().map(|v| v.span.clone()),
                "failure_waiting",
            ),
        ];
        for (span, key) in keys {
            if let (Some(span), None) = (span, &t.depends) {
                out.diagnostics.push(
                    Diagnostic::new(
                        span,
                        format!(
                            "`{key}` does nothing here: task `{}` has no `depends` items",
                            t.name.value
                        ),
                        "a DEPENDENT task (with [[workflow.task.depends]] items)",
                    )
                    .help("add its [[workflow.task.depends]] items, or remove the key"),
                );
            }
        }
    }
    // A cron whose engine fires less than it says (Quartz's `W` in a list).
    let crons = doc.workflows.iter().flat_map(|w| {
        w.cron
            .iter()
            .flat_map(|c| c.each())
            .chain(w.tasks.iter().filter_map(|t| t.cron.as_ref()))
    });
    // Each text parsed once: a tenant's 100,000 tasks share a few hundred.
    let mut parsed: std::collections::HashMap<&str, Option<crate::calendar::CronExpr>> =
        Default::default();
    for cron in crons {
        let parse = || crate::calendar::CronExpr::parse(&cron.value, model.rules.cron_dialect);
        let Some(expr) = parsed.entry(&cron.value).or_insert_with(|| parse().ok()) else {
            continue;
        };
        if let Some(note) = expr.note() {
            out.diagnostics.push(
                Diagnostic::new(cron.span.clone(), note, "days that fire")
                    .help("list only the day with `W`, or use days without `W`"),
            );
        }
        // Accepted by every engine (Quartz, croniter, DataWorks), and never due.
        if !expr.fires_ever() {
            out.diagnostics.push(
                Diagnostic::new(
                    cron.span.clone(),
                    format!(
                        "`{}` never fires: no date of the calendar matches its day-of-month, month, day-of-week and year fields",
                        cron.value
                    ),
                    "a date that exists",
                )
                .help("a run of this schedule creates no instance (February 30 or April 31, say, never come)"),
            );
        }
    }
    if model.profile == Profile::Dataworks {
        let groups = doc
            .scenarios
            .iter()
            .flat_map(|s| &s.backfills)
            .filter_map(|b| b.groups.as_ref());
        for g in groups.filter(|g| g.value > DATAWORKS_CONSOLE_GROUPS) {
            out.diagnostics.push(
                Diagnostic::new(
                    g.span.clone(),
                    format!(
                        "{} groups: DataWorks' console offers 2 to {DATAWORKS_CONSOLE_GROUPS} groups of business dates; only its API accepts up to 10",
                        g.value
                    ),
                    format!("2 to {DATAWORKS_CONSOLE_GROUPS} groups, as the console offers"),
                )
                .help("schedsim runs it as the API would; a backfill started from the console cannot have it"),
            );
        }
    }
    // DolphinScheduler 3.1.9's TimePlaceholderUtils has none of the 3.2 date
    // functions: its formatter throws on them and the task fails.
    if model.ds_version == Some(crate::rules::DsVersion::V3_1) {
        let partitions = doc
            .workflows
            .iter()
            .flat_map(|w| &w.tasks)
            .flat_map(|t| t.writes.iter().flatten())
            .filter_map(|w| w.partition.as_ref());
        for p in partitions {
            let used = DS_3_2_FUNCTIONS
                .iter()
                .find(|f| p.value.contains(&format!("$[{f}(")));
            if let Some(f) = used {
                out.diagnostics.push(
                    Diagnostic::new(
                        p.span.clone(),
                        format!("`{f}` is a DolphinScheduler 3.2 function: 3.1 fails the task on it; schedsim evaluates it as 3.2 does"),
                        "the parameters of profile_version 3.1",
                    )
                    .help("use profile_version = \"3.2\", or $[yyyyMMdd±N] and $[add_months(...)]"),
                );
            }
        }
    }
    pool_slots_past_the_pool(model, doc, out);
    empty_settings(doc, out);
    let engine = match model.profile {
        Profile::Dolphinscheduler => {
            "DolphinScheduler accepts it (its UI field has only a minimum of 0)"
        }
        Profile::Airflow => "Airflow accepts any integer",
        // DataWorks refuses more than 10 at validation.
        Profile::Dataworks => return,
    };
    let retries = doc
        .workflows
        .iter()
        .flat_map(|w| &w.tasks)
        .filter_map(|t| t.retry.as_ref());
    for r in retries.filter(|r| r.times.value > DOCUMENTED_RETRIES) {
        out.diagnostics.push(
            Diagnostic::new(
                r.times.span.clone(),
                format!(
                    "{} retries: {engine}, but no engine documents more than {DOCUMENTED_RETRIES} (DataWorks' bound)",
                    r.times.value
                ),
                format!("at most {DOCUMENTED_RETRIES} retries"),
            )
            .help("each retry of a failing instance is one more execution; the run stops at --max-executions"),
        );
    }
}

/// The execution settings of an `empty = true` task: Airflow accepts them on an
/// EmptyOperator and never acts on them (its scheduler sets the instance success
/// without queueing it, `DagRun.schedule_tis`), nor does the model.
fn empty_settings(doc: &Document, out: &mut FileDiagnostics) {
    use super::doc::DurationDoc;
    for t in doc.workflows.iter().flat_map(|w| &w.tasks) {
        let Some(e) = t.empty.as_ref().filter(|e| e.value) else {
            continue;
        };
        let spans = [
            (
                "duration",
                t.duration.as_ref().map(|d| match d {
                    DurationDoc::Fixed(v) => v.span.clone(),
                    DurationDoc::Uniform { uniform } => uniform.span.clone(),
                    DurationDoc::Lognormal { lognormal } => lognormal.median.span.clone(),
                }),
            ),
            ("retry", t.retry.as_ref().map(|r| r.times.span.clone())),
            ("timeout", t.timeout.as_ref().map(|v| v.span.clone())),
            ("fail", t.fail.as_ref().map(|f| f.probability.span.clone())),
            (
                "writes",
                t.writes
                    .as_ref()
                    .and_then(|w| w.first())
                    .map(|w| w.table.span.clone()),
            ),
            ("pool_slots", t.pool_slots.as_ref().map(|v| v.span.clone())),
            (
                "resource_group",
                t.resource_group.as_ref().map(|v| v.span.clone()),
            ),
        ];
        for (key, span) in spans {
            let Some(span) = span else { continue };
            out.diagnostics.push(
                Diagnostic::new(
                    span,
                    format!("`{key}` of an empty task never acts: it succeeds without running"),
                    "no execution settings on an `empty = true` task",
                )
                .related(e.span.clone(), "empty here")
                .help("Airflow sets a trivial EmptyOperator success without queueing it, DataWorks a dry-run node: remove the key, or `empty`"),
            );
        }
    }
}

/// An Airflow task whose `pool_slots` exceed its pool's slots: Airflow accepts the
/// DAG (pools are not part of it) and its scheduler never queues the task instance
/// (`_executable_task_instances_to_queued` logs "Requested pool slots (N) are greater
/// than total pool slots"); the run reports it stuck. Elsewhere a task takes one slot
/// and a group has at least one, so only `pool_slots` can ask for more.
fn pool_slots_past_the_pool(model: &Model, doc: &Document, out: &mut FileDiagnostics) {
    for (w, t) in doc
        .workflows
        .iter()
        .flat_map(|w| w.tasks.iter().map(move |t| (w, t)))
    {
        let Some(need) = &t.pool_slots else { continue };
        let pool = t.resource_group.as_ref().map_or("default", |g| &g.value);
        let Some(g) = model.groups.iter().find(|g| g.name == pool) else {
            continue;
        };
        if need.value > g.slots {
            out.diagnostics.push(
                Diagnostic::new(
                    need.span.clone(),
                    format!(
                        "task `{}.{}` asks for {} slots of pool `{pool}`, which has {}: Airflow's scheduler never runs it (\"Requested pool slots are greater than total pool slots\"), and what follows it waits for ever",
                        w.name.value, t.name.value, need.value, g.slots
                    ),
                    format!("at most {} pool slots", g.slots),
                )
                .help(format!("lower `pool_slots` to at most {}, or give pool `{pool}` more `slots`", g.slots)),
            );
        }
    }
}

/// The warning for `what`, the local time `local` written at `span`, when it lies in
/// a daylight-saving gap or fold: the instant it is read as.
fn shifted(
    model: &Model,
    what: &str,
    span: std::ops::Range<usize>,
    local: jiff::civil::DateTime,
) -> Option<Diagnostic> {
    let note = crate::calendar::schedule::bound_note(&model.timezone, what, local)?;
    Some(
        Diagnostic::new(span, note, "a local time that is one instant")
            .help("write the time meant outside the daylight-saving shift to leave no doubt"),
    )
}

/// A scenario's typed times in a daylight-saving gap or fold: each is read as one
/// instant (past the gap, or the first), which the run notes; validate says it where
/// the time is written. A time written as a date alone is a business date, not this.
fn shifted_times(model: &Model, doc: &Document, out: &mut FileDiagnostics) {
    use super::doc::DateTimeText;
    use super::span::Sp;
    let mut check = |what: String, t: &Sp<DateTimeText>| {
        if let Ok(local) = super::text::parse_datetime(&t.value.0) {
            out.diagnostics
                .extend(shifted(model, &what, t.span.clone(), local));
        }
    };
    for s in &doc.scenarios {
        let name = &s.name.value;
        check(format!("scenario `{name}`'s start"), &s.start);
        if let Some(until) = &s.until {
            check(format!("scenario `{name}`'s until"), until);
        }
        for (k, b) in s.backfills.iter().enumerate() {
            if let Some(at) = &b.at {
                check(format!("scenario `{name}`'s backfill {}'s at", k + 1), at);
            }
        }
        for o in &s.operations {
            check(format!("scenario `{name}`'s operation at"), &o.at);
            check(
                format!("scenario `{name}`'s operation's scheduled time"),
                &o.scheduled,
            );
        }
        for f in &s.faults {
            check(
                format!("scenario `{name}`'s fault's scheduled time"),
                &f.scheduled,
            );
        }
        for st in &s.stretches {
            check(
                format!("scenario `{name}`'s stretch's scheduled time"),
                &st.scheduled,
            );
        }
        for h in &s.history {
            for (word, t) in [
                ("scheduled", &h.scheduled),
                ("from", &h.from),
                ("to", &h.to),
            ] {
                if let Some(t) = t {
                    check(format!("scenario `{name}`'s history {word}"), t);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warned(source: &str) -> Vec<String> {
        let m = crate::model::load_str("m.toml", source).unwrap();
        let doc = crate::model::parse_document("m.toml", source).unwrap();
        let mut out = FileDiagnostics::new("m.toml", source);
        warnings(&m, &doc, &mut out);
        out.diagnostics.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn retries_past_ten_warn_where_the_engine_has_no_bound() {
        let model = |profile: &str, times: u32| {
            format!(
                "[model]\nname = \"m\"\nprofile = \"{profile}\"\n[[workflow]]\nname = \"w\"\ncron = \"{}\"\n  [[workflow.task]]\n  name = \"t\"\n  retry = {{ times = {times}, interval = \"5m\" }}\n",
                match profile {
                    "airflow" => "0 2 * * *",
                    _ => "0 0 2 * * ?",
                }
            )
        };
        assert_eq!(warned(&model("dolphinscheduler", 10)), Vec::<String>::new());
        let w = warned(&model("dolphinscheduler", 1_000_000));
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("1000000 retries: DolphinScheduler accepts it"),
            "{w:?}"
        );
        let w = warned(&model("airflow", 11));
        assert!(
            w[0].starts_with("11 retries: Airflow accepts any integer"),
            "{w:?}"
        );
    }

    /// A deadline before the scenario's start read as a capacity problem to
    /// `--minimize` ("a wider --range may"), and `validate` said "ok".
    #[test]
    fn a_finish_by_not_after_a_judged_scenarios_start_can_never_be_met() {
        let model = |scoped: &str| {
            format!(
                "[model]\nname = \"m\"\nprofile = \"airflow\"\n[[workflow]]\nname = \"w\"\ncron = \"0 2 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n[[scenario]]\nname = \"early\"\nstart = \"2025-03-01T00:00:00\"\n[[scenario]]\nname = \"late\"\nstart = \"2025-03-10T00:00:00\"\n[[expect]]\nname = \"done\"\nfinish_by = \"2025-03-09T06:00:00\"\n{scoped}"
            )
        };
        assert_eq!(
            warned(&model("")),
            [
                "finish_by 2025-03-09T06:00:00 is not after scenario `late`'s start (2025-03-10T00:00:00): no run of it can meet expectation `done`"
            ]
        );
        assert!(warned(&model("scenario = \"early\"\n")).is_empty());
    }

    #[test]
    fn a_cron_that_names_no_date_of_the_calendar_never_fires() {
        let model = |profile: &str, cron: &str| {
            format!(
                "[model]\nname = \"m\"\nprofile = \"{profile}\"\n[[workflow]]\nname = \"w\"\ncron = \"{cron}\"\n  [[workflow.task]]\n  name = \"t\"\n"
            )
        };
        let w = warned(&model("dolphinscheduler", "0 0 0 30 2 ? *"));
        assert_eq!(
            w,
            [
                "`0 0 0 30 2 ? *` never fires: no date of the calendar matches its day-of-month, month, day-of-week and year fields"
            ]
        );
        assert_eq!(warned(&model("airflow", "0 0 31 4 *")).len(), 1);
        // February 29 comes every four years; the fifth Monday of February only when
        // it is a Monday (2016, 2044).
        assert!(warned(&model("dolphinscheduler", "0 0 0 29 2 ? *")).is_empty());
        assert!(warned(&model("dolphinscheduler", "0 0 0 ? 2 MON#5 *")).is_empty());
        // With a year field, only its years count: no February 29 in 2025-2027.
        assert_eq!(
            warned(&model("dolphinscheduler", "0 0 0 29 2 ? 2025-2027")).len(),
            1
        );
    }

    /// `validate` said "ok" of a task asking for 3 slots of a 2-slot pool; the run
    /// then reported it stuck for ever.
    #[test]
    fn pool_slots_above_the_pools_slots_warn() {
        let model = |pool: &str, need: u32| {
            format!(
                "[model]\nname = \"m\"\nprofile = \"airflow\"\n[[resource_group]]\nname = \"p\"\nslots = 2\n[[workflow]]\nname = \"w\"\ncron = \"0 2 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n{pool}  pool_slots = {need}\n"
            )
        };
        let pool = "  resource_group = \"p\"\n";
        assert_eq!(
            warned(&model(pool, 3)),
            [
                "task `w.t` asks for 3 slots of pool `p`, which has 2: Airflow's scheduler never runs it (\"Requested pool slots are greater than total pool slots\"), and what follows it waits for ever"
            ]
        );
        assert!(warned(&model(pool, 2)).is_empty());
        // The default pool: Airflow's 128 slots.
        assert!(warned(&model("", 128)).is_empty());
        assert_eq!(warned(&model("", 129)).len(), 1);
    }

    // 3.1.9's TaskConstants has month_begin and week_end but none of these.
    #[test]
    fn dolphinscheduler_3_1_lacks_the_3_2_date_functions() {
        let model = |version: &str, partition: &str| {
            format!(
                "[model]\nname = \"m\"\nprofile = \"dolphinscheduler\"\nprofile_version = \"{version}\"\n[[workflow]]\nname = \"w\"\ncron = \"0 0 2 * * ?\"\n  [[workflow.task]]\n  name = \"t\"\n  writes = [ {{ table = \"x\", partition = \"{partition}\", mode = \"overwrite\" }} ]\n"
            )
        };
        let w = warned(&model("3.1", "dt=$[this_day(yyyyMMdd)]"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("`this_day` is a DolphinScheduler 3.2 function"),
            "{w:?}"
        );
        assert!(warned(&model("3.2", "dt=$[this_day(yyyyMMdd)]")).is_empty());
        assert!(warned(&model("3.1", "dt=$[month_begin(yyyyMMdd,0)]")).is_empty());
    }
}
