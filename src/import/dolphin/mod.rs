//! DolphinScheduler workflow exports: the JSON array that the UI's Export and the
//! `batch-export` API write, one `DagDataSchedule` per workflow
//! (`ProcessDefinitionServiceImpl.exportProcessMetaData`): `processDefinition` (3.3:
//! `workflowDefinition`), `processTaskRelationList` (3.3: `workflowTaskRelationList`),
//! `taskDefinitionList` and `schedule`. Field names as in the dao entities
//! (`TaskDefinition`, `ProcessTaskRelation`, `Schedule`); enums as their names.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::json::{self, Obj};
use super::{
    Draft, DraftDepend, DraftRetry, DraftTask, DraftWorkflow, Format, ImportError, Input, Options,
    Report, default_scenario, model_name, sql_writes, unique,
};
use crate::calendar::dependent::{Cycle, DateValue};
use crate::calendar::params::Flavor;
use crate::keyword::Keyword;
mod schedule;
use schedule::Schedule;

/// Task types of DolphinScheduler 3.1 to 3.3 (the UI's task-type list, with the
/// pre-3.3 SUB_PROCESS and the removed BLOCKING, K8S, PIGEON).
const TASK_TYPES: [&str; 42] = [
    "SHELL",
    "SQL",
    "PROCEDURE",
    "SUB_PROCESS",
    "SUB_WORKFLOW",
    "DYNAMIC",
    "JAVA",
    "SPARK",
    "FLINK",
    "FLINK_STREAM",
    "MR",
    "PYTHON",
    "DEPENDENT",
    "HTTP",
    "DATAX",
    "SQOOP",
    "CONDITIONS",
    "DATA_QUALITY",
    "SWITCH",
    "SEATUNNEL",
    "EMR",
    "ZEPPELIN",
    "ALIYUN_SERVERLESS_SPARK",
    "JUPYTER",
    "MLFLOW",
    "OPENMLDB",
    "DVC",
    "DINKY",
    "SAGEMAKER",
    "CHUNJUN",
    "PYTORCH",
    "HIVECLI",
    "DMS",
    "DATASYNC",
    "KUBEFLOW",
    "LINKIS",
    "DATA_FACTORY",
    "REMOTESHELL",
    "BLOCKING",
    "K8S",
    "PIGEON",
    "LOGIC",
];

/// Slots of a declared group whose size the export does not say: the profile's
/// default group size (a worker's `exec-threads`).
const SLOTS: u32 = 100;

/// `Priority` enum order: HIGHEST = 0 ... LOWEST = 4.
const PRIORITIES: [&str; 5] = ["HIGHEST", "HIGH", "MEDIUM", "LOW", "LOWEST"];

/// One task definition as read.
struct TaskDef {
    code: i64,
    name: String,
    path: String,
    task_type: String,
    forbidden: bool,
    draft: DraftTask,
    /// DEPENDENT: (path, definitionCode, depTaskCode, cycle, dateValue, group from 1).
    depends: Vec<(String, i64, i64, String, String, u32)>,
    /// Where a `DEPENDENT_FAILURE_WAITING` policy the draft keeps was read.
    failure_policy: Option<String>,
}

/// One workflow as read.
struct WorkflowDef {
    file: String,
    code: i64,
    path: String,
    /// Its name in the export, and that name's JSON path.
    raw_name: String,
    name_path: String,
    draft: DraftWorkflow,
    tasks: Vec<TaskDef>,
    /// (pre, post) task codes; pre 0 = no upstream.
    relations: Vec<(i64, i64)>,
    timezone: Option<String>,
    start: Option<String>,
    scheduled: bool,
}

