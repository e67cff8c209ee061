//! `--history FILE`: durations and failure probabilities from past runs.
//!
//! Reads a DolphinScheduler task-instance list (the `task-instances` API response, or
//! its `data.totalList`), an Airflow `taskInstances` response (`task_instances`), or a
//! CSV `task,start,end,state`. Per task: a fixed duration when every sample is the same,
//! else a lognormal by the samples' median and 95th percentile (nearest rank); the
//! observed failure probability (failed / finished attempts, a row that is a later
//! try standing for the failed tries before it: [`earlier_failures`]). The report
//! says how many samples each fit has, and how many rows were not counted and why
//! (neither succeeded nor failed: killed, stopped, still running...; no start or end
//! time). A row that ends
//! before it starts is refused (exit 2) at its JSON path or CSV line and column; one
//! that ends when it starts is counted as 1 s (a model's durations are longer than
//! zero), and the fit says so. A time without an offset is read in the model's zone,
//! and the report says how many were (and how many fell in a DST gap or repeated
//! hour); a file without rows is said to set nothing.

use std::collections::BTreeMap;

use serde_json::Value;

use super::json::{self, Obj};
use super::{Draft, ImportError, Input, Report, emit};

/// One finished attempt: task as named in the file, seconds, failed or not, and
/// what the row says of the attempts before it.
struct Sample {
    task: String,
    workflow: Option<String>,
    seconds: i64,
    failed: bool,
    earlier: Earlier,
}

/// What a row says of the attempts of its instance before it.
#[derive(Clone, Copy, PartialEq)]
enum Earlier {
    /// Nothing (a CSV row, or a row without the fields).
    Unsaid,
    /// Airflow 2.10 on: the row is the instance's try `try_number` (its earlier tries
    /// are in `task_instance_history`, not in the list), `max_tries` the retries it
    /// had (a clear raises it to `try_number + retries`).
    Airflow {
        try_number: i64,
        max_tries: Option<i64>,
    },
    /// DolphinScheduler: retry `retry_times` of its task in workflow instance
    /// `instance`; each attempt is a row of its own (the earlier ones flag NO), which
    /// the list may or may not hold.
    Dolphin {
        retry_times: i64,
        instance: Option<i64>,
    },
}

/// A time with an offset, or without one (DolphinScheduler's "2024-04-01 02:00:00")
/// read in the model's zone `tz`: a duration across a DST change is the time that
/// passed, and a row may give one end with an offset and the other without. Counts
/// in `skipped` the times read so, and those in a gap or a repeated hour (read as
/// jiff's `compatible`: the earlier of a repeated hour, past a skipped one).
fn parse_time(s: &str, tz: &jiff::tz::TimeZone, skipped: &mut Skipped) -> Option<jiff::Timestamp> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let local = s.replace(' ', "T").parse::<jiff::civil::DateTime>().ok()?;
    let at = tz.to_ambiguous_timestamp(local);
    skipped.local_times += 1;
    if at.is_ambiguous() {
        skipped.unsure_times += 1;
    }
    at.compatible().ok()
}

/// What the rows of a history were: those not counted, by why and the state as
/// written; how many there were, and how their times without an offset were read.
#[derive(Default)]
struct Skipped {
    /// Neither succeeded nor failed (kill, stop, running...).
    unfinished: BTreeMap<String, usize>,
    /// Succeeded or failed, without a start or an end time.
    untimed: BTreeMap<String, usize>,
    /// Rows read (the header left out).
    rows: usize,
    /// Times without an offset, read in the model's zone; of those, in a DST gap or a
    /// repeated hour.
    local_times: usize,
    unsure_times: usize,
}

impl Skipped {
    /// How times without an offset were read, or that the file has no rows: a
    /// history that sets nothing says so.
    fn reading_note(&self, file: &str, zone: &str) -> Option<String> {
        if self.rows == 0 {
            return Some(format!(
                "history: {file} has no rows: no duration or failure probability comes from it"
            ));
        }
        let n = self.local_times;
        (n > 0).then(|| {
            let unsure = match self.unsure_times {
                0 => String::new(),
                k => format!(
                    "; {k} fall in a DST gap or a repeated hour there, read as the earlier of a repeated hour and past a skipped one"
                ),
            };
            format!(
                "history: {n} time{} of {file} without an offset read in the model's zone {zone}{unsure}",
                if n == 1 { "" } else { "s" }
            )
        })
    }

