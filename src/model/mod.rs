//! The model: parse a TOML model file, check it, and resolve it into dense, typed
//! structures the later stages read.
//!
//! Two steps, each reporting every problem it finds with file, line and column:
//! [`decode`] reads the file into the document types of [`doc`] (syntax, unknown keys,
//! wrong types); [`resolve`] checks values and names and builds the [`Model`]
//! (durations, dates, time zone, profile-only keys, references, dependency cycles).

pub mod decode;
pub mod diagnostic;
pub mod doc;
mod resolve;
pub mod span;
mod text;

use jiff::civil;

pub use diagnostic::{Diagnostic, FileDiagnostics};
pub use doc::{FaultPhase, OperationKind, WriteMode};
pub use text::{parse_bound, parse_duration, parse_window, tzdb, tzdb_version};

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
    /// Both ends included.
    pub effective: Option<(civil::Date, civil::Date)>,
    pub duration: DurationDist,
    pub retry: Retry,
    pub timeout: Option<Seconds>,
    pub fail: Option<RandomFailure>,
    pub writes: Vec<Write>,
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
    pub partition: String,
    pub mode: WriteMode,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub start: civil::DateTime,
    pub until: Option<civil::DateTime>,
    pub recurring: bool,
    pub backfills: Vec<Backfill>,
    pub faults: Vec<Fault>,
    pub operations: Vec<Operation>,
}

/// What a backfill names: a whole workflow or one task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    Workflow(WorkflowId),
    Task(TaskId),
}

/// A backfill bound: a date, or a local date-time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DateOrTime {
    Date(civil::Date),
    DateTime(civil::DateTime),
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
    pub groups: u32,
    pub order: Order,
    pub run_immediately: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub task: TaskId,
    pub scheduled: civil::DateTime,
    pub attempts: Vec<u32>,
    pub phase: FaultPhase,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub at: civil::DateTime,
    pub kind: OperationKind,
    pub task: TaskId,
    pub scheduled: civil::DateTime,
}

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

/// The profiles an operator action exists in; `None`: every profile. A model file's
/// `[[scenario.operation]]` and the command line's `--operation` are held to it alike.
pub fn operation_profiles(kind: OperationKind) -> Option<&'static [Profile]> {
    match kind {
        OperationKind::Freeze | OperationKind::Unfreeze => Some(&[Profile::Dataworks]),
        OperationKind::RerunUpstream => Some(&[Profile::Airflow]),
        _ => None,
    }
}

/// Why `what` (a key, an operation) is not allowed under `profile`, if it is not.
pub fn only_for_message(what: &str, profiles: &[Profile], profile: Profile) -> Option<String> {
    use crate::keyword::Keyword;
    if profiles.contains(&profile) {
        return None;
    }
    let owners = diagnostic::one_of(profiles.iter().map(|p| p.word()));
    Some(format!(
        "{what} applies only to profile {owners}, but this model's profile is `{profile}`"
    ))
}

/// Why an operator action of this kind is refused under `profile`, if it is.
pub fn operation_refusal(kind: OperationKind, profile: Profile) -> Option<String> {
    operation_profiles(kind).and_then(|profiles| {
        only_for_message(&format!("the operation `{kind}`"), profiles, profile)
    })
}

/// Why a fault cannot name this attempt of `task`, if it cannot.
pub fn attempt_problem(model: &Model, task: TaskId, attempt: u32) -> Option<String> {
    let max = model.task(task).retry.times.saturating_add(1);
    (attempt == 0 || attempt > max).then(|| {
        format!(
            "attempt {attempt} does not exist: `{}` has attempts 1 to {max}",
            model.task(task).name
        )
    })
}

/// The first attempt `fault` names that one of `earlier` already fails, for the same
/// instance, in the other phase (before or after the write): both cannot happen.
/// Faults on one instance otherwise add up.
pub fn attempt_in_conflict(earlier: &[Fault], fault: &Fault) -> Option<(u32, FaultPhase)> {
    earlier
        .iter()
        .filter(|e| e.task == fault.task && e.scheduled == fault.scheduled)
        .filter(|e| e.phase != fault.phase)
        .find_map(|e| {
            fault
                .attempts
                .iter()
                .find(|a| e.attempts.contains(a))
                .map(|&a| (a, e.phase))
        })
}

