//! One side of a diff: what a run did, instance by instance and date by date, read
//! from the engine's events as they happen (`Collector`, a `Sink`) or from a trace
//! file's lines, by the same rules, plus the observers' findings when there are some.
//!
//! An instance is created by a `created` transition right after its unit's `started`
//! event (the engine creates a unit's instances together), so each instance's date and
//! origin are those of the unit started last. Its start is its first move to running;
//! its end the last move out of running (or its dry run); its executions count every
//! run; its attempts count the runs since its last operator rerun.

use jiff::tz::TimeZone;

use crate::calendar::Instant;
use crate::engine::{Event, Origin, Reason, Sink, State, UnitEvent};
use crate::model::Model;
use crate::observe::metrics::GroupFigures;

pub use crate::observe::trace::{Added, Meta};

/// One instance at the end of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inst {
    /// Index in `Run::tasks`.
    pub task: u32,
    pub scheduled: Instant,
    pub origin: Origin,
    /// Index in `Run::dates`.
    pub date: u32,
    pub dry_run: bool,
    pub state: State,
    pub attempts: u32,
    pub executions: u32,
    pub start: Option<Instant>,
    pub end: Option<Instant>,
}

/// One unit (backfill date, workflow instance, DAG run, recurring day).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateRec {
    pub date: String,
    pub origin: Origin,
    pub started: Instant,
    pub ended: Option<Instant>,
    pub failed: bool,
}

/// A partition's final status.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartitionRec {
    pub table: String,
    pub partition: String,
    pub status: String,
}

/// A property's verdict, with its witness when it fails.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PropertyRec {
    pub name: String,
    pub holds: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witness: Vec<String>,
}

/// A resource group's figures.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupRec {
    pub name: String,
    pub slots: u32,
    pub peak_running: u32,
    pub peak_waiting: u32,
    pub busy_seconds: u128,
}

/// What the observers found: absent for a run read from a trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    pub partitions: Vec<PartitionRec>,
    pub properties: Vec<PropertyRec>,
    pub groups: Vec<GroupRec>,
}

impl Findings {
    pub fn of(f: &crate::observe::summary::Findings) -> Findings {
        Findings {
            partitions: f
                .partitions
                .iter()
                .map(|p| PartitionRec {
                    table: p.key.table.clone(),
                    partition: p.key.partition.clone(),
                    status: p.status.word().to_string(),
                })
                .collect(),
            properties: f
                .properties
                .iter()
                .map(|p| PropertyRec {
                    name: p.name.to_string(),
                    holds: p.holds,
                    witness: p.witness.as_ref().map_or(Vec::new(), |w| {
                        std::iter::once(w.summary.clone())
                            .chain(w.details.iter().cloned())
                            .collect()
                    }),
                })
                .collect(),
            groups: f.groups.iter().map(group_rec).collect(),
        }
    }
}

fn group_rec(g: &GroupFigures) -> GroupRec {
    GroupRec {
        name: g.name.clone(),
        slots: g.slots,
        peak_running: g.peak_running,
        peak_waiting: g.peak_waiting,
        busy_seconds: g.busy_seconds,
    }
}

/// A run, as the diff sees it.
#[derive(Clone, Debug)]
pub struct Run {
    pub meta: Meta,
    pub tz: TimeZone,
    pub tasks: Vec<String>,
    pub instances: Vec<Inst>,
    pub dates: Vec<DateRec>,
    pub findings: Option<Findings>,
    /// What a simulated run noted of itself (a scripted fault that never ran, a bound
    /// read as midnight); a recording keeps none.
    pub notes: Vec<String>,
    /// A simulated run's dates (label, origin) that its schedule had and that never
    /// started; None for a recording, which does not list them.
    pub never_started: Option<Vec<(String, Origin)>>,
    /// A simulated run's model settings ([`super::settings`]); None for a recording.
    pub settings: Option<super::settings::Settings>,
}

impl Run {
    /// First start to last end of the executions (as `run` reports it).
    pub fn makespan(&self) -> i64 {
        let first = self.instances.iter().filter_map(|i| i.start).min();
        let last = self
            .instances
            .iter()
            .filter(|i| i.start.is_some())
            .filter_map(|i| i.end)
            .max();
        match (first, last) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        }
    }

    /// A time as RFC 3339 in the run's zone.
    pub fn time(&self, at: Instant) -> String {
        crate::calendar::schedule::rfc3339(&self.tz, at)
    }
}

