//! Two runs compared by meaning. Instances are matched by their logical identity (task,
//! scheduled time, origin; the n-th such instance of a run with the n-th of the
//! other when a run has more than one), dates by (date, origin), partitions by
//! (table, partition), properties and resource groups by name.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::changed::{Changed, Changes};
use super::run::{Inst, Run};
use super::settings::SettingChange;
use crate::engine::Origin;

/// The one-line verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing differs.
    Identical,
    /// The same outcomes; only times (and the resource figures they move) differ.
    Timing,
    /// Instances, states, executions, partitions or verdicts differ.
    Outcome,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Identical => "identical",
            Verdict::Timing => "timing",
            Verdict::Outcome => "outcome",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Pair<T> {
    pub a: T,
    pub b: T,
}

/// Which run a side is.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    /// What the command line gave (a file, knob values).
    pub label: String,
    #[serde(flatten)]
    pub meta: super::run::Meta,
}

/// An instance only one run has.
#[derive(Clone, Debug, Serialize)]
pub struct Only {
    pub task: String,
    pub scheduled: String,
    pub origin: Origin,
    pub date: String,
    /// Why the other run has none, when its dates explain it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How a set of shifts is spread, in seconds (B minus A).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Spread {
    pub later: usize,
    pub earlier: usize,
    pub unchanged: usize,
    /// Over the shifted ones only; 0 when none.
    pub min: i64,
    pub median: i64,
    pub p90: i64,
    pub max: i64,
}

impl Spread {
    fn of(mut shifts: Vec<i64>) -> Spread {
        let unchanged = shifts.iter().filter(|s| **s == 0).count();
        shifts.retain(|s| *s != 0);
        shifts.sort_unstable();
        let at = |q: usize| shifts.get((shifts.len() - 1) * q / 100).copied();
        Spread {
            later: shifts.iter().filter(|s| **s > 0).count(),
            earlier: shifts.iter().filter(|s| **s < 0).count(),
            unchanged,
            min: shifts.first().copied().unwrap_or(0),
            median: if shifts.is_empty() {
                0
            } else {
                at(50).unwrap_or(0)
            },
            p90: if shifts.is_empty() {
                0
            } else {
                at(90).unwrap_or(0)
            },
            max: shifts.last().copied().unwrap_or(0),
        }
    }

    pub fn shifted(&self) -> usize {
        self.later + self.earlier
    }
}

/// A date (unit) whose start or end moved, or that only one run has.
#[derive(Clone, Debug, Serialize)]
pub struct DateChange {
    pub date: String,
    pub origin: Origin,
    pub start: [Option<String>; 2],
    pub end: [Option<String>; 2],
    /// B's end minus A's, when both ended.
    pub end_shift_seconds: Option<i64>,
}

/// Dates that started at the same instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Wave {
    pub at: String,
    pub dates: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartitionChange {
    pub table: String,
    pub partition: String,
    /// Status in A and in B (`absent` when that run never wrote it).
    pub a: String,
    pub b: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PropertyChange {
    pub name: String,
    /// `holds` or `fails` (`absent` when a run did not evaluate it).
    pub a: String,
    pub b: String,
    /// The witness of the side where it fails.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witness: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResourceChange {
    pub group: String,
    pub figure: &'static str,
    pub a: u128,
    pub b: u128,
}

/// Everything that differs between two runs.
#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    pub verdict: Verdict,
    pub a: Side,
    pub b: Side,
    pub makespan_seconds: Pair<i64>,
    pub instances: Pair<usize>,
    pub only_a: Vec<Only>,
    pub only_b: Vec<Only>,
    pub changed: Changes,
    pub start_shifts: Spread,
    pub end_shifts: Spread,
    pub dates: Vec<DateChange>,
    /// Which dates start together in each run, when that grouping differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_together: Option<Pair<Vec<Wave>>>,
    pub partitions: Vec<PartitionChange>,
    pub properties: Vec<PropertyChange>,
    pub resources: Vec<ResourceChange>,
    /// Header fields that differ (schedsim version, model hash, tz database).
    pub header: Vec<String>,
    /// The model settings that differ, when both sides are simulated models
    /// ([`super::settings`]): with an `identical` verdict, settings the runs did not
    /// exercise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<SettingChange>,
    /// What the comparison could not see.
    pub notes: Vec<String>,
}

