//! `--history FILE`: durations and failure probabilities from past runs.
//!
//! Reads a DolphinScheduler task-instance list (the `task-instances` API response, or
//! its `data.totalList`), an Airflow `taskInstances` response (`task_instances`), or a
//! CSV `task,start,end,state`. Per task: a fixed duration when every sample is the same,
//! else a lognormal by the samples' median and 95th percentile (nearest rank); the
//! observed failure probability (failed / finished). The report says how many samples
//! each fit has.

use std::collections::BTreeMap;

use serde_json::Value;

use super::json::{self, Obj};
use super::{Draft, ImportError, Input, Report, emit};

/// One finished attempt: task as named in the file, seconds, failed or not.
struct Sample {
    task: String,
    workflow: Option<String>,
    seconds: i64,
    failed: bool,
}

fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    // DolphinScheduler's "2024-04-01 02:00:00", read as UTC: only differences count.
    s.replace(' ', "T")
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
}

/// Final states: Some(failed) for a finished attempt, None for others.
fn finished(state: &str) -> Option<bool> {
    match state.to_ascii_lowercase().as_str() {
        "success" | "succeeded" | "ok" => Some(false),
        "failed" | "failure" | "fail" | "up_for_retry" | "upstream_failed" => Some(true),
        _ => None,
    }
}

fn samples(input: &Input) -> Result<Vec<Sample>, ImportError> {
    let text = input.text.trim_start();
    if !text.starts_with(['{', '[']) {
        return csv(input);
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
    for (i, v) in list.into_iter().enumerate() {
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
        let state = o.str("state")?;
        let (Some(failed), Some(start), Some(end)) = (finished(state), start, end) else {
            continue;
        };
        let (Some(a), Some(b)) = (parse_time(start), parse_time(end)) else {
            return Err(o.err(
                if airflow { "start_date" } else { "startTime" },
                format!("times `{start}`, `{end}` are not ISO 8601 or \"yyyy-MM-dd HH:mm:ss\""),
            ));
        };
        out.push(Sample {
            task: task.to_string(),
            workflow: workflow.map(str::to_string),
            seconds: b.as_second() - a.as_second(),
            failed,
        });
    }
    Ok(out)
}

fn csv(input: &Input) -> Result<Vec<Sample>, ImportError> {
    let mut out = Vec::new();
    for (n, line) in input.text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (n == 0 && line.to_ascii_lowercase().starts_with("task,")) {
            continue;
        }
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
            continue;
        };
        let (Some(a), Some(b)) = (parse_time(start), parse_time(end)) else {
            return Err(err(format!(
                "times `{start}`, `{end}` are not ISO 8601 or \"yyyy-MM-dd HH:mm:ss\""
            )));
        };
        let (workflow, task) = match task.split_once('.') {
            Some((w, t)) => (Some(w.to_string()), t.to_string()),
            None => (None, task.to_string()),
        };
        out.push(Sample {
            task,
            workflow,
            seconds: b.as_second() - a.as_second(),
            failed,
        });
    }
    Ok(out)
}

/// Sets each matched task's duration and failure probability from `input`.
pub fn apply(draft: &mut Draft, report: &mut Report, input: &Input) -> Result<(), ImportError> {
    let samples = samples(input)?;
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
        let failed = list.iter().filter(|s| s.failed).count();
        if failed > 0 {
            let p = (failed as f64 / n as f64 * 1000.0).round() / 1000.0;
            task.fail_probability = Some(p);
        }
        report.notes.push(format!(
            "{qualified}: from {n} samples of {}: duration {fit}; observed failure probability {} ({failed} of {n})",
            input.file,
            task.fail_probability.map_or("0".into(), |p| p.to_string())
        ));
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
