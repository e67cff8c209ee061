//! Airflow tasks as `airflow.rs` reads them from a serialized DAG or a REST
//! response: an operator's settings (a mapped task's `partial_kwargs` first), its
//! retries and their exponential backoff, its timeout, pool and priority weight, the
//! `EmptyOperator`s that run nothing, the time deltas and times they are written
//! in, and the links between tasks (`downstream_task_ids`).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::json::{self, Obj};
use super::{DraftRetry, DraftTask, ImportError, Report, model_name, sql_writes, unique};
use crate::calendar::params::Flavor;

/// A task's settings: beside its `task_id`, or, for a mapped task (`_is_mapped`), in
/// its `partial_kwargs` first (encoded values, `{"__type": "timedelta", "__var": 300.0}`,
/// read as their `__var`).
pub(super) struct Fields<'a> {
    pub(super) task: Obj<'a>,
    pub(super) partial: Option<Obj<'a>>,
}

impl<'a> Fields<'a> {
    /// The object that holds `key`: the partial kwargs when they name it.
    fn of(&self, key: &str) -> &Obj<'a> {
        match &self.partial {
            Some(p) if p.opt(key).is_some() => p,
            _ => &self.task,
        }
    }

    fn flag(&self, key: &str) -> bool {
        self.of(key).opt(key).and_then(Value::as_bool) == Some(true)
    }
}

/// A mapped task's `partial_kwargs` with each encoded value replaced by its `__var`.
pub(super) fn unwrapped_partial(t: &Obj<'_>) -> Option<Value> {
    let Some(Value::Object(members)) = t.opt("partial_kwargs") else {
        return None;
    };
    Some(Value::Object(
        members
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::Object(o) if o.contains_key("__type") && o.contains_key("__var") => {
                        o["__var"].clone()
                    }
                    v => v.clone(),
                };
                (k.clone(), v)
            })
            .collect(),
    ))
}

/// What a task's reading leaves for the DAG: its weight rule (None: unstated, the
/// default `downstream`) and where it is.
pub(super) struct TaskExtra {
    pub(super) weight_rule: Option<(String, String)>,
}

/// `retry_exponential_backoff`: Airflow 3.3.2's multiplier (`true` is 2.0, `false` 0;
/// 0, 1 or below 0 is a fixed delay: `next_retry_datetime` backs off only when the
/// multiplier is above 0 and not 1).
fn backoff_multiplier(f: &Fields<'_>) -> Result<f64, ImportError> {
    let o = f.of("retry_exponential_backoff");
    match o.opt("retry_exponential_backoff") {
        None => Ok(0.0),
        Some(Value::Bool(b)) => Ok(if *b { 2.0 } else { 0.0 }),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| {
            o.err(
                "retry_exponential_backoff",
                "expected a number (the backoff multiplier)",
            )
        }),
        Some(v) => Err(o.err(
            "retry_exponential_backoff",
            format!(
                "expected a multiplier or a boolean, found {}",
                json::kind(v)
            ),
        )),
    }
}

