//! DataWorks FlowSpec (`kind: CycleWorkflow`, spec version 1.x, JSON or YAML), as
//! aliyun/dataworks-spec defines it (`SpecNode`, `SpecTrigger`, `SpecScript`,
//! `SpecFlowDepend`, `SpecDepend`; README "FlowSpec Field Reference"): nodes either in
//! `spec.nodes` with their dependencies in `spec.flow`, or in `spec.workflows[i].nodes`
//! with `spec.workflows[i].dependencies`. Each node has its own trigger (cron),
//! as DataWorks nodes do.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::flowspec_control;
use super::flowspec_link::{Depend, link, node_outputs, one_node_each, read_deps};
use super::flowspec_strategy::{instance_mode, node_strategy, workflow_strategy};
use super::json::{self, Obj};
use super::{
    Draft, DraftRetry, DraftTask, DraftWorkflow, Format, ImportError, Input, Options, Report,
    default_scenario, model_name, sql_writes, unique,
};
use crate::calendar::params::Flavor;
use crate::rules::CronDialect;

/// DataWorks' default resource group size (the profile's default group).
const SLOTS: u32 = 50;

/// Reads a file as JSON, or as YAML when it is not JSON-shaped (`.yaml`, `.yml`, or
/// text not starting with `{`/`[`).
pub(super) fn parse(input: &Input) -> Result<Value, ImportError> {
    let yaml = input.file.ends_with(".yaml")
        || input.file.ends_with(".yml")
        || !input.text.trim_start().starts_with(['{', '[']);
    if !yaml {
        return json::parse(&input.file, &input.text);
    }
    serde_norway::from_str::<Value>(&input.text).map_err(|e| ImportError {
        file: input.file.clone(),
        path: e.location().map_or("$".into(), |l| {
            format!("$ (line {}, column {})", l.line(), l.column())
        }),
        message: format!("not valid YAML: {e}"),
    })
}

/// An id as written: a string (`{{id}}` references unwrapped) or a number.
pub(super) fn id_of(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => return o.get("id").and_then(id_of),
        _ => return None,
    };
    let s = s
        .strip_prefix("{{")
        .and_then(|s| s.strip_suffix("}}"))
        .map_or(s.clone(), |s| s.trim().to_string());
    (!s.is_empty()).then_some(s)
}

/// A FlowSpec reference (`"{{triggers.daily}}"`, an id in one of the spec's
/// top-level lists) where an object belongs: the error saying so.
fn reference(file: &str, path: &str, v: &Value) -> Option<ImportError> {
    let text = v.as_str()?.trim();
    let inner = text.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let what = match inner.split_once('.') {
        Some((list, id)) => format!("`{id}` in the spec's `{list}`"),
        None => format!("`{inner}`"),
    };
    Some(ImportError {
        file: file.to_string(),
        path: path.to_string(),
        message: format!(
            "`{text}` is a reference to {what}: schedsim does not resolve FlowSpec references; write the object in its place"
        ),
    })
}

/// A member object of `o`, refusing a reference in its place.
fn sub<'a>(o: &Obj<'a>, key: &str) -> Result<Option<Obj<'a>>, ImportError> {
    if let Some(e) = o.opt(key).and_then(|v| reference(o.file, &o.at(key), v)) {
        return Err(e);
    }
    o.opt_obj(key)
}

/// A list element that is an object, refusing a reference in its place.
pub(super) fn item<'a>(file: &'a str, v: &'a Value, path: String) -> Result<Obj<'a>, ImportError> {
    if let Some(e) = reference(file, &path, v) {
        return Err(e);
    }
    Obj::new(file, v, path)
}

pub(super) struct Node {
    pub id: String,
    /// Its JSON path in its file.
    pub path: String,
    /// The names of its `outputs.nodeOutputs`.
    pub outputs: Vec<String>,
    /// Its `inputs.nodeOutputs`: (path, output name), its same-cycle upstreams.
    pub inputs: Vec<(String, String)>,
    pub task: DraftTask,
    /// Kept in the model (a scheduled node with a script).
    pub kept: bool,
}