/// The instances of a run sorted by identity: (task name, scheduled, origin), then
/// creation order; with each one's occurrence number within its identity.
fn keyed(run: &Run) -> Vec<(u32, u32)> {
    let mut order: Vec<u32> = (0..run.instances.len() as u32).collect();
    // Task names ranked once, so the sort compares integers.
    let mut names: Vec<u32> = (0..run.tasks.len() as u32).collect();
    names.sort_unstable_by(|x, y| run.tasks[*x as usize].cmp(&run.tasks[*y as usize]));
    let mut rank = vec![0u32; run.tasks.len()];
    for (r, t) in names.into_iter().enumerate() {
        rank[t as usize] = r as u32;
    }
    let key = |i: u32| {
        let x = &run.instances[i as usize];
        (rank[x.task as usize], x.scheduled, x.origin as u8, i)
    };
    order.sort_unstable_by_key(|i| key(*i));
    let mut out = Vec::with_capacity(order.len());
    let mut n = 0;
    for (k, &i) in order.iter().enumerate() {
        n = match k.checked_sub(1).map(|p| order[p]) {
            Some(p) if same(&run.instances[p as usize], &run.instances[i as usize]) => n + 1,
            _ => 0,
        };
        out.push((i, n));
    }
    out
}

fn same(x: &Inst, y: &Inst) -> bool {
    x.task == y.task && x.scheduled == y.scheduled && x.origin == y.origin
}

/// Compares two identities across runs.
fn cmp(a: &Run, x: (u32, u32), b: &Run, y: (u32, u32)) -> Ordering {
    let (i, j) = (&a.instances[x.0 as usize], &b.instances[y.0 as usize]);
    a.tasks[i.task as usize]
        .cmp(&b.tasks[j.task as usize])
        .then(i.scheduled.cmp(&j.scheduled))
        .then((i.origin as u8).cmp(&(j.origin as u8)))
        .then(x.1.cmp(&y.1))
}

/// (date, origin) pairs of a run.
type DateSet<'r> = BTreeSet<(&'r str, u8)>;

/// What one run's instances are explained by in the other run: its started dates,
/// and, for a simulated run, the dates its schedule had that never started and its
/// model's tasks.
struct Other<'r> {
    /// `A` or `B`.
    name: &'static str,
    started: DateSet<'r>,
    /// A simulated run's dates that never started, and its model's tasks.
    simulated: Option<(DateSet<'r>, BTreeSet<&'r str>)>,
}

impl<'r> Other<'r> {
    fn of(name: &'static str, run: &'r Run) -> Self {
        let started = (run.dates.iter())
            .map(|d| (d.date.as_str(), d.origin as u8))
            .collect();
        let simulated = run.never_started.as_ref().map(|never| {
            let never = never.iter().map(|(d, o)| (d.as_str(), *o as u8)).collect();
            (never, run.tasks.iter().map(String::as_str).collect())
        });
        Other {
            name,
            started,
            simulated,
        }
    }
}

fn only(run: &Run, i: &Inst, other: &Other) -> Only {
    let task = &run.tasks[i.task as usize];
    let date = &run.dates[i.date as usize].date;
    let (origin, key) = (i.origin.word(), (date.as_str(), i.origin as u8));
    let name = other.name;
    let reason = match &other.simulated {
        Some((_, tasks)) if !tasks.contains(task.as_str()) => {
            format!("{name}'s model has no task {task}")
        }
        _ if other.started.contains(&key) => {
            format!("the other run's {origin} date {date} has no such instance")
        }
        Some((never, _)) if never.contains(&key) => {
            format!("{origin} date {date} never started in the other run")
        }
        Some(_) => format!("{name}'s schedule has no {origin} date {date}"),
        None => format!(
            "the other run, a recording, started no {origin} date {date} (a recording does not say whether its schedule had one)"
        ),
    };
    Only {
        task: task.clone(),
        scheduled: run.time(i.scheduled),
        origin: i.origin,
        date: date.clone(),
        reason: Some(reason),
    }
}

/// Dates by start instant, in order.
fn waves(run: &Run) -> Vec<Wave> {
    let mut by: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for d in &run.dates {
        by.entry(d.started).or_default().push(d.date.clone());
    }
    by.into_iter()
        .map(|(t, mut dates)| Wave {
            at: run.time(t),
            dates: {
                dates.sort_unstable();
                dates
            },
        })
        .collect()
}

/// A run's dates by (date, origin, occurrence).
fn date_index(r: &Run) -> BTreeMap<(&str, u8, u32), usize> {
    let mut m: BTreeMap<(&str, u8, u32), usize> = BTreeMap::new();
    let mut seen: BTreeMap<(&str, u8), u32> = BTreeMap::new();
    for (k, d) in r.dates.iter().enumerate() {
        let n = seen.entry((d.date.as_str(), d.origin as u8)).or_insert(0);
        m.insert((d.date.as_str(), d.origin as u8, *n), k);
        *n += 1;
    }
    m
}

