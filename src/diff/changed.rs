//! Matched instances whose figures differ. A large diff can change every instance
//! of two runs, so each change keeps instants and indices, and its times and names
//! are formatted only when shown or serialised.

use jiff::tz::TimeZone;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::run::{Inst, Run};
use crate::calendar::Instant;
use crate::calendar::schedule::rfc3339;
use crate::engine::Origin;

/// The fields a change may name, in the order they are shown.
pub const FIELDS: [&str; 6] = ["state", "attempts", "executions", "dry_run", "start", "end"];

/// One matched instance whose figures differ: A's instance and B's.
#[derive(Clone, Debug)]
pub struct Changed {
    /// Index in `Changes::tasks`.
    task: u32,
    /// Index in `Changes::dates`.
    date: u32,
    pub scheduled: Instant,
    pub origin: Origin,
    pub a: Inst,
    pub b: Inst,
}

impl Changed {
    /// The names of the fields that differ.
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        let (a, b) = (&self.a, &self.b);
        let differs = [
            a.state != b.state,
            a.attempts != b.attempts,
            a.executions != b.executions,
            a.dry_run != b.dry_run,
            a.start != b.start,
            a.end != b.end,
        ];
        FIELDS
            .into_iter()
            .zip(differs)
            .filter_map(|(f, d)| d.then_some(f))
    }

    /// Its outcome differs, not only its times.
    pub fn outcome(&self) -> bool {
        self.fields().any(|f| !matches!(f, "start" | "end"))
    }

    /// Start shift in seconds (B minus A), when both started.
    pub fn start_shift(&self) -> Option<i64> {
        self.a.start.zip(self.b.start).map(|(x, y)| y - x)
    }

    /// End shift in seconds (B minus A), when both ended.
    pub fn end_shift(&self) -> Option<i64> {
        self.a.end.zip(self.b.end).map(|(x, y)| y - x)
    }
}

/// The changed instances of a diff, with what formats them.
#[derive(Clone, Debug)]
pub struct Changes {
    pub items: Vec<Changed>,
    tz: TimeZone,
    tasks: Vec<String>,
    dates: Vec<String>,
}

impl Changes {
    /// Named by run A's tasks, dates and zone.
    pub fn new(a: &Run) -> Changes {
        Changes {
            items: Vec::new(),
            tz: a.tz.clone(),
            tasks: a.tasks.clone(),
            dates: a.dates.iter().map(|d| d.date.clone()).collect(),
        }
    }

    /// Records A's instance `i` against B's `j` when they differ.
    pub fn add(&mut self, i: &Inst, j: &Inst) {
        let same = i.state == j.state
            && i.attempts == j.attempts
            && i.executions == j.executions
            && i.dry_run == j.dry_run
            && i.start == j.start
            && i.end == j.end;
        if !same {
            self.items.push(Changed {
                task: i.task,
                date: i.date,
                scheduled: i.scheduled,
                origin: i.origin,
                a: *i,
                b: *j,
            });
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Changed> {
        self.items.iter()
    }

    pub fn task(&self, c: &Changed) -> &str {
        &self.tasks[c.task as usize]
    }

    pub fn date(&self, c: &Changed) -> &str {
        &self.dates[c.date as usize]
    }

    pub fn time(&self, at: Instant) -> String {
        rfc3339(&self.tz, at)
    }

    /// A field's value in A and in B.
    pub fn values(&self, c: &Changed, field: &str) -> [Value; 2] {
        let time = |t: Option<i64>| t.map_or(Value::Null, |t| Value::String(self.time(t)));
        let of = |x: &Inst| -> Value {
            match field {
                "state" => x.state.word().into(),
                "attempts" => x.attempts.into(),
                "executions" => x.executions.into(),
                "dry_run" => x.dry_run.into(),
                "start" => time(x.start),
                _ => time(x.end),
            }
        };
        [of(&c.a), of(&c.b)]
    }
}

/// One change as JSON: `task`, `scheduled`, `origin`, `date`, `fields` (each changed
/// field to `[a, b]`), and the start and end shifts in seconds.
struct Shown<'c>(&'c Changes, &'c Changed);

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Shown(all, c) = *self;
        let fields: serde_json::Map<String, Value> = c
            .fields()
            .map(|f| (f.to_string(), Value::Array(all.values(c, f).to_vec())))
            .collect();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("task", all.task(c))?;
        m.serialize_entry("scheduled", &all.time(c.scheduled))?;
        m.serialize_entry("origin", &c.origin)?;
        m.serialize_entry("date", all.date(c))?;
        m.serialize_entry("fields", &fields)?;
        if let Some(x) = c.start_shift() {
            m.serialize_entry("start_shift_seconds", &x)?;
        }
        if let Some(x) = c.end_shift() {
            m.serialize_entry("end_shift_seconds", &x)?;
        }
        m.end()
    }
}

impl Serialize for Changes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.items.len()))?;
        for c in &self.items {
            seq.serialize_element(&Shown(self, c))?;
        }
        seq.end()
    }
}
