//! Airflow DAGs: the serialized DAG document (`SerializedDAG.to_dict`, as kept in the
//! `serialized_dag` table: `{"__version", "dag": {...}}`, tasks as
//! `{"__type": "operator", "__var": {...}}`, timedeltas in seconds, dates as epoch
//! seconds, fields at their default left out), or the REST API v2 responses
//! `GET /api/v2/dags/{dag_id}/details` and `GET /api/v2/dags/{dag_id}/tasks` saved as
//! `NAME.details.json` and `NAME.tasks.json` (`tools/airflow_export.py` writes both).
//!
//! A model has one time zone: the first DAG's that names one. A DAG that names none is
//! in UTC, Airflow's default (`[core] default_timezone`), said in the report's notes;
//! a DAG in another zone than the model's is listed as dropped at its `timezone`.

use serde_json::Value;

use super::json::{self, Obj};
use super::{
    Draft, DraftRetry, DraftTask, DraftWorkflow, Format, ImportError, Input, Options, Report,
    default_scenario, model_name, sql_writes, unique,
};
use crate::calendar::params::Flavor;
use crate::rules::CronDialect;

/// Slots of Airflow's `default_pool` (the profile's default group).
const SLOTS: u32 = 128;

/// One DAG as read, with the timetable kind it needs (`trigger` or `interval`).
struct Dag {
    draft: DraftWorkflow,
    /// The `timetable` rule it needs: `trigger` or `interval` (none for @once or several crons).
    kind: Option<&'static str>,
    /// The DAG's start and end dates (the model's zone is known only later).
    dates: (Option<jiff::Timestamp>, Option<jiff::Timestamp>),
    start: Option<String>,
    weight_rules: Vec<String>,
    /// The DAG's time zone; None: the export names none.
    timezone: Option<String>,
    /// The JSON path of its `timezone`.
    timezone_path: String,
}

