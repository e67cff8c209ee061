//! The trace: one JSON object per line, streamed as events happen.
//!
//! The first line names the run (`header_line`), the last ends the file (`end_line`). Instance lines: `time`, `instance`, `task`, `scheduled`, `attempt`, `from`, `to`
//! (the common states), `state` (the profile's own name for `to`) and `reason`. Unit
//! lines (a backfill date, workflow instance or DAG run starting or ending): `time`,
//! `unit`, `date`, `origin`, `event` and `state`.

use std::io::{self, Write};

use crate::calendar::Instant;
use crate::calendar::schedule::rfc3339;
use crate::engine::{Event, Sink, UnitEvent};
use crate::model::Model;
use crate::rules::Profile;

/// What identifies a run: the trace header's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    pub schedsim: String,
    pub model: String,
    pub profile: String,
    pub scenario: String,
    pub seed: u64,
    pub model_hash: String,
    pub tzdb: String,
    pub timezone: String,
    /// What the command line added to the scenario (`run --fault`, `--operation`,
    /// `--stretch`), as given: a replay (`verify`, `diff`) adds them again. Absent from
    /// the header when none (and in traces written before they were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stretches: Vec<String>,
    /// `run --max-executions`, when not the default: a replay stops where the run
    /// stopped. Absent otherwise (and in traces written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_executions: Option<u64>,
}

impl Meta {
    pub fn of(model: &Model, scenario: &str, seed: u64, model_hash: &str) -> Meta {
        Meta {
            schedsim: env!("CARGO_PKG_VERSION").to_string(),
            model: model.name.clone(),
            profile: model.profile.to_string(),
            scenario: scenario.to_string(),
            seed,
            model_hash: model_hash.to_string(),
            tzdb: crate::model::tzdb_version().to_string(),
            timezone: model.timezone_name.clone(),
            faults: Vec::new(),
            operations: Vec::new(),
            stretches: Vec::new(),
            max_executions: None,
        }
    }

    /// The run under execution budget `max`: recorded when not the default.
    pub fn with_budget(self, max: u64) -> Meta {
        Meta {
            max_executions: (max != crate::engine::DEFAULT_MAX_EXECUTIONS).then_some(max),
            ..self
        }
    }

    /// The execution budget the run had.
    pub fn budget(&self) -> u64 {
        self.max_executions
            .unwrap_or(crate::engine::DEFAULT_MAX_EXECUTIONS)
    }

    /// The run with what the command line added to its scenario.
    pub fn with_added(self, added: &Added) -> Meta {
        Meta {
            faults: added.faults.clone(),
            operations: added.operations.clone(),
            stretches: added.stretches.clone(),
            ..self
        }
    }

    /// What the command line added to the scenario of this run.
    pub fn added(&self) -> Added {
        Added {
            faults: self.faults.clone(),
            operations: self.operations.clone(),
            stretches: self.stretches.clone(),
        }
    }
}

/// The `--fault`s, `--operation`s and `--stretch`es of a command line, as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Added {
    pub faults: Vec<String>,
    pub operations: Vec<String>,
    pub stretches: Vec<String>,
}

impl Added {
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty() && self.operations.is_empty() && self.stretches.is_empty()
    }

    /// As command-line flags: `--fault X --stretch Y`.
    pub fn flags(&self) -> String {
        let mut out = Vec::new();
        for (flag, values) in [
            ("--fault", &self.faults),
            ("--operation", &self.operations),
            ("--stretch", &self.stretches),
        ] {
            out.extend(values.iter().map(|v| format!("{flag} {v}")));
        }
        out.join(" ")
    }
}

/// The format of the traces and golden records this schedsim writes: 2 ends each with
/// an end line, `{"end":{"lines":N}}` (N: the lines between the header and it), so
/// that a file cut short (a run killed, a disk full, a copy cut off) is told from a
/// whole one. Its header says `"format":2`; a file whose header has no `format`
/// (format 1) was written before and has no end line.
pub const FORMAT: u64 = 2;

/// The header of a file of [`FORMAT`]: the run and the format.
#[derive(serde::Serialize)]
pub struct Header<'a> {
    #[serde(flatten)]
    pub meta: &'a Meta,
    pub format: u64,
}

impl<'a> Header<'a> {
    pub fn of(meta: &'a Meta) -> Self {
        Header {
            meta,
            format: FORMAT,
        }
    }
}

/// The last line of a file of [`FORMAT`], after `lines` lines (the header aside).
pub fn end_line(lines: u64) -> String {
    format!("{{\"end\":{{\"lines\":{lines}}}}}\n")
}

