//! Airflow tasks that wait for another DAG: `ExternalTaskSensor` (airflow.providers.
//! standard 1.21, Airflow 3.3.2) and `TriggerDagRunOperator`.
//!
//! An ExternalTaskSensor pokes until the external DAG's task instances (or its run, or
//! a task group's instances) of its own logical date are in `allowed_states`
//! (`_get_dttm_filter`, `_poke_af3`). The model's cross-workflow upstream binds at
//! equal logical dates: where the external DAG and its tasks are among the inputs,
//! each is the sensor's upstream (the whole DAG: its leaf tasks, whose success is every
//! task's under the model's all-success rule). The serialized DAG keeps only the
//! sensor's targets and `reschedule` (`get_serialized_fields`): `execution_delta`,
//! `execution_date_fn`, the states, `timeout` and `poke_interval` are read from
//! `schedsim_sensor_args`, which `tools/airflow_export.py` adds, or said assumed unset.

use std::collections::HashMap;

use serde_json::Value;

use super::json::Obj;
use super::{ImportError, Report};

/// Sensors' default `timeout` (`[sensors] default_timeout`, 7 days) and
/// `poke_interval` (60 s), in seconds.
const DEFAULT_TIMEOUT: f64 = 604_800.0;
const DEFAULT_POKE: f64 = 60.0;

/// What a DAG of the inputs holds, for the sensors that name it: its `dag_id`, its
/// task ids in task order, its leaf tasks, and each task group's tasks (by the
/// group's full id).
#[derive(Default)]
pub(super) struct Known {
    pub dag_id: String,
    pub ids: Vec<String>,
    pub leaves: Vec<usize>,
    pub groups: HashMap<String, Vec<String>>,
}

impl Known {
    /// `downs`: each task's downstream ids, in task order; `task_group`: the
    /// serialized DAG's `task_group` (None: a REST response, which has none).
    pub fn new(
        dag_id: &str,
        ids: &[String],
        downs: &[Vec<String>],
        task_group: Option<&Value>,
    ) -> Known {
        let mut groups = HashMap::new();
        if let Some(root) = task_group {
            collect(root, &mut groups);
        }
        Known {
            dag_id: dag_id.to_string(),
            ids: ids.to_vec(),
            leaves: (0..ids.len()).filter(|&i| downs[i].is_empty()).collect(),
            groups,
        }
    }
}

/// The task ids under a serialized task group node, each nested group's (keyed by its
/// full id, the key its parent's `children` gives it) added to `groups`.
fn collect(node: &Value, groups: &mut HashMap<String, Vec<String>>) -> Vec<String> {
    let mut tasks = Vec::new();
    let Some(children) = node.get("children").and_then(Value::as_object) else {
        return tasks;
    };
    for (key, child) in children {
        match child.as_array().map(Vec::as_slice) {
            Some([kind, id]) if kind == "operator" => {
                tasks.extend(id.as_str().map(str::to_string));
            }
            Some([kind, group]) if kind == "taskgroup" => {
                let inner = collect(group, groups);
                tasks.extend(inner.iter().cloned());
                groups.insert(key.clone(), inner);
            }
            _ => {}
        }
    }
    tasks
}

/// What a sensor waits for in its external DAG.
enum Target {
    Tasks(Vec<String>),
    Group(String),
    Run,
}

/// An ExternalTaskSensor as read: where it is, what it waits for, how.
pub(super) struct Sensor {
    /// Its task's index in its DAG.
    pub task: usize,
    who: String,
    path: String,
    /// The JSON path of its target key (`external_task_ids`, ...).
    target_path: String,
    dag: String,
    target: Target,
    reschedule: bool,
    args: Option<Args>,
}

/// `schedsim_sensor_args`: the arguments Airflow does not serialize.
struct Args {
    path: String,
    execution_delta: Option<f64>,
    execution_date_fn: Option<String>,
    allowed: Vec<String>,
    failed: Vec<String>,
    skipped: Vec<String>,
    timeout: f64,
    poke_interval: f64,
    deferrable: bool,
    soft_fail: bool,
}

