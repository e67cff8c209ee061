//! Airflow DAGs: the serialized DAG document (`SerializedDAG.to_dict`, as kept in the
//! `serialized_dag` table: `{"__version", "dag": {...}}`, tasks as
//! `{"__type": "operator", "__var": {...}}`, timedeltas in seconds, dates as epoch
//! seconds, fields at their default left out), or the REST API v2 responses
//! `GET /api/v2/dags/{dag_id}/details` and `GET /api/v2/dags/{dag_id}/tasks` saved as
//! `NAME.details.json` and `NAME.tasks.json` (`tools/airflow_export.py` writes both).
//!
//! A model has one time zone: the first DAG's that names one, a DAG's zone being its
//! cron timetable's (where its cron is read) or else its own. A DAG that names none is
//! in UTC, Airflow's default (`[core] default_timezone`), said in the report's notes;
//! a DAG in another zone than the model's is listed as dropped at its `timezone`.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::airflow_sensor::{Known, Sensor};
use super::airflow_task::{Fields, instant, link, seconds, task_common, unwrapped_partial};
use super::json::{self, Obj};
use super::{
    Draft, DraftTask, DraftWorkflow, Format, ImportError, Input, Options, Report, default_scenario,
    model_name, unique,
};
use crate::engine::priority::reach_sums;
use crate::rules::CronDialect;

/// Slots of Airflow's `default_pool` (the profile's default group).
const SLOTS: u32 = 128;

/// One DAG as read, with the timetable kind it needs (`trigger` or `interval`).
struct Dag {
    draft: DraftWorkflow,
    /// The `timetable` rule it needs: `trigger` or `interval` (none for @once or several crons).
    kind: Option<&'static str>,
    /// The input file it comes from, and the JSON path of its timetable.
    file: String,
    timetable_path: String,
    /// The DAG's start and end dates (the model's zone is known only later).
    dates: (Option<jiff::Timestamp>, Option<jiff::Timestamp>),
    /// Each task's `weight_rule` and its path; None: unstated (Airflow's default,
    /// `downstream`, which a serialized DAG leaves out).
    weight_rules: Vec<Option<(String, String)>>,
    /// The JSON path of `fail_fast = true`.
    fail_fast: Option<String>,
    /// The time zone its schedule is read in (its cron timetable's, else the DAG's);
    /// None: the export names none.
    timezone: Option<String>,
    /// The JSON path of that `timezone`.
    timezone_path: String,
    /// Its ids and task groups, for the sensors that wait for it.
    known: Known,
    /// Its ExternalTaskSensors.
    sensors: Vec<Sensor>,
}

/// Airflow's weight rules (`airflow.task.weight_rule.WeightRule`); another is a
/// custom `PriorityWeightStrategy`, named by its import path.
const WEIGHT_RULES: [&str; 3] = ["absolute", "downstream", "upstream"];

/// Each task's weight by its own rule (Airflow's `PriorityWeightStrategy.get_weight`):
/// its weight plus the weights of every task downstream (or upstream) of it, each
/// counted once, summed as the engine sums them.
fn weight_totals(tasks: &mut [DraftTask], rules: &[&str]) {
    let n = tasks.len();
    let index: HashMap<&str, usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut down = vec![Vec::new(); n];
    let mut up = vec![Vec::new(); n];
    for (i, t) in tasks.iter().enumerate() {
        for u in &t.upstream {
            if let Some(&k) = index.get(u.as_str()) {
                down[k].push(i);
                up[i].push(k);
            }
        }
    }
    let own: Vec<i64> = tasks
        .iter()
        .map(|t| t.priority_weight.unwrap_or(1))
        .collect();
    let needs = |rule: &str| rules.contains(&rule);
    let downs = needs("downstream").then(|| reach_sums(&own, &down));
    let ups = needs("upstream").then(|| reach_sums(&own, &up));
    for (i, t) in tasks.iter_mut().enumerate() {
        let reach = match rules[i] {
            "downstream" => downs.as_ref().map_or(0, |s| s[i]),
            "upstream" => ups.as_ref().map_or(0, |s| s[i]),
            _ => 0,
        };
        t.priority_weight = Some(
            (i128::from(own[i]) + reach).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
        );
    }
}