pub fn read(inputs: &[Input], _options: &Options) -> Result<(Draft, Report), ImportError> {
    let mut report = Report::new(Format::Airflow, inputs);
    let mut dags = Vec::new();
    let docs: Vec<(usize, Value)> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| json::parse(&input.file, &input.text).map(|v| (i, v)))
        .collect::<Result<_, _>>()?;
    for (i, v) in &docs {
        let input = &inputs[*i];
        let o = Obj::new(&input.file, v, "$".into())?;
        if o.opt("dag").is_some() {
            dags.push(serialized(&o, &mut report)?);
        } else if o.opt("dag_id").is_some() {
            let want = input.file.replace(".details.json", ".tasks.json");
            let tasks = docs
                .iter()
                .find(|(j, _)| inputs[*j].file == want && *j != *i)
                .ok_or_else(|| {
                    o.err(
                        "dag_id",
                        format!("the /tasks response of this DAG ({want}) is not among the inputs"),
                    )
                })?;
            let t = Obj::new(&inputs[tasks.0].file, &tasks.1, "$".into())?;
            dags.push(rest(&o, &t, &mut report)?);
        } else if o.opt("tasks").is_some() && o.opt("total_entries").is_some() {
            // A /tasks response: read with its /details.
            if !docs
                .iter()
                .any(|(j, _)| inputs[*j].file == input.file.replace(".tasks.json", ".details.json"))
            {
                return Err(o.err("tasks", "a /tasks response without its /details response (NAME.details.json) among the inputs"));
            }
        } else {
            return Err(o.err(
                "dag",
                "neither a serialized DAG (`dag`) nor a REST /details response (`dag_id`)",
            ));
        }
    }
    if dags.is_empty() {
        return Err(ImportError {
            file: inputs.first().map_or("-".into(), |i| i.file.clone()),
            path: "$".into(),
            message: "no DAG among the inputs".into(),
        });
    }
    let mut rules = Vec::new();
    let kinds: Vec<&str> = dags.iter().filter_map(|d| d.kind).collect();
    if let Some(first) = kinds.first() {
        if let Some((i, _)) = kinds.iter().enumerate().find(|(_, k)| *k != first) {
            return Err(ImportError {
                file: "-".into(),
                path: "$.dag.timetable".into(),
                message: format!(
                    "DAG {} needs the {} timetable, another the {first}: a model has one timetable rule, import them apart",
                    dags[i].draft.name, kinds[i]
                ),
            });
        }
        rules.push(("timetable".to_string(), format!("\"{first}\"")));
    }
    let weight: Vec<&String> = dags.iter().flat_map(|d| &d.weight_rules).collect();
    if let Some(w) = weight.first() {
        if weight.iter().any(|x| x != w) {
            report.notes.push(format!(
                "weight_rule: the tasks use several; the model's rule is {w} (the first)"
            ));
        }
        rules.push(("weight_rule".to_string(), format!("\"{w}\"")));
    }
    // A model has one time zone: the first DAG's that names one. A DAG that names none
    // is in UTC, Airflow's default (`[core] default_timezone`); each DAG in another
    // zone is listed as dropped, as DolphinScheduler's and FlowSpec's are.
    let timezone = dags
        .iter()
        .find_map(|d| d.timezone.clone())
        .unwrap_or_else(|| "UTC".into());
    // The DAG's dates as local times of the model's zone.
    let zone = crate::model::tzdb()
        .get(&timezone)
        .unwrap_or(jiff::tz::TimeZone::UTC);
    for d in &mut dags {
        let local = |t: jiff::Timestamp| {
            t.to_zoned(zone.clone())
                .datetime()
                .strftime("%Y-%m-%dT%H:%M:%S")
                .to_string()
        };
        d.draft.timetable.start_date = d.dates.0.map(local);
        d.draft.timetable.end_date = d.dates.1.map(local);
    }
    let mut names = Vec::new();
    let mut groups: Vec<(String, u32)> = Vec::new();
    for d in &mut dags {
        d.draft.name = unique(d.draft.name.clone(), &names, "DAG", &mut report);
        names.push(d.draft.name.clone());
        for t in &d.draft.tasks {
            if let Some(g) = &t.resource_group
                && !groups.iter().any(|(n, _)| n == g)
            {
                groups.push((g.clone(), SLOTS));
            }
        }
    }
    let unnamed: Vec<&str> = dags
        .iter()
        .filter(|d| d.timezone.is_none())
        .map(|d| d.draft.name.as_str())
        .collect();
    // In another model zone, each is listed as dropped below, which says it.
    if !unnamed.is_empty() && timezone == "UTC" {
        report.notes.push(format!(
            "time zone UTC for DAG {}: the export names none (UTC is Airflow's default, [core] default_timezone)",
            unnamed.join(", ")
        ));
    }
    for d in &dags {
        let (zone, how) = match &d.timezone {
            Some(z) => (z.as_str(), ""),
            None => ("UTC", " (Airflow's default: the export names none)"),
        };
        if zone != timezone {
            report.drop(
                d.timezone_path.clone(),
                format!("time zone {zone} of DAG {}{how}", d.draft.name),
                format!("a model has one time zone: its schedule is read in {timezone}"),
            );
        }
    }
    if !groups.is_empty() {
        report.notes.push(format!(
            "slots {SLOTS} for {}: an export does not carry pool sizes ({SLOTS} is default_pool's)",
            groups
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let scenario = default_scenario(
        dags.iter()
            .filter(|d| {
                d.draft.cron.is_some()
                    || !d.draft.timetable.crons.is_empty()
                    || d.draft.timetable.schedule.is_some()
            })
            .map(|d| d.draft.name.clone())
            .collect(),
        dags.iter().filter_map(|d| d.start.clone()).collect(),
        false,
        &mut report,
    );
    let stem = super::dolphin::stem(&inputs[0].file).replace(".details", "");
    let name = model_name(&stem, "the model", "-", &mut report);
    if inputs.len() > 1 {
        report.notes.push(format!(
            "the model is named `{name}` after the first input ({}); rename it in [model]",
            inputs[0].file
        ));
    }
    report.model = name.clone();
    report.profile = "airflow";
    report.timezone = timezone.clone();
    Ok((
        Draft {
            name,
            profile: "airflow",
            profile_version: None,
            timezone,
            rules,
            groups,
            workflows: dags.into_iter().map(|d| d.draft).collect(),
            scenario,
        },
        report,
    ))
}

/// Seconds of a serialized timedelta (a number), or of a REST `TimeDelta` object.
fn seconds(o: &Obj<'_>, key: &str) -> Result<Option<u64>, ImportError> {
    let s = delta(o, key)?;
    match s {
        Some(s) if s > super::MAX_DURATION_SECONDS => Err(o.err(
            key,
            format!(
                "{s} s is over 1,000 years ({} s): the calendar ends at 9999-12-31",
                super::MAX_DURATION_SECONDS
            ),
        )),
        s => Ok(s),
    }
}

/// A time delta in whole seconds, from a number or Airflow's `{days, seconds}`.
fn delta(o: &Obj<'_>, key: &str) -> Result<Option<u64>, ImportError> {
    match o.opt(key) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|s| *s >= 0.0)
            .map(|s| Some(s.round() as u64))
            .ok_or_else(|| o.err(key, "expected a non-negative number of seconds")),
        Some(Value::Object(_)) => {
            let t = o.obj(key)?;
            let days = t.opt_int("days")?.unwrap_or(0);
            let secs = t.opt_int("seconds")?.unwrap_or(0);
            if days < 0 || secs < 0 {
                return Err(o.err(key, "a negative time delta"));
            }
            Ok(Some(
                (days as u64)
                    .saturating_mul(86_400)
                    .saturating_add(secs as u64),
            ))
        }
        Some(v) => Err(o.err(
            key,
            format!("expected a time delta, found {}", json::kind(v)),
        )),
    }
}