/// The retry settings: `retries`, `retry_delay`, the backoff multiplier and
/// `max_retry_delay`, which Airflow applies only to an exponential backoff.
fn retry(
    f: &Fields<'_>,
    who: &str,
    report: &mut Report,
) -> Result<Option<DraftRetry>, ImportError> {
    let retries = f
        .of("retries")
        .opt_int_in(
            "retries",
            0,
            super::MAX_JAVA_INT,
            "a number of retries (max_tries is an SQL INTEGER)",
        )?
        .unwrap_or(0);
    if retries == 0 {
        return Ok(None);
    }
    let multiplier = backoff_multiplier(f)?;
    let exponential = multiplier > 0.0 && multiplier != 1.0;
    let at = f
        .of("retry_exponential_backoff")
        .at("retry_exponential_backoff");
    if exponential && multiplier != 2.0 {
        report.notes.push(format!(
            "{who}: retry_exponential_backoff {multiplier} ({at}) is modelled as 2 (the model's exponential backoff doubles): Airflow waits retry_delay × {multiplier}^(try − 1) plus its jitter, the model retry_delay × 2^(try − 1)"
        ));
    }
    // A zero max_retry_delay caps nothing (`if task.max_retry_delay:`).
    let mut max_interval =
        model_seconds(f.of("max_retry_delay"), "max_retry_delay", who, report)?.filter(|m| *m > 0);
    if let Some(m) = max_interval.filter(|_| !exponential) {
        report.drop(
            f.of("max_retry_delay").at("max_retry_delay"),
            format!("{who}: max_retry_delay {}", super::emit::duration(m)),
            "it caps only an exponential backoff (retry_exponential_backoff is off): Airflow waits retry_delay before each retry",
        );
        max_interval = None;
    }
    let delay = f.of("retry_delay");
    let interval = match model_seconds(delay, "retry_delay", who, report)? {
        Some(0) => {
            report.notes.push(format!(
                "{who}: retry_delay 0 ({}) is a retry interval of 1s, a model's shortest: Airflow retries as soon as its scheduler sees the try is up for retry{}",
                delay.at("retry_delay"),
                if exponential {
                    " (an exponential backoff's first wait is at least 1 s)"
                } else {
                    ""
                }
            ));
            1
        }
        d => d.unwrap_or(300),
    };
    Ok(Some(DraftRetry {
        times: retries as u32,
        interval,
        exponential,
        max_interval,
    }))
}

/// What a task of a type that can skip its downstream (`_can_skip_downstream`: a
/// SkipMixin or BranchMixin subclass) skips at run time.
fn skips(task_type: &str) -> &'static str {
    if task_type.contains("Branch") {
        "it runs only the branch it chooses and skips the tasks of the others"
    } else if task_type.contains("ShortCircuit") {
        "it skips its downstream tasks when its condition is false"
    } else if task_type == "LatestOnlyOperator" {
        "it skips its downstream tasks in a scheduled or backfill run unless the run is the latest (its interval holds the time it runs); manual runs skip nothing"
    } else {
        "it can skip its downstream tasks at run time"
    }
}

