//! Runs read from files: a trace (`record`, `run --trace`), and a golden record (what
//! `schedsim test` keeps: the run's instances, dates, partitions, verdicts and resource
//! figures, one JSON object per line, header first). Both end with an end line
//! (`observe::trace::FORMAT`), so a file cut short is refused, not read as a run.

use std::borrow::Cow;
use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::run::{Builder, DateRec, Findings, GroupRec, Inst, Meta, PartitionRec, PropertyRec};
use super::run::{Run, Step, origin_of, state_of};
use crate::calendar::Instant;
use crate::observe::trace::{FORMAT, Header, end_line};

/// A time from an RFC 3339 text with offset.
fn instant(text: &str) -> Result<Instant, String> {
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| format!("`{text}` is not an RFC 3339 time"))
}

fn zone(name: &str) -> Result<TimeZone, String> {
    if name.is_empty() || name == "UTC" {
        return Ok(TimeZone::UTC);
    }
    crate::model::tzdb()
        .get(name)
        .map_err(|_| format!("unknown time zone `{name}`"))
}

/// The format of a trace or a golden record: its header's `format`, 1 without one
/// (written before end lines were).
pub fn format_of(text: &str) -> u64 {
    text.lines()
        .next()
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v.get("format").map(|f| f.as_u64().unwrap_or(u64::MAX)))
        .unwrap_or(1)
}

/// Whether `line` is an end line (`{"end":{"lines":N}}`).
pub fn is_end_line(line: &str) -> bool {
    end_of(line).is_some()
}

/// Whether `line` is an end line (`{"end":{"lines":N}}`), and N.
fn end_of(line: &str) -> Option<Option<u64>> {
    if !line.contains("\"end\"") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let end = v.get("end")?;
    Some(end.get("lines").and_then(serde_json::Value::as_u64))
}

/// The lines of a trace or golden record after its header, each with its number.
/// A file that ends inside a line was cut short; one of format 2 ends with its end
/// line, which counts the lines before it: without it, it was cut short too.
fn body<'t>(text: &'t str, what: &str) -> Result<Vec<(usize, &'t str)>, String> {
    let cut = |at: usize, how: &str| {
        format!(
            "{at}: the {what} {how}: it was cut short (a run killed, a disk full, a copy cut off); write it again"
        )
    };
    let mut lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .skip(1)
        .map(|(n, l)| (n + 1, l))
        .collect();
    if !text.ends_with('\n')
        && let Some(&(at, last)) = lines.last()
        && serde_json::from_str::<serde::de::IgnoredAny>(last).is_err()
    {
        return Err(cut(at, "ends inside this line"));
    }
    let format = format_of(text);
    if format > FORMAT {
        return Err(format!(
            "1: {what} format {format}, newer than this schedsim reads (format {FORMAT}): read it with the build that wrote it"
        ));
    }
    if format < 2 {
        return Ok(lines);
    }
    let last = lines.last().map_or(1, |&(at, _)| at);
    let Some(count) = lines.last().and_then(|&(_, l)| end_of(l)) else {
        return Err(cut(
            last,
            "stops after this line without its end line ({\"end\":{\"lines\":N}})",
        ));
    };
    lines.pop();
    if count != Some(lines.len() as u64) {
        return Err(format!(
            "{last}: the end line counts {} lines, the {what} has {}",
            count.map_or("no".to_string(), |c| c.to_string()),
            lines.len()
        ));
    }
    if let Some(&(at, _)) = lines.iter().find(|(_, l)| is_end_line(l)) {
        return Err(format!("{}: a line after the end line", at + 1));
    }
    Ok(lines)
}

/// The header line of a trace or a golden record.
fn header(line: Option<&str>, what: &str) -> Result<Meta, String> {
    let value: serde_json::Value = line
        .and_then(|l| serde_json::from_str(l).ok())
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| format!("1: not a schedsim {what} header"))?;
    let text = |key: &str| value[key].as_str().map(str::to_string);
    let (Some(scenario), Some(seed)) = (text("scenario"), value["seed"].as_u64()) else {
        return Err(format!(
            "1: the header needs `scenario` (a name) and `seed` (a whole number 0 or more), found scenario {} and seed {}",
            value["scenario"], value["seed"]
        ));
    };
    // What the command line added to the scenario: absent when nothing was.
    let list = |key: &str| -> Result<Vec<String>, String> {
        match &value[key] {
            serde_json::Value::Null => Ok(Vec::new()),
            v => serde_json::from_value(v.clone()).map_err(|_| {
                format!("1: the header's `{key}` is a list of the run's --{} values (strings), found {v}", &key[..key.len() - 1])
            }),
        }
    };
    let max_executions = match &value["max_executions"] {
        serde_json::Value::Null => None,
        v => Some(v.as_u64().ok_or_else(|| {
            format!("1: the header's `max_executions` is the run's --max-executions (a whole number), found {v}")
        })?),
    };
    Ok(Meta {
        max_executions,
        faults: list("faults")?,
        operations: list("operations")?,
        stretches: list("stretches")?,
        schedsim: text("schedsim").unwrap_or_default(),
        model: text("model").unwrap_or_default(),
        profile: text("profile").unwrap_or_default(),
        scenario,
        seed,
        model_hash: text("model_hash").unwrap_or_default(),
        tzdb: text("tzdb").unwrap_or_default(),
        timezone: text("timezone").unwrap_or_default(),
    })
}