fn number(o: &Obj<'_>, key: &str) -> Result<Option<f64>, ImportError> {
    match o.opt(key) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Some)
            .ok_or_else(|| o.err(key, "expected a non-negative number of seconds")),
    }
}

fn args(t: &Obj<'_>) -> Result<Option<Args>, ImportError> {
    let Some(a) = t.opt_obj("schedsim_sensor_args")? else {
        return Ok(None);
    };
    let allowed = a.strings("allowed_states", "a string")?;
    Ok(Some(Args {
        path: a.path.clone(),
        execution_delta: number(&a, "execution_delta")?.filter(|s| *s != 0.0),
        execution_date_fn: a.opt_str("execution_date_fn")?.map(str::to_string),
        allowed: if allowed.is_empty() {
            vec!["success".into()]
        } else {
            allowed
        },
        failed: a.strings("failed_states", "a string")?,
        skipped: a.strings("skipped_states", "a string")?,
        timeout: number(&a, "timeout")?.unwrap_or(DEFAULT_TIMEOUT),
        poke_interval: number(&a, "poke_interval")?.unwrap_or(DEFAULT_POKE),
        deferrable: a.opt("deferrable").and_then(Value::as_bool) == Some(true),
        soft_fail: a.opt("soft_fail").and_then(Value::as_bool) == Some(true),
    }))
}

/// The sensor of a serialized task, if it is an ExternalTaskSensor (a task with
/// `external_dag_id` that is a sensor); a TriggerDagRunOperator's triggered run is
/// said dropped here. `task`: its index in its DAG; `who`: "dag.task".
pub(super) fn read(
    t: &Obj<'_>,
    task: usize,
    who: &str,
    report: &mut Report,
) -> Result<Option<Sensor>, ImportError> {
    if let Some(dag) = t.opt_str("trigger_dag_id")? {
        let wait = t.opt("wait_for_completion").and_then(Value::as_bool) == Some(true);
        report.drop(
            t.at("trigger_dag_id"),
            format!(
                "{who}: the run of DAG {dag} it triggers{}",
                if wait { ", and its wait for that run" } else { "" }
            ),
            format!(
                "Airflow creates a manual run of {dag} when the task runs{}; the model runs the task its duration and creates no run (a [[scenario.trigger]] of {dag} models one)",
                if wait {
                    " and the task pokes until that run ends (wait_for_completion, every poke_interval, 60 s by default), holding its slot unless deferrable"
                } else {
                    ""
                }
            ),
        );
        return Ok(None);
    }
    let sensor = t.opt("_is_sensor").and_then(Value::as_bool) == Some(true);
    let Some(dag) = t.opt_str("external_dag_id")?.filter(|_| sensor) else {
        return Ok(None);
    };
    let ids = match t.strings("external_task_ids", "a string")? {
        ids if !ids.is_empty() => ids,
        _ => t
            .opt_str("external_task_id")?
            .map(|id| vec![id.to_string()])
            .unwrap_or_default(),
    };
    let (target, target_path) = match t.opt_str("external_task_group_id")? {
        _ if !ids.is_empty() => (
            Target::Tasks(ids),
            t.at(if t.opt("external_task_id").is_some() {
                "external_task_id"
            } else {
                "external_task_ids"
            }),
        ),
        Some(g) => (Target::Group(g.to_string()), t.at("external_task_group_id")),
        None => (Target::Run, t.at("external_dag_id")),
    };
    Ok(Some(Sensor {
        task,
        who: who.to_string(),
        path: t.path.clone(),
        target_path,
        dag: dag.to_string(),
        target,
        reschedule: t.opt("reschedule").and_then(Value::as_bool) == Some(true),
        args: args(t)?,
    }))
}

fn seconds(s: f64) -> String {
    super::emit::duration(s.round() as u64)
}

