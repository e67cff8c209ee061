//! Importers: a model file from what the schedulers already export.
//!
//! Each format's reader ([`dolphin`], [`flowspec`], [`airflow`]) builds a [`Draft`]
//! (workflows and tasks in the model's terms) and a [`Report`] (what was inferred,
//! dropped, or not understood); [`emit`] writes the draft as model TOML with a header
//! comment, which the normal loader then validates. Writes come from the tasks' SQL
//! ([`sql`]). Importers sit beside `model/`: they produce model text, never engine
//! state. [`check`] runs the imported model's default scenario and lists hazards.

mod airflow;
mod airflow_sensor;
mod airflow_task;
mod airflow_timetable;
pub mod check;
mod dolphin;
mod emit;
mod flowspec;
mod flowspec_control;
mod flowspec_link;
mod flowspec_strategy;
mod history;
mod json;
pub mod sql;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::model::WriteMode;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A DolphinScheduler workflow export (JSON).
    Dolphinscheduler,
    /// A DataWorks FlowSpec CycleWorkflow (JSON or YAML).
    Flowspec,
    /// Airflow: serialized DAGs, or REST API v2 /details + /tasks responses.
    Airflow,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Dolphinscheduler => "dolphinscheduler",
            Format::Flowspec => "flowspec",
            Format::Airflow => "airflow",
        }
    }

    /// What a file of this format is, for messages.
    fn describe(self) -> &'static str {
        match self {
            Format::Dolphinscheduler => "a DolphinScheduler workflow export",
            Format::Flowspec => "a DataWorks FlowSpec document",
            Format::Airflow => "an Airflow DAG (serialized, or the REST API's)",
        }
    }
}

/// One input file: its name (for errors) and its text.
pub struct Input {
    pub file: String,
    pub text: String,
}

/// Options of an import.
#[derive(Default)]
pub struct Options {
    /// DolphinScheduler: "3.1", "3.2" or "3.3"; default from the export's naming.
    /// Refused for the other formats, whose models have no profile version.
    pub profile_version: Option<String>,
    /// Past runs: durations and failure probabilities per task.
    pub history: Option<Input>,
}

/// A malformed export: the file, the JSON path of the problem, and what is wrong.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportError {
    pub file: String,
    pub path: String,
    pub message: String,
}

impl ImportError {
    /// A command-line option's value refused: `file` names the option, `path` is empty.
    pub fn option(flag: &str, message: String) -> ImportError {
        ImportError {
            file: flag.into(),
            path: String::new(),
            message,
        }
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            return write!(f, "{}: {}", self.file, self.message);
        }
        write!(f, "{}: at {}: {}", self.file, self.path, self.message)
    }
}

/// Which export format a file's top level looks like, if any: a DolphinScheduler
/// export is an array of objects holding `processDefinition` (3.1, 3.2) or
/// `workflowDefinition` (3.3); a FlowSpec document has `version`, `kind` and `spec`
/// (JSON, or YAML lines `kind:` and `spec:` at the top level); Airflow's serialized
/// DAG has `__version` and `dag`, its REST API `dag_id` or `tasks`.
fn looks_like(text: &str) -> Option<Format> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        let top = |key: &str| text.lines().any(|l| l.starts_with(key));
        return (top("kind:") && top("spec:")).then_some(Format::Flowspec);
    };
    let has = |o: &serde_json::Value, k: &str| o.get(k).is_some();
    match &v {
        serde_json::Value::Array(items) => items
            .first()
            .filter(|o| has(o, "processDefinition") || has(o, "workflowDefinition"))
            .map(|_| Format::Dolphinscheduler),
        o if has(o, "kind") && has(o, "spec") => Some(Format::Flowspec),
        o if (has(o, "__version") && has(o, "dag")) || has(o, "dag_id") || has(o, "tasks") => {
            Some(Format::Airflow)
        }
        _ => None,
    }
}

/// A write inferred from a task's SQL, with the statement it came from.
#[derive(Clone, Debug, Serialize)]
pub struct InferredWrite {
    pub task: String,
    pub table: String,
    /// None: a table-level write.
    pub partition: Option<String>,
    pub mode: WriteMode,
    pub pattern: String,
    pub statement: String,
}