pub fn read(inputs: &[Input], options: &Options) -> Result<(Draft, Report), ImportError> {
    let mut report = Report::new(Format::Dolphinscheduler, inputs);
    let mut workflows = Vec::new();
    // The model names given: names that differ can still be one (`daily.load`,
    // `daily_load`); two workflows of one name are refused below.
    let mut names = HashSet::new();
    let mut new_naming = None;
    for input in inputs {
        let root = json::parse(&input.file, &input.text)?;
        let items: Vec<(String, &Value)> = match &root {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("$[{i}]"), v))
                .collect(),
            Value::Object(_) => vec![("$".to_string(), &root)],
            v => {
                return Err(ImportError {
                    file: input.file.clone(),
                    path: "$".into(),
                    message: format!(
                        "expected an array of exported workflows, found {}",
                        json::kind(v)
                    ),
                });
            }
        };
        for (path, v) in items {
            let o = Obj::new(&input.file, v, path)?;
            let naming = o.opt("workflowDefinition").is_some();
            new_naming.get_or_insert(naming);
            workflows.push(workflow(&o, naming, &mut names, &mut report)?);
        }
    }
    let version = match options.profile_version.as_deref() {
        Some(v @ ("3.1" | "3.2" | "3.3")) => v.to_string(),
        Some(v) => {
            return Err(ImportError::option(
                "--profile-version",
                format!("unknown DolphinScheduler version `{v}`: expected 3.1, 3.2 or 3.3"),
            ));
        }
        None if new_naming == Some(true) => {
            report.notes.push(
                "profile_version 3.3: the export uses 3.3's naming (workflowDefinition)".into(),
            );
            "3.3".into()
        }
        None => {
            report.notes.push("profile_version 3.2: the export uses the processDefinition naming of 3.1 and 3.2 (say --profile-version 3.1 for 3.1)".into());
            "3.2".into()
        }
    };
    if version == "3.1" {
        for w in &mut workflows {
            for t in &mut w.tasks {
                if let Some(path) = t.failure_policy.take() {
                    t.draft.failure_waiting = None;
                    report.drop(
                        path,
                        format!("{}.{}: failurePolicy DEPENDENT_FAILURE_WAITING", w.draft.name, t.draft.name),
                        "3.1.9 has no failure policy (3.2 added it): its DEPENDENT task fails when an item fails",
                    );
                }
            }
        }
    }
    if workflows.is_empty() {
        return Err(ImportError {
            file: inputs.first().map_or("-".into(), |i| i.file.clone()),
            path: "$".into(),
            message: "the export holds no workflow".into(),
        });
    }
    let mut raw_names: HashMap<&str, &WorkflowDef> = HashMap::new();
    for w in &workflows {
        if let Some(first) = raw_names.insert(&w.raw_name, w) {
            let what = if first.code == w.code {
                format!(
                    "the same workflow (code {}) is exported twice: import it from one file",
                    w.code
                )
            } else {
                "a model cannot tell two workflows of one name apart (DolphinScheduler's names are unique within a project, so these come from two): rename one in its export".to_string()
            };
            return Err(ImportError {
                file: w.file.clone(),
                path: w.name_path.clone(),
                message: format!(
                    "workflow `{}` is also the workflow at {}: {}: {}",
                    w.raw_name, first.file, first.name_path, what
                ),
            });
        }
    }
    link(&mut workflows, &version, &mut report)?;
    if workflows.iter().all(|w| w.draft.tasks.is_empty()) {
        return Err(ImportError {
            file: inputs.first().map_or("-".into(), |i| i.file.clone()),
            path: "$".into(),
            message: "every task of the export is forbidden (flag NO): nothing runs".into(),
        });
    }
    workflows.retain(|w| {
        if w.draft.tasks.is_empty() {
            report.drop(
                w.path.clone(),
                format!("workflow {}", w.draft.name),
                "every task of it is forbidden (flag NO): nothing of it runs",
            );
        }
        !w.draft.tasks.is_empty()
    });
    let timezone = workflows
        .iter()
        .find_map(|w| w.timezone.clone())
        .unwrap_or_else(|| {
            report
                .notes
                .push("timezone UTC: no schedule of the export names one (timezoneId)".into());
            "UTC".into()
        });
    for w in &workflows {
        if let Some(tz) = &w.timezone
            && *tz != timezone
        {
            report.drop(
                format!("{}.schedule.timezoneId", w.path),
                format!("time zone {tz} of workflow {}", w.draft.name),
                format!("a model has one time zone: its schedule is read in {timezone}"),
            );
        }
    }
    let mut groups: Vec<(String, u32)> = Vec::new();
    for w in &workflows {
        for t in &w.draft.tasks {
            for g in t.resource_group.iter().chain(&t.task_group) {
                if g != "default" && !groups.iter().any(|(n, _)| n == g) {
                    groups.push((g.clone(), SLOTS));
                }
            }
        }
    }
    if !groups.is_empty() {
        report.notes.push(format!(
            "slots {SLOTS} for {}: an export does not carry worker-group or task-group sizes ({SLOTS} is a worker's default exec-threads, the profile's default group)",
            groups.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let scenario = default_scenario(
        workflows
            .iter()
            .filter(|w| w.scheduled)
            .map(|w| w.draft.name.clone())
            .collect(),
        workflows.iter().filter_map(|w| w.start.clone()).collect(),
        false,
        &mut report,
    );
    let name = inputs
        .first()
        .map(|i| stem(&i.file))
        .unwrap_or_else(|| "imported".into());
    let name = model_name(&name, "the model", "its file's name", &mut report);
    report.model = name.clone();
    report.profile = "dolphinscheduler";
    report.profile_version = Some(version.clone());
    report.timezone = timezone.clone();
    Ok((
        Draft {
            name,
            profile: "dolphinscheduler",
            profile_version: Some(version),
            timezone,
            rules: Vec::new(),
            groups,
            workflows: workflows.into_iter().map(|w| w.draft).collect(),
            scenario,
        },
        report,
    ))
}

/// A file name without directory and extension.
pub(super) fn stem(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into())
}

/// A `Priority` name (or its ordinal) as 0..=4.
fn priority(o: &Obj<'_>, key: &str) -> Result<Option<u32>, ImportError> {
    match o.opt(key) {
        None => Ok(None),
        Some(Value::String(s)) => PRIORITIES
            .iter()
            .position(|p| p == s)
            .map(|p| Some(p as u32))
            .ok_or_else(|| {
                o.err(
                    key,
                    format!(
                        "unknown priority `{s}`: expected one of {}",
                        PRIORITIES.join(", ")
                    ),
                )
            }),
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n <= 4) => {
            Ok(n.as_u64().map(|n| n as u32))
        }
        Some(v) => Err(o.err(
            key,
            format!(
                "expected a priority, {} or 0 (HIGHEST) to 4 (LOWEST), found {}",
                PRIORITIES.join(", "),
                match v {
                    Value::Number(n) => n.to_string(),
                    v => json::kind(v).to_string(),
                }
            ),
        )),
    }
}