/// The settings every task has, serialized or REST (same names). `taken`: the task
/// names already given in this DAG, to which this task's is added (a name made unique
/// here is the one upstream references use). `dates`: the DAG's start and end.
pub(super) fn task_common(
    f: &Fields<'_>,
    dag: &str,
    taken: &mut HashSet<String>,
    dates: (Option<jiff::Timestamp>, Option<jiff::Timestamp>),
    report: &mut Report,
) -> Result<(DraftTask, TaskExtra), ImportError> {
    let t = &f.task;
    let raw = t.str("task_id")?;
    let name = model_name(raw, "task", &t.at("task_id"), report);
    let name = unique(name, taken, "task", report);
    let who = format!("{dag}.{name}");
    let mut task = DraftTask {
        name,
        at: (t.file.to_string(), t.path.clone()),
        ..Default::default()
    };
    task.retry = retry(f, &who, report)?;
    if let Some(p) = f
        .of("pool")
        .opt_str("pool")?
        .filter(|p| *p != "default_pool")
    {
        task.resource_group = Some(model_name(p, "pool", &f.of("pool").at("pool"), report));
    }
    if let Some(n) = f.of("pool_slots").opt_int_in(
        "pool_slots",
        1,
        super::MAX_JAVA_INT,
        "pool_slots (an SQL INTEGER, at least 1)",
    )? {
        task.pool_slots = Some(n as u32);
    }
    let o = f.of("trigger_rule");
    if let Some(rule) = o.opt_str("trigger_rule")?.filter(|r| *r != "all_success") {
        report.drop(
            o.at("trigger_rule"),
            format!("{who}: trigger_rule {rule}"),
            "schedsim starts a task when all its upstreams succeeded (all_success)",
        );
    }
    task.priority_weight = f.of("priority_weight").opt_int("priority_weight")?;
    task.self_dependency = f.flag("depends_on_past") || f.flag("wait_for_downstream");
    // A zero timedelta is no timeout in Airflow (`if task.execution_timeout:`).
    task.timeout = model_seconds(f.of("execution_timeout"), "execution_timeout", &who, report)?
        .filter(|s| *s > 0);
    for (key, why) in [
        (
            "wait_for_downstream",
            "Airflow also waits for the previous run's instances of the task's direct downstream tasks; the model waits for the task's previous instance only (self_dependency)",
        ),
        (
            "has_retry_policy",
            "a retry policy decides at run time whether and when a failure is retried; the model retries as retries and retry_delay say",
        ),
    ] {
        if f.flag(key) {
            report.drop(f.of(key).at(key), format!("{who}: {key}"), why);
        }
    }
    if f.flag("is_teardown") && !f.flag("on_failure_fail_dagrun") {
        report.drop(
            f.of("is_teardown").at("is_teardown"),
            format!("{who}: a teardown task"),
            "a failed teardown leaves its DAG run's state to the other tasks in Airflow (on_failure_fail_dagrun is false); the model counts its failure as any task's",
        );
    }
    for (key, what) in [
        ("max_active_tis_per_dag", "across all runs of the DAG"),
        ("max_active_tis_per_dagrun", "within one run"),
    ] {
        if let Some(n) = f.of(key).opt_int(key)? {
            report.drop(
                f.of(key).at(key),
                format!("{who}: {key} {n}"),
                format!("Airflow runs at most {n} of the task's instances at once {what}; the model does not limit them"),
            );
        }
    }
    // The DAG's dates are the scheduler's business (the timetable's start and end);
    // a task's own, later start or earlier end leaves it out of scheduled and manual
    // runs outside them, not of backfills (`DagRun.verify_integrity`'s task filter).
    let own = |key: &str| -> Result<Option<(String, jiff::Timestamp)>, ImportError> {
        Ok(instant(f.of(key), key)?.map(|ts| (f.of(key).at(key), ts)))
    };
    let later_start = own("start_date")?.filter(|(_, s)| dates.0.is_none_or(|d| *s > d));
    let earlier_end = own("end_date")?.filter(|(_, e)| dates.1.is_none_or(|d| *e < d));
    for (found, key, side) in [
        (later_start, "start_date", "before"),
        (earlier_end, "end_date", "after"),
    ] {
        if let Some((path, ts)) = found {
            report.drop(
                path,
                format!("{who}: its own {key} {ts}"),
                format!("Airflow creates no instance of the task in scheduled and manual runs whose logical date is {side} it (backfills ignore it); the model runs the task in every run"),
            );
        }
    }
    if t.opt("_can_skip_downstream").and_then(Value::as_bool) == Some(true) {
        let ty = t.opt_str("task_type")?.unwrap_or_default();
        report.notes.push(format!(
            "{who} ({ty}) can skip tasks at run time ({}): {}; the model runs every path",
            t.at("_can_skip_downstream"),
            skips(ty)
        ));
    }
    if f.partial.is_some() || t.opt("is_mapped").and_then(Value::as_bool) == Some(true) {
        report.notes.push(format!(
            "{who} is mapped (dynamic task mapping, {}): modelled as one instance per run; Airflow runs one instance per mapped element, each with these settings, each taking its slots",
            t.at(if f.partial.is_some() { "partial_kwargs" } else { "is_mapped" })
        ));
    }
    let s = f.of("sql");
    if s.opt("sql").is_none()
        && let Some(ty) = t.opt_str("task_type")?
    {
        report.no_sql.push(format!("{who} ({ty})"));
    }
    if let Some(sql) = s.opt("sql") {
        let script = match sql {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(";\n"),
            _ => String::new(),
        };
        task.writes = sql_writes(
            &script,
            &who,
            &s.at("sql"),
            Flavor::Airflow,
            &|s| s.to_string(),
            report,
        );
    }
    empty(f, &who, &mut task, report)?;
    let w = f.of("weight_rule");
    let weight_rule = w
        .opt_str("weight_rule")?
        .map(|r| (r.to_string(), w.at("weight_rule")));
    Ok((task, TaskExtra { weight_rule }))
}

