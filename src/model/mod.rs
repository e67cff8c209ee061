//! The model: parse a TOML model file, check it, and resolve it into dense, typed
//! structures the later stages read.
//!
//! Two steps, each reporting every problem it finds with file, line and column:
//! [`decode`] reads the file into the document types of [`doc`] (syntax, unknown keys,
//! wrong types); [`resolve`] checks values and names and builds the [`Model`]
//! (durations, dates, time zone, profile-only keys, references, dependency cycles).

pub mod advice;
pub mod aliases;
pub mod decode;
pub mod diagnostic;
pub mod doc;
pub mod expect;
mod file;
pub mod names;
mod pieces;
mod resolve;
mod scripted;
mod shapes;
pub mod span;
mod syntax;
mod text;
pub mod timetable;

use jiff::civil;

pub use diagnostic::{Diagnostic, FileDiagnostics};
pub use doc::{FaultOrigin, FaultPhase, HistoryState, OperationKind, Reprocess, WriteMode};
pub use file::{MAX_MODEL_BYTES, read_model_file, read_regular, read_regular_text};
pub use scripted::{
    attempt_conflict_message, attempt_in_conflict, attempt_problem, only_for_message,
    operation_profiles, operation_refusal,
};
pub use text::{parse_bound, parse_datetime, parse_duration, parse_window, tzdb, tzdb_version};

use crate::rules::{Backoff, DsVersion, FailureStrategy, Order, Profile, Rules};

/// Seconds of virtual time. Every duration in a model is a whole number of seconds.
pub type Seconds = u64;

/// Index of a task in [`Model::tasks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u32);

/// Index of a workflow in [`Model::workflows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkflowId(pub u32);

/// Index of a resource group in [`Model::groups`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub u32);

/// A checked model, with every name resolved to a dense index.
#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub profile: Profile,
    /// Set for dolphinscheduler (default 3.2).
    pub ds_version: Option<DsVersion>,
    pub timezone: jiff::tz::TimeZone,
    pub timezone_name: String,
    /// The profile's preset with the model's `[rules]` applied.
    pub rules: Rules,
    /// Declared groups in file order, then "default" if a task uses it undeclared.
    pub groups: Vec<ResourceGroup>,
    pub workflows: Vec<Workflow>,
    /// Every task of every workflow, workflow by workflow, in file order.
    pub tasks: Vec<Task>,
    pub scenarios: Vec<Scenario>,
    /// The `[[expect]]` entries: deadlines and SLAs `check` verifies.
    pub expects: Vec<expect::Expect>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResourceGroup {
    pub name: String,
    pub slots: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub name: String,
    pub cron: Option<String>,
    pub tasks: Vec<TaskId>,
    pub max_active_runs: Option<u32>,
    pub max_active_tasks: Option<u32>,
    pub failure_strategy: FailureStrategy,
    /// Workflow-instance priority (dolphinscheduler); 2 (MEDIUM) unless set.
    pub priority: u32,
    /// airflow: the timetable keys (catchup, dates, delta, @once, several crons).
    pub timetable: Option<timetable::WorkflowTimetable>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// Qualified: "workflow.task".
    pub name: String,
    pub workflow: WorkflowId,
    /// The task's own schedule (dataworks); otherwise its workflow's.
    pub cron: Option<String>,
    pub upstream: Vec<TaskId>,
    pub group: GroupId,
    pub task_group: Option<GroupId>,
    pub pool_slots: u32,
    /// priority (dataworks, dolphinscheduler) or priority_weight (airflow).
    pub priority: i64,
    pub self_dependency: bool,
    /// airflow: a trivial EmptyOperator: each instance succeeds once its upstreams
    /// are done, without running (no slot, no duration, no attempt).
    pub empty: bool,
    /// Both ends included.
    pub effective: Option<(civil::Date, civil::Date)>,
    pub duration: DurationDist,
    pub retry: Retry,
    pub timeout: Option<Seconds>,
    pub fail: Option<RandomFailure>,
    pub writes: Vec<Write>,
    /// dolphinscheduler: a DEPENDENT task's items; None for every other task.
    pub depends: Option<Box<Dependent>>,
}