/// Each sensor's upstreams: `dags` are the inputs' DAGs as (model name, task model
/// names, what they hold), `sensors` each DAG's sensors. Returns (DAG, task, upstream)
/// to add; what the model cannot say exactly is said in the report.
pub(super) fn resolve(
    dags: &[(&str, &[String], &Known)],
    sensors: &[&[Sensor]],
    report: &mut Report,
) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut unstated = Vec::new();
    let mut modelled = Vec::new();
    for (d, list) in sensors.iter().enumerate() {
        for s in *list {
            if let Some(ups) = upstreams(dags, d, s, report) {
                if s.args.is_none() {
                    unstated.push(s.who.clone());
                }
                modelled.push(s.who.clone());
                out.extend(ups.into_iter().map(|u| (d, s.task, u)));
            }
        }
    }
    if !modelled.is_empty() {
        report.notes.push(format!(
            "ExternalTaskSensor {}: each waits for its upstreams in the other DAG's run of the same logical date (a cross-workflow upstream binds at equal logical dates). Where the scenario has no run of that DAG at that date (another schedule, a backfill without it), the model binds nothing and runs the sensor at once, where Airflow pokes until the sensor's timeout and fails it, unless that task instance succeeded before. Where an upstream fails, the model does not run the sensor (upstream_failed), where Airflow pokes on until the timeout and fails it (at once if failed_states names the state), or passes if the task is cleared and succeeds in time. The model starts a sensor once its upstreams succeeded and runs it its duration (1m by default: about one poke_interval, the time it takes to see the success)",
            modelled.join(", ")
        ));
    }
    if !unstated.is_empty() {
        report.notes.push(format!(
            "ExternalTaskSensor {}: a serialized DAG does not keep execution_delta, execution_date_fn, allowed_states, failed_states, skipped_states, poke_interval or timeout: each is assumed unset (the same logical date, success, no failed states, 60 s, 7 days); tools/airflow_export.py writes them",
            unstated.join(", ")
        ));
    }
    out
}

/// The upstreams of one sensor, or None (the wait not modelled, said dropped).
fn upstreams(
    dags: &[(&str, &[String], &Known)],
    own: usize,
    s: &Sensor,
    report: &mut Report,
) -> Option<Vec<String>> {
    let what = match &s.target {
        Target::Tasks(ids) => format!("task {} of DAG {}", ids.join(", "), s.dag),
        Target::Group(g) => format!("task group {g} of DAG {}", s.dag),
        Target::Run => format!("the run of DAG {}", s.dag),
    };
    let plain = "the model runs the sensor as a plain task, without the wait";
    if let Some(a) = &s.args {
        let shifted = match (&a.execution_delta, &a.execution_date_fn) {
            (Some(delta), _) => Some((
                "execution_delta",
                format!("its logical date less {}", seconds(*delta)),
            )),
            (None, Some(f)) => Some((
                "execution_date_fn",
                format!("the logical dates its function {f} returns"),
            )),
            _ => None,
        };
        if let Some((key, when)) = shifted {
            report.drop(
                format!("{}.{key}", a.path),
                format!("{}: its wait for {what} at {when}", s.who),
                format!("a cross-workflow upstream binds only at equal logical dates: {plain}"),
            );
            return None;
        }
    }
    let Some(k) = dags.iter().position(|(_, _, known)| known.dag_id == s.dag) else {
        report.drop(
            format!("{}.external_dag_id", s.path),
            format!("{}: its wait for {what}", s.who),
            format!(
                "DAG {} is not among the inputs: {plain}; import it with this DAG to model the wait",
                s.dag
            ),
        );
        return None;
    };
    let (name, tasks, known) = dags[k];
    let index = |id: &str| known.ids.iter().position(|x| x == id);
    let found: Result<Vec<usize>, String> = match &s.target {
        Target::Tasks(ids) => ids
            .iter()
            .map(|id| index(id).ok_or_else(|| format!("no task {id} in DAG {}", s.dag)))
            .collect(),
        Target::Group(g) => known
            .groups
            .get(g)
            .filter(|ids| !ids.is_empty())
            .ok_or_else(|| format!("no task group {g} with tasks in DAG {}", s.dag))
            .map(|ids| ids.iter().filter_map(|id| index(id)).collect()),
        Target::Run => Ok(known.leaves.clone()),
    };
    let found = match found {
        Ok(mut f) => {
            f.sort_unstable();
            f.dedup();
            f
        }
        Err(missing) => {
            report.drop(
                s.target_path.clone(),
                format!("{}: its wait for {what}", s.who),
                format!("{missing}: Airflow's sensor pokes until its timeout and fails; {plain}"),
            );
            return None;
        }
    };
    let ups: Vec<String> = found
        .iter()
        .map(|&i| {
            if k == own {
                tasks[i].clone()
            } else {
                format!("{name}.{}", tasks[i])
            }
        })
        .collect();
    report.notes.push(note(s, &what, &ups));
    Some(ups)
}