/// A trace line's fields. Strings are borrowed from the line unless it escapes
/// them (`\u0054`: a trace re-serialised by another tool), then owned.
#[derive(Deserialize)]
struct TraceLine<'a> {
    #[serde(borrow)]
    time: Cow<'a, str>,
    instance: Option<u32>,
    task: Option<String>,
    #[serde(borrow)]
    scheduled: Option<Cow<'a, str>>,
    #[serde(borrow)]
    from: Option<Cow<'a, str>>,
    #[serde(borrow)]
    to: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
    unit: Option<u32>,
    date: Option<String>,
    /// A unit's workflows, when its request was split by workflow.
    workflows: Option<Vec<String>>,
    #[serde(borrow)]
    origin: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow)]
    state: Option<Cow<'a, str>>,
}

/// A recorded run is a trace (rather than a golden record) when its lines after the
/// header are transitions, each with its `time` (a golden record's lines are objects
/// of one key: `date`, `instance`, ...), in whatever order a tool wrote the keys.
pub fn is_trace(text: &str) -> bool {
    let mut after = text.lines().skip(1).filter(|l| !is_end_line(l));
    after.next().is_none_or(|l| {
        serde_json::from_str::<serde_json::Value>(l)
            .map_or_else(|_| l.contains("\"time\""), |v| v.get("time").is_some())
    })
}

/// The header of a trace or golden record: what run it is.
pub fn read_header(text: &str) -> Result<Meta, String> {
    header(text.lines().next(), "trace")
}

/// A run from a trace's text. Errors name the line.
pub fn read_trace(text: &str) -> Result<Run, String> {
    let meta = header(text.lines().next(), "trace")?;
    let tz = zone(&meta.timezone).map_err(|e| format!("1: {e}"))?;
    let mut builder = Builder::default();
    let mut tasks: BTreeMap<String, u32> = BTreeMap::new();
    let mut names: Vec<String> = Vec::new();
    for (at, line) in body(text, "trace")? {
        let l: TraceLine = serde_json::from_str(line).map_err(|e| format!("{at}: {e}"))?;
        let bad = |what: &str| format!("{at}: {what}");
        let time = instant(&l.time).map_err(|e| bad(&e))?;
        if let Some(unit) = l.unit {
            let origin = l
                .origin
                .as_deref()
                .and_then(origin_of)
                .ok_or_else(|| bad("a unit line needs `origin`"))?;
            let started = match l.event.as_deref() {
                Some("started") => true,
                Some("ended") => false,
                _ => return Err(bad("a unit line's `event` is `started` or `ended`")),
            };
            let failed = matches!(l.state.as_deref(), Some("failed" | "FAILURE"));
            // Told apart as `UnitEvent::label` tells them apart.
            let date = crate::engine::labelled(l.date.unwrap_or_default(), l.workflows.as_deref());
            builder.unit(time, unit, started, failed, origin, || date);
            continue;
        }
        let (Some(instance), Some(task), Some(scheduled), Some(from), Some(to)) =
            (l.instance, l.task, l.scheduled, l.from, l.to)
        else {
            return Err(bad(
                "expected an instance line (instance, task, scheduled, from, to) or a unit line",
            ));
        };
        let next = names.len() as u32;
        let task = *tasks.entry(task).or_insert_with_key(|k| {
            names.push(k.clone());
            next
        });
        let state = |w: &str| state_of(w).ok_or_else(|| bad(&format!("unknown state `{w}`")));
        builder
            .step(&Step {
                time,
                instance,
                task,
                scheduled: instant(&scheduled).map_err(|e| bad(&e))?,
                from: state(&from)?,
                to: state(&to)?,
                created: l.reason.as_deref() == Some("created"),
                rerun: l.reason.as_deref() == Some("rerun"),
            })
            .map_err(|e| bad(&e))?;
    }
    Ok(Run {
        meta,
        tz,
        tasks: names,
        instances: builder.instances,
        dates: builder.dates,
        findings: None,
        notes: Vec::new(),
        never_started: None,
        settings: None,
    })
}