/// A DolphinScheduler DEPENDENT task: items checked every `check_interval` seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Dependent {
    pub items: Vec<DependItem>,
    /// How the groups' results combine (`dependence.relation`).
    pub relation: crate::calendar::dependent::Relation,
    /// Each group's relation, by group (`dependTaskList[k].relation`): one group, of
    /// every item, when the model names none (`depends_groups`).
    pub groups: Vec<crate::calendar::dependent::Relation>,
    pub check_interval: Seconds,
    /// `failure_waiting` (`DEPENDENT_FAILURE_WAITING`): a group that says FAILED is
    /// not decided until this long after the business date.
    pub failure_waiting: Option<Seconds>,
}

/// Most groups a DEPENDENT task may have (a check keeps one bit per group).
pub const MAX_DEPENDENT_GROUPS: usize = 64;

/// One DEPENDENT item: which upstream, what of it, and which schedule times.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DependItem {
    pub workflow: WorkflowId,
    pub what: DependOn,
    pub cycle: crate::calendar::dependent::Cycle,
    pub date_value: crate::calendar::dependent::DateValue,
    /// Its group, from 0 (`Dependent::groups`).
    pub group: u32,
}

/// What a DEPENDENT item looks at in the upstream workflow instance (`depTaskCode`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DependOn {
    /// The workflow instance's state: 0 from 3.2.1 on (`DEPENDENT_WORKFLOW_CODE`).
    Workflow,
    /// "ALL": the workflow instance succeeded and each of its tasks did (-1 from 3.2.1
    /// on, `DEPENDENT_ALL_TASK_CODE`); 3.1.9's ALL is 0 and reads only the workflow
    /// instance's state (the engine's `classic` dependent_execute).
    All,
    /// One task's instance.
    Task(TaskId),
}

/// How long an execution takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DurationDist {
    Fixed(Seconds),
    Uniform(Seconds, Seconds),
    Lognormal { median: Seconds, p95: Seconds },
}

/// Default task duration when a model gives none.
pub const DEFAULT_DURATION: Seconds = 60;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Retry {
    /// Retries after the first attempt; attempts ≤ times + 1.
    pub times: u32,
    pub interval: Seconds,
    pub backoff: Backoff,
    pub max_interval: Option<Seconds>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomFailure {
    pub probability: f64,
    pub after_write: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Write {
    pub table: String,
    /// None: a table-level write (the whole table).
    pub partition: Option<String>,
    pub mode: WriteMode,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub start: civil::DateTime,
    pub until: Option<civil::DateTime>,
    pub recurring: bool,
    /// The seeds `schedsim test` runs it under, distinct, in the order given.
    pub seeds: Vec<u64>,
    pub backfills: Vec<Backfill>,
    pub faults: Vec<Fault>,
    pub operations: Vec<Operation>,
    pub stretches: Vec<Stretch>,
    /// Runs before the start, in the order declared (a workflow's entry is one per task).
    pub history: Vec<HistoryRun>,
    /// airflow: runs triggered by hand, in the order given.
    pub triggers: Vec<timetable::Trigger>,
}

/// What a backfill names: a whole workflow or one task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    Workflow(WorkflowId),
    Task(TaskId),
}

/// A backfill bound: a date, or a local date-time. Not ordered: bounds compare by
/// the instants they start at ([`DateOrTime::start`]), never by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrTime {
    Date(civil::Date),
    DateTime(civil::DateTime),
}

/// As written in a model: `2025-03-01`, or `2025-03-01T02:00:00`.
impl std::fmt::Display for DateOrTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DateOrTime::Date(d) => d.fmt(f),
            DateOrTime::DateTime(t) => t.fmt(f),
        }
    }
}