/// `"YES"`/`"NO"` (or 1/0).
fn flag(o: &Obj<'_>, key: &str) -> Result<Option<bool>, ImportError> {
    match o.opt(key) {
        None => Ok(None),
        Some(Value::String(s)) if s == "YES" => Ok(Some(true)),
        Some(Value::String(s)) if s == "NO" => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(Some(true)),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(Some(false)),
        Some(v) => Err(o.err(key, format!("expected YES or NO, found {v}"))),
    }
}

/// `Property` lists (`globalParams`, `localParams`): name → value.
fn properties(o: &Obj<'_>, key: &str) -> Result<BTreeMap<String, String>, ImportError> {
    let mut out = BTreeMap::new();
    let list = match o.embedded(key)? {
        None => return Ok(out),
        Some(Value::Array(items)) => items,
        Some(v) => {
            return Err(o.err(
                key,
                format!("expected a list of parameters, found {}", json::kind(&v)),
            ));
        }
    };
    for (i, p) in list.iter().enumerate() {
        let p = Obj::new(o.file, p, format!("{}[{i}]", o.at(key)))?;
        let prop = p.str("prop")?;
        if let Some(v) = p.opt_str("value")? {
            out.insert(prop.to_string(), v.to_string());
        }
    }
    Ok(out)
}