    /// "3 rows of FILE not counted: 2 neither succeeded nor failed (KILL 1, STOP 1), 1
    /// without a start or end time (upstream_failed 1)", or None.
    fn note(&self, file: &str) -> Option<String> {
        let list = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (a, b) = (
            self.unfinished.values().sum::<usize>(),
            self.untimed.values().sum::<usize>(),
        );
        let mut parts = Vec::new();
        if a > 0 {
            parts.push(format!(
                "{a} neither succeeded nor failed ({})",
                list(&self.unfinished)
            ));
        }
        if b > 0 {
            parts.push(format!(
                "{b} without a start or end time ({})",
                list(&self.untimed)
            ));
        }
        (a + b > 0).then(|| {
            format!(
                "history: {} row{} of {file} not counted: {}",
                a + b,
                if a + b == 1 { "" } else { "s" },
                parts.join(", ")
            )
        })
    }
}

/// Final states: Some(failed) for a finished attempt, None for others. Airflow's
/// `upstream_failed` is none: the task never ran (Airflow still stamps it with a start
/// and an end, the same instant), so it is neither a duration nor a failure of its own.
fn finished(state: &str) -> Option<bool> {
    match state.to_ascii_lowercase().as_str() {
        "success" | "succeeded" | "ok" => Some(false),
        "failed" | "failure" | "fail" | "up_for_retry" => Some(true),
        _ => None,
    }
}

