//! Seeds: one scenario simulated once per seed (a driver over many runs, like a
//! sweep), and the distribution of what they gave: per figure min/p50/p95/max, per
//! property how many seeds violate it and the first that does, per expectation how
//! many seeds meet it.
//!
//! Seeds run on the current rayon pool; results are collected in seed order, so the
//! report is the same whatever the thread count. Percentiles are by nearest rank:
//! the p-th percentile of n sorted values is the value at rank ⌈p·n/100⌉ (1-based).

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::calendar::schedule::{Instant, rfc3339};
use crate::engine::{Config, RunError};
use crate::model::{Model, Scenario};
use crate::observe::exercised::{Exercised, Failures};
use crate::observe::{finished, observe_with};
use crate::shard::Shard;

mod text;

/// A range of seeds, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    pub first: u64,
    pub last: u64,
}

/// The most seeds one command runs (each a full simulation).
pub const MAX_SEEDS: u64 = 1_000_000;

impl Seeds {
    /// `N` (seeds 0 to N-1) or `A..B` (A to B, both included).
    pub fn parse(text: &str) -> Result<Seeds, String> {
        let number = |s: &str| {
            s.trim().parse::<u64>().map_err(|_| {
                format!("`{text}`: expected N (seeds 0 to N-1) or A..B (both included)")
            })
        };
        let seeds = match text.split_once("..") {
            Some((a, b)) => {
                let (first, last) = (number(a)?, number(b)?);
                if last < first {
                    return Err(format!(
                        "`{text}`: the range is inverted ({last} comes before {first})"
                    ));
                }
                Seeds { first, last }
            }
            None => match number(text)? {
                0 => return Err(format!("`{text}`: at least one seed")),
                n => Seeds {
                    first: 0,
                    last: n - 1,
                },
            },
        };
        if seeds.count() > MAX_SEEDS {
            return Err(format!(
                "`{text}`: {} seeds, more than {MAX_SEEDS} (each is a full simulation)",
                u128::from(seeds.last - seeds.first) + 1
            ));
        }
        Ok(seeds)
    }

    /// How many seeds (`u64::MAX` for the one range of 2^64, which no count holds).
    pub fn count(self) -> u64 {
        (self.last - self.first).saturating_add(1)
    }
}

impl std::fmt::Display for Seeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

/// min/p50/p95/max of one figure over the seeds (nearest rank). `None` stands for
/// "never" (a date that never finished) and sorts after every time.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Spread<T> {
    pub min: T,
    pub p50: T,
    pub p95: T,
    pub max: T,
}