/// The model's `weight_rule`: the one rule every task uses, or, where they use several
/// (a task's unstated rule is Airflow's default, `downstream`), `absolute` with each
/// task's total by its own rule written as its `priority_weight`. A custom strategy
/// is dropped (its weights come from code), its task weighted by its own weight.
fn weight_rule(dags: &mut [Dag], rules: &mut Vec<(String, String)>, report: &mut Report) {
    let mut per_dag: Vec<Vec<&'static str>> = Vec::new();
    let mut stated: Vec<(&'static str, String)> = Vec::new();
    for d in dags.iter() {
        let mut each = Vec::new();
        for (t, w) in d.draft.tasks.iter().zip(&d.weight_rules) {
            let who = format!("{}.{}", d.draft.name, t.name);
            let rule = match w {
                None => "downstream",
                Some((r, path)) => match WEIGHT_RULES.iter().find(|x| *x == r) {
                    Some(known) => {
                        stated.push((known, who));
                        known
                    }
                    None => {
                        report.drop(
                            path.clone(),
                            format!("{who}: weight_rule {r}"),
                            "a custom PriorityWeightStrategy computes weights in its own code, which schedsim does not run: the task is weighted by its priority_weight alone (absolute)",
                        );
                        stated.push(("absolute", who));
                        "absolute"
                    }
                },
            };
            each.push(rule);
        }
        per_dag.push(each);
    }
    let mut used: Vec<&str> = per_dag.iter().flatten().copied().collect();
    used.sort_unstable();
    used.dedup();
    match used.as_slice() {
        [] | ["downstream"] => {}
        [one] => rules.push(("weight_rule".into(), format!("\"{one}\""))),
        _ => {
            let mut by_rule = Vec::new();
            for rule in WEIGHT_RULES.iter().filter(|r| **r != "downstream") {
                let tasks: Vec<&str> = stated
                    .iter()
                    .filter(|(r, _)| r == rule)
                    .map(|(_, t)| t.as_str())
                    .collect();
                if !tasks.is_empty() {
                    by_rule.push(format!("{rule} for {}", tasks.join(", ")));
                }
            }
            report.notes.push(format!(
                "weight_rule: the tasks use several ({}; downstream, Airflow's default, for the others) and a model has one: weight_rule = \"absolute\", each task's priority_weight its weight by its own rule (its own plus, under downstream or upstream, the sum over its downstream or upstream tasks)",
                by_rule.join("; ")
            ));
            for (d, each) in dags.iter_mut().zip(&per_dag) {
                weight_totals(&mut d.draft.tasks, each);
            }
            rules.push(("weight_rule".into(), "\"absolute\"".into()));
        }
    }
}

pub fn read(inputs: &[Input], _options: &Options) -> Result<(Draft, Report), ImportError> {
    let mut report = Report::new(Format::Airflow, inputs);
    let mut dags = Vec::new();
    let docs: Vec<(usize, Value)> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            json::parse(&input.file, &input.text)
                .map(|v| (i, v))
                .map_err(|mut e| {
                    if python_source(&input.file, &input.text) {
                        e.message.push_str(
                            "; the file looks like a DAG's Python source: schedsim reads the DAGs Airflow serializes from it, export them first with Airflow installed (`python tools/airflow_export.py DAG_FOLDER -o export/`, then `schedsim import airflow export/*.json`)",
                        );
                    }
                    e
                })
        })
        .collect::<Result<_, _>>()?;
    for (i, v) in &docs {
        let input = &inputs[*i];
        let o = Obj::new(&input.file, v, "$".into())?;
        if o.opt("dag").is_some() {
            dags.push(serialized(&input.file, &o, &mut report)?);
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
            dags.push(rest(&input.file, &o, &t, &mut report)?);
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
    let kinds: Vec<(&Dag, &str)> = dags.iter().filter_map(|d| d.kind.map(|k| (d, k))).collect();
    if let Some((first_dag, first)) = kinds.first() {
        if let Some((d, k)) = kinds.iter().find(|(_, k)| k != first) {
            return Err(ImportError {
                file: d.file.clone(),
                path: d.timetable_path.clone(),
                message: format!(
                    "DAG {} needs the {k} timetable, DAG {} ({}) the {first}: a model has one timetable rule, import them apart",
                    d.draft.name, first_dag.draft.name, first_dag.file
                ),
            });
        }
        rules.push(("timetable".to_string(), format!("\"{first}\"")));
    }
    weight_rule(&mut dags, &mut rules, &mut report);
    // fail_fast: a task's final failure stops its run. The model's rule
    // `failure_strategy = "end"` does that, for every workflow of the model.
    if dags.iter().all(|d| d.fail_fast.is_some()) {
        rules.push(("failure_strategy".into(), "\"end\"".into()));
        report.notes.push(format!(
            "failure_strategy \"end\" for fail_fast ({}): a task's final failure stops the rest of its run; Airflow fails the tasks running then and skips the others (teardown tasks go on), the model kills them and does not run the others (teardown tasks included)",
            dags.iter()
                .map(|d| format!("DAG {}", d.draft.name))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else {
        for d in &dags {
            if let Some(path) = &d.fail_fast {
                report.drop(
                    path.clone(),
                    format!("DAG {}: fail_fast", d.draft.name),
                    "Airflow stops a run at a task's final failure (fails the running tasks, skips the others); the model's failure_strategy is one rule for every DAG of the model and the other DAGs are not fail_fast: the run goes on",
                );
            }
        }
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
    let local = |t: jiff::Timestamp| t.to_zoned(zone.clone()).datetime();
    let mut starts = Vec::new();
    for d in &mut dags {
        let text = |t: jiff::Timestamp| local(t).strftime("%Y-%m-%dT%H:%M:%S").to_string();
        d.draft.timetable.start_date = d.dates.0.map(text);
        d.draft.timetable.end_date = d.dates.1.map(text);
        starts.extend(d.dates.0.map(|t| local(t).date().to_string()));
    }
    let mut names = HashSet::new();
    let mut groups: Vec<(String, u32)> = Vec::new();
    for d in &mut dags {
        d.draft.name = unique(d.draft.name.clone(), &mut names, "DAG", &mut report);
        for t in &d.draft.tasks {
            if let Some(g) = &t.resource_group
                && !groups.iter().any(|(n, _)| n == g)
            {
                groups.push((g.clone(), SLOTS));
            }
        }
    }
    // ExternalTaskSensors: upstreams on the DAGs they wait for, by their model names.
    let names: Vec<Vec<String>> = dags
        .iter()
        .map(|d| d.draft.tasks.iter().map(|t| t.name.clone()).collect())
        .collect();
    let view: Vec<(&str, &[String], &Known)> = dags
        .iter()
        .zip(&names)
        .map(|(d, n)| (d.draft.name.as_str(), n.as_slice(), &d.known))
        .collect();
    let sensors: Vec<&[Sensor]> = dags.iter().map(|d| d.sensors.as_slice()).collect();
    let edges = super::airflow_sensor::resolve(&view, &sensors, &mut report);
    for (d, t, up) in edges {
        let task = &mut dags[d].draft.tasks[t];
        if !task.upstream.contains(&up) {
            task.upstream.push(up);
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
    let scheduled = |d: &DraftWorkflow| {
        d.cron.is_some() || !d.timetable.crons.is_empty() || d.timetable.schedule.is_some()
    };
    for d in dags
        .iter()
        .filter(|d| scheduled(&d.draft) && d.dates.0.is_none())
    {
        report.notes.push(format!(
            "DAG {} names no start_date: Airflow's first scheduled run depends on when its scheduler first sees the DAG (a cron trigger timetable runs the tick before then only when it is at most the larger of a tenth of the gap between ticks and 5 minutes before; else the next tick); the model's recurring schedule starts at the scenario's start",
            d.draft.name
        ));
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
            .filter(|d| scheduled(&d.draft))
            .map(|d| d.draft.name.clone())
            .collect(),
        starts,
        false,
        &mut report,
    );
    let stem = super::dolphin::stem(&inputs[0].file).replace(".details", "");
    let name = model_name(&stem, "the model", "its file's name", &mut report);
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

/// Whether a file that is not JSON is a Python source (a DAG file given in place of
/// its export): named `.py`, or a line that starts as Python's imports do.
fn python_source(file: &str, text: &str) -> bool {
    file.ends_with(".py")
        || text
            .lines()
            .any(|l| l.starts_with("import ") || (l.starts_with("from ") && l.contains(" import ")))
}

/// A DAG's `max_active_runs` or `max_active_tasks`, at most an SQL INTEGER. Below 1
/// (Airflow's scheduler starts a run or a task only while fewer are active): no task
/// of the DAG ever runs under `max_active_tasks`, so the export is refused at the key;
/// under `max_active_runs` no scheduled or manual run starts but backfills (each with
/// its own limit) do, and a model's limit is at least 1: it is 1, said.
fn dag_limit(
    d: &Obj<'_>,
    key: &str,
    dag: &str,
    report: &mut Report,
) -> Result<Option<u32>, ImportError> {
    match d.opt_int(key)? {
        Some(n) if n < 1 && key == "max_active_tasks" => Err(d.err(
            key,
            format!(
                "{key} {n}: Airflow starts a task of a run only while fewer than {n} are active, so no task of this DAG ever runs; a model's {key} is at least 1: set it in the DAG, or leave the DAG out"
            ),
        )),
        Some(n) if n < 1 => {
            report.notes.push(format!(
                "DAG {dag}: {key} {n} ({}) is 1, a model's least: Airflow starts no scheduled or manual run of it (a run starts only while fewer than {n} are active), backfills yes (each has its own max_active_runs); the model's recurring schedule runs one at a time",
                d.at(key)
            ));
            Ok(Some(1))
        }
        _ => Ok(d
            .opt_int_in(key, 1, super::MAX_JAVA_INT, &format!("{key} (an SQL INTEGER)"))?
            .map(|n| n as u32)),
    }
}

/// A DAG's `start_date` and `end_date`; one that ends before it starts is refused at
/// its `end_date` (its model would not load: its timetable's dates are inverted).
fn dag_dates(
    d: &Obj<'_>,
) -> Result<(Option<jiff::Timestamp>, Option<jiff::Timestamp>), ImportError> {
    let (start, end) = (instant(d, "start_date")?, instant(d, "end_date")?);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(d.err(
            "end_date",
            format!("the DAG ends ({e}) before it starts ({s}): no run of it is ever scheduled"),
        ));
    }
    Ok((start, end))
}

/// The time zone a DAG or its timetable names (None: it names none, UTC), checked
/// against the tz database. The serialized DAG writes a tz database name, or a fixed offset in seconds
/// (`encode_timezone` of a pendulum `FixedTimezone`, "UTC" for offset 0): a whole
/// hour is the tz database's `Etc/GMT` zone of that offset (the report says so),
/// another offset has no zone a model can name and is refused.
fn zone(o: &Obj<'_>, dag: &str, report: &mut Report) -> Result<Option<String>, ImportError> {
    let name = match o.opt("timezone") {
        None => return Ok(None),
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
    crate::model::tzdb()
        .get(&name)
        .map_err(|_| o.err("timezone", format!("unknown time zone `{name}`")))?;
    Ok(Some(name))
}

/// A DAG's `catchup`, once its schedule is read. Without a schedule (`schedule=None`,
/// a `NullTimetable`) Airflow loads the DAG and its scheduler creates no run of it,
/// caught up or not: the model has nothing for it to catch up (and refuses `catchup`
/// without a schedule), so a `catchup = True` there is dropped, said at its path.
fn catchup(draft: &mut DraftWorkflow, d: &Obj<'_>, raw: &str, report: &mut Report) {
    let on = d.opt("catchup").and_then(Value::as_bool) == Some(true);
    let scheduled = draft.cron.is_some()
        || !draft.timetable.crons.is_empty()
        || draft.timetable.schedule.is_some();
    match (on, scheduled) {
        (true, true) => draft.timetable.catchup = Some(true),
        (true, false) => report.drop(
            d.at("catchup"),
            format!("DAG {}: catchup", draft.name),
            "the DAG has no schedule (it runs only when triggered): Airflow's scheduler creates no run of it to catch up, and neither does the model",
        ),
        (false, true) => draft.comment.push(format!("{raw}: catchup off (the model's default): the recurring schedule starts from the latest interval; backfills are not affected")),
        (false, false) => {}
    }
}

/// The DAG's settings the model does not carry, each said with what it means for a
/// run: `dagrun_timeout` (`key`: its name in this export) and
/// `max_consecutive_failed_dag_runs`. `fail_fast` is the DAG's caller's to read.
fn dag_drops(d: &Obj<'_>, name: &str, key: &str, report: &mut Report) -> Result<(), ImportError> {
    if let Some(v) = d.opt(key) {
        let text = match v {
            Value::Number(_) | Value::Object(_) | Value::String(_) => seconds(d, key)?
                .map(super::emit::duration)
                .unwrap_or_default(),
            v => v.to_string(),
        };
        if text != "0s" {
            report.drop(
                d.at(key),
                format!("DAG {name}: dagrun_timeout {text}"),
                format!("Airflow fails a run still running {text} after it started and skips its unfinished tasks; the model lets every run finish"),
            );
        }
    }
    if let Some(n) = d
        .opt_int("max_consecutive_failed_dag_runs")?
        .filter(|n| *n > 0)
    {
        report.drop(
            d.at("max_consecutive_failed_dag_runs"),
            format!("DAG {name}: max_consecutive_failed_dag_runs {n}"),
            format!("Airflow pauses the DAG after {n} failed runs in a row, and creates no scheduled run after; the model keeps scheduling"),
        );
    }
    Ok(())
}

fn serialized(file: &str, o: &Obj<'_>, report: &mut Report) -> Result<Dag, ImportError> {
    let d = o.obj("dag")?;
    let raw = d.str("dag_id")?;
    let name = model_name(raw, "DAG", &d.at("dag_id"), report);
    let dag_zone = zone(&d, &name, report)?;
    let timetable = d.opt_obj("timetable")?;
    // A cron timetable reads its expressions in its own time zone: the DAG's for a
    // `schedule="0 2 * * *"`, but a timetable object may name another
    // (`CronTriggerTimetable("0 2 * * *", timezone="Asia/Shanghai")` in a UTC DAG).
    let tt_var = match &timetable {
        Some(t) => t.opt_obj("__var")?,
        None => None,
    };
    let (timezone, timezone_path) = match tt_var.as_ref().filter(|v| v.opt("timezone").is_some()) {
        Some(v) => {
            let z = zone(v, &name, report)?;
            let (tt, dz) = (
                z.as_deref().unwrap_or("UTC"),
                dag_zone.as_deref().unwrap_or("UTC"),
            );
            if tt != dz {
                report.notes.push(format!(
                    "DAG {name}: its schedule is read in its timetable's time zone {tt} ({}), not in the DAG's {dz} ({})",
                    v.at("timezone"),
                    d.at("timezone")
                ));
            }
            (z, v.at("timezone"))
        }
        None => (dag_zone, d.at("timezone")),
    };
    let read = match &timetable {
        Some(t) => super::airflow_timetable::read(t, report, &name)?,
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
        at: (file.to_string(), d.path.clone()),
        ..Default::default()
    };
    let dates = dag_dates(&d)?;
    let kind = read
        .kind
        .filter(|_| draft.cron.is_some() || draft.timetable.schedule.is_some());
    draft.max_active_runs = dag_limit(&d, "max_active_runs", &name, report)?;
    draft.max_active_tasks = dag_limit(&d, "max_active_tasks", &name, report)?;
    catchup(&mut draft, &d, raw, report);
    if d.opt("is_paused_upon_creation").and_then(Value::as_bool) == Some(true) {
        draft.comment.push(format!("{raw}: paused upon creation"));
    }
    dag_drops(&d, &name, "dagrun_timeout", report)?;
    let fail_fast =
        (d.opt("fail_fast").and_then(Value::as_bool) == Some(true)).then(|| d.at("fail_fast"));
    let mut tasks = Vec::new();
    let mut ids = Vec::new();
    let mut downs = Vec::new();
    let mut weight_rules = Vec::new();
    let mut taken = HashSet::new();
    let mut sensors = Vec::new();
    for (path, v) in d.list("tasks")? {
        let wrapper = Obj::new(o.file, v, path)?;
        let t = match wrapper.opt("__var") {
            Some(_) => wrapper.obj("__var")?,
            None => wrapper,
        };
        let partial = unwrapped_partial(&t);
        let fields = Fields {
            partial: partial
                .as_ref()
                .map(|p| Obj::new(o.file, p, t.at("partial_kwargs")))
                .transpose()?,
            task: t,
        };
        let (task, extra) = task_common(&fields, &name, &mut taken, dates, report)?;
        weight_rules.push(extra.weight_rule);
        let t = &fields.task;
        let who = format!("{name}.{}", task.name);
        sensors.extend(super::airflow_sensor::read(t, tasks.len(), &who, report)?);
        ids.push(t.str("task_id")?.to_string());
        downs.push((
            t.path.clone(),
            t.strings("downstream_task_ids", "a task id")?,
        ));
        tasks.push(task);
    }
    if tasks.is_empty() {
        return Err(d.err("tasks", "a DAG without tasks"));
    }
    link(&mut tasks, &downs, &ids, &d)?;
    draft.tasks = tasks;
    let down_ids: Vec<Vec<String>> = downs.into_iter().map(|(_, ids)| ids).collect();
    let known = Known::new(raw, &ids, &down_ids, d.opt("task_group"));
    Ok(Dag {
        draft,
        kind,
        file: file.to_string(),
        timetable_path: d.at("timetable"),
        dates,
        weight_rules,
        fail_fast,
        timezone,
        timezone_path,
        known,
        sensors,
    })
}

fn rest(
    file: &str,
    details: &Obj<'_>,
    tasks_doc: &Obj<'_>,
    report: &mut Report,
) -> Result<Dag, ImportError> {
    let raw = details.str("dag_id")?;
    let name = model_name(raw, "DAG", &details.at("dag_id"), report);
    let tz_name = zone(details, &name, report)?;
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
        report.notes.push(format!("DAG {name}: the REST response does not name its timetable class: the trigger timetable (Airflow 3's default for a cron) is assumed, in the DAG's time zone"));
    }
    report.drop(
        tasks_doc.at("tasks"),
        format!("DAG {name}: the tasks' SQL, max_retry_delay, max_active_tis_per_dag(run) and retry policies"),
        "the REST /tasks response carries none of them: no writes are inferred (import the serialized DAG for them)",
    );
    let mut draft = DraftWorkflow {
        name: name.clone(),
        cron: cron.clone(),
        at: (file.to_string(), details.path.clone()),
        ..Default::default()
    };
    catchup(&mut draft, details, raw, report);
    draft.max_active_runs = dag_limit(details, "max_active_runs", &name, report)?;
    draft.max_active_tasks = dag_limit(details, "max_active_tasks", &name, report)?;
    if details.opt("is_paused").and_then(Value::as_bool) == Some(true) {
        draft.comment.push(format!(
            "{raw}: paused: the recurring schedule does not run; its cron is kept for backfills"
        ));
        report
            .notes
            .push(format!("DAG {name}: paused, the cron kept for backfills"));
    }
    dag_drops(details, &name, "dag_run_timeout", report)?;
    let dates = dag_dates(details)?;
    let mut tasks = Vec::new();
    let mut ids = Vec::new();
    let mut downs = Vec::new();
    let mut weight_rules = Vec::new();
    let mut taken = HashSet::new();
    for (path, v) in tasks_doc.list("tasks")? {
        let fields = Fields {
            task: Obj::new(tasks_doc.file, v, path)?,
            partial: None,
        };
        let (task, extra) = task_common(&fields, &name, &mut taken, dates, report)?;
        weight_rules.push(extra.weight_rule);
        let t = &fields.task;
        super::airflow_sensor::rest(t, &format!("{name}.{}", task.name), report)?;
        ids.push(t.str("task_id")?.to_string());
        downs.push((
            t.path.clone(),
            t.strings("downstream_task_ids", "a task id")?,
        ));
        tasks.push(task);
    }
    if tasks.is_empty() {
        return Err(tasks_doc.err("tasks", "a DAG without tasks"));
    }
    link(&mut tasks, &downs, &ids, tasks_doc)?;
    draft.tasks = tasks;
    let down_ids: Vec<Vec<String>> = downs.into_iter().map(|(_, ids)| ids).collect();
    let known = Known::new(raw, &ids, &down_ids, None);
    Ok(Dag {
        draft,
        kind: cron.map(|_| "trigger"),
        file: file.to_string(),
        timetable_path: details.at("timetable_summary"),
        dates,
        weight_rules,
        fail_fast: None,
        timezone: tz_name,
        timezone_path: details.at("timezone"),
        known,
        sensors: Vec::new(),
    })
}