/// Something of the export that the model does not carry, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Dropped {
    /// JSON path in the export.
    pub path: String,
    pub what: String,
    pub why: String,
}

/// A statement whose writes schedsim cannot tell.
#[derive(Clone, Debug, Serialize)]
pub struct Unclassified {
    pub task: String,
    pub statement: String,
    pub reason: String,
}

/// What an import did.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub sources: Vec<String>,
    pub model: String,
    pub profile: &'static str,
    pub profile_version: Option<String>,
    pub timezone: String,
    pub workflows: usize,
    pub tasks: usize,
    /// Settings the export does not state, and what was assumed for them.
    pub notes: Vec<String>,
    pub inferred: Vec<InferredWrite>,
    pub dropped: Vec<Dropped>,
    pub unclassified: Vec<Unclassified>,
    /// Tasks whose writes were not inferred: their type carries no SQL schedsim reads
    /// ("workflow.task (TYPE)").
    pub no_sql: Vec<String>,
    /// The default scenario the model carries.
    pub scenario: Option<String>,
}

/// A workflow in the model's terms.
#[derive(Clone, Debug, Default)]
pub struct DraftWorkflow {
    pub name: String,
    pub cron: Option<String>,
    /// airflow: the timetable keys an export carries (several crons, a delta or
    /// "@once", a trigger's data interval, catchup, start and end dates).
    pub timetable: DraftTimetable,
    pub max_active_runs: Option<u32>,
    pub max_active_tasks: Option<u32>,
    /// Where the export defines it: (file, JSON path); empty: its first task's file.
    pub at: (String, String),
    pub failure_strategy: Option<&'static str>,
    pub priority: Option<u32>,
    /// Comment lines above the workflow (its source, its schedule's state).
    pub comment: Vec<String>,
    pub tasks: Vec<DraftTask>,
}