/// A trivial EmptyOperator: Airflow's scheduler sets its instance success once its
/// upstreams are done, without queueing it (`DagRun.schedule_tis`, by
/// `TaskInstance.is_task_schedulable`: an EmptyOperator subclass, serialized
/// `_is_empty`, without `on_execute_callback`, `on_success_callback`, `inlets` or
/// `outlets`): `empty = true`, its execution settings (pool, slots, retries, timeout)
/// left out and said. A REST response names the class alone (`operator_name`), not
/// the callbacks or assets: EmptyOperator itself is taken as trivial, said.
fn empty(
    f: &Fields<'_>,
    who: &str,
    task: &mut DraftTask,
    report: &mut Report,
) -> Result<(), ImportError> {
    let t = &f.task;
    let rest = t.opt("_is_empty").is_none() && t.opt("operator_name").is_some();
    let is_empty = if rest {
        t.opt_str("operator_name")? == Some("EmptyOperator")
    } else {
        f.flag("_is_empty")
    };
    let busy = ["has_on_execute_callback", "has_on_success_callback"]
        .iter()
        .any(|k| f.flag(k))
        || ["inlets", "outlets"].iter().any(|k| {
            f.of(k)
                .opt(k)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        });
    if !is_empty || busy {
        return Ok(());
    }
    let mut left = Vec::new();
    if let Some(g) = task.resource_group.take() {
        left.push(format!("pool {g}"));
    }
    if let Some(n) = task.pool_slots.take() {
        left.push(format!("pool_slots {n}"));
    }
    if let Some(r) = task.retry.take() {
        left.push(format!("retries {}", r.times));
    }
    if let Some(s) = task.timeout.take() {
        left.push(format!("execution_timeout {}", super::emit::duration(s)));
    }
    task.empty = true;
    report.notes.push(format!(
        "{who} (EmptyOperator, {}) is empty = true: Airflow's scheduler sets it success once its upstreams are done, without queueing or running it (no slot, no max_active_tasks, no duration){}{}",
        t.path,
        if left.is_empty() {
            String::new()
        } else {
            format!("; its {} never act, left out", left.join(", "))
        },
        if rest {
            "; the REST response does not say whether it has callbacks, inlets or outlets (any of which makes Airflow run it): assumed none"
        } else {
            ""
        }
    ));
    Ok(())
}

/// Upstreams from `downstream_task_ids`.
pub(super) fn link(
    tasks: &mut [DraftTask],
    downstream: &[(String, Vec<String>)],
    ids: &[String],
    t: &Obj<'_>,
) -> Result<(), ImportError> {
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for (i, (path, downs)) in downstream.iter().enumerate() {
        let from = &tasks[i].name.clone();
        for d in downs {
            let Some(&k) = index.get(d.as_str()) else {
                return Err(ImportError {
                    file: t.file.to_string(),
                    path: format!("{path}.downstream_task_ids"),
                    message: format!("no task `{d}` in this DAG"),
                });
            };
            if k == i {
                return Err(ImportError {
                    file: t.file.to_string(),
                    path: format!("{path}.downstream_task_ids"),
                    message: format!("task `{d}` is its own downstream"),
                });
            }
            if !tasks[k].upstream.contains(from) {
                tasks[k].upstream.push(from.clone());
            }
        }
    }
    Ok(())
}