/// A date from epoch seconds (serialized) or an ISO string (REST), in `tz`.
fn date(o: &Obj<'_>, key: &str, tz: &jiff::tz::TimeZone) -> Result<Option<String>, ImportError> {
    Ok(instant(o, key)?.map(|ts| ts.to_zoned(tz.clone()).date().to_string()))
}

/// A time from epoch seconds (serialized) or an ISO string (REST).
fn instant(o: &Obj<'_>, key: &str) -> Result<Option<jiff::Timestamp>, ImportError> {
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

/// The settings every task has, serialized or REST (same names).
fn task_common(t: &Obj<'_>, dag: &str, report: &mut Report) -> Result<DraftTask, ImportError> {
    let raw = t.str("task_id")?;
    let name = model_name(raw, "task", &t.at("task_id"), report);
    let mut task = DraftTask {
        name,
        ..Default::default()
    };
    let retries = t
        .opt_int_in(
            "retries",
            0,
            super::MAX_JAVA_INT,
            "a number of retries (max_tries is an SQL INTEGER)",
        )?
        .unwrap_or(0);
    if retries > 0 {
        task.retry = Some(DraftRetry {
            times: retries as u32,
            interval: seconds(t, "retry_delay")?.unwrap_or(300),
            exponential: t
                .opt("retry_exponential_backoff")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            max_interval: seconds(t, "max_retry_delay")?,
        });
    }
    if let Some(p) = t.opt_str("pool")?.filter(|p| *p != "default_pool") {
        task.resource_group = Some(model_name(p, "pool", &t.at("pool"), report));
    }
    if let Some(n) = t.opt_int_in(
        "pool_slots",
        1,
        super::MAX_JAVA_INT,
        "pool_slots (an SQL INTEGER, at least 1)",
    )? {
        task.pool_slots = Some(n as u32);
    }
    if let Some(rule) = t.opt_str("trigger_rule")?.filter(|r| *r != "all_success") {
        report.drop(
            t.at("trigger_rule"),
            format!("{dag}.{}: trigger_rule {rule}", task.name),
            "schedsim starts a task when all its upstreams succeeded (all_success)",
        );
    }
    task.priority_weight = t.opt_int("priority_weight")?;
    task.self_dependency = t
        .opt("depends_on_past")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    task.timeout = seconds(t, "execution_timeout")?.filter(|s| *s > 0);
    if t.opt("sql").is_none() && t.opt("task_type").is_some() {
        report.no_sql.push(format!(
            "{dag}.{} ({})",
            task.name,
            t.opt_str("task_type")?.unwrap_or_default()
        ));
    }
    if let Some(sql) = t.opt("sql") {
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
            &format!("{dag}.{}", task.name),
            &t.at("sql"),
            Flavor::Airflow,
            &|s| s.to_string(),
            report,
        );
    }
    Ok(task)
}