pub(super) struct Flow {
    pub name: String,
    pub file: String,
    pub path: String,
    pub nodes: Vec<Node>,
    /// (node id, what it depends on).
    pub deps: Vec<(String, Vec<Depend>)>,
}

pub fn read(inputs: &[Input], _options: &Options) -> Result<(Draft, Report), ImportError> {
    let mut report = Report::new(Format::Flowspec, inputs);
    let mut flows = Vec::new();
    let mut timezone: Option<String> = None;
    let mut starts = Vec::new();
    for input in inputs {
        let root = parse(input)?;
        let o = Obj::new(&input.file, &root, "$".into())?;
        let version = match o.req("version")? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            v => {
                return Err(o.err(
                    "version",
                    format!("expected a version string, found {}", json::kind(v)),
                ));
            }
        };
        if !version.starts_with("1.") && version != "1" {
            return Err(o.err(
                "version",
                format!("FlowSpec version {version}: schedsim reads 1.x"),
            ));
        }
        match o.str("kind")? {
            "CycleWorkflow" => {}
            k => {
                return Err(o.err(
                    "kind",
                    format!(
                        "kind {k}: schedsim imports a CycleWorkflow (a scheduled workflow), not {k}"
                    ),
                ));
            }
        }
        let spec = o.obj("spec")?;
        let stem = super::dolphin::stem(&input.file);
        let workflows = spec.list("workflows")?;
        if workflows.is_empty() {
            let name = spec.opt_str("name")?.unwrap_or(&stem).to_string();
            let dep_key = if spec.opt("flow").is_some() {
                "flow"
            } else {
                "dependencies"
            };
            flows.push(flow(
                &spec,
                &name,
                dep_key,
                None,
                &mut timezone,
                &mut starts,
                &mut report,
            )?);
        } else {
            for (path, w) in workflows {
                let w = item(&input.file, w, path)?;
                let name = w.opt_str("name")?.unwrap_or(&stem).to_string();
                let trigger = sub(&w, "trigger")?;
                if let Some(st) = sub(&w, "strategy")? {
                    workflow_strategy(&st, &name, &mut report)?;
                }
                flows.push(flow(
                    &w,
                    &name,
                    "dependencies",
                    trigger.as_ref(),
                    &mut timezone,
                    &mut starts,
                    &mut report,
                )?);
            }
        }
    }
    let mut names = HashSet::new();
    for f in &mut flows {
        f.name = unique(f.name.clone(), &mut names, "workflow", &mut report);
    }
    one_node_each(&flows)?;
    link(&mut flows, &mut report);
    let mut workflows = Vec::new();
    for f in flows {
        let tasks: Vec<DraftTask> = f
            .nodes
            .into_iter()
            .filter(|n| n.kept)
            .map(|n| n.task)
            .collect();
        if tasks.is_empty() {
            report.drop(
                f.path,
                format!("workflow {}", f.name),
                "none of its nodes is scheduled",
            );
            continue;
        }
        workflows.push(DraftWorkflow {
            name: f.name,
            tasks,
            ..Default::default()
        });
    }
    if workflows.is_empty() {
        return Err(ImportError {
            file: inputs.first().map_or("-".into(), |i| i.file.clone()),
            path: "$.spec".into(),
            message: "no scheduled node in the spec".into(),
        });
    }
    let mut groups: Vec<(String, u32)> = Vec::new();
    for t in workflows.iter().flat_map(|w| &w.tasks) {
        if let Some(g) = &t.resource_group
            && !groups.iter().any(|(n, _)| n == g)
        {
            groups.push((g.clone(), SLOTS));
        }
    }
    if !groups.is_empty() {
        report.notes.push(format!(
            "slots {SLOTS} for {}: a spec does not carry resource-group sizes ({SLOTS} is the profile's default group)",
            groups.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let timezone = timezone.unwrap_or_else(|| {
        report.notes.push(
            "timezone Asia/Shanghai: no trigger names one (DataWorks' default region time)".into(),
        );
        "Asia/Shanghai".into()
    });
    let scenario = default_scenario(
        workflows.iter().map(|w| w.name.clone()).collect(),
        starts,
        true,
        &mut report,
    );
    let name = model_name(
        &inputs
            .first()
            .map_or("imported".into(), |i| super::dolphin::stem(&i.file)),
        "the model",
        "its file's name",
        &mut report,
    );
    report.model = name.clone();
    report.profile = "dataworks";
    report.timezone = timezone.clone();
    Ok((
        Draft {
            name,
            profile: "dataworks",
            profile_version: None,
            timezone,
            rules: Vec::new(),
            groups,
            workflows,
            scenario,
        },
        report,
    ))
}

#[allow(clippy::too_many_arguments)]
fn flow(
    o: &Obj<'_>,
    name: &str,
    dep_key: &str,
    trigger: Option<&Obj<'_>>,
    timezone: &mut Option<String>,
    starts: &mut Vec<String>,
    report: &mut Report,
) -> Result<Flow, ImportError> {
    let name = model_name(name, "workflow", &o.at("name"), report);
    let mut nodes: Vec<Node> = Vec::new();
    // The ids of `nodes`, for the checks below: one lookup each, not a scan of `nodes`
    // (a workflow of 50,000 nodes took 25 s).
    let mut ids: HashSet<String> = HashSet::new();
    let mut taken = HashSet::new();
    for (path, v) in o.list("nodes")? {
        let n = item(o.file, v, path)?;
        let node = node(&n, &name, trigger, timezone, starts, report)?;
        if !ids.insert(node.id.clone()) {
            return Err(n.err("id", format!("node id {} is used twice", node.id)));
        }
        let mut node = node;
        if node.kept {
            node.task.name = unique(node.task.name.clone(), &mut taken, "node", report);
        }
        nodes.push(node);
    }
    let deps = read_deps(o, dep_key, &ids)?;
    Ok(Flow {
        name,
        file: o.file.to_string(),
        path: o.path.clone(),
        nodes,
        deps,
    })
}

fn date_of(t: &Obj<'_>, key: &str) -> Result<Option<String>, ImportError> {
    let Some(text) = t.opt_str(key)? else {
        return Ok(None);
    };
    let day = text.get(..10).unwrap_or(text);
    day.parse::<jiff::civil::Date>()
        .map(|d| Some(d.to_string()))
        .map_err(|_| {
            t.err(
                key,
                format!("expected a time such as \"2024-04-01 00:00:00\", found `{text}`"),
            )
        })
}

fn node(
    n: &Obj<'_>,
    workflow: &str,
    flow_trigger: Option<&Obj<'_>>,
    timezone: &mut Option<String>,
    starts: &mut Vec<String>,
    report: &mut Report,
) -> Result<Node, ImportError> {
    let id = id_of(n.req("id")?).ok_or_else(|| n.err("id", "expected a node id"))?;
    let outputs = node_outputs(n, "outputs")?
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    let inputs = node_outputs(n, "inputs")?;
    let mut node = Node {
        id: id.clone(),
        path: n.path.clone(),
        outputs,
        inputs,
        task: DraftTask::default(),
        kept: false,
    };
    if n.opt("script").is_none() && n.opt("reference").is_some() {
        return Ok(node); // a reference to a node outside the spec
    }
    let raw_name = n.opt_str("name")?.unwrap_or(&id).to_string();
    let name = model_name(&raw_name, "node", &n.at("name"), report);
    let qualified = format!("{workflow}.{name}");
    let own = sub(n, "trigger")?;
    if let (Some(own), Some(wf)) = (&own, flow_trigger) {
        let without_id = |v: &Value| {
            let mut v = v.clone();
            if let Value::Object(m) = &mut v {
                m.remove("id");
            }
            v
        };
        if without_id(own.value) != without_id(wf.value) {
            report.notes.push(format!(
                "{qualified}: its own trigger ({}) is read, not its workflow's ({}): SpecNode and SpecWorkflow each have a trigger and the spec says neither wins; DataWorks nodes are scheduled by their own",
                own.path, wf.path
            ));
        }
    }
    let Some(trigger) = own.as_ref().or(flow_trigger) else {
        report.drop(
            n.path.clone(),
            format!("node {qualified}"),
            "it has no trigger: not a scheduled node",
        );
        return Ok(node);
    };
    if trigger.opt_str("type")? == Some("Manual") {
        report.drop(
            trigger.path.clone(),
            format!("node {qualified}"),
            "a Manual trigger: the node runs only when started by hand",
        );
        return Ok(node);
    }
    let cron = trigger.str("cron")?;
    if let Err(e) = crate::calendar::cron::CronExpr::parse(cron, CronDialect::Dataworks) {
        return Err(trigger.err(
            "cron",
            format!("`{cron}` is not a cron DataWorks accepts: {}", e.message),
        ));
    }
    if let Some(tz) = trigger.opt_str("timezone")? {
        if crate::model::tzdb().get(tz).is_err() {
            return Err(trigger.err("timezone", format!("unknown time zone `{tz}`")));
        }
        match timezone {
            None => *timezone = Some(tz.to_string()),
            Some(first) if first != tz => report.drop(
                trigger.at("timezone"),
                format!("time zone {tz} of node {qualified}"),
                format!("a model has one time zone: its cron is read in {first}"),
            ),
            _ => {}
        }
    }
    if let Some(d) = trigger.opt_int("delaySeconds")?.filter(|d| *d > 0) {
        report.drop(
            trigger.at("delaySeconds"),
            format!("{qualified}: a start delay of {d} s"),
            "schedsim starts a ready instance at once",
        );
    }
    let mut task = DraftTask {
        name,
        at: (n.file.to_string(), n.path.clone()),
        cron: Some(cron.to_string()),
        ..Default::default()
    };
    // The trigger bounds the instances' scheduled times; a DataWorks effective period
    // is of business dates, the day before.
    let business = |d: Option<String>| {
        d.and_then(|d| d.parse::<jiff::civil::Date>().ok())
            .and_then(|d| d.yesterday().ok())
            .map(|d| d.to_string())
    };
    let (from, to) = (
        business(date_of(trigger, "startTime")?),
        business(date_of(trigger, "endTime")?),
    );
    const SHIFTED: &str = "effective periods: a trigger's startTime/endTime bound scheduled times; the effective period holds business dates, a day earlier (times of day inside the bounding days are not kept)";
    if (from.is_some() || to.is_some()) && !report.notes.iter().any(|n| n == SHIFTED) {
        report.notes.push(SHIFTED.into());
    }
    if let Some(f) = &from {
        starts.push(f.clone());
    }
    match (from, to) {
        (Some(f), Some(t)) if f > t => {
            return Err(trigger.err(
                "endTime",
                format!("the trigger ends ({t}) before it starts ({f})"),
            ));
        }
        (Some(f), Some(t)) => task.effective = Some((f, t)),
        (Some(f), None) => task.effective = Some((f, "9999-12-31".into())),
        (None, Some(t)) => task.effective = Some(("1970-01-01".into(), t)),
        (None, None) => {}
    }
    // SpecNode's scheduling fields, or its `strategy`'s (SpecScheduleStrategy).
    let strategy = sub(n, "strategy")?;
    let at = |key: &str| -> &Obj<'_> {
        match &strategy {
            Some(st) if n.opt(key).is_none() && st.opt(key).is_some() => st,
            _ => n,
        }
    };
    if let Some(st) = &strategy {
        node_strategy(n, st, &qualified, report)?;
    }
    let n_priority = at("priority");
    if let Some(p) = n_priority.opt_int("priority")? {
        if ![1, 3, 5, 7, 8].contains(&p) {
            return Err(n_priority.err(
                "priority",
                format!("priority {p} is not a DataWorks level: expected 1, 3, 5, 7 or 8"),
            ));
        }
        task.priority = Some(p as u32);
    }
    if let Some(t) = at("timeout").opt_int("timeout")?.filter(|t| *t > 0) {
        if (60..=168 * 3600).contains(&t) {
            task.timeout = Some(t as u64);
        } else {
            report.drop(at("timeout").at("timeout"), format!("{qualified}: timeout {t}"), "read in seconds (the FlowSpec reference), it is outside DataWorks' 1 minute to 168 hours");
        }
    }
    let rerun_mode = at("rerunMode").opt_str("rerunMode")?;
    let times = at("rerunTimes").opt_int("rerunTimes")?.unwrap_or(0);
    if !(0..=10).contains(&times) {
        return Err(at("rerunTimes").err(
            "rerunTimes",
            format!("DataWorks reruns a failed instance 0 to 10 times, not {times}"),
        ));
    }
    if times > 0 {
        if rerun_mode == Some("Denied") {
            report.drop(
                at("rerunTimes").at("rerunTimes"),
                format!("{qualified}: {times} automatic reruns"),
                "rerunMode Denied: DataWorks offers no automatic rerun then",
            );
        } else {
            let ms = at("rerunInterval")
                .opt_int("rerunInterval")?
                .unwrap_or(120_000);
            if !(60_000..=1_800_000).contains(&ms) {
                return Err(at("rerunInterval").err("rerunInterval", format!("a DataWorks rerun interval is 60000 to 1800000 ms (1 to 30 minutes), not {ms}")));
            }
            if ms % 1000 != 0 {
                report.notes.push(format!(
                    "{qualified}: rerunInterval {ms} ms is read as {} s",
                    ms / 1000
                ));
            }
            task.retry = Some(DraftRetry {
                times: times as u32,
                interval: (ms / 1000) as u64,
                ..Default::default()
            });
        }
    }
    if matches!(rerun_mode, Some("Denied" | "FailureAllowed")) {
        report.notes.push(format!("{qualified}: rerunMode {} limits manual reruns; schedsim's scenarios decide the reruns", rerun_mode.unwrap_or_default()));
    }
    if let Some(rr) = sub(n, "runtimeResource")?
        && let Some(g) = rr.opt_str("resourceGroup")?
    {
        task.resource_group = Some(model_name(
            g,
            "resource group",
            &rr.at("resourceGroup"),
            report,
        ));
    }
    // recurrence: on the node, or on its trigger.
    let recurrence = match n.opt_str("recurrence")? {
        Some(r) => Some(r),
        None => trigger.opt_str("recurrence")?,
    };
    let runs_code = matches!(recurrence, None | Some("Normal"));
    match recurrence {
        None | Some("Normal") => {}
        Some("Skip") => {
            flowspec_control::dry_run(
                &mut task,
                format!("{raw_name}: recurrence Skip (dry-run): empty, no execution"),
            );
            report.notes.push(format!("{qualified}: recurrence Skip (dry-run): `empty = true`, its instances succeed at their time without running, its resource group left out"));
        }
        Some("Pause") => {
            task.duration = Some("\"1s\"".into());
            task.fail_probability = Some(1.0);
            task.retry = None;
            task.comment.push(format!("{raw_name}: recurrence Pause (frozen): every instance fails at once, its downstream waits"));
            report.notes.push(format!("{qualified}: recurrence Pause (frozen) is an instance that fails at once without effect (the spec: \"set failure without any code effects\"); its downstream never runs"));
        }
        Some(other) => {
            return Err(n.err(
                "recurrence",
                format!("unknown recurrence `{other}`: expected Normal, Skip or Pause"),
            ));
        }
    }
    // The script: SQL writes, with the node's parameters substituted.
    if runs_code {
        script_writes(n, &mut task, &raw_name, &qualified, report)?;
    } else {
        report.drop(
            n.at("script"),
            format!("{qualified}: its script"),
            format!(
                "recurrence {}: the node runs no code, writes nothing",
                recurrence.unwrap_or_default()
            ),
        );
    }
    instance_mode(at("instanceMode"), &qualified, report)?;
    output_tables(n, &qualified, &task.writes, report)?;
    node.task = task;
    node.kept = true;
    Ok(node)
}

/// A running node's script: what its command makes of the node (VIRTUAL, a control
/// node), and the writes of its SQL, with the node's parameters substituted.
fn script_writes(
    n: &Obj<'_>,
    task: &mut DraftTask,
    raw_name: &str,
    qualified: &str,
    report: &mut Report,
) -> Result<(), ImportError> {
    let Some(script) = sub(n, "script")? else {
        return Ok(());
    };
    let command = sub(&script, "runtime")?
        .map(|r| r.opt_str("command").map(Option::unwrap_or_default))
        .transpose()?
        .unwrap_or_default();
    let content = match script.opt_str("content")? {
        Some(c) => Some(c),
        None => script.opt_str("code")?,
    };
    if !flowspec_control::read(command, task, raw_name, qualified, report) {
        if command == "VIRTUAL" && content.is_some_and(|c| !c.trim().is_empty()) {
            report.drop(
                script.at("content"),
                format!("{qualified}: its script"),
                "a VIRTUAL node runs no code, writes nothing",
            );
        }
        return Ok(());
    }
    let mut vars = BTreeMap::new();
    for (path, v) in script.list("parameters")? {
        let p = item(n.file, v, path)?;
        if let (Some(k), Some(v)) = (p.opt_str("name")?, p.opt_str("value")?) {
            vars.insert(k.to_string(), v.to_string());
        }
    }
    let language = script.opt_str("language")?.unwrap_or_default();
    let sql = command.contains("SQL") || language.contains("sql");
    if !sql || content.is_none() {
        report.no_sql.push(format!(
            "{qualified} ({})",
            if command.is_empty() {
                "no command"
            } else {
                command
            }
        ));
    }
    if let (true, Some(content)) = (sql, content) {
        task.writes = sql_writes(
            content,
            qualified,
            &script.at("content"),
            Flavor::Dataworks,
            &|s| substitute(s, &vars),
            report,
        );
    }
    Ok(())
}

/// The tables a node declares it produces (`outputs.tables`, or `outputs` artifacts of
/// type Table): a guid such as `odps.project.table`, without partition or write mode,
/// so not a write schedsim could check. One its SQL writes too agrees; each other is
/// said.
fn output_tables(
    n: &Obj<'_>,
    qualified: &str,
    writes: &[super::DraftWrite],
    report: &mut Report,
) -> Result<(), ImportError> {
    let mut declared = Vec::new();
    match n.opt("outputs") {
        Some(Value::Object(_)) => {
            for (path, v) in n.obj("outputs")?.list("tables")? {
                declared.push((path, v));
            }
        }
        Some(Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                if v.get("artifactType").and_then(Value::as_str) == Some("Table") {
                    declared.push((format!("{}[{i}]", n.at("outputs")), v));
                }
            }
        }
        _ => {}
    }
    for (path, v) in declared {
        let Some(guid) = v
            .get("guid")
            .and_then(Value::as_str)
            .filter(|g| !g.is_empty())
        else {
            continue;
        };
        let written = writes.iter().any(|w| {
            let t = w.table.to_lowercase();
            let g = guid.to_lowercase();
            g == t || g.ends_with(&format!(".{t}"))
        });
        if !written {
            report.drop(
                path,
                format!("{qualified}: output table {guid}"),
                "declared as produced by the node (outputs.tables) without a partition or a write mode: not a write schedsim can check; schedsim's writes come from SQL, and no statement of this node writes it",
            );
        }
    }
    Ok(())
}

/// `${name}` and `$name` replaced by the node's parameter values (`$bizdate` stays a
/// DataWorks built-in).
fn substitute(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut s = text.to_string();
    for (k, v) in vars {
        let pat = format!("${{{k}}}");
        if s.contains(&pat) && *v != pat {
            s = s.replace(&pat, v);
        }
    }
    s
}