/// A time from epoch seconds (serialized) or an ISO string (REST).
pub(super) fn instant(o: &Obj<'_>, key: &str) -> Result<Option<jiff::Timestamp>, ImportError> {
    let ts = match o.opt(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .and_then(|s| jiff::Timestamp::from_second(s as i64).ok())
            .ok_or_else(|| o.err(key, "expected epoch seconds"))?,
        Some(Value::String(s)) => s
            .parse::<jiff::Timestamp>()
            .map_err(|e| o.err(key, format!("expected an ISO 8601 time: {e}")))?,
        Some(v) => return Err(o.err(key, format!("expected a time, found {}", json::kind(v)))),
    };
    Ok(Some(ts))
}

/// Seconds of a serialized timedelta (a number), or of a REST `TimeDelta` object,
/// rounded to whole seconds.
pub(super) fn seconds(o: &Obj<'_>, key: &str) -> Result<Option<u64>, ImportError> {
    Ok(exact_seconds(o, key)?.map(|s| s.round() as u64))
}

/// The seconds of a timedelta, as written, at most 1,000 years.
fn exact_seconds(o: &Obj<'_>, key: &str) -> Result<Option<f64>, ImportError> {
    match delta(o, key)? {
        Some(s) if s.round() > super::MAX_DURATION_SECONDS as f64 => Err(o.err(
            key,
            format!(
                "{} s is over 1,000 years ({} s): the calendar ends at 9999-12-31",
                s.round(),
                super::MAX_DURATION_SECONDS
            ),
        )),
        s => Ok(s),
    }
}

/// A duration the model keeps (a retry delay, a timeout), in the model's whole
/// seconds: a fraction rounded, and a positive time under half a second made 1 s,
/// each said in the report. `who`: the task.
fn model_seconds(
    o: &Obj<'_>,
    key: &str,
    who: &str,
    report: &mut Report,
) -> Result<Option<u64>, ImportError> {
    let Some(exact) = exact_seconds(o, key)? else {
        return Ok(None);
    };
    let whole = (exact.round() as u64).max(u64::from(exact > 0.0));
    if whole as f64 != exact {
        report.notes.push(format!(
            "{who}: {key} {exact} s ({}) is {whole}s: a model counts whole seconds{}",
            o.at(key),
            if exact < 0.5 { ", 1s the shortest" } else { "" }
        ));
    }
    Ok(Some(whole))
}

/// A time delta in seconds, from a number, Airflow's `{days, seconds}` or an
/// ISO-8601 duration (`PT1H`, `P1DT2H`: a REST response's timedelta, pydantic's
/// format, its days 24 hours).
fn delta(o: &Obj<'_>, key: &str) -> Result<Option<f64>, ImportError> {
    let (secs, expected) = match o.opt(key) {
        None => return Ok(None),
        Some(Value::Number(n)) => (n.as_f64(), "a non-negative number of seconds".into()),
        Some(Value::String(s)) => (
            s.parse::<jiff::Span>()
                .ok()
                .filter(|_| s.starts_with('P'))
                .and_then(|span| {
                    span.total((
                        jiff::Unit::Second,
                        jiff::SpanRelativeTo::days_are_24_hours(),
                    ))
                    .ok()
                }),
            format!("`{s}` as a non-negative ISO-8601 duration (PT1H)"),
        ),
        Some(Value::Object(_)) => {
            let t = o.obj(key)?;
            let days = t.opt_int("days")?.unwrap_or(0);
            let secs = t.opt_int("seconds")?.unwrap_or(0);
            if days < 0 || secs < 0 {
                return Err(o.err(key, "a negative time delta"));
            }
            return Ok(Some(days as f64 * 86_400.0 + secs as f64));
        }
        Some(v) => {
            return Err(o.err(
                key,
                format!("expected a time delta, found {}", json::kind(v)),
            ));
        }
    };
    secs.filter(|s| *s >= 0.0 && s.is_finite())
        .map(Some)
        .ok_or_else(|| o.err(key, format!("expected {expected}")))
}