/// The first line of a trace file: what produced it, so that a trace can be replayed
/// and compared (product.md, determinism: seed, model hash, tz database version), and
/// what the command line added to the scenario (`faults`, `operations`, `stretches`,
/// as given to `--fault`, `--operation`, `--stretch`; absent when none), and the
/// file's `format` ([`FORMAT`]). Keys in name order.
pub fn header_line(meta: &Meta) -> String {
    serde_json::to_value(Header::of(meta))
        .expect("a header serialises")
        .to_string()
        + "\n"
}

pub struct TraceWriter<'m, W: Write> {
    out: W,
    model: &'m Model,
    /// Task names as JSON strings.
    names: Vec<String>,
    /// The first write error; later events are dropped.
    error: Option<io::Error>,
    /// The lines written, which the end line counts.
    lines: u64,
    /// One-entry caches: traces repeat the same times many times over.
    time: (Instant, String),
    scheduled: (Instant, String),
}

impl<'m, W: Write> TraceWriter<'m, W> {
    pub fn new(out: W, model: &'m Model) -> Self {
        TraceWriter {
            out,
            model,
            names: model
                .tasks
                .iter()
                .map(|t| serde_json::to_string(&t.name).expect("a string serialises"))
                .collect(),
            error: None,
            lines: 0,
            time: (Instant::MIN, String::new()),
            scheduled: (Instant::MIN, String::new()),
        }
    }

    /// Writes the end line, flushes and returns the writer, or the first error met.
    pub fn finish(mut self) -> io::Result<W> {
        let end = end_line(self.lines);
        self.write_line(format_args!("{end}"));
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn cached<'a>(model: &Model, cache: &'a mut (Instant, String), at: Instant) -> &'a str {
        if cache.0 != at || cache.1.is_empty() {
            *cache = (at, rfc3339(&model.timezone, at));
        }
        &cache.1
    }

    fn write_line(&mut self, line: std::fmt::Arguments<'_>) {
        if self.error.is_none()
            && let Err(e) = self.out.write_fmt(line)
        {
            self.error = Some(e);
        }
        self.lines += 1;
    }
}

impl<W: Write> Sink for TraceWriter<'_, W> {
    fn event(&mut self, e: &Event<'_>) {
        if self.error.is_some() {
            return;
        }
        let model = self.model;
        let time = Self::cached(model, &mut self.time, e.time).to_owned();
        let scheduled = Self::cached(model, &mut self.scheduled, e.scheduled());
        let upstream_failed = e.reason == crate::engine::Reason::UpstreamFailed;
        let line = format!(
            "{{\"time\":\"{time}\",\"instance\":{},\"task\":{},\"scheduled\":\"{scheduled}\",\"attempt\":{},\"from\":\"{}\",\"to\":\"{}\",\"state\":\"{}\",\"reason\":\"{}\"}}\n",
            e.instance,
            self.names[e.task().0 as usize],
            e.attempt(),
            e.from.word(),
            e.to.word(),
            e.to.profile_name(model.profile, upstream_failed),
            e.reason.word(),
        );
        self.write_line(format_args!("{line}"));
    }

    fn unit(&mut self, e: &UnitEvent) {
        let model = self.model;
        let time = Self::cached(model, &mut self.time, e.time).to_owned();
        // DolphinScheduler names workflow-instance states (DS §3); the others a run.
        let state = match (model.profile, e.started, e.failed) {
            (Profile::Dolphinscheduler, true, _) => "RUNNING_EXECUTION",
            (Profile::Dolphinscheduler, false, false) => "SUCCESS",
            (Profile::Dolphinscheduler, false, true) => "FAILURE",
            (Profile::Airflow, true, _) => "running",
            (Profile::Airflow, false, false) => "success",
            (Profile::Airflow, false, true) => "failed",
            (Profile::Dataworks, true, _) => "started",
            (Profile::Dataworks, false, false) => "finished",
            (Profile::Dataworks, false, true) => "failed",
        };
        let origin = e.origin.word();
        // A run of a request split by workflow names its workflows.
        let workflows = e.workflows.map_or(String::new(), |ws| {
            let names = crate::engine::workflow_names(model, ws);
            format!(
                ",\"workflows\":{}",
                serde_json::to_string(&names).expect("names serialise")
            )
        });
        let line = format!(
            "{{\"time\":\"{time}\",\"unit\":{},\"date\":\"{}\"{workflows},\"origin\":\"{origin}\",\"event\":\"{}\",\"state\":\"{state}\"}}\n",
            e.unit,
            e.key.date_text(model),
            if e.started { "started" } else { "ended" },
        );
        self.write_line(format_args!("{line}"));
    }
}