/// Why a fault failing attempt `a` in the other phase than `other` is refused.
pub fn attempt_conflict_message(model: &Model, fault: &Fault, a: u32, other: FaultPhase) -> String {
    use crate::keyword::Keyword;
    format!(
        "attempt {a} of `{}` scheduled {} already fails {} in another fault",
        model.task(fault.task).name,
        fault.scheduled.strftime("%Y-%m-%dT%H:%M:%S"),
        other.word()
    )
}

/// Parses and checks a model file's text. `path` names the file in diagnostics.
pub fn load_str(path: &str, source: &str) -> Result<Model, FileDiagnostics> {
    let (document, mut out) = read_document(path, source);
    let model = document.map(|document| resolve::resolve(&document, &mut out.diagnostics));
    finish(out, model)
}

/// Reads the document types alone (shape, keys and types; no value or name checks).
pub fn parse_document(path: &str, source: &str) -> Result<doc::Document, FileDiagnostics> {
    let (document, out) = read_document(path, source);
    finish(out, document)
}

/// TOML (with recovery from syntax errors) into the document types.
fn read_document(path: &str, source: &str) -> (Option<doc::Document>, FileDiagnostics) {
    let mut out = FileDiagnostics::new(path, source);
    let (root, syntax_errors) = toml::de::DeTable::parse_recoverable(source);
    for e in &syntax_errors {
        out.diagnostics.push(Diagnostic::new(
            e.span().unwrap_or(0..0),
            format!("TOML syntax: {}", e.message().trim()),
            "expected valid TOML",
        ));
    }
    if !syntax_errors.is_empty() {
        // What follows a syntax error is guesswork: "missing key" noise, not help.
        return (None, out);
    }
    let mut decoder = decode::Decoder::default();
    let root_value = toml::Spanned::new(root.span(), toml::de::DeValue::Table(root.into_inner()));
    let document = doc::Document::decode(&root_value, &mut decoder);
    for d in &mut decoder.diagnostics {
        // `[scenario]` where `[[scenario]]` was meant: say how to write it.
        if d.message == "expected an array, found a table"
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

/// The largest model file read: a model is hand-written text, and anything bigger is
/// refused before it is read (a device such as `/dev/zero` never ends).
pub const MAX_MODEL_BYTES: u64 = 16 << 20;

/// A model file's text. Only regular files are read (a FIFO with no writer would
/// block forever, a device might never end), at most [`MAX_MODEL_BYTES`] of them.
pub fn read_model_file(path: &std::path::Path) -> Result<String, FileDiagnostics> {
    let shown = path.display().to_string();
    let refuse = |why: String, expected: &str| {
        let mut out = FileDiagnostics::new(shown.clone(), "");
        out.diagnostics.push(Diagnostic::new(0..0, why, expected));
        out
    };
    let readable = "a readable UTF-8 file";
    let meta = std::fs::metadata(path)
        .map_err(|e| refuse(format!("cannot read the file: {e}"), readable))?;
    if !meta.is_file() {
        let kind = file_kind(&meta);
        return Err(refuse(
            format!("cannot read the file: it is {kind}, not a regular file"),
            "a regular file (schedsim does not read models from pipes or devices)",
        ));
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Err(refuse(
            format!(
                "cannot read the file: it has {} bytes, more than the {} MiB a model may have",
                meta.len(),
                MAX_MODEL_BYTES >> 20
            ),
            "a model file of at most 16 MiB",
        ));
    }
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_MODEL_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| refuse(format!("cannot read the file: {e}"), readable))?;
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        // It grew between the check and the read.
        return Err(refuse(
            format!(
                "cannot read the file: it has more than the {} MiB a model may have",
                MAX_MODEL_BYTES >> 20
            ),
            "a model file of at most 16 MiB",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        // Located: the text up to the first bad byte is shown as it is.
        let at = e.utf8_error().valid_up_to();
        let mut out = FileDiagnostics::new(shown.clone(), String::from_utf8_lossy(e.as_bytes()));
        out.diagnostics.push(Diagnostic::new(
            at..at,
            "cannot read the file: it is not valid UTF-8 text",
            readable,
        ));
        out
    })
}

/// What a path that is not a regular file is, for messages.
pub fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
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