/// What modelling one sensor as upstreams leaves out (resolve's note says what every
/// sensor's does), in one line.
fn note(s: &Sensor, what: &str, ups: &[String]) -> String {
    let a = s.args.as_ref();
    let timeout = a.map_or(DEFAULT_TIMEOUT, |a| a.timeout);
    let poke = a.map_or(DEFAULT_POKE, |a| a.poke_interval);
    let slot = if a.is_some_and(|a| a.deferrable) {
        "deferrable: Airflow's triggerer waits, the sensor holding no worker slot and (unless its pool counts deferred tasks) no pool slot, as the model holds none before its upstreams succeeded"
    } else if s.reschedule {
        "mode reschedule: Airflow frees its pool slot between pokes, as the model holds none before its upstreams succeeded"
    } else {
        "mode poke: Airflow holds a slot of its pool while it pokes, from when its own upstreams are done, the model none before its upstreams succeeded"
    };
    let mut text = format!(
        "{} (ExternalTaskSensor, {}) waits for {what}: its upstream {}; {slot}; timeout {}, poke_interval {}",
        s.who,
        s.path,
        ups.join(", "),
        seconds(timeout),
        seconds(poke),
    );
    if let Some(a) = a {
        if a.soft_fail {
            text.push_str("; soft_fail: Airflow skips it, not fails it, at its timeout or a failed state (and so its downstream tasks), the model has no skip");
        }
        if !a.failed.is_empty() {
            text.push_str(&format!(
                "; failed_states {}: Airflow fails it as soon as one is in them, the model does not run it (upstream_failed)",
                a.failed.join(", ")
            ));
        }
        let other: Vec<&str> = a
            .allowed
            .iter()
            .map(String::as_str)
            .filter(|x| *x != "success")
            .collect();
        if !other.is_empty() {
            text.push_str(&format!(
                "; allowed_states also {} ({}.allowed_states): the model waits for success alone",
                other.join(", "),
                a.path
            ));
        }
        if !a.skipped.is_empty() {
            text.push_str(&format!(
                "; skipped_states {}: Airflow skips it on them, the model never does",
                a.skipped.join(", ")
            ));
        }
    }
    text
}

/// A REST /tasks response names a task's class (`operator_name`), not what an
/// ExternalTaskSensor waits for nor the DAG a TriggerDagRunOperator triggers: each
/// such task is said dropped, a plain task in the model.
pub(super) fn rest(t: &Obj<'_>, who: &str, report: &mut Report) -> Result<(), ImportError> {
    let what = match t.opt_str("operator_name")? {
        Some("ExternalTaskSensor") => "its wait for another DAG's tasks",
        Some("TriggerDagRunOperator") => "the DAG run it triggers (and any wait for it)",
        _ => return Ok(()),
    };
    report.drop(
        t.at("operator_name"),
        format!("{who}: {what}"),
        "the REST /tasks response does not name the other DAG: the model runs the task as a plain one; import the serialized DAGs to model it",
    );
    Ok(())
}