/// `${name}` replaced by the parameter's value, local before global, repeatedly
/// (values may name other parameters); built-ins stay as written.
fn substitute(text: &str, params: &BTreeMap<String, String>) -> String {
    let mut s = text.to_string();
    for _ in 0..4 {
        let mut changed = false;
        for (k, v) in params {
            let pat = format!("${{{k}}}");
            if s.contains(&pat) && *v != pat {
                s = s.replace(&pat, v);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    s
}

/// Whether a `workerGroup` names a group other than `default`: DolphinScheduler takes
/// a blank one as `default` (3.1.9 `StringUtils.isBlank(...)`, then the workflow
/// instance's group).
fn named_group(g: &&str) -> bool {
    !g.trim().is_empty() && *g != "default"
}

/// One exported workflow; `names`: the model names given to the workflows before it,
/// to which its own is added.
fn workflow(
    o: &Obj<'_>,
    naming: bool,
    names: &mut HashSet<String>,
    report: &mut Report,
) -> Result<WorkflowDef, ImportError> {
    let (def_key, rel_key) = if naming {
        ("workflowDefinition", "workflowTaskRelationList")
    } else {
        ("processDefinition", "processTaskRelationList")
    };
    if !naming && o.opt(def_key).is_none() {
        return Err(o.err(
            def_key,
            "neither `processDefinition` (3.1, 3.2) nor `workflowDefinition` (3.3): not a DolphinScheduler workflow export",
        ));
    }
    let def = o.obj(def_key)?;
    let raw_name = def.str("name")?;
    let name = model_name(raw_name, "workflow", &def.at("name"), report);
    let name = unique(name, names, "workflow", report);
    let code = def.int("code")?;
    let globals = properties(&def, "globalParams")?;
    let mut draft = DraftWorkflow {
        name,
        ..Default::default()
    };
    match def.opt_str("executionType")? {
        None | Some("PARALLEL") => {}
        Some(kind @ ("SERIAL_WAIT" | "SERIAL_DISCARD" | "SERIAL_PRIORITY")) => {
            return Err(def.err(
                "executionType",
                format!(
                    "executionType {kind} runs one workflow instance at a time (the others {}): schedsim's DolphinScheduler profile has no serial queue of workflow instances, so it cannot model this workflow; set PARALLEL to import it as parallel",
                    match kind {
                        "SERIAL_WAIT" => "wait in order",
                        "SERIAL_DISCARD" => "are discarded",
                        _ => "wait by priority, the newest first",
                    }
                ),
            ));
        }
        Some(other) => {
            return Err(def.err(
                "executionType",
                format!("unknown executionType `{other}`: expected PARALLEL, SERIAL_WAIT, SERIAL_DISCARD or SERIAL_PRIORITY"),
            ));
        }
    }
    if let Some(t) = def.opt_int("timeout")?.filter(|t| *t > 0) {
        report.drop(
            def.at("timeout"),
            format!("workflow {} timeout of {t} minutes", draft.name),
            "schedsim has no workflow-level timeout (only task timeouts)",
        );
    }
    if def.opt_str("releaseState")? == Some("OFFLINE") {
        draft
            .comment
            .push(format!("{raw_name}: the workflow is OFFLINE in the export"));
        report.notes.push(format!(
            "workflow {}: OFFLINE in the export ({}): DolphinScheduler neither starts nor complements it, nor fires its schedule, until it is put online; the model runs it as if online (the default scenario backfills it)",
            draft.name,
            def.at("releaseState")
        ));
    }
    let Schedule {
        timezone,
        start,
        effective,
        scheduled,
        group: schedule_group,
    } = schedule::read(o, raw_name, &mut draft, report)?;
    // Tasks.
    let mut tasks: Vec<TaskDef> = Vec::new();
    // Index in `tasks` of each task code: one lookup per task and relation, not a scan
    // of `tasks` (a workflow of 50,000 tasks took 13.5 s).
    let mut index: HashMap<i64, usize> = HashMap::new();
    for (path, v) in o.list("taskDefinitionList")? {
        let t = Obj::new(o.file, v, path)?;
        let task = task(&t, &draft.name, &globals, effective.clone(), report)?;
        if let Some(&other) = index.get(&task.code) {
            return Err(t.err(
                "code",
                format!(
                    "task code {} is also task `{}`",
                    task.code, tasks[other].name
                ),
            ));
        }
        index.insert(task.code, tasks.len());
        tasks.push(task);
    }
    if tasks.is_empty() {
        return Err(o.err("taskDefinitionList", "a workflow without tasks"));
    }
    let mut names = HashSet::new();
    for t in &mut tasks {
        t.draft.name = unique(t.draft.name.clone(), &mut names, "task", report);
    }
    // A task in `default` runs in the workflow instance's worker group, which a
    // scheduled run takes from its schedule (3.1.9 and 3.2.2
    // WorkflowExecuteRunnable, dev's AbstractTaskInstanceFactory; the quartz
    // ProcessScheduleTask puts the schedule's group in the command).
    if let Some((group, path)) = schedule_group {
        let moved: Vec<&str> = tasks
            .iter_mut()
            .filter(|t| t.draft.resource_group.is_none())
            .map(|t| {
                t.draft.resource_group = Some(group.clone());
                t.draft.name.as_str()
            })
            .collect();
        if !moved.is_empty() {
            report.notes.push(format!(
                "workflow {}: the schedule's workerGroup {group} ({path}) is the worker group of its tasks in `default` ({}): a task in `default` runs in its workflow instance's group, which a scheduled run takes from the schedule; a complement runs them in the group its command names",
                draft.name,
                moved.join(", ")
            ));
        }
    }
    let mut relations = Vec::new();
    for (path, v) in o.list(rel_key)? {
        let r = Obj::new(o.file, v, path)?;
        let pre = r.int("preTaskCode")?;
        let post = r.int("postTaskCode")?;
        if pre != 0 && !index.contains_key(&pre) {
            return Err(r.err(
                "preTaskCode",
                format!("no task with code {pre} in this workflow's taskDefinitionList"),
            ));
        }
        if !index.contains_key(&post) {
            return Err(r.err(
                "postTaskCode",
                format!("no task with code {post} in this workflow's taskDefinitionList"),
            ));
        }
        if pre != 0 {
            relations.push((pre, post));
        }
        if r.opt_str("conditionType")?.is_some_and(|c| c != "NONE") {
            report.drop(
                r.at("conditionType"),
                format!("condition of the relation {pre} -> {post}"),
                "schedsim models a relation as a plain dependency",
            );
        }
    }
    Ok(WorkflowDef {
        file: o.file.to_string(),
        code,
        path: o.path.clone(),
        raw_name: raw_name.to_string(),
        name_path: def.at("name"),
        draft,
        tasks,
        relations,
        timezone,
        start,
        scheduled,
    })
}

fn task(
    t: &Obj<'_>,
    workflow: &str,
    globals: &BTreeMap<String, String>,
    effective: Option<(String, String)>,
    report: &mut Report,
) -> Result<TaskDef, ImportError> {
    let code = t.int("code")?;
    let raw_name = t.str("name")?;
    let name = model_name(raw_name, "task", &t.at("name"), report);
    let task_type = t.str("taskType")?.to_string();
    if !TASK_TYPES.contains(&task_type.as_str()) {
        return Err(t.err("taskType", format!("unknown task type `{task_type}`")));
    }
    let params = t
        .embedded("taskParams")?
        .unwrap_or(Value::Object(Default::default()));
    let p = Obj::new(t.file, &params, t.at("taskParams"))?;
    let mut vars = globals.clone();
    vars.extend(properties(&p, "localParams")?);
    let qualified = format!("{workflow}.{name}");
    let mut draft = DraftTask {
        name,
        at: (t.file.to_string(), t.path.clone()),
        effective,
        ..Default::default()
    };
    draft.priority = priority(t, "taskPriority")?;
    if let Some(g) = t.opt_str("workerGroup")?.filter(named_group) {
        draft.resource_group = Some(model_name(g, "worker group", &t.at("workerGroup"), report));
    }
    let max_minutes = (super::MAX_DURATION_SECONDS / 60) as i64;
    let retries = t
        .opt_int_in(
            "failRetryTimes",
            0,
            super::MAX_JAVA_INT,
            "a number of retries (a Java int)",
        )?
        .unwrap_or(0);
    if retries > 0 {
        let interval = t
            .opt_int_in(
                "failRetryInterval",
                0,
                max_minutes,
                "a retry interval in minutes (at most 1,000 years: the calendar ends at 9999-12-31)",
            )?
            .unwrap_or(1);
        if interval == 0 {
            report.notes.push(format!(
                "{qualified}: failRetryInterval 0 ({}) is a retry interval of 1 minute, the shortest a DolphinScheduler model takes (its intervals are whole minutes, longer than zero): DolphinScheduler retries as soon as it sees the failure (3.2: at its next state check, every 5 s), the model a minute later",
                t.at("failRetryInterval")
            ));
        }
        draft.retry = Some(DraftRetry {
            times: retries as u32,
            interval: interval.max(1) as u64 * 60,
            ..Default::default()
        });
    }
    let timeout_open = t.opt_str("timeoutFlag")? == Some("OPEN");
    let timeout = t.opt_int("timeout")?.unwrap_or(0);
    if timeout > max_minutes {
        return Err(t.err(
            "timeout",
            format!(
                "a timeout of {timeout} minutes is over 1,000 years ({max_minutes} minutes): the calendar ends at 9999-12-31"
            ),
        ));
    }
    if timeout_open && timeout > 0 {
        match t.opt_str("timeoutNotifyStrategy")? {
            Some("WARN") => report.drop(
                t.at("timeoutNotifyStrategy"),
                format!("{qualified}: timeout of {timeout} minutes"),
                "timeoutNotifyStrategy WARN only alerts: the task keeps running",
            ),
            None | Some("FAILED" | "WARNFAILED") => draft.timeout = Some(timeout as u64 * 60),
            Some(other) => {
                return Err(t.err(
                    "timeoutNotifyStrategy",
                    format!(
                        "unknown timeoutNotifyStrategy `{other}`: expected WARN, FAILED or WARNFAILED"
                    ),
                ));
            }
        }
    }
    if let Some(d) = t.opt_int("delayTime")?.filter(|d| *d > 0) {
        report.drop(
            t.at("delayTime"),
            format!("{qualified}: delayTime of {d} minutes"),
            "schedsim has no delayed start of a ready task",
        );
    }
    if let Some(g) = t.opt_int("taskGroupId")?.filter(|g| *g > 0) {
        draft.task_group = Some(format!("task_group_{g}"));
        if t.opt_int("taskGroupPriority")?.is_some_and(|p| p > 0) {
            report.drop(
                t.at("taskGroupPriority"),
                format!("{qualified}: taskGroupPriority"),
                "schedsim queues a task group by task priority only",
            );
        }
    }
    let forbidden = flag(t, "flag")? == Some(false);
    if flag(t, "isCache")? == Some(true) {
        report.drop(
            t.at("isCache"),
            format!("{qualified}: isCache YES"),
            "from 3.2 a run whose cache key (the task's version, parameters and input files) matches an earlier successful run's completes at once without running (TaskCacheUtils); schedsim runs it every time",
        );
    }
    let mut unmodelled = Vec::new();
    for key in ["environmentCode", "cpuQuota", "memoryMax"] {
        if let Some(v) = t.opt_int(key)?.filter(|v| *v != -1) {
            unmodelled.push(format!("{key} {v}"));
        }
    }
    if !unmodelled.is_empty() {
        report.drop(
            t.path.clone(),
            format!("{qualified}: {}", unmodelled.join(", ")),
            "an environment (the shell configuration it starts with) and CPU or memory limits (-1: none) change how the task runs on its worker, not when or where: schedsim does not model them",
        );
    }
    match t.opt_str("taskExecuteType")? {
        None | Some("BATCH") => {}
        Some("STREAM") => report.drop(
            t.at("taskExecuteType"),
            format!("{qualified}: taskExecuteType STREAM"),
            "a streaming task runs until stopped, and a DEPENDENT item on it counts it as succeeded (DependentExecute); schedsim runs it as a batch task that ends",
        ),
        Some(other) => {
            return Err(t.err(
                "taskExecuteType",
                format!("unknown taskExecuteType `{other}`: expected BATCH or STREAM"),
            ));
        }
    }
    // The task's SQL.
    let script = match task_type.as_str() {
        "SQL" => {
            let mut s = String::new();
            for key in ["preStatements", "sql", "postStatements"] {
                match p.opt(key) {
                    Some(Value::String(x)) => s.push_str(x),
                    Some(Value::Array(xs)) => xs.iter().filter_map(Value::as_str).for_each(|x| {
                        s.push_str(x);
                        s.push_str(";\n");
                    }),
                    _ => {}
                }
                s.push_str(";\n");
            }
            Some(s)
        }
        "SPARK" if p.opt_str("programType")? == Some("SQL") => {
            p.opt_str("rawScript")?.map(str::to_string)
        }
        "HIVECLI" => p.opt_str("hiveSqlScript")?.map(str::to_string),
        _ => None,
    };
    if script.is_none()
        && !forbidden
        && !matches!(task_type.as_str(), "DEPENDENT" | "CONDITIONS" | "SWITCH")
    {
        report.no_sql.push(format!("{qualified} ({task_type})"));
    }
    if matches!(
        task_type.as_str(),
        "SUB_PROCESS" | "SUB_WORKFLOW" | "CONDITIONS" | "SWITCH" | "DYNAMIC"
    ) {
        report.notes.push(format!(
            "{qualified}: a {task_type} task is modelled as one plain task ({})",
            if task_type.starts_with("SUB") || task_type == "DYNAMIC" {
                "the child workflow's tasks are not expanded"
            } else {
                "schedsim runs every branch after it"
            }
        ));
    }
    if let Some(script) = script {
        draft.writes = sql_writes(
            &script,
            &qualified,
            &p.path,
            Flavor::Dolphinscheduler,
            &|s| substitute(s, &vars),
            report,
        );
    }
    // DEPENDENT items, by group (`dependTaskList`); `link` shapes the groups once
    // the items it cannot keep are dropped.
    let mut depends = Vec::new();
    let mut failure_policy = None;
    if task_type == "DEPENDENT" {
        let dep = p.obj("dependence")?;
        let word = |o: &Obj<'_>| -> Result<&'static str, ImportError> {
            match o.opt_str("relation")?.unwrap_or("AND") {
                "AND" => Ok("and"),
                "OR" => Ok("or"),
                r => Err(o.err(
                    "relation",
                    format!("unknown dependent relation `{r}`: expected AND or OR"),
                )),
            }
        };
        // Between the groups; `link` keeps it only for several.
        draft.depends_relation = Some(word(&dep)?);
        let mut groups = Vec::new();
        for (path, v) in dep.list("dependTaskList")? {
            let m = Obj::new(t.file, v, path)?;
            let relation = word(&m)?;
            let items = m.list("dependItemList")?;
            if items.is_empty() {
                let says = if relation == "and" {
                    "SUCCESS"
                } else {
                    "FAILED"
                };
                report.drop(
                    m.at("dependItemList"),
                    format!("{qualified}: an empty dependent group ({})", relation.to_uppercase()),
                    format!("a group without items says {says} at every check (DependentUtils.getDependResultForRelation); schedsim's groups have items: left out, which changes the task's result where that {says} decided it (under the task's {} relation)", if relation == "and" { "OR" } else { "AND" }),
                );
                continue;
            }
            groups.push(relation);
            let group = groups.len() as u32;
            for (path, v) in items {
                let item = Obj::new(t.file, v, path)?;
                depends.push((
                    item.path.clone(),
                    item.int("definitionCode")?,
                    item.opt_int("depTaskCode")?.unwrap_or(0),
                    item.opt_str("cycle")?.unwrap_or("day").to_string(),
                    item.opt_str("dateValue")?.unwrap_or("today").to_string(),
                    group,
                ));
            }
        }
        draft.depends_groups = Some(groups);
        if let Some(c) = dep.opt_int("checkInterval")?.filter(|c| *c > 0) {
            if c as u64 > super::MAX_DURATION_SECONDS {
                return Err(dep.err(
                    "checkInterval",
                    format!(
                        "a check interval of {c} seconds is over 1,000 years ({} seconds): the calendar ends at 9999-12-31",
                        super::MAX_DURATION_SECONDS
                    ),
                ));
            }
            draft.check_interval = Some(c as u64);
        }
        // DependentExecute.finish: a FAILED group waits on only with both set.
        match dep.opt_str("failurePolicy")? {
            Some("DEPENDENT_FAILURE_WAITING") => match dep.opt_int("failureWaitingTime")? {
                Some(m) if m >= 0 => {
                    let secs = (m as u64).saturating_mul(60);
                    if secs > super::MAX_DURATION_SECONDS {
                        return Err(dep.err(
                            "failureWaitingTime",
                            format!(
                                "a failure waiting time of {m} minutes is over 1,000 years ({} seconds): the calendar ends at 9999-12-31",
                                super::MAX_DURATION_SECONDS
                            ),
                        ));
                    }
                    draft.failure_waiting = Some(secs);
                    failure_policy = Some(dep.at("failurePolicy"));
                }
                Some(m) => report.notes.push(format!(
                    "{qualified}: failureWaitingTime {m} minutes is negative: no check is within it, so DolphinScheduler fails the task when an item fails, as without the policy (DependentExecute.finish)"
                )),
                None => report.notes.push(format!(
                    "{qualified}: failurePolicy DEPENDENT_FAILURE_WAITING without failureWaitingTime: DolphinScheduler fails the task when an item fails, as without the policy (DependentExecute.finish needs both)"
                )),
            },
            Some("DEPENDENT_FAILURE_FAILURE") | None => {}
            Some(other) => {
                return Err(dep.err(
                    "failurePolicy",
                    format!("unknown failurePolicy `{other}`: expected DEPENDENT_FAILURE_FAILURE or DEPENDENT_FAILURE_WAITING"),
                ));
            }
        }
        if draft.task_group.take().is_some() {
            report.drop(
                t.at("taskGroupId"),
                format!("{qualified}: the task group of a DEPENDENT task"),
                "schedsim does not model task groups on DEPENDENT tasks (they take no worker slot)",
            );
        }
    }
    Ok(TaskDef {
        code,
        name: raw_name.to_string(),
        path: t.path.clone(),
        task_type,
        forbidden,
        draft,
        depends,
        failure_policy,
    })
}

/// A DEPENDENT task's groups once `link` kept its items: a group whose every item was
/// dropped is left out (said), and a task left with one group is written without
/// `depends_groups`, its items' relation being that group's.
fn shape_groups(t: &mut DraftTask, qualified: &str, path: &str, report: &mut Report) {
    let Some(groups) = t.depends_groups.take() else {
        return;
    };
    let mut number = vec![0u32; groups.len()];
    let mut kept = Vec::new();
    for (k, &relation) in groups.iter().enumerate() {
        if t.depends.iter().any(|d| d.group == Some(k as u32 + 1)) {
            kept.push(relation);
            number[k] = kept.len() as u32;
        } else {
            report.drop(
                format!("{path}.taskParams.dependence.dependTaskList"),
                format!(
                    "{qualified}: its dependent group {} of items ({})",
                    k + 1,
                    relation.to_uppercase()
                ),
                "every item of the group was left out (above): the group goes with them, which can change the task's result",
            );
        }
    }
    if kept.len() > 1 {
        for d in &mut t.depends {
            d.group = d.group.map(|g| number[g as usize - 1]);
        }
        t.depends_relation = t.depends_relation.filter(|r| *r == "or");
        t.depends_groups = Some(kept);
    } else {
        for d in &mut t.depends {
            d.group = None;
        }
        // One group: its relation is the items' (with one item, none matters).
        t.depends_relation = kept
            .first()
            .copied()
            .filter(|r| *r == "or" && t.depends.len() > 1);
    }
}

/// A workflow as DEPENDENT items see it: its name, its tasks by code (name,
/// forbidden).
type Known = (String, HashMap<i64, (String, bool)>);

/// Relations into upstream names (forbidden tasks taken out, their upstreams passed to
/// their downstream, as DolphinScheduler skips them), DEPENDENT items into
/// cross-workflow upstreams, their `depTaskCode` read as `version` reads it.
fn link(
    workflows: &mut [WorkflowDef],
    version: &str,
    report: &mut Report,
) -> Result<(), ImportError> {
    // Names of every (workflow code, task code), for DEPENDENT items.
    let mut by_code: BTreeMap<i64, Known> = BTreeMap::new();
    for w in workflows.iter() {
        by_code.insert(
            w.code,
            (
                w.draft.name.clone(),
                w.tasks
                    .iter()
                    .map(|t| (t.code, (t.draft.name.clone(), t.forbidden)))
                    .collect(),
            ),
        );
    }
    for w in workflows.iter_mut() {
        // Upstreams of each task, forbidden ones replaced by their own upstreams.
        // The pre codes of each post code, in the relations' order: grouped once rather
        // than filtered out of every relation for each task.
        let mut pres: HashMap<i64, Vec<i64>> = HashMap::new();
        for &(pre, post) in &w.relations {
            pres.entry(post).or_default().push(pre);
        }
        let direct = |code: i64| -> Vec<i64> { pres.get(&code).cloned().unwrap_or_default() };
        let forbidden: HashSet<i64> = w
            .tasks
            .iter()
            .filter(|t| t.forbidden)
            .map(|t| t.code)
            .collect();
        let mut ups: Vec<Vec<i64>> = Vec::new();
        for t in &w.tasks {
            let mut out = Vec::new();
            let mut stack = direct(t.code);
            // A code is looked at once, so `out` gets each at most once.
            let mut seen = HashSet::new();
            while let Some(u) = stack.pop() {
                if !seen.insert(u) {
                    continue;
                }
                if forbidden.contains(&u) {
                    stack.extend(direct(u));
                } else {
                    out.push(u);
                }
            }
            out.sort_unstable();
            ups.push(out);
        }
        let names: BTreeMap<i64, String> = w
            .tasks
            .iter()
            .map(|t| (t.code, t.draft.name.clone()))
            .collect();
        for (t, up) in w.tasks.iter_mut().zip(ups) {
            t.draft.upstream = up.iter().map(|c| names[c].clone()).collect();
            for (path, def, dep_task, cycle, date_value, group) in &t.depends {
                let Some((wname, wtasks)) = by_code.get(def) else {
                    report.drop(
                        path.clone(),
                        format!(
                            "{}.{}: dependency on workflow {def}",
                            w.draft.name, t.draft.name
                        ),
                        "the workflow it names is not in the input",
                    );
                    continue;
                };
                if Cycle::from_word(cycle).is_none() || DateValue::from_word(date_value).is_none() {
                    report.drop(path.clone(), format!("{}.{}: dependency on {wname} ({cycle}, {date_value})", w.draft.name, t.draft.name), "a cycle or dateValue DolphinScheduler's DependentUtils.getDateIntervalList does not know");
                    continue;
                }
                let task = match (*dep_task, version) {
                    // 3.1.9: DEPENDENT_ALL_TASK_CODE = 0, which its DependentExecute
                    // reads as the workflow instance's state (the model's "ALL"
                    // under 3.1's `classic` dependent_execute).
                    (0, "3.1") => Some("ALL".to_string()),
                    // 3.2.1 on: DEPENDENT_WORKFLOW_CODE = 0, the workflow instance's
                    // state; DEPENDENT_ALL_TASK_CODE = -1, it and every task succeeded.
                    (0, _) => None,
                    (-1, "3.1") => {
                        return Err(ImportError {
                            file: w.file.clone(),
                            path: format!("{path}.depTaskCode"),
                            message: "depTaskCode -1 is ALL from DolphinScheduler 3.2.1 on (DEPENDENT_ALL_TASK_CODE = -1); 3.1.9's ALL is 0 and it reads -1 as a task code no task has, an item that fails once the workflow instance finishes (DependentExecute.getDependTaskResult), which schedsim does not model: is the export from 3.2 or later? Import it with --profile-version 3.2 (or 3.3)".into(),
                        });
                    }
                    (-1, _) => Some("ALL".to_string()),
                    _ => match wtasks.get(dep_task) {
                        Some((n, true)) => {
                            report.drop(path.clone(), format!("{}.{}: dependency on {wname}.{n}", w.draft.name, t.draft.name), "the task it names is forbidden (flag NO): DolphinScheduler counts it as done");
                            continue;
                        }
                        Some((n, false)) => Some(n.clone()),
                        None => {
                            return Err(ImportError {
                                file: w.file.clone(),
                                path: format!("{path}.depTaskCode"),
                                message: format!(
                                    "workflow {wname} has no task with code {dep_task}"
                                ),
                            });
                        }
                    },
                };
                t.draft.depends.push(DraftDepend {
                    workflow: wname.clone(),
                    task,
                    cycle: cycle.clone(),
                    date_value: date_value.clone(),
                    group: Some(*group),
                });
            }
            let qualified = format!("{}.{}", w.draft.name, t.draft.name);
            shape_groups(&mut t.draft, &qualified, &t.path, report);
        }
        let kept: Vec<TaskDef> = std::mem::take(&mut w.tasks)
            .into_iter()
            .filter_map(|t| {
                if t.forbidden {
                    report.drop(
                        format!("{}.flag", t.path),
                        format!("{}.{} ({}, flag NO)", w.draft.name, t.name, t.task_type),
                        "a forbidden task does not run: its downstream waits for its upstream instead",
                    );
                    return None;
                }
                Some(t)
            })
            .collect();
        w.draft.tasks = kept.iter().map(|t| t.draft.clone()).collect();
        w.tasks = kept;
    }
    Ok(())
}