fn samples(input: &Input, tz: &jiff::tz::TimeZone) -> Result<(Vec<Sample>, Skipped), ImportError> {
    let text = input.text.trim_start();
    if !text.starts_with(['{', '[']) {
        return csv(input, tz);
    }
    let root = json::parse(&input.file, &input.text)?;
    let (list, path): (Vec<&Value>, String) = match &root {
        Value::Array(a) => (a.iter().collect(), "$".into()),
        Value::Object(m) if m.contains_key("task_instances") => (
            m["task_instances"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            "$.task_instances".into(),
        ),
        Value::Object(m) if m.get("data").is_some_and(|d| d.get("totalList").is_some()) => (
            m["data"]["totalList"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            "$.data.totalList".into(),
        ),
        Value::Object(m) if m.contains_key("totalList") => (
            m["totalList"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            "$.totalList".into(),
        ),
        _ => {
            return Err(ImportError {
                file: input.file.clone(),
                path: "$".into(),
                message: "expected task instances: `task_instances` (Airflow), `data.totalList` (DolphinScheduler), or a CSV task,start,end,state".into(),
            });
        }
    };
    let mut out = Vec::new();
    let mut skipped = Skipped::default();
    for (i, v) in list.into_iter().enumerate() {
        skipped.rows += 1;
        let o = Obj::new(&input.file, v, format!("{path}[{i}]"))?;
        let airflow = o.opt("task_id").is_some();
        let (task, workflow, start, end) = if airflow {
            (
                o.str("task_id")?,
                o.opt_str("dag_id")?,
                o.opt_str("start_date")?,
                o.opt_str("end_date")?,
            )
        } else {
            let wf = match o.opt_str("processDefinitionName")? {
                Some(w) => Some(w),
                None => o.opt_str("workflowDefinitionName")?,
            };
            (
                o.str("name")?,
                wf,
                o.opt_str("startTime")?,
                o.opt_str("endTime")?,
            )
        };
        let earlier = if airflow {
            match o.opt_int("try_number")? {
                Some(try_number) => Earlier::Airflow {
                    try_number,
                    max_tries: o.opt_int("max_tries")?,
                },
                None => Earlier::Unsaid,
            }
        } else {
            match o.opt_int("retryTimes")? {
                Some(retry_times) => Earlier::Dolphin {
                    retry_times,
                    instance: o.opt_int("processInstanceId")?,
                },
                None => Earlier::Unsaid,
            }
        };
        let state = o.str("state")?;
        let Some(failed) = finished(state) else {
            *skipped.unfinished.entry(state.to_string()).or_default() += 1;
            continue;
        };
        let (Some(start), Some(end)) = (start, end) else {
            *skipped.untimed.entry(state.to_string()).or_default() += 1;
            continue;
        };
        let end_key = if airflow { "end_date" } else { "endTime" };
        let (Some(a), Some(b)) = (
            parse_time(start, tz, &mut skipped),
            parse_time(end, tz, &mut skipped),
        ) else {
            return Err(o.err(
                if airflow { "start_date" } else { "startTime" },
                format!("times `{start}`, `{end}` are not ISO 8601 or \"yyyy-MM-dd HH:mm:ss\""),
            ));
        };
        if b < a {
            return Err(o.err(
                end_key,
                format!("the attempt ends at `{end}`, before it starts at `{start}`"),
            ));
        }
        out.push(Sample {
            task: task.to_string(),
            workflow: workflow.map(str::to_string),
            seconds: b.as_second() - a.as_second(),
            failed,
            earlier,
        });
    }
    Ok((out, skipped))
}

/// The failed attempts of a task's instances that its rows stand for but are not
/// rows of the list, and the rows whose earlier attempts cannot be told (counted as
/// themselves only). `retries`: the task's, in the model. Airflow: try N of an
/// instance whose max_tries is the task's retries follows N − 1 failed tries (a retry
/// follows a failure only); another max_tries means the instance was cleared and
/// run again, whose tries were not all failures. DolphinScheduler: retry k of a
/// workflow instance follows k failed attempts; those the list has are counted as
/// rows, the others here; without the workflow instance, none can be matched.
fn earlier_failures(list: &[&Sample], retries: i64) -> (usize, usize) {
    let (mut failures, mut unsure) = (0usize, 0usize);
    // DolphinScheduler: per workflow instance, its highest retry and the retries listed.
    let mut dolphin: BTreeMap<i64, (i64, Vec<i64>)> = BTreeMap::new();
    for s in list {
        match s.earlier {
            Earlier::Airflow {
                try_number,
                max_tries,
            } if try_number > 1 => {
                if max_tries == Some(retries) && try_number - 1 <= retries {
                    failures += (try_number - 1) as usize;
                } else {
                    unsure += 1;
                }
            }
            Earlier::Dolphin {
                retry_times,
                instance,
            } => match instance {
                Some(i) => {
                    let e = dolphin.entry(i).or_insert((0, Vec::new()));
                    e.0 = e.0.max(retry_times);
                    e.1.push(retry_times);
                }
                None if retry_times > 0 => unsure += 1,
                None => {}
            },
            _ => {}
        }
    }
    for (highest, mut listed) in dolphin.into_values() {
        listed.retain(|r| (0..highest).contains(r));
        listed.sort_unstable();
        listed.dedup();
        failures += (highest.max(0) as usize).saturating_sub(listed.len());
    }
    (failures, unsure)
}

fn csv(input: &Input, tz: &jiff::tz::TimeZone) -> Result<(Vec<Sample>, Skipped), ImportError> {
    let mut out = Vec::new();
    let mut skipped = Skipped::default();
    for (n, raw) in input.text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || (n == 0 && line.to_ascii_lowercase().starts_with("task,")) {
            continue;
        }
        skipped.rows += 1;
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let err = |m: String| ImportError {
            file: input.file.clone(),
            path: format!("line {}", n + 1),
            message: m,
        };
        let [task, start, end, state] = cols[..] else {
            return Err(err(format!(
                "expected 4 columns task,start,end,state, found {}",
                cols.len()
            )));
        };
        let Some(failed) = finished(state) else {
            *skipped.unfinished.entry(state.to_string()).or_default() += 1;
            continue;
        };
        let (Some(a), Some(b)) = (
            parse_time(start, tz, &mut skipped),
            parse_time(end, tz, &mut skipped),
        ) else {
            return Err(err(format!(
                "times `{start}`, `{end}` are not ISO 8601 or \"yyyy-MM-dd HH:mm:ss\""
            )));
        };
        if b < a {
            // The end's column: after the first two fields and their commas, and the
            // spaces before it (characters, from 1).
            let skip: usize = raw.split(',').take(2).map(|f| f.chars().count() + 1).sum();
            let lead = raw
                .split(',')
                .nth(2)
                .map_or(0, |f| f.chars().take_while(|c| c.is_whitespace()).count());
            return Err(ImportError {
                file: input.file.clone(),
                path: format!("line {}, column {}", n + 1, skip + lead + 1),
                message: format!("the attempt ends at `{end}`, before it starts at `{start}`"),
            });
        }
        let (workflow, task) = match task.split_once('.') {
            Some((w, t)) => (Some(w.to_string()), t.to_string()),
            None => (None, task.to_string()),
        };
        out.push(Sample {
            task,
            workflow,
            seconds: b.as_second() - a.as_second(),
            failed,
            earlier: Earlier::Unsaid,
        });
    }
    Ok((out, skipped))
}

/// Sets each matched task's duration and failure probability from `input`.
pub fn apply(draft: &mut Draft, report: &mut Report, input: &Input) -> Result<(), ImportError> {
    let tz = crate::model::tzdb()
        .get(&draft.timezone)
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let (samples, skipped) = samples(input, &tz)?;
    if let Some(note) = skipped.reading_note(&input.file, &draft.timezone) {
        report.notes.push(note);
    }
    // Task index by (workflow, task) and by task name alone.
    let mut by_task: BTreeMap<(usize, usize), Vec<&Sample>> = BTreeMap::new();
    let mut unmatched: BTreeMap<String, usize> = BTreeMap::new();
    for s in &samples {
        let found: Vec<(usize, usize)> = draft
            .workflows
            .iter()
            .enumerate()
            .flat_map(|(w, wf)| {
                wf.tasks
                    .iter()
                    .enumerate()
                    .map(move |(t, task)| (w, t, wf, task))
            })
            .filter(|(_, _, wf, task)| {
                let name = s.task.replace(['.', ' '], "_");
                task.name == name
                    && s.workflow
                        .as_ref()
                        .is_none_or(|w| w.replace(['.', ' '], "_") == wf.name)
            })
            .map(|(w, t, _, _)| (w, t))
            .collect();
        match found[..] {
            [one] => by_task.entry(one).or_default().push(s),
            _ => {
                *unmatched
                    .entry(
                        s.workflow
                            .as_ref()
                            .map_or(s.task.clone(), |w| format!("{w}.{}", s.task)),
                    )
                    .or_default() += 1
            }
        }
    }
    for ((w, t), list) in by_task {
        let wf_name = draft.workflows[w].name.clone();
        let task = &mut draft.workflows[w].tasks[t];
        let qualified = format!("{wf_name}.{}", task.name);
        if !task.depends.is_empty() {
            report.notes.push(format!(
                "{qualified}: {} samples left aside: a DEPENDENT task runs until its items decide, not for a duration",
                list.len()
            ));
            continue;
        }
        if task.empty {
            report.notes.push(format!(
                "{qualified}: {} samples left aside: an empty task (a trivial EmptyOperator) succeeds without running, not for a duration",
                list.len()
            ));
            continue;
        }
        // An attempt that ended when it started counts as 1 s: a model's durations are
        // longer than zero (the note says how many).
        let instant = list.iter().filter(|s| s.seconds < 1).count();
        let mut secs: Vec<u64> = list.iter().map(|s| s.seconds.max(1) as u64).collect();
        secs.sort_unstable();
        let n = secs.len();
        let median = secs[(n - 1) / 2];
        let p95 = secs[((n as f64 * 0.95).ceil() as usize).clamp(1, n) - 1];
        let fit = if p95 > median {
            task.duration = Some(format!(
                "{{ lognormal = {{ median = \"{}\", p95 = \"{}\" }} }}",
                emit::duration(median),
                emit::duration(p95)
            ));
            format!(
                "lognormal, median {}, p95 {}",
                emit::duration(median),
                emit::duration(p95)
            )
        } else {
            task.duration = Some(format!("\"{}\"", emit::duration(median)));
            if secs.first() == secs.last() {
                format!("fixed {} (every sample)", emit::duration(median))
            } else {
                format!(
                    "fixed {} (the median: the 95th percentile is no longer)",
                    emit::duration(median)
                )
            }
        };
        let retries = task.retry.as_ref().map_or(0, |r| i64::from(r.times));
        let (before, unsure) = earlier_failures(&list, retries);
        let failed = list.iter().filter(|s| s.failed).count() + before;
        let attempts = n + before;
        if failed > 0 {
            let p = (failed as f64 / attempts as f64 * 1000.0).round() / 1000.0;
            task.fail_probability = Some(p);
        }
        let mut tries = String::new();
        if before > 0 {
            tries.push_str(&format!(
                ", {before} of them failed tries before a listed row's (a retry follows a failure), without durations"
            ));
        }
        if unsure > 0 {
            tries.push_str(&format!(
                "; {unsure} row{} after earlier tries not counted: {}",
                if unsure == 1 { "" } else { "s" },
                "an Airflow row whose max_tries is not the task's retries (cleared and run again), or a DolphinScheduler retry without its processInstanceId"
            ));
        }
        let clamped = if instant > 0 {
            format!(
                " ({instant} ended when {} started: counted as 1s, a model's durations are longer than zero)",
                if instant == 1 { "it" } else { "they" }
            )
        } else {
            String::new()
        };
        report.notes.push(format!(
            "{qualified}: from {n} samples of {}{clamped}: duration {fit}; observed failure probability {} ({failed} of {attempts} attempts{tries})",
            input.file,
            task.fail_probability.map_or("0".into(), |p| p.to_string())
        ));
    }
    if let Some(note) = skipped.note(&input.file) {
        report.notes.push(note);
    }
    if !unmatched.is_empty() {
        report.notes.push(format!(
            "history: {} finished attempts name no task of the model (or more than one): {}",
            unmatched.values().sum::<usize>(),
            unmatched
                .iter()
                .map(|(k, v)| format!("{k} ({v})"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(failed: bool, earlier: Earlier) -> Sample {
        Sample {
            task: "t".into(),
            workflow: None,
            seconds: 60,
            failed,
            earlier,
        }
    }

    /// DolphinScheduler writes each attempt as a row: retries the list holds count
    /// as rows, the ones it lacks (only the last row of an instance exported) as
    /// failures here; a retry without its workflow instance cannot be matched.
    #[test]
    fn dolphinscheduler_retries_missing_from_the_list_are_failures() {
        let ds = |retry_times, instance| Earlier::Dolphin {
            retry_times,
            instance,
        };
        let rows = [
            row(true, ds(0, Some(7))),
            row(true, ds(1, Some(7))),
            row(false, ds(2, Some(7))),
            row(false, ds(2, Some(8))),
            row(false, ds(1, None)),
            row(false, ds(0, None)),
        ];
        let list: Vec<&Sample> = rows.iter().collect();
        assert_eq!(earlier_failures(&list, 2), (2, 1));
    }

    /// Airflow: try N of an instance whose max_tries is the task's retries follows
    /// N − 1 failed tries; a cleared one (max_tries raised), or tries past the
    /// retries, cannot be told.
    #[test]
    fn airflow_tries_before_a_row_are_failures_unless_cleared() {
        let af = |try_number, max_tries| Earlier::Airflow {
            try_number,
            max_tries,
        };
        let rows = [
            row(false, af(3, Some(3))),
            row(true, af(4, Some(3))),
            row(false, af(1, Some(3))),
            row(false, af(2, Some(5))),
            row(false, af(2, None)),
        ];
        let list: Vec<&Sample> = rows.iter().collect();
        assert_eq!(earlier_failures(&list, 3), (5, 2));
        let none = [row(false, af(2, Some(0)))];
        assert_eq!(
            earlier_failures(&none.iter().collect::<Vec<_>>(), 0),
            (0, 1)
        );
    }
}