/// A DAG's timetable keys, as model text values (empty: a plain cron, or nothing).
#[derive(Clone, Debug, Default)]
pub struct DraftTimetable {
    /// More than one cron (MultipleCronTriggerTimetable): `cron` is then a list.
    pub crons: Vec<String>,
    pub schedule: Option<String>,
    pub interval: Option<String>,
    pub catchup: Option<bool>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

/// A task in the model's terms.
#[derive(Clone, Debug, Default)]
pub struct DraftTask {
    pub name: String,
    /// Where the export defines it: (file, JSON path).
    pub at: (String, String),
    pub cron: Option<String>,
    /// "task" in the same workflow, "workflow.task" elsewhere.
    pub upstream: Vec<String>,
    pub resource_group: Option<String>,
    pub task_group: Option<String>,
    pub pool_slots: Option<u32>,
    pub priority: Option<u32>,
    pub priority_weight: Option<i64>,
    pub self_dependency: bool,
    /// airflow: a trivial EmptyOperator (`empty = true`): no execution keys.
    pub empty: bool,
    /// Both ends included, as dates.
    pub effective: Option<(String, String)>,
    /// A TOML value: `"10m"` or `{ lognormal = { ... } }`.
    pub duration: Option<String>,
    pub retry: Option<DraftRetry>,
    pub timeout: Option<u64>,
    pub fail_probability: Option<f64>,
    pub writes: Vec<DraftWrite>,
    pub comment: Vec<String>,
    /// DolphinScheduler DEPENDENT items (`[[workflow.task.depends]]`).
    pub depends: Vec<DraftDepend>,
    /// "or" when the items (with `depends_groups`: the groups) combine with OR.
    pub depends_relation: Option<&'static str>,
    /// Several dependent groups (`dependTaskList`): each one's relation, in order.
    pub depends_groups: Option<Vec<&'static str>>,
    /// A DEPENDENT task's `checkInterval`, in seconds.
    pub check_interval: Option<u64>,
    /// `failureWaitingTime` under `DEPENDENT_FAILURE_WAITING`, in seconds.
    pub failure_waiting: Option<u64>,
}

/// One DEPENDENT item, as the model writes it.
#[derive(Clone, Debug, Default)]
pub struct DraftDepend {
    pub workflow: String,
    /// None: the workflow instance's state; "ALL"; or a task of it.
    pub task: Option<String>,
    pub cycle: String,
    pub date_value: String,
    /// Its group, from 1, with the task's `depends_groups`.
    pub group: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct DraftRetry {
    pub times: u32,
    pub interval: u64,
    pub exponential: bool,
    pub max_interval: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct DraftWrite {
    pub table: String,
    pub partition: Option<String>,
    pub mode: WriteMode,
}

/// The default scenario: a backfill of every scheduled workflow.
#[derive(Clone, Debug)]
pub struct DraftScenario {
    pub name: String,
    pub start: String,
    pub targets: Vec<String>,
    pub from: String,
    pub to: String,
}

/// A model in the making.
#[derive(Clone, Debug)]
pub struct Draft {
    pub name: String,
    pub profile: &'static str,
    pub profile_version: Option<String>,
    pub timezone: String,
    /// `[rules]` overrides: knob and its TOML value.
    pub rules: Vec<(String, String)>,
    /// Declared groups and their slots.
    pub groups: Vec<(String, u32)>,
    pub workflows: Vec<DraftWorkflow>,
    pub scenario: Option<DraftScenario>,
}

/// An import's result: the model text and the report.
pub struct Import {
    pub toml: String,
    pub report: Report,
    /// Each `[[workflow]]` and `[[workflow.task]]` of the text: its byte offset and
    /// where the export defines it (file, JSON path), in text order.
    places: Vec<(usize, (String, String))>,
}

impl Import {
    /// The model text's problems, which no export should cause (the importer checks
    /// what it reads), as an error at the export's place of the workflow or task the
    /// first one is in: the text is not the user's to read (it is written only once it
    /// validates), so its lines are not named.
    pub fn invalid(&self, d: &crate::model::FileDiagnostics) -> ImportError {
        let first = d.diagnostics.first();
        let offset = first.map_or(0, |x| x.span.start);
        let (file, path) = self
            .places
            .iter()
            .take_while(|(at, _)| *at <= offset)
            .last()
            .map(|(_, place)| place.clone())
            .unwrap_or_else(|| {
                let file = self.report.sources.first().cloned().unwrap_or_default();
                (file, "$".into())
            });
        let what = first.map_or_else(String::new, |x| match &x.help {
            Some(help) => format!(": {} ({help})", x.message),
            None => format!(": {}", x.message),
        });
        ImportError {
            file,
            path,
            message: format!(
                "schedsim's importer wrote a model of this export that does not validate{what}; this is a bug in the importer, not in the export: please report it with the export"
            ),
        }
    }
}

/// The places of `toml`'s workflows and tasks (emit.rs writes each header on a line
/// of its own, `[[workflow]]` and `  [[workflow.task]]`, in the draft's order).
fn places(toml: &str, draft: &Draft) -> Vec<(usize, (String, String))> {
    let mut out = Vec::new();
    let (mut w, mut t) = (None::<usize>, 0);
    let mut offset = 0;
    for line in toml.split_inclusive('\n') {
        let place = match line.trim_end() {
            "[[workflow]]" => {
                let k = w.map_or(0, |k| k + 1);
                (w, t) = (Some(k), 0);
                draft.workflows.get(k).map(|wf| match &wf.at {
                    (file, _) if file.is_empty() => wf
                        .tasks
                        .first()
                        .map(|task| (task.at.0.clone(), "$".into()))
                        .unwrap_or_default(),
                    at => at.clone(),
                })
            }
            "  [[workflow.task]]" => {
                t += 1;
                w.and_then(|k| draft.workflows.get(k))
                    .and_then(|wf| wf.tasks.get(t - 1))
                    .map(|task| task.at.clone())
            }
            // The scenario: the first input's.
            "[[scenario]]" => Some((
                draft
                    .workflows
                    .first()
                    .and_then(|wf| wf.tasks.first())
                    .map(|task| task.at.0.clone())
                    .unwrap_or_default(),
                "$".into(),
            )),
            _ => None,
        };
        if let Some(place) = place.filter(|(file, _)| !file.is_empty()) {
            out.push((offset, place));
        }
        offset += line.len();
    }
    out
}

/// The longest duration an import writes (a retry interval, a timeout): 1,000 years
/// of seconds. Past it a model could not finish a run before the calendar's end
/// (9999-12-31), so the export is refused at the value's JSON path instead of writing
/// a model that does not load.
pub const MAX_DURATION_SECONDS: u64 = 1_000 * 365 * 86_400 + 250 * 86_400;

/// The largest count a Java `int` (DolphinScheduler) or an SQL INTEGER (Airflow's
/// `max_tries`) holds.
pub const MAX_JAVA_INT: i64 = i32::MAX as i64;

/// Reads the inputs as `format` and builds the model text and the report.
pub fn import(format: Format, inputs: &[Input], options: &Options) -> Result<Import, ImportError> {
    if let Some(v) = &options.profile_version
        && format != Format::Dolphinscheduler
    {
        // Only DolphinScheduler models have a profile version: never ignore one.
        return Err(ImportError::option(
            "--profile-version",
            format!(
                "`{v}`: --profile-version applies to dolphinscheduler imports only (3.1, 3.2 or 3.3); an import of {} has no profile version",
                format.name()
            ),
        ));
    }
    let read = match format {
        Format::Dolphinscheduler => dolphin::read(inputs, options),
        Format::Flowspec => flowspec::read(inputs, options),
        Format::Airflow => airflow::read(inputs, options),
    };
    let (mut draft, mut report) = read.map_err(|mut e| {
        // A file of another scheduler's format fails at its root: say which it looks like.
        if let Some(other) = inputs
            .iter()
            .find(|i| i.file == e.file)
            .and_then(|i| looks_like(&i.text))
            .filter(|&f| f != format)
        {
            e.message.push_str(&format!(
                "; the file looks like {}: `schedsim import {} {}`",
                other.describe(),
                other.name(),
                e.file
            ));
        }
        e
    })?;
    no_cycle(&draft)?;
    if let Some(h) = &options.history {
        history::apply(&mut draft, &mut report, h)?;
    }
    report.workflows = draft.workflows.len();
    report.tasks = draft.workflows.iter().map(|w| w.tasks.len()).sum();
    report.scenario = draft.scenario.as_ref().map(|s| {
        // One backfill per workflow outside DataWorks, but one of the workflows a
        // cross-workflow upstream joins (emit.rs).
        let (what, targets) = if draft.profile != "dataworks" && s.targets.len() > 1 {
            let groups = emit::joined(&draft, &s.targets);
            let joins = groups.len() < s.targets.len();
            let names: Vec<String> = groups
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(" with ")
                })
                .collect();
            let what = if groups.len() == 1 {
                "a backfill"
            } else {
                "one backfill each"
            };
            let why = if joins {
                " (joined by a cross-workflow upstream)"
            } else {
                ""
            };
            (what, format!("{}{why}", names.join(", ")))
        } else {
            ("a backfill", s.targets.join(", "))
        };
        format!(
            "{}: {what} of {targets} from {} to {}",
            s.name, s.from, s.to
        )
    });
    let toml = emit::model_text(&draft, &report);
    let places = places(&toml, &draft);
    Ok(Import {
        toml,
        report,
        places,
    })
}

impl Report {
    fn new(format: Format, inputs: &[Input]) -> Report {
        Report {
            format: format.name(),
            sources: inputs.iter().map(|i| i.file.clone()).collect(),
            model: String::new(),
            profile: "",
            profile_version: None,
            timezone: String::new(),
            workflows: 0,
            tasks: 0,
            notes: Vec::new(),
            inferred: Vec::new(),
            dropped: Vec::new(),
            unclassified: Vec::new(),
            no_sql: Vec::new(),
            scenario: None,
        }
    }