pub fn state_of(word: &str) -> Option<State> {
    State::ALL.into_iter().find(|s| s.word() == word)
}

pub fn origin_of(word: &str) -> Option<Origin> {
    [
        Origin::Recurring,
        Origin::Backfill,
        Origin::Rerun,
        Origin::Manual,
    ]
    .into_iter()
    .find(|o| o.word() == word)
}

/// One transition, whatever it was read from.
pub struct Step {
    pub time: Instant,
    pub instance: u32,
    pub task: u32,
    pub scheduled: Instant,
    pub to: State,
    pub from: State,
    pub created: bool,
    pub rerun: bool,
}

/// Builds a run's instances and dates from its events, in order.
#[derive(Default)]
pub struct Builder {
    pub instances: Vec<Inst>,
    pub dates: Vec<DateRec>,
    /// Per unit id of the run: its index in `dates` (a map: a recorded trace may name
    /// any id, and a vector by id would take memory for every id below it).
    units: std::collections::BTreeMap<u32, u32>,
    /// The date started last.
    current: Option<u32>,
}

impl Builder {
    /// A unit started or ended; `date` is formatted only when it is new.
    pub fn unit(
        &mut self,
        time: Instant,
        unit: u32,
        started: bool,
        failed: bool,
        origin: Origin,
        date: impl FnOnce() -> String,
    ) {
        if started {
            let next = self.dates.len() as u32;
            let d = *self.units.entry(unit).or_insert(next);
            if d == next {
                self.dates.push(DateRec {
                    date: date(),
                    origin,
                    started: time,
                    ended: None,
                    failed: false,
                });
            }
            self.current = Some(d);
        } else if let Some(d) = self
            .units
            .get(&unit)
            .and_then(|&d| self.dates.get_mut(d as usize))
        {
            d.ended = Some(time);
            d.failed = failed;
        }
    }

    /// A transition. Errs when it names an instance never created.
    pub fn step(&mut self, s: &Step) -> Result<(), String> {
        let i = s.instance as usize;
        if s.created && i == self.instances.len() {
            let (date, origin) = match self.current {
                Some(d) => (d, self.dates[d as usize].origin),
                None => return Err(format!("instance {i} is created before any unit started")),
            };
            self.instances.push(Inst {
                task: s.task,
                scheduled: s.scheduled,
                origin,
                date,
                dry_run: false,
                state: State::NotRun,
                attempts: 0,
                executions: 0,
                start: None,
                end: None,
            });
        }
        let Some(inst) = self.instances.get_mut(i) else {
            return Err(format!("instance {i} appears before it was created"));
        };
        if s.rerun {
            inst.attempts = 0;
        }
        if s.to == State::Running {
            inst.executions += 1;
            inst.attempts += 1;
            inst.start.get_or_insert(s.time);
        }
        if s.from == State::Running {
            inst.end = Some(s.time);
        }
        if s.to == State::DryRun {
            inst.dry_run = true;
            inst.end = Some(s.time);
        }
        inst.state = s.to;
        Ok(())
    }
}

/// The diff's observer of a live simulation.
pub struct Collector<'m> {
    model: &'m Model,
    pub builder: Builder,
}

impl<'m> Collector<'m> {
    pub fn new(model: &'m Model) -> Self {
        Collector {
            model,
            builder: Builder::default(),
        }
    }

    /// The run, with what the other observers found and what the engine noted.
    pub fn finish(self, meta: Meta, findings: Option<Findings>, notes: Vec<String>) -> Run {
        Run {
            meta,
            tz: self.model.timezone.clone(),
            tasks: self.model.tasks.iter().map(|t| t.name.clone()).collect(),
            instances: self.builder.instances,
            dates: self.builder.dates,
            findings,
            notes,
            never_started: None,
            settings: None,
        }
    }
}

impl Sink for Collector<'_> {
    fn event(&mut self, e: &Event<'_>) {
        let step = Step {
            time: e.time,
            instance: e.instance,
            task: e.task().0,
            scheduled: e.scheduled(),
            to: e.to,
            from: e.from,
            created: e.reason == Reason::Created,
            rerun: e.reason == Reason::Rerun,
        };
        // The engine creates before it transitions: this cannot fail.
        let _ = self.builder.step(&step);
    }

    fn unit(&mut self, e: &UnitEvent) {
        let model = self.model;
        self.builder
            .unit(e.time, e.unit, e.started, e.failed, e.origin, || {
                e.label(model)
            });
    }
}