/// Upstreams from `downstream_task_ids`.
fn link(
    tasks: &mut [DraftTask],
    downstream: &[(String, Vec<String>)],
    ids: &[String],
    t: &Obj<'_>,
) -> Result<(), ImportError> {
    for (i, (path, downs)) in downstream.iter().enumerate() {
        let from = &tasks[i].name.clone();
        for d in downs {
            let Some(k) = ids.iter().position(|x| x == d) else {
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

fn downstream_ids(t: &Obj<'_>) -> Result<Vec<String>, ImportError> {
    t.list("downstream_task_ids")?
        .into_iter()
        .map(|(p, v)| {
            v.as_str().map(str::to_string).ok_or_else(|| ImportError {
                file: t.file.to_string(),
                path: p,
                message: "expected a task id".into(),
            })
        })
        .collect()
}

/// A DAG's time zone as the export names it, and the zone (UTC when it names none).
/// The serialized DAG writes a tz database name, or a fixed offset in seconds
/// (`encode_timezone` of a pendulum `FixedTimezone`, "UTC" for offset 0): a whole
/// hour is the tz database's `Etc/GMT` zone of that offset (the report says so),
/// another offset has no zone a model can name and is refused.
fn zone(
    o: &Obj<'_>,
    dag: &str,
    report: &mut Report,
) -> Result<(Option<String>, jiff::tz::TimeZone), ImportError> {
    let name = match o.opt("timezone") {
        None => return Ok((None, jiff::tz::TimeZone::UTC)),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => {
            let secs = n
                .as_i64()
                .ok_or_else(|| o.err("timezone", "expected a UTC offset in whole seconds"))?;
            let hours = secs / 3600;
            let name = match hours {
                _ if secs % 3600 != 0 || !(-12..=14).contains(&hours) => {
                    return Err(o.err(
                        "timezone",
                        format!(
                            "a fixed UTC offset of {secs} s: a model's time zone is a tz database name, whose fixed offsets are whole hours from -12 to +14 (Etc/GMT+12 to Etc/GMT-14)"
                        ),
                    ));
                }
                0 => "UTC".to_string(),
                // Etc/GMT's sign is POSIX's: Etc/GMT-2 is two hours ahead of UTC.
                h if h > 0 => format!("Etc/GMT-{h}"),
                h => format!("Etc/GMT+{}", -h),
            };
            report.notes.push(format!(
                "DAG {dag}: the fixed UTC offset of {secs} s ({}) is the time zone {name}",
                o.at("timezone")
            ));
            name
        }
        Some(v) => {
            return Err(o.err(
                "timezone",
                format!(
                    "expected a time zone name or a UTC offset in seconds, found {}",
                    json::kind(v)
                ),
            ));
        }
    };
    let tz = crate::model::tzdb()
        .get(&name)
        .map_err(|_| o.err("timezone", format!("unknown time zone `{name}`")))?;
    Ok((Some(name), tz))
}

fn serialized(o: &Obj<'_>, report: &mut Report) -> Result<Dag, ImportError> {
    let d = o.obj("dag")?;
    let raw = d.str("dag_id")?;
    let name = model_name(raw, "DAG", &d.at("dag_id"), report);
    let (tz_name, tz) = zone(&d, &name, report)?;
    let read = match d.opt_obj("timetable")? {
        Some(t) => super::airflow_timetable::read(&t, report, &name)?,
        None => super::airflow_timetable::Read {
            cron: d.opt_str("schedule_interval")?.map(str::to_string),
            kind: Some("interval"),
            ..Default::default()
        },
    };
    let mut draft = DraftWorkflow {
        name: name.clone(),
        cron: read.cron,
        timetable: read.keys,
        ..Default::default()
    };
    if d.opt("catchup").and_then(Value::as_bool) == Some(true) {
        draft.timetable.catchup = Some(true);
    }
    let dates = (instant(&d, "start_date")?, instant(&d, "end_date")?);
    let kind = read
        .kind
        .filter(|_| draft.cron.is_some() || draft.timetable.schedule.is_some());
    draft.max_active_runs = d.opt_int("max_active_runs")?.map(|n| n.max(1) as u32);
    draft.max_active_tasks = d.opt_int("max_active_tasks")?.map(|n| n.max(1) as u32);
    let start = date(&d, "start_date", &tz)?;
    let end = date(&d, "end_date", &tz)?;
    if d.opt("catchup").and_then(Value::as_bool) != Some(true) {
        draft.comment.push(format!("{raw}: catchup off (the model's default): the recurring schedule starts from the latest interval; backfills are not affected"));
    }
    if d.opt("is_paused_upon_creation").and_then(Value::as_bool) == Some(true) {
        draft.comment.push(format!("{raw}: paused upon creation"));
    }
    let mut tasks = Vec::new();
    let mut ids = Vec::new();
    let mut downs = Vec::new();
    let mut weight_rules = Vec::new();
    for (path, v) in d.list("tasks")? {
        let wrapper = Obj::new(o.file, v, path)?;
        let t = match wrapper.opt("__var") {
            Some(_) => wrapper.obj("__var")?,
            None => wrapper,
        };
        let mut task = task_common(&t, &name, report)?;
        task.effective = start
            .clone()
            .map(|s| (s, end.clone().unwrap_or_else(|| "9999-12-31".into())));
        if let Some(w) = t.opt_str("weight_rule")? {
            weight_rules.push(w.to_string());
        }
        ids.push(t.str("task_id")?.to_string());
        downs.push((t.path.clone(), downstream_ids(&t)?));
        tasks.push(task);
    }
    if tasks.is_empty() {
        return Err(d.err("tasks", "a DAG without tasks"));
    }
    link(&mut tasks, &downs, &ids, &d)?;
    dedupe(&mut tasks, report);
    draft.tasks = tasks;
    Ok(Dag {
        draft,
        kind,
        dates,
        start,
        weight_rules,
        timezone: tz_name,
        timezone_path: d.at("timezone"),
    })
}

fn rest(details: &Obj<'_>, tasks_doc: &Obj<'_>, report: &mut Report) -> Result<Dag, ImportError> {
    let raw = details.str("dag_id")?;
    let name = model_name(raw, "DAG", &details.at("dag_id"), report);
    let (tz_name, tz) = zone(details, &name, report)?;
    // The REST response names the schedule, not the timetable class.
    let cron = match details.opt_str("timetable_summary")? {
        None | Some("None" | "null") => None,
        Some(c) => {
            crate::calendar::cron::CronExpr::parse(c, CronDialect::Unix)
                .map_err(|e| details.err("timetable_summary", format!("`{c}` is not a cron schedsim reads (only cron timetables are modelled): {}", e.message)))?;
            Some(c.to_string())
        }
    };
    if cron.is_some() {
        report.notes.push(format!("DAG {name}: the REST response does not name its timetable class: the trigger timetable (Airflow 3's default for a cron) is assumed"));
    }
    report.drop(
        tasks_doc.at("tasks"),
        format!("DAG {name}: the tasks' SQL and max_retry_delay"),
        "the REST /tasks response carries neither: no writes are inferred (import the serialized DAG for them)",
    );
    let mut draft = DraftWorkflow {
        name: name.clone(),
        cron: cron.clone(),
        ..Default::default()
    };
    if details.opt("catchup").and_then(Value::as_bool) == Some(true) {
        draft.timetable.catchup = Some(true);
    }
    draft.max_active_runs = details.opt_int("max_active_runs")?.map(|n| n.max(1) as u32);
    draft.max_active_tasks = details
        .opt_int("max_active_tasks")?
        .map(|n| n.max(1) as u32);
    if details.opt("is_paused").and_then(Value::as_bool) == Some(true) {
        draft.comment.push(format!(
            "{raw}: paused: the recurring schedule does not run; its cron is kept for backfills"
        ));
        report
            .notes
            .push(format!("DAG {name}: paused, the cron kept for backfills"));
    }
    let start = date(details, "start_date", &tz)?;
    let end = date(details, "end_date", &tz)?;
    let mut tasks = Vec::new();
    let mut ids = Vec::new();
    let mut downs = Vec::new();
    let mut weight_rules = Vec::new();
    for (path, v) in tasks_doc.list("tasks")? {
        let t = Obj::new(tasks_doc.file, v, path)?;
        let mut task = task_common(&t, &name, report)?;
        task.effective = start
            .clone()
            .map(|s| (s, end.clone().unwrap_or_else(|| "9999-12-31".into())));
        if let Some(w) = t.opt_str("weight_rule")? {
            weight_rules.push(w.to_string());
        }
        ids.push(t.str("task_id")?.to_string());
        downs.push((t.path.clone(), downstream_ids(&t)?));
        tasks.push(task);
    }
    if tasks.is_empty() {
        return Err(tasks_doc.err("tasks", "a DAG without tasks"));
    }
    link(&mut tasks, &downs, &ids, tasks_doc)?;
    dedupe(&mut tasks, report);
    draft.tasks = tasks;
    Ok(Dag {
        draft,
        kind: cron.map(|_| "trigger"),
        dates: (
            instant(details, "start_date")?,
            instant(details, "end_date")?,
        ),
        start,
        weight_rules,
        timezone: tz_name,
        timezone_path: details.at("timezone"),
    })
}

/// Task names made unique (a renamed task keeps its upstream references right only
/// when names were unique already: Airflow task ids are).
fn dedupe(tasks: &mut [DraftTask], report: &mut Report) {
    let mut taken = Vec::new();
    for t in tasks.iter_mut() {
        t.name = unique(t.name.clone(), &taken, "task", report);
        taken.push(t.name.clone());
    }
}