#[derive(Serialize, Deserialize)]
struct DateLine {
    date: String,
    origin: String,
    started: String,
    ended: Option<String>,
    failed: bool,
}

#[derive(Serialize, Deserialize)]
struct InstanceLine {
    task: String,
    scheduled: String,
    origin: String,
    date: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    dry_run: bool,
    state: String,
    attempts: u32,
    executions: u32,
    start: Option<String>,
    end: Option<String>,
}

/// One line of a golden record after the header.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Date(DateLine),
    Instance(InstanceLine),
    Partition(PartitionRec),
    Property(PropertyRec),
    ResourceGroup(GroupRec),
}

/// A golden record of a run: the header, then one line per date, instance,
/// partition, property and resource group.
pub fn write_golden(run: &Run) -> String {
    let mut out = serde_json::to_string(&Header::of(&run.meta)).expect("a header serialises");
    out.push('\n');
    let mut lines = 0;
    let mut push = |line: Line| {
        out += &serde_json::to_string(&line).expect("a line serialises");
        out.push('\n');
        lines += 1;
    };
    for d in &run.dates {
        push(Line::Date(DateLine {
            date: d.date.clone(),
            origin: d.origin.word().to_string(),
            started: run.time(d.started),
            ended: d.ended.map(|t| run.time(t)),
            failed: d.failed,
        }));
    }
    for i in &run.instances {
        push(Line::Instance(InstanceLine {
            task: run.tasks[i.task as usize].clone(),
            scheduled: run.time(i.scheduled),
            origin: i.origin.word().to_string(),
            date: run.dates[i.date as usize].date.clone(),
            dry_run: i.dry_run,
            state: i.state.word().to_string(),
            attempts: i.attempts,
            executions: i.executions,
            start: i.start.map(|t| run.time(t)),
            end: i.end.map(|t| run.time(t)),
        }));
    }
    if let Some(f) = &run.findings {
        f.partitions
            .iter()
            .cloned()
            .for_each(|p| push(Line::Partition(p)));
        f.properties
            .iter()
            .cloned()
            .for_each(|p| push(Line::Property(p)));
        f.groups
            .iter()
            .cloned()
            .for_each(|g| push(Line::ResourceGroup(g)));
    }
    out + &end_line(lines)
}

/// A run from a golden record's text. Errors name the line.
pub fn read_golden(text: &str) -> Result<Run, String> {
    let meta = header(text.lines().next(), "golden")?;
    let tz = zone(&meta.timezone).map_err(|e| format!("1: {e}"))?;
    let mut run = Run {
        meta,
        tz,
        tasks: Vec::new(),
        instances: Vec::new(),
        dates: Vec::new(),
        findings: Some(Findings::default()),
        notes: Vec::new(),
        never_started: None,
        settings: None,
    };
    let mut tasks: BTreeMap<String, u32> = BTreeMap::new();
    let mut dates: BTreeMap<(String, String), u32> = BTreeMap::new();
    let findings = run.findings.as_mut().expect("set above");
    for (at, line) in body(text, "golden record")? {
        let bad = |what: String| format!("{at}: {what}");
        let line: Line = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let origin = |w: &str| origin_of(w).ok_or_else(|| bad(format!("unknown origin `{w}`")));
        let time = |t: &str| instant(t).map_err(bad);
        let maybe = |t: &Option<String>| t.as_deref().map(time).transpose();
        match line {
            Line::Date(d) => {
                dates.insert((d.date.clone(), d.origin.clone()), run.dates.len() as u32);
                run.dates.push(DateRec {
                    origin: origin(&d.origin)?,
                    started: time(&d.started)?,
                    ended: maybe(&d.ended)?,
                    failed: d.failed,
                    date: d.date,
                });
            }
            Line::Instance(i) => {
                let next = run.tasks.len() as u32;
                let task = *tasks.entry(i.task.clone()).or_insert(next);
                if task == next {
                    run.tasks.push(i.task.clone());
                }
                let date = *dates
                    .get(&(i.date.clone(), i.origin.clone()))
                    .ok_or_else(|| bad(format!("no date line for {} {}", i.date, i.origin)))?;
                run.instances.push(Inst {
                    task,
                    scheduled: time(&i.scheduled)?,
                    origin: origin(&i.origin)?,
                    date,
                    dry_run: i.dry_run,
                    state: state_of(&i.state)
                        .ok_or_else(|| bad(format!("unknown state `{}`", i.state)))?,
                    attempts: i.attempts,
                    executions: i.executions,
                    start: maybe(&i.start)?,
                    end: maybe(&i.end)?,
                });
            }
            Line::Partition(p) => findings.partitions.push(p),
            Line::Property(p) => findings.properties.push(p),
            Line::ResourceGroup(g) => findings.groups.push(g),
        }
    }
    Ok(run)
}