/// The value at rank ⌈p·n/100⌉ of `sorted` (1-based, at least 1); `sorted` is not empty.
pub fn nearest_rank<T: Clone>(sorted: &[T], p: usize) -> T {
    let n = sorted.len();
    let rank = (p * n).div_ceil(100).max(1);
    sorted[rank.min(n) - 1].clone()
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`...
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The spread of `values` (not empty), sorted here.
pub fn spread<T: Ord + Clone>(mut values: Vec<T>) -> Spread<T> {
    values.sort();
    Spread {
        min: values[0].clone(),
        p50: nearest_rank(&values, 50),
        p95: nearest_rank(&values, 95),
        max: values[values.len() - 1].clone(),
    }
}

/// A time that may never have come, ordered with "never" last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Finish {
    At(Instant),
    Never,
}

/// One unit (a backfill date, a recurring day, a run) of one seed's run.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedDate {
    /// The date or run time, as a run's `dates` give it.
    pub date: String,
    /// Its workflows when its request was split by workflow (as a run's `dates`).
    pub workflows: Option<Vec<String>>,
    pub origin: &'static str,
    /// 1-based position of its backfill in the scenario: two backfills of one
    /// scenario may run the same date.
    pub backfill: Option<u32>,
    pub start: Option<Instant>,
    pub end: Option<Instant>,
}

/// What one seed's run gave, as the aggregate needs it.
#[derive(Clone, Debug)]
pub struct SeedRun {
    pub seed: u64,
    pub makespan: i64,
    pub executions: u64,
    /// Executions after each instance's first: retries and reruns.
    pub retries: u64,
    /// Per unit: its date, origin, backfill, start and end.
    pub dates: Vec<SeedDate>,
    pub groups: Vec<crate::observe::metrics::GroupFigures>,
    /// Each property (the 13, then `expect:NAME`) and whether it held.
    pub verdicts: Vec<(String, bool)>,
    /// The run's waits by what held them (`waits` of the run report).
    pub waits: Vec<crate::observe::waits::WaitRow>,
    /// The run's notes (`notes` of the run report): what it narrowed, left out or
    /// guessed.
    pub notes: Vec<String>,
    /// What the run exercised that a `whatif` knob acts on.
    pub exercised: Exercised,
}

/// Runs `scenario` once per seed on the current rayon pool, in seed order; the first
/// seed (in order) whose run cannot complete is the error.
pub fn run(
    model: &Model,
    scenario: &Scenario,
    seeds: Seeds,
    config: Config,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<SeedRun>, (u64, RunError)> {
    run_part(model, scenario, seeds, Shard::WHOLE, config, progress)
}

/// [`run`] for the seeds of one shard: the k-th seed of the range (from 0) when
/// `shard` holds k.
pub fn run_part(
    model: &Model,
    scenario: &Scenario,
    seeds: Seeds,
    shard: Shard,
    config: Config,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<SeedRun>, (u64, RunError)> {
    let mine: Vec<u64> = (0..seeds.count())
        .filter(|&k| shard.holds(k as usize))
        .map(|k| seeds.first + k)
        .collect();
    run_list(model, scenario, &mine, config, progress)
}

/// [`run`] for the seeds listed, in their order.
pub fn run_list(
    model: &Model,
    scenario: &Scenario,
    seeds: &[u64],
    config: Config,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<SeedRun>, (u64, RunError)> {
    let runs: Vec<Result<SeedRun, (u64, RunError)>> = seeds
        .par_iter()
        .map(|&seed| {
            let out = one(model, scenario, Config { seed, ..config }).map_err(|e| (seed, e));
            progress();
            out
        })
        .collect();
    runs.into_iter().collect()
}

fn one(model: &Model, scenario: &Scenario, config: Config) -> Result<SeedRun, RunError> {
    let mut failures = Failures::default();
    let (engine, findings, _) =
        observe_with::<Vec<u8>>(model, scenario, config, None, &mut failures)?;
    let engine = finished(engine)?;
    let exercised = Exercised::of(&engine, &failures, &findings.groups);
    let mut first = None::<Instant>;
    let mut last = None::<Instant>;
    let mut executions = 0u64;
    let mut retries = 0u64;
    for i in &engine.instances {
        executions += u64::from(i.attempts);
        retries += u64::from(i.attempts.saturating_sub(1));
        if let Some(s) = i.start() {
            first = Some(first.map_or(s, |f| f.min(s)));
            if let Some(e) = i.end() {
                last = Some(last.map_or(e, |l| l.max(e)));
            }
        }
    }
    Ok(SeedRun {
        seed: config.seed,
        makespan: match (first, last) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        },
        executions,
        retries,
        dates: engine
            .units
            .iter()
            .enumerate()
            .map(|(k, u)| SeedDate {
                date: u.key.date_text(engine.model()),
                workflows: engine
                    .unit_workflows(k as u32)
                    .map(|ws| crate::engine::workflow_names(engine.model(), ws)),
                origin: u.origin.word(),
                backfill: u.backfill.map(|b| b + 1),
                start: u.created,
                end: u.ended,
            })
            .collect(),
        groups: findings.groups,
        waits: findings.waits.waits,
        verdicts: findings
            .properties
            .iter()
            .map(|p| (p.name.to_string(), p.holds))
            .collect(),
        notes: engine.notes.clone(),
        exercised,
    })
}

/// A note of the runs, and on how many seeds it came (`notes` of a `--seeds` report).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NoteRate {
    pub note: String,
    pub seeds: u64,
}

/// Each distinct note of `runs` in the order first met (seed order), with the number
/// of seeds whose run had it.
pub fn note_rates(runs: &[SeedRun]) -> Vec<NoteRate> {
    let mut out: Vec<NoteRate> = Vec::new();
    for r in runs {
        for (k, note) in r.notes.iter().enumerate() {
            // A note a run says twice counts once for its seed.
            if r.notes[..k].contains(note) {
                continue;
            }
            match out.iter_mut().find(|x| x.note == *note) {
                Some(x) => x.seeds += 1,
                None => out.push(NoteRate {
                    note: note.clone(),
                    seeds: 1,
                }),
            }
        }
    }
    out
}

/// A date's finish over the seeds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DateSpread {
    pub date: String,
    pub origin: &'static str,
    /// 1-based position of its backfill in the scenario (as `dates` of a run).
    pub backfill: Option<u32>,
    /// The workflows whose runs it holds when its request was split by workflow;
    /// null otherwise (as `dates` of a run).
    pub workflows: Option<Vec<String>>,
    /// When it finished (RFC 3339); null: it never finished on that many seeds.
    pub end: Spread<Option<String>>,
    /// Start to end; null where it never finished.
    pub duration_seconds: Spread<Option<i64>>,
    /// Seeds on which it never finished.
    pub unfinished: u64,
}

/// A resource group's figures over the seeds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GroupSpread {
    pub name: String,
    pub slots: u32,
    pub peak_running: Spread<u32>,
    pub peak_waiting: Spread<u32>,
    pub busy_seconds: Spread<u128>,
}

/// One constraint's waits over the seeds (a seed on which nothing waited for it
/// counts as zeros).
#[derive(Clone, Debug, serde::Serialize)]
pub struct WaitSpread {
    pub kind: crate::observe::waits::Kind,
    pub name: Option<String>,
    /// Seeds on which something waited for it longer than zero.
    pub seeds_with_waits: u64,
    pub instances: Spread<u64>,
    pub total_seconds: Spread<u64>,
    pub p95_seconds: Spread<u64>,
    pub max_seconds: Spread<u64>,
    pub peak_queue: Spread<u32>,
}

/// An expectation over the seeds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExpectationRate {
    /// The `[[expect]]` name (its property is `expect:NAME`).
    pub name: String,
    /// Seeds on which it was met.
    pub met: u64,
    pub seeds: u64,
}

/// A property over the seeds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PropertyRate {
    pub name: String,
    /// Seeds on which it did not hold.
    pub violated: u64,
    pub first_seed: Option<u64>,
    /// The command that replays the first violating seed.
    pub replay: Option<String>,
}

/// `run --seeds` and `check --seeds`: the distribution of a scenario over seeds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    pub model: String,
    pub profile: crate::rules::Profile,
    pub scenario: String,
    /// How many seeds ran.
    pub seeds: u64,
    pub first_seed: u64,
    pub last_seed: u64,
    pub model_hash: String,
    pub tzdb: &'static str,
    /// How percentiles are taken.
    pub percentiles: &'static str,
    pub makespan_seconds: Spread<i64>,
    pub executions: Spread<u64>,
    pub retries: Spread<u64>,
    pub dates: Vec<DateSpread>,
    pub resource_groups: Vec<GroupSpread>,
    /// Per constraint (kind, name), in the order of a run's `waits`.
    pub waits: Vec<WaitSpread>,
    pub expectations: Vec<ExpectationRate>,
    pub properties: Vec<PropertyRate>,
    /// The runs' notes, each with the number of seeds that had it.
    pub notes: Vec<NoteRate>,
}

/// The percentile method, as reports state it.
pub const PERCENTILES: &str =
    "nearest rank: the p-th percentile of n sorted values is the value at rank ceil(p*n/100)";

/// Who the report is about and how to replay one seed.
pub struct About<'a> {
    pub model: &'a Model,
    pub scenario: &'a str,
    pub model_hash: String,
    /// The replay command without its seed, e.g. `schedsim check M --scenario S`.
    pub replay: String,
}

/// A date's start and end on one seed.
type StartEnd = (Option<Instant>, Option<Instant>);

/// A row of the dates: date, workflows, origin, backfill, and the unit's rank among
/// a seed's units with those four.
type DateKey = (String, Option<Vec<String>>, &'static str, Option<u32>, u32);

/// The distribution of `runs` (one per seed, in seed order, not empty).
pub fn report(about: About<'_>, seeds: Seeds, runs: &[SeedRun]) -> Report {
    let model = about.model;
    let tz = &model.timezone;
    // One row per unit of a run: its date, origin and backfill, and which of a
    // seed's units with those it is (should two ever share them), so that no row
    // mixes two units' times and each seed gives a row at most one value.
    let mut dates: BTreeMap<DateKey, Vec<StartEnd>> = BTreeMap::new();
    for r in runs {
        type Seen<'a> = (&'a str, &'a Option<Vec<String>>, &'a str, Option<u32>);
        let mut seen: BTreeMap<Seen<'_>, u32> = BTreeMap::new();
        for d in &r.dates {
            let k = seen
                .entry((&d.date, &d.workflows, d.origin, d.backfill))
                .or_default();
            let key = (
                d.date.clone(),
                d.workflows.clone(),
                d.origin,
                d.backfill,
                *k,
            );
            *k += 1;
            dates.entry(key).or_default().push((d.start, d.end));
        }
    }
    let n = runs.len() as u64;
    let dates = dates
        .into_iter()
        .map(|((date, workflows, origin, backfill, _), seen)| {
            // A date a seed never created counts as never finished on that seed.
            let missing = n as usize - seen.len().min(n as usize);
            let ends: Vec<Finish> = seen
                .iter()
                .map(|(_, e)| e.map_or(Finish::Never, Finish::At))
                .chain(std::iter::repeat_n(Finish::Never, missing))
                .collect();
            let durations: Vec<Finish> = seen
                .iter()
                .map(|(s, e)| match (s, e) {
                    (Some(s), Some(e)) => Finish::At(e - s),
                    _ => Finish::Never,
                })
                .chain(std::iter::repeat_n(Finish::Never, missing))
                .collect();
            let unfinished = ends.iter().filter(|e| **e == Finish::Never).count() as u64;
            let at = |f: Finish| match f {
                Finish::At(t) => Some(t),
                Finish::Never => None,
            };
            let e = spread(ends);
            let d = spread(durations);
            DateSpread {
                date,
                origin,
                backfill,
                workflows,
                end: Spread {
                    min: at(e.min).map(|t| rfc3339(tz, t)),
                    p50: at(e.p50).map(|t| rfc3339(tz, t)),
                    p95: at(e.p95).map(|t| rfc3339(tz, t)),
                    max: at(e.max).map(|t| rfc3339(tz, t)),
                },
                duration_seconds: Spread {
                    min: at(d.min),
                    p50: at(d.p50),
                    p95: at(d.p95),
                    max: at(d.max),
                },
                unfinished,
            }
        })
        .collect();
    let resource_groups = runs[0]
        .groups
        .iter()
        .enumerate()
        .map(|(k, g)| GroupSpread {
            name: g.name.clone(),
            slots: g.slots,
            peak_running: spread(runs.iter().map(|r| r.groups[k].peak_running).collect()),
            peak_waiting: spread(runs.iter().map(|r| r.groups[k].peak_waiting).collect()),
            busy_seconds: spread(runs.iter().map(|r| r.groups[k].busy_seconds).collect()),
        })
        .collect();
    let properties: Vec<PropertyRate> = runs[0]
        .verdicts
        .iter()
        .enumerate()
        .map(|(k, (name, _))| {
            let failing = || runs.iter().filter(|r| !r.verdicts[k].1);
            let first_seed = failing().next().map(|r| r.seed);
            PropertyRate {
                name: name.clone(),
                violated: failing().count() as u64,
                first_seed,
                replay: first_seed.map(|s| format!("{} --seed {s}", about.replay)),
            }
        })
        .collect();
    let expectations = properties
        .iter()
        .filter_map(|p| {
            p.name.strip_prefix("expect:").map(|name| ExpectationRate {
                name: name.to_string(),
                met: n - p.violated,
                seeds: n,
            })
        })
        .collect();
    Report {
        model: model.name.clone(),
        profile: model.profile,
        scenario: about.scenario.to_string(),
        seeds: seeds.count(),
        first_seed: seeds.first,
        last_seed: seeds.last,
        model_hash: about.model_hash,
        tzdb: crate::model::tzdb_version(),
        percentiles: PERCENTILES,
        makespan_seconds: spread(runs.iter().map(|r| r.makespan).collect()),
        executions: spread(runs.iter().map(|r| r.executions).collect()),
        retries: spread(runs.iter().map(|r| r.retries).collect()),
        dates,
        resource_groups,
        waits: wait_spreads(runs),
        expectations,
        properties,
        notes: note_rates(runs),
    }
}

/// Each constraint some seed waited for, its figures spread over every seed.
fn wait_spreads(runs: &[SeedRun]) -> Vec<WaitSpread> {
    use crate::observe::waits::{Kind, WaitRow};
    let mut keys: Vec<(Kind, Option<String>)> = runs
        .iter()
        .flat_map(|r| r.waits.iter().map(|w| (w.kind, w.name.clone())))
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|(kind, name)| {
            let rows: Vec<Option<&WaitRow>> = runs
                .iter()
                .map(|r| r.waits.iter().find(|w| w.kind == kind && w.name == name))
                .collect();
            let of = |f: fn(&WaitRow) -> u64| -> Spread<u64> {
                spread(rows.iter().map(|w| w.map_or(0, f)).collect())
            };
            WaitSpread {
                seeds_with_waits: rows.iter().filter(|w| w.is_some()).count() as u64,
                instances: of(|w| w.instances),
                total_seconds: of(|w| w.total_seconds),
                p95_seconds: of(|w| w.p95_seconds),
                max_seconds: of(|w| w.max_seconds),
                peak_queue: spread(rows.iter().map(|w| w.map_or(0, |w| w.peak_queue)).collect()),
                kind,
                name,
            }
        })
        .collect()
}

/// Seeds on which every expectation was met (all seeds when there are none).
pub fn all_met(runs: &[SeedRun]) -> u64 {
    runs.iter()
        .filter(|r| {
            r.verdicts
                .iter()
                .all(|(name, holds)| *holds || !name.starts_with("expect:"))
        })
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_a_count_or_an_inclusive_range() {
        assert_eq!(Seeds::parse("100").unwrap(), Seeds { first: 0, last: 99 });
        assert_eq!(Seeds::parse("5..9").unwrap().count(), 5);
        assert!(Seeds::parse("0").is_err());
        assert!(Seeds::parse("9..5").is_err());
        assert!(Seeds::parse("x").is_err());
        assert!(Seeds::parse("0..2000000").is_err());
        // Every u64: a count that wrapped to 0 once passed the bound (and panicked).
        assert_eq!(
            Seeds::parse("0..18446744073709551615").unwrap_err(),
            "`0..18446744073709551615`: 18446744073709551616 seeds, more than 1000000 (each is a full simulation)"
        );
    }

    #[test]
    fn the_rank_line_names_the_rank_of_these_seeds() {
        assert_eq!(
            [1, 2, 3, 4, 11, 12, 13, 19, 20, 21, 22, 95, 101, 111].map(ordinal),
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "19th", "20th", "21st", "22nd",
                "95th", "101st", "111th"
            ]
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<i64> = (1..=20).collect();
        // rank ceil(0.5*20) = 10, ceil(0.95*20) = 19
        assert_eq!(
            spread(v.clone()),
            Spread {
                min: 1,
                p50: 10,
                p95: 19,
                max: 20
            }
        );
        assert_eq!(
            spread(vec![7]),
            Spread {
                min: 7,
                p50: 7,
                p95: 7,
                max: 7
            }
        );
        let hundred: Vec<i64> = (1..=100).rev().collect();
        let s = spread(hundred);
        assert_eq!((s.p50, s.p95), (50, 95));
    }

    #[test]
    fn never_sorts_after_every_time() {
        let s = spread(vec![Finish::Never, Finish::At(5), Finish::At(3)]);
        assert_eq!((s.min, s.max), (Finish::At(3), Finish::Never));
    }
}