    fn drop(&mut self, path: impl Into<String>, what: impl Into<String>, why: impl Into<String>) {
        self.dropped.push(Dropped {
            path: path.into(),
            what: what.into(),
            why: why.into(),
        });
    }
}

/// The default scenario: a three-day backfill of `targets` from the latest start of
/// their effective periods (starts before 2000, such as FlowSpec's 1970-01-01 "always",
/// do not count; none: 2024-01-01, said in the report), the virtual now a month
/// later. `dates`: bounds are business dates (DataWorks), else local times.
fn default_scenario(
    targets: Vec<String>,
    starts: Vec<String>,
    dates: bool,
    report: &mut Report,
) -> Option<DraftScenario> {
    if targets.is_empty() {
        report
            .notes
            .push("no default scenario: no workflow has a schedule".into());
        return None;
    }
    let (recent, old): (Vec<String>, Vec<String>) =
        starts.into_iter().partition(|s| s.as_str() >= "2000-01-01");
    let from = recent.into_iter().max().unwrap_or_else(|| {
        let mut old = old;
        old.sort();
        old.dedup();
        report.notes.push(if old.is_empty() {
            "the default scenario starts on 2024-01-01: no schedule names a start date".into()
        } else {
            format!(
                "the default scenario starts on 2024-01-01: the start dates named ({}) are before 2000, read as \"always\"",
                old.join(", ")
            )
        });
        "2024-01-01".into()
    });
    let day = from.parse::<jiff::civil::Date>().ok()?;
    let to = day.checked_add(jiff::Span::new().days(2)).ok()?;
    let start = day.checked_add(jiff::Span::new().days(30)).ok()?;
    Some(if dates {
        DraftScenario {
            name: "imported-backfill".into(),
            start: format!("{start}T00:00:00"),
            targets,
            from: day.to_string(),
            to: to.to_string(),
        }
    } else {
        DraftScenario {
            name: "imported-backfill".into(),
            start: format!("{start}T00:00:00"),
            targets,
            from: format!("{day}T00:00:00"),
            to: format!("{to}T23:59:59"),
        }
    })
}

/// A name the model accepts: each character a model name may not hold (`.`, `,`,
/// `=`, white space, control characters) becomes `_` (the report says so).
fn model_name(raw: &str, what: &str, path: &str, report: &mut Report) -> String {
    let clean = crate::model::names::mapped(raw);
    let clean = if clean.is_empty() {
        "unnamed".to_string()
    } else {
        clean
    };
    if clean != raw {
        report.notes.push(format!(
            "{what} `{raw}` ({path}) is named `{clean}`: model names have no `.`, `,`, `=` or white space"
        ));
    }
    clean
}

/// Makes `name` unique among `taken` by a numeric suffix, noting the rename, and
/// adds the name given to `taken`.
fn unique(name: String, taken: &mut HashSet<String>, what: &str, report: &mut Report) -> String {
    if taken.insert(name.clone()) {
        return name;
    }
    let mut n = 2;
    while taken.contains(&format!("{name}_{n}")) {
        n += 1;
    }
    let renamed = format!("{name}_{n}");
    taken.insert(renamed.clone());
    report.notes.push(format!(
        "a second {what} named `{name}` is named `{renamed}`"
    ));
    renamed
}

/// Writes inferred from a task's SQL script, checked against the profile's
/// parameters; each one listed in the report with its statement, every statement not
/// understood listed as such, every write outside any table (a directory export)
/// listed as dropped. `resolve` substitutes the task's own parameters.
fn sql_writes(
    script: &str,
    task: &str,
    path: &str,
    flavor: crate::calendar::params::Flavor,
    resolve: &dyn Fn(&str) -> String,
    report: &mut Report,
) -> Vec<DraftWrite> {
    let mut out = Vec::new();
    for st in sql::analyze(script) {
        for o in &st.outside {
            report.drop(path, format!("{task}: {}", o.what), o.why);
        }
        match st.kind {
            sql::Kind::NoWrite => {}
            sql::Kind::Unclassified(reason) => report.unclassified.push(Unclassified {
                task: task.to_string(),
                statement: st.text.clone(),
                reason,
            }),
            sql::Kind::Writes(writes) => {
                for w in writes {
                    let table = resolve(&w.table);
                    let partition = match &w.partition {
                        None => None,
                        Some(spec) if spec.is_empty() => {
                            report.drop(
                                path,
                                format!(
                                    "{task}: write of {table} (dynamic partition {})",
                                    w.dynamic.join(", ")
                                ),
                                "its partitions come from the data, not from the schedule",
                            );
                            continue;
                        }
                        Some(spec) => match sql::partition_text(spec) {
                            Ok(p) => {
                                let resolved = resolve(&p);
                                if resolved != p {
                                    report.notes.push(format!(
                                        "{task}: the partition {p} of {table} is {resolved} by the task's parameters"
                                    ));
                                }
                                Some(resolved)
                            }
                            Err(e) => {
                                report.drop(path, format!("{task}: write of {table}"), e);
                                continue;
                            }
                        },
                    };
                    if let Some(p) = &partition {
                        if let Err(e) = crate::calendar::params::evaluate(
                            p,
                            flavor,
                            &crate::calendar::params::Context::example(),
                        ) {
                            report.drop(
                                path,
                                format!("{task}: write of {table} partition {p}"),
                                format!("the partition cannot be evaluated: {e}"),
                            );
                            continue;
                        }
                        if !w.dynamic.is_empty() {
                            report.notes.push(format!(
                                "{task}: the write of {table} partition {p} has dynamic sub-partitions ({}): modelled as the static part",
                                w.dynamic.join(", ")
                            ));
                        }
                    }
                    report.inferred.push(InferredWrite {
                        task: task.to_string(),
                        table: table.clone(),
                        partition: partition.clone(),
                        mode: w.mode,
                        pattern: w.pattern,
                        statement: st.text.clone(),
                    });
                    out.push(DraftWrite {
                        table,
                        partition,
                        mode: w.mode,
                    });
                }
            }
        }
    }
    out
}

/// Refuses an export whose tasks wait for each other in a loop (its relations or
/// upstream lists), at the export's place of a task in it: the model would not load,
/// and its lines were never written for the user to read.
fn no_cycle(draft: &Draft) -> Result<(), ImportError> {
    // Tasks by "workflow.task", and each one's upstream tasks as indices.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut tasks: Vec<(&DraftWorkflow, &DraftTask)> = Vec::new();
    for w in &draft.workflows {
        for t in &w.tasks {
            index.insert(format!("{}.{}", w.name, t.name), tasks.len());
            tasks.push((w, t));
        }
    }
    let upstream: Vec<Vec<usize>> = tasks
        .iter()
        .map(|(w, t)| {
            t.upstream
                .iter()
                .filter_map(|u| {
                    let own = format!("{}.{u}", w.name);
                    index.get(&own).or_else(|| index.get(u)).copied()
                })
                .collect()
        })
        .collect();
    // Depth-first, without recursion: 0 unseen, 1 on the path, 2 done.
    let mut mark = vec![0u8; tasks.len()];
    for root in 0..tasks.len() {
        if mark[root] != 0 {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = 1;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            let Some(&up) = upstream[node].get(*next) else {
                mark[node] = 2;
                path.pop();
                continue;
            };
            *next += 1;
            match mark[up] {
                0 => {
                    mark[up] = 1;
                    path.push((up, 0));
                }
                1 => {
                    // The loop, from `up` (where it is located) to it again, each task
                    // before the one that waits for it.
                    let from = path
                        .iter()
                        .position(|&(n, _)| n == up)
                        .expect("on the path");
                    let mut cycle: Vec<usize> = path[from..].iter().rev().map(|p| p.0).collect();
                    cycle.rotate_right(1);
                    let mut names: Vec<String> = cycle
                        .iter()
                        .map(|&n| format!("{}.{}", tasks[n].0.name, tasks[n].1.name))
                        .collect();
                    names.push(names[0].clone());
                    let (file, at) = tasks[up].1.at.clone();
                    return Err(ImportError {
                        file,
                        path: at,
                        message: format!(
                            "dependency cycle: {}: each task waits for the one before it, so none can start",
                            names.join(" → ")
                        ),
                    });
                }
                _ => {}
            }
        }
    }
    Ok(())
}