impl DateOrTime {
    /// The first instant the bound covers (a date's midnight).
    pub fn start(self) -> civil::DateTime {
        match self {
            DateOrTime::Date(d) => d.to_datetime(civil::Time::midnight()),
            DateOrTime::DateTime(t) => t,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Backfill {
    pub at: civil::DateTime,
    pub targets: Vec<Target>,
    pub downstream: bool,
    /// The range; with `dates`, their first and last.
    pub from: DateOrTime,
    pub to: DateOrTime,
    /// DolphinScheduler's explicit schedule times, distinct, in the order given.
    pub dates: Option<Vec<civil::DateTime>>,
    /// Time-of-day window, both ends included.
    pub window: Option<(civil::Time, civil::Time)>,
    /// Dates in parallel; 0: one chain per date (DolphinScheduler parallel mode
    /// without a parallelism).
    pub groups: u32,
    pub order: Order,
    pub run_immediately: bool,
    /// Airflow: which dates that already ran (the scenario's history) run again; None
    /// elsewhere, where a backfill creates new instances beside the old ones.
    pub reprocess: Option<Reprocess>,
    /// DolphinScheduler ALL_DEPENDENT: complement the workflows depending on the
    /// targets too; `Some(true)` with allLevelDependent.
    pub dependents: Option<bool>,
}

/// Runs that happened before the scenario's start (`[[scenario.history]]`): one task's
/// run at `from` (`from == to`, a scheduled time as given), or at every fire of its
/// schedule in `[from, to]`.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRun {
    pub task: TaskId,
    pub from: civil::DateTime,
    pub to: civil::DateTime,
    /// `from` alone, as given (`scheduled`), not a range of the schedule's fires.
    pub single: bool,
    pub state: HistoryState,
    /// Its writes landed (a failed run may have written before it failed).
    pub writes_landed: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub task: TaskId,
    pub scheduled: civil::DateTime,
    pub attempts: Vec<u32>,
    pub phase: FaultPhase,
    /// Only instances of this origin; None: any.
    pub origin: Option<FaultOrigin>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub at: civil::DateTime,
    pub kind: OperationKind,
    pub task: TaskId,
    pub scheduled: civil::DateTime,
}

/// A stretched duration: every execution of one instance takes `factor` times the
/// duration drawn for it (a long tail, a slow upstream).
#[derive(Clone, Debug, PartialEq)]
pub struct Stretch {
    pub task: TaskId,
    pub scheduled: civil::DateTime,
    pub factor: f64,
}

/// The largest stretch factor a scenario may give.
pub const MAX_STRETCH: f64 = 1000.0;

/// The hash every run records for its model: SHA-1 of the file's bytes, in hex.
pub fn model_hash(bytes: &[u8]) -> String {
    sha1_smol::Sha1::from(bytes).digest().to_string()
}

/// DolphinScheduler's cap on an explicit complement date list
/// (`Constants.SCHEDULE_TIME_MAX_LENGTH`, DS §1.1).
pub const MAX_COMPLEMENT_DATES: usize = 100;

/// An explicit complement date list as DolphinScheduler reads it: duplicates dropped,
/// the order kept; `Err(n)` with the distinct count when there are more than
/// [`MAX_COMPLEMENT_DATES`].
pub fn complement_dates(
    list: impl IntoIterator<Item = civil::DateTime>,
) -> Result<Vec<civil::DateTime>, usize> {
    let mut out: Vec<civil::DateTime> = Vec::new();
    for t in list {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_COMPLEMENT_DATES {
        Err(out.len())
    } else {
        Ok(out)
    }
}

impl Model {
    /// Whether two models schedule alike: equal in everything, the rule knobs that
    /// only give defaults while the model is resolved (a backfill's `groups` and
    /// `order`, the `default` group's slots, a workflow's failure strategy, a
    /// DEPENDENT task's check interval) compared through the values they resolved
    /// to, not their own. (A model holds no hash map: equal models print alike.)
    pub fn schedules_like(&self, other: &Model) -> bool {
        let mut other = other.clone();
        let (r, o) = (&self.rules, &mut other.rules);
        o.date_groups = r.date_groups;
        o.order = r.order;
        o.default_slots = r.default_slots;
        o.failure_strategy = r.failure_strategy;
        o.dependent_check_interval = r.dependent_check_interval;
        format!("{self:?}") == format!("{other:?}")
    }

    pub fn task(&self, id: TaskId) -> &Task {
        &self.tasks[id.0 as usize]
    }

    pub fn workflow(&self, id: WorkflowId) -> &Workflow {
        &self.workflows[id.0 as usize]
    }

    /// The schedule a task follows: its own, else its workflow's.
    pub fn cron_of(&self, id: TaskId) -> Option<&str> {
        let task = self.task(id);
        task.cron
            .as_deref()
            .or(self.workflow(task.workflow).cron.as_deref())
    }
}

/// Parses and checks a model file's text. `path` names the file in diagnostics.
pub fn load_str(path: &str, source: &str) -> Result<Model, FileDiagnostics> {
    load_document(path, source).map(|(model, _)| model)
}

/// [`load_str`], with the document it was read from: its spans locate the warnings
/// (`plan::reach::warnings`) without reading the text a second time.
pub fn load_document(path: &str, source: &str) -> Result<(Model, doc::Document), FileDiagnostics> {
    let (document, mut out) = read_document(path, source);
    let model = document.map(|document| {
        let doubts = names::Doubts::of(&document);
        let mut model = resolve::resolve(&document, &doubts, &mut out.diagnostics);
        model.expects = expect::resolve(&document.expects, &model, &doubts, &mut out.diagnostics);
        (model, document)
    });
    aliases::drop_followers(source, &mut out.diagnostics);
    finish(out, model)
}

/// Reads the document types alone (shape, keys and types; no value or name checks).
pub fn parse_document(path: &str, source: &str) -> Result<doc::Document, FileDiagnostics> {
    let (document, out) = read_document(path, source);
    finish(out, document)
}

/// TOML (with recovery from syntax errors) into the document types.
fn read_document(path: &str, source: &str) -> (Option<doc::Document>, FileDiagnostics) {
    read_in(path, source, source.len() >= pieces::FROM)
}

/// [`read_document`]; `in_pieces`: a workflow at a time (`pieces`), where that reads
/// it exactly as a whole.
fn read_in(path: &str, source: &str, in_pieces: bool) -> (Option<doc::Document>, FileDiagnostics) {
    let mut out = FileDiagnostics::new(path, source);
    let pieces = in_pieces.then(|| pieces::parse(source)).flatten();
    let (root, syntax_errors, workflows) = match pieces {
        Some(p) => (p.root, Vec::new(), Some((p.workflows, p.said))),
        None => {
            let (root, errors) = toml::de::DeTable::parse_recoverable(source);
            (root, errors, None)
        }
    };
    out.diagnostics
        .extend(syntax::diagnostics(source, &syntax_errors));
    if !syntax_errors.is_empty() {
        // What follows a syntax error is guesswork: "missing key" noise, not help.
        return (None, out);
    }
    let mut decoder = decode::Decoder::default();
    let root_value = toml::Spanned::new(root.span(), toml::de::DeValue::Table(root.into_inner()));
    let document = doc::Document::decode(&root_value, workflows, &mut decoder);
    for d in &mut decoder.diagnostics {
        // `[scenario]` where `[[scenario]]` was meant: say how to write it.
        if d.message.starts_with("expected an array")
            && d.message.ends_with("found a table")
            && source.as_bytes().get(d.span.start) == Some(&b'[')
        {
            d.help = Some(
                "an array of tables takes double brackets: write the header `[[...]]`, once per entry"
                    .into(),
            );
        }
    }
    out.diagnostics.extend(decoder.diagnostics);
    (document, out)
}

fn finish<T>(mut out: FileDiagnostics, value: Option<T>) -> Result<T, FileDiagnostics> {
    out.normalize();
    match value {
        Some(value) if out.is_empty() => Ok(value),
        _ => {
            if out.is_empty() {
                // Never report success for something that could not be built.
                out.diagnostics.push(Diagnostic::new(
                    0..0,
                    "the model could not be read",
                    "a schedsim model",
                ));
            }
            Err(out)
        }
    }
}

/// Reads and checks a model file.
pub fn load_file(path: &std::path::Path) -> Result<Model, FileDiagnostics> {
    let source = read_model_file(path)?;
    load_str(&path.display().to_string(), &source)
}

/// The JSON Schema of the model format.
pub mod schema {
    /// The schema of a model file, as pretty JSON (draft 2020-12).
    pub fn json_schema_text() -> String {
        let schema = schemars::schema_for!(super::doc::Document);
        serde_json::to_string_pretty(&schema).expect("a schema serialises")
    }
}