fn dates(a: &Run, b: &Run) -> Vec<DateChange> {
    let (ia, ib) = (date_index(a), date_index(b));
    let mut keys: Vec<&(&str, u8, u32)> = ia.keys().chain(ib.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let (da, db) = (
            ia.get(key).map(|k| &a.dates[*k]),
            ib.get(key).map(|k| &b.dates[*k]),
        );
        let (sa, sb) = (da.map(|d| d.started), db.map(|d| d.started));
        let (ea, eb) = (da.and_then(|d| d.ended), db.and_then(|d| d.ended));
        if sa == sb && ea == eb && da.is_some() && db.is_some() {
            continue;
        }
        let d = da.or(db).expect("a key comes from one side");
        out.push(DateChange {
            date: d.date.clone(),
            origin: d.origin,
            start: [sa.map(|t| a.time(t)), sb.map(|t| b.time(t))],
            end: [ea.map(|t| a.time(t)), eb.map(|t| b.time(t))],
            end_shift_seconds: ea.zip(eb).map(|(x, y)| y - x),
        });
    }
    out
}

fn partitions(a: &super::run::Findings, b: &super::run::Findings) -> Vec<PartitionChange> {
    let map = |f: &super::run::Findings| {
        f.partitions
            .iter()
            .map(|p| ((p.table.clone(), p.partition.clone()), p.status.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let (ma, mb) = (map(a), map(b));
    let mut keys: Vec<&(String, String)> = ma.keys().chain(mb.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    let absent = || "absent".to_string();
    keys.into_iter()
        .filter(|k| ma.get(*k) != mb.get(*k))
        .map(|k| PartitionChange {
            table: k.0.clone(),
            partition: k.1.clone(),
            a: ma.get(k).cloned().unwrap_or_else(absent),
            b: mb.get(k).cloned().unwrap_or_else(absent),
        })
        .collect()
}

fn properties(a: &super::run::Findings, b: &super::run::Findings) -> Vec<PropertyChange> {
    let verdict = |f: &super::run::Findings, name: &str| {
        f.properties
            .iter()
            .find(|p| p.name == name)
            .map_or(("absent", Vec::new()), |p| {
                (if p.holds { "holds" } else { "fails" }, p.witness.clone())
            })
    };
    let mut names: Vec<&str> = a
        .properties
        .iter()
        .chain(&b.properties)
        .map(|p| p.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let ((va, wa), (vb, wb)) = (verdict(a, name), verdict(b, name));
            (va != vb).then(|| PropertyChange {
                name: name.to_string(),
                a: va.into(),
                b: vb.into(),
                witness: if vb == "fails" { wb } else { wa },
            })
        })
        .collect()
}

fn resources(a: &super::run::Findings, b: &super::run::Findings) -> Vec<ResourceChange> {
    let mut out = Vec::new();
    for ga in &a.groups {
        let Some(gb) = b.groups.iter().find(|g| g.name == ga.name) else {
            continue;
        };
        let figures = [
            ("slots", ga.slots.into(), gb.slots.into()),
            (
                "peak_running",
                ga.peak_running.into(),
                gb.peak_running.into(),
            ),
            (
                "peak_waiting",
                ga.peak_waiting.into(),
                gb.peak_waiting.into(),
            ),
            ("busy_seconds", ga.busy_seconds, gb.busy_seconds),
        ];
        for (figure, x, y) in figures {
            if x != y {
                out.push(ResourceChange {
                    group: ga.name.clone(),
                    figure,
                    a: x,
                    b: y,
                });
            }
        }
    }
    out
}

/// Compares run A with run B.
pub fn diff(a: &Run, a_label: &str, b: &Run, b_label: &str) -> Diff {
    let mut notes = Vec::new();
    let aligned = super::coarse::align(a, b);
    let (a, b) = match &aligned {
        Some((a, b, note)) => {
            notes.push(note.clone());
            (a, b)
        }
        None => (a, b),
    };
    let (ka, kb) = (keyed(a), keyed(b));
    let (da, db) = (Other::of("A", a), Other::of("B", b));
    let (mut only_a, mut only_b, mut changes) = (Vec::new(), Vec::new(), Changes::new(a));
    let (mut starts, mut ends) = (Vec::new(), Vec::new());
    let (mut x, mut y) = (0, 0);
    while x < ka.len() || y < kb.len() {
        let order = match (ka.get(x), kb.get(y)) {
            (Some(&p), Some(&q)) => cmp(a, p, b, q),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                only_a.push(only(a, &a.instances[ka[x].0 as usize], &db));
                x += 1;
            }
            Ordering::Greater => {
                only_b.push(only(b, &b.instances[kb[y].0 as usize], &da));
                y += 1;
            }
            Ordering::Equal => {
                let (i, j) = (
                    &a.instances[ka[x].0 as usize],
                    &b.instances[kb[y].0 as usize],
                );
                if let Some((s, t)) = i.start.zip(j.start) {
                    starts.push(t - s);
                }
                if let Some((s, t)) = i.end.zip(j.end) {
                    ends.push(t - s);
                }
                changes.add(i, j);
                x += 1;
                y += 1;
            }
        }
    }
    let mut header = Vec::new();
    for (key, va, vb) in [
        ("schedsim", &a.meta.schedsim, &b.meta.schedsim),
        ("model_hash", &a.meta.model_hash, &b.meta.model_hash),
        ("tzdb", &a.meta.tzdb, &b.meta.tzdb),
    ] {
        if va != vb {
            header.push(format!("{key}: {va} in A, {vb} in B"));
        }
    }
    // What a command line added to a side's scenario (a recorded run's --fault...).
    let (added_a, added_b) = (a.meta.added(), b.meta.added());
    if added_a != added_b {
        let shown = |x: &super::run::Added| match x.is_empty() {
            true => "nothing".to_string(),
            false => x.flags(),
        };
        header.push(format!(
            "added to the scenario: {} in A, {} in B",
            shown(&added_a),
            shown(&added_b)
        ));
    }
    let (partitions, properties, resources) = match (&a.findings, &b.findings) {
        (Some(fa), Some(fb)) => (partitions(fa, fb), properties(fa, fb), resources(fa, fb)),
        _ => {
            notes.push(
                "a trace records no partitions, property verdicts or resource figures: only instances, dates and times were compared".into(),
            );
            (Vec::new(), Vec::new(), Vec::new())
        }
    };
    let dates = dates(a, b);
    let (wa, wb) = (waves(a), waves(b));
    let grouping = |w: &[Wave]| w.iter().map(|w| w.dates.clone()).collect::<Vec<_>>();
    let starts_together = (grouping(&wa) != grouping(&wb)).then_some(Pair { a: wa, b: wb });
    let makespan = Pair {
        a: a.makespan(),
        b: b.makespan(),
    };
    // Runs regrouped (a date one run on one side, one per workflow on the other) are
    // other units: an outcome change, whatever their times.
    let outcome = aligned.is_some()
        || !only_a.is_empty()
        || !only_b.is_empty()
        || changes.iter().any(Changed::outcome)
        || !partitions.is_empty()
        || !properties.is_empty()
        || dates.iter().any(|d| d.start.iter().any(Option::is_none));
    let timing = !changes.is_empty()
        || !dates.is_empty()
        || !resources.is_empty()
        || makespan.a != makespan.b;
    Diff {
        verdict: if outcome {
            Verdict::Outcome
        } else if timing {
            Verdict::Timing
        } else {
            Verdict::Identical
        },
        a: Side {
            label: a_label.to_string(),
            meta: a.meta.clone(),
        },
        b: Side {
            label: b_label.to_string(),
            meta: b.meta.clone(),
        },
        makespan_seconds: makespan,
        instances: Pair {
            a: a.instances.len(),
            b: b.instances.len(),
        },
        only_a,
        only_b,
        changed: changes,
        start_shifts: Spread::of(starts),
        end_shifts: Spread::of(ends),
        dates,
        starts_together,
        partitions,
        properties,
        resources,
        header,
        settings: match (&a.settings, &b.settings) {
            (Some(x), Some(y)) => super::settings::changes(x, y),
            _ => Vec::new(),
        },
        notes: [notes, sides_notes(a, b)].concat(),
    }
}

/// What each simulated side noted of itself, once per note: `A: ...`, `B: ...`, or
/// `A and B: ...` (the sides as the output's first lines name them); a note about a
/// run is part of what is compared, so none is left unsaid.
fn sides_notes(a: &Run, b: &Run) -> Vec<String> {
    let mut out: Vec<String> = a
        .notes
        .iter()
        .map(|n| match b.notes.contains(n) {
            true => format!("A and B: {n}"),
            false => format!("A: {n}"),
        })
        .collect();
    out.extend(
        b.notes
            .iter()
            .filter(|n| !a.notes.contains(n))
            .map(|n| format!("B: {n}")),
    );
    out
}
