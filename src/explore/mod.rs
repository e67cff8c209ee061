//! Property-based exploration of fault schedules: which attempts fail (before or after
//! their write), which operator actions happen and which durations stretch, searched
//! from one seed, each case checked against the aimed properties; a violating schedule
//! is shrunk to a minimal one (no fault attempt, action or stretch can be removed and
//! the same property still fail) and given back as the `check` command that replays
//! it exactly. Properties the scenario as written already violates are reported once
//! and not searched. Cases run in parallel (rayon); the outcome is the sequential
//! one.
//!
//! Schedules are scenario data ([`Fault`], [`Operation`], [`Stretch`]), added to a
//! copy of the scenario; nothing here touches the engine's rules.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::civil::DateTime;
use rayon::prelude::*;

use crate::calendar::Instant;
use crate::calendar::schedule::{instant_to_local, local_to_instant};
use crate::engine::{Config, Random, State};
use crate::model::{Fault, FaultPhase, Model, Operation, OperationKind, Scenario, Stretch, TaskId};
use crate::observe::verdicts;
use crate::rules::RerunComplement;
use crate::shard::Shard;

mod args;
mod draw;
pub mod part;
mod shrink;

pub use args::{
    fault_arg, operation_arg, parse_fault, parse_operation, parse_stretch, stretch_arg,
};
use draw::Draw;
use shrink::shrink;

crate::keyword_enum! {
    /// Which attempts a case may fail.
    pub enum FaultModel ("fault model") {
        /// Only attempts within the task's retries: every instance still succeeds.
        Transient = "transient",
        /// Any attempt, the last one included.
        Any = "any",
    }
}

impl FaultModel {
    /// What the fault model means, for the output.
    pub fn meaning(self) -> &'static str {
        match self {
            FaultModel::Transient => {
                "only attempts within each task's retries fail, so every instance still succeeds"
            }
            FaultModel::Any => "any attempt may fail, the last one included",
        }
    }
}

/// The factors a case stretches a duration by.
const FACTORS: [f64; 4] = [2.0, 3.0, 5.0, 10.0];

/// What a search aims at.
#[derive(Clone, Debug)]
pub struct Aim {
    /// The properties searched for, in catalog order.
    pub properties: Vec<&'static str>,
    pub faults: FaultModel,
    /// The operator actions a case may add.
    pub operations: Vec<OperationKind>,
    /// Whether a case may stretch durations.
    pub stretch: bool,
    /// Keep searching after the first violation.
    pub all_violations: bool,
}

/// The operator actions a search adds when none are asked for, and why.
pub fn default_operations(
    model: &Model,
    scenario: &Scenario,
    faults: FaultModel,
) -> (Vec<OperationKind>, &'static str) {
    if faults == FaultModel::Transient {
        (
            Vec::new(),
            "none, the default under --faults transient: the question is retries alone",
        )
    } else if model.rules.rerun_complement == RerunComplement::RegenerateLater
        && !scenario.backfills.is_empty()
    {
        (
            vec![OperationKind::RerunFailed],
            "rerun_failed, the default where rerun_complement = regenerate_later: a rerun of \
             a backfill instance creates the later dates again by design (SEMANTICS.md), \
             which unique-logical-instance reports, where recovering a failed date goes on \
             with the dates its failure left unstarted; --operations rerun searches it",
        )
    } else {
        (vec![OperationKind::Rerun], "rerun, the default")
    }
}

/// What one case adds to the scenario. Faults are kept one attempt each (so shrinking
/// can drop a single attempt); those of one instance share its phase.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schedule {
    pub faults: Vec<Fault>,
    pub operations: Vec<Operation>,
    pub stretches: Vec<Stretch>,
}

impl Schedule {
    /// The faults as the scenario takes them: one per instance, its attempts joined.
    pub fn merged_faults(&self) -> Vec<Fault> {
        let mut out: Vec<Fault> = Vec::new();
        for f in &self.faults {
            match out
                .iter_mut()
                .find(|g| (g.task, g.scheduled) == (f.task, f.scheduled))
            {
                Some(g) => {
                    g.attempts.extend_from_slice(&f.attempts);
                    g.attempts.sort_unstable();
                    g.attempts.dedup();
                }
                None => out.push(f.clone()),
            }
        }
        out
    }

    fn applied_to(&self, base: &Scenario) -> Scenario {
        let mut s = base.clone();
        s.faults.extend(self.merged_faults());
        s.operations.extend_from_slice(&self.operations);
        s.stretches.extend_from_slice(&self.stretches);
        s
    }

    /// Faults and stretches in instance order (their order has no effect).
    fn normalised(mut self) -> Schedule {
        self.faults.sort_by(|a, b| {
            (a.task, a.scheduled, &a.attempts).cmp(&(b.task, b.scheduled, &b.attempts))
        });
        self.stretches.sort_by_key(|s| (s.task, s.scheduled));
        self
    }
}

/// A violation found by the search, shrunk.
#[derive(Clone, Debug)]
pub struct Finding {
    pub property: &'static str,
    pub schedule: Schedule,
    /// The first case it was found in, from 1.
    pub case: usize,
    /// How many cases shrank to it.
    pub found_in: usize,
}

/// What an exploration did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Cases run (up to the first violation, unless every violation is asked for).
    pub cases: usize,
    /// Aimed properties that the scenario as written already violates: reported once,
    /// not searched.
    pub already: Vec<&'static str>,
    /// The properties the cases were checked against.
    pub searched: Vec<&'static str>,
    /// In the order the search found them; one at most unless every violation is asked for.
    pub findings: Vec<Finding>,
    /// What the base scenario's run noted of itself (`base scenario: ...`), then what
    /// the search could not do; said in the output.
    pub notes: Vec<String>,
}

/// An instance of the base run that a fault, an action or a stretch can aim at.
struct Target {
    task: TaskId,
    scheduled: DateTime,
    retries: u32,
    end: Instant,
    timeout: bool,
}

/// The searched properties (catalog order) that fail with `schedule` added.
fn violated(
    model: &Model,
    base: &Scenario,
    schedule: &Schedule,
    config: Config,
    searched: &[&'static str],
) -> Result<Vec<&'static str>, String> {
    let failing = failing(model, &schedule.applied_to(base), config)?;
    Ok(searched
        .iter()
        .copied()
        .filter(|p| failing.contains(p))
        .collect())
}

/// Every property that fails in `scenario`.
fn failing(
    model: &Model,
    scenario: &Scenario,
    config: Config,
) -> Result<BTreeSet<&'static str>, String> {
    let (_, properties) = verdicts(model, scenario, config).map_err(|e| e.to_string())?;
    Ok(properties
        .iter()
        .filter(|p| !p.holds)
        .filter_map(|p| p.builtin())
        .collect())
}

/// A search, planned: the base run's verdicts and the schedules of the cases a part
/// runs, drawn from the seed in case order before any case runs (so any split of the
/// cases runs the same schedules; a shard keeps only its own).
pub struct Search {
    /// What the search found before running a case: properties already violated,
    /// properties searched, notes on what it cannot aim at.
    pub outcome: Outcome,
    /// (case from 0, its schedule), in case order: the cases of the part planned for.
    schedules: Vec<(usize, Schedule)>,
    /// Cases drawn: every case asked for, or none when there was nothing to search.
    drawn: usize,
    earliest: BTreeMap<(TaskId, DateTime), DateTime>,
}

/// The most cases a search draws (each is a full simulation; a shard draws every
/// case's schedule before its own, to keep the one stream of draws).
pub const MAX_CASES: usize = 100_000_000;

/// One violating case of a part, its schedule shrunk.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The case, from 0.
    pub case: usize,
    pub property: &'static str,
    pub schedule: Schedule,
}

/// What a part of a search found: its violating cases (the first only, unless every
/// violation is asked for) and the cases that could not run, up to where it stopped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartResult {
    pub hits: Vec<Hit>,
    /// (case from 0, why): cases that could not run and count as holding.
    pub refused: Vec<(usize, String)>,
}

/// Searches `cases` random schedules on top of `scenario` (each simulated with
/// `config.seed`) for a violation of `aim.properties`, shrinking what it finds.
/// Cases run in parallel on the current rayon pool; the outcome is the one the
/// sequential order gives (the lowest case index wins). `progress` hears (done, total);
/// `replay` is as [`plan`]'s.
pub fn explore(
    model: &Model,
    (scenario, replay): (&Scenario, &str),
    config: Config,
    cases: usize,
    aim: &Aim,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Outcome, crate::engine::RunError> {
    let search = plan(
        model,
        (scenario, replay),
        config,
        cases,
        aim,
        Some(Shard::WHOLE),
    )?;
    let part = run_part(
        &search,
        model,
        scenario,
        config,
        aim,
        Shard::WHOLE,
        progress,
    );
    Ok(conclude(search, vec![part], cases, aim))
}

/// The model's `[[expect]]` entries are judged on a run, not searched: a case's
/// faults move its times, which a deadline is about, so a case that misses one is
/// not a violation found. Says which are left out, and which the base scenario
/// already fails.
fn expectations_not_searched(
    properties: &[crate::observe::check::PropertyResult],
    replay: &str,
    seed: u64,
) -> Option<String> {
    let expects: Vec<&crate::observe::check::PropertyResult> = properties
        .iter()
        .filter(|p| p.builtin().is_none())
        .collect();
    if expects.is_empty() {
        return None;
    }
    let names: Vec<&str> = expects.iter().map(|p| p.name.as_ref()).collect();
    let failing: Vec<&str> = expects
        .iter()
        .filter(|p| !p.holds)
        .map(|p| p.name.as_ref())
        .collect();
    let base = match failing.as_slice() {
        [] => String::new(),
        f => format!(
            "; the base scenario already fails {} (`{replay} --seed {seed}` shows how)",
            f.join(", ")
        ),
    };
    Some(format!(
        "the model's expectations are not searched, only the built-in properties: {}{base}",
        names.join(", ")
    ))
}

/// Runs the base scenario and draws every case's schedule.
/// Plans a search of `cases` cases, keeping the schedules of shard `keep` (`None`: none,
/// for a merge, which reads what the shards found). `replay` is the command that
/// replays the base scenario but for its seed (`schedsim check MODEL --scenario S`,
/// the model as the command line named it), for the notes.
pub fn plan(
    model: &Model,
    (scenario, replay): (&Scenario, &str),
    config: Config,
    cases: usize,
    aim: &Aim,
    keep: Option<Shard>,
) -> Result<Search, crate::engine::RunError> {
    let (engine, properties) = verdicts(model, scenario, config)?;
    let base_failing: Vec<&'static str> = properties
        .iter()
        .filter(|p| !p.holds)
        .filter_map(|p| p.builtin())
        .collect();
    let (already, searched): (Vec<&'static str>, Vec<&'static str>) = aim
        .properties
        .iter()
        .partition(|p| base_failing.contains(p));
    // What the base run said of itself (a bound read as midnight, a scripted fault
    // that never ran, a split request). A case drawn on top of it may differ where
    // its faults shift the random draws (a scripted fault may strike there): the
    // prefix says whose note it is.
    let mut notes: Vec<String> = engine
        .notes
        .iter()
        .map(|n| format!("base scenario: {n}"))
        .collect();
    notes.extend(expectations_not_searched(&properties, replay, config.seed));
    let mut search = Search {
        outcome: Outcome {
            cases: 0,
            already,
            searched,
            findings: Vec::new(),
            notes,
        },
        schedules: Vec::new(),
        drawn: 0,
        earliest: BTreeMap::new(),
    };
    let outcome = &mut search.outcome;
    if outcome.searched.is_empty() {
        outcome.notes.push(
            "every aimed property already fails in the base scenario: nothing left to search"
                .into(),
        );
        return Ok(search);
    }
    let tz = &model.timezone;
    let horizon = scenario.until.map(|u| local_to_instant(tz, u));
    let targets: Vec<Target> = engine
        .instances
        .iter()
        .filter(|i| i.attempts > 0 && i.state != State::DryRun)
        .map(|i| {
            let task = model.task(i.task);
            Target {
                task: i.task,
                scheduled: instant_to_local(tz, i.scheduled),
                retries: task.retry.times,
                end: i.end().unwrap_or(i.scheduled),
                timeout: task.timeout.is_some(),
            }
        })
        .collect();
    if targets.is_empty() {
        // With no instance at all, the base run's own note has said so.
        if !engine.instances.is_empty() {
            outcome
                .notes
                .push("no instance executes in the base scenario: nothing to aim at".into());
        }
        return Ok(search);
    }
    let transient = aim.faults == FaultModel::Transient;
    // A fault on an instance the scenario already scripts would replace its fault.
    let fault_targets: Vec<&Target> = targets
        .iter()
        .filter(|t| !transient || t.retries > 0)
        .filter(|t| {
            !scenario
                .faults
                .iter()
                .any(|f| (f.task, f.scheduled) == (t.task, t.scheduled))
        })
        .collect();
    if fault_targets.is_empty() {
        outcome.notes.push(if transient {
            "no executed instance has a retry (or each already has a scripted fault): transient faults have nothing to fail".into()
        } else {
            "every executed instance already has a scripted fault: the search adds none".into()
        });
    }
    // Under transient faults a timeout would fail the instance for good.
    // A DEPENDENT task has no execution length to stretch.
    let stretch_targets: Vec<&Target> = targets
        .iter()
        .filter(|t| aim.stretch && !(transient && t.timeout))
        .filter(|t| model.task(t.task).depends.is_none())
        .filter(|t| {
            !scenario
                .stretches
                .iter()
                .any(|s| (s.task, s.scheduled) == (t.task, t.scheduled))
        })
        .collect();
    if aim.stretch && stretch_targets.is_empty() {
        outcome.notes.push(
            "no executed instance can be stretched (a timeout would fail it for good under transient faults)"
                .into(),
        );
    }
    // The search's own stream, apart from the simulations' (which use the seed as is).
    const SEARCH: u64 = 0x5EED_0F0F_FA17;
    let mut rng = Random::new(config.seed ^ SEARCH);
    // The earliest time an action on each instance is drawn at.
    for t in &targets {
        let at = instant_to_local(tz, horizon.map_or(t.end + 60, |h| (t.end + 60).min(h)));
        let e = search.earliest.entry((t.task, t.scheduled)).or_insert(at);
        *e = (*e).min(at);
    }
    let draw = Draw {
        targets: &targets,
        fault_targets,
        stretch_targets,
        transient,
        kinds: &aim.operations,
        horizon,
        tz,
    };
    search.drawn = cases;
    if let Some(part) = keep {
        for k in 0..cases {
            let schedule = draw.schedule(&mut rng);
            if part.holds(k) {
                search.schedules.push((k, schedule));
            }
        }
    }
    Ok(search)
}

/// Runs the cases of shard `part` (in parallel on the current rayon pool) and shrinks what
/// they find: every violating case, or only the part's first one.
pub fn run_part(
    search: &Search,
    model: &Model,
    scenario: &Scenario,
    config: Config,
    aim: &Aim,
    part: Shard,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> PartResult {
    let searched = &search.outcome.searched;
    // The part's cases, each with its schedule.
    let mine: Vec<&(usize, Schedule)> = search
        .schedules
        .iter()
        .filter(|(k, _)| part.holds(*k))
        .collect();
    let total = mine.len();
    let done = AtomicUsize::new(0);
    let refused: Mutex<BTreeMap<usize, String>> = Mutex::default();
    let run_case = |&(k, ref schedule): &(usize, Schedule)| {
        let result = violated(model, scenario, schedule, config, searched);
        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
        result.unwrap_or_else(|e| {
            refused.lock().expect("no case panics").insert(k, e);
            Vec::new()
        })
    };
    let (hits, ran_to) = if searched.is_empty() {
        (Vec::new(), 0)
    } else if aim.all_violations {
        let all: Vec<_> = mine.par_iter().map(|&c| (c, run_case(c))).collect();
        let hits = all
            .into_iter()
            .flat_map(|(c, ps)| ps.into_iter().map(move |p| (c, p)))
            .collect();
        (hits, search.drawn)
    } else {
        let first = mine
            .par_iter()
            .map(|&c| (c, run_case(c)))
            .find_first(|(_, ps)| !ps.is_empty());
        let ran_to = first.as_ref().map_or(search.drawn, |((k, _), _)| k + 1);
        (
            first.map(|(c, ps)| (c, ps[0])).into_iter().collect(),
            ran_to,
        )
    };
    let refused = refused.into_inner().expect("no case panics");
    let shrunk: Vec<Schedule> = hits
        .par_iter()
        .map(|&((_, schedule), p)| {
            shrink(
                model,
                scenario,
                config,
                &search.earliest,
                p,
                schedule.clone(),
            )
        })
        .collect();
    PartResult {
        hits: hits
            .into_iter()
            .zip(shrunk)
            .map(|((&(case, _), property), schedule)| Hit {
                case,
                property,
                schedule,
            })
            .collect(),
        refused: refused
            .range(..ran_to)
            .map(|(&k, e)| (k, e.clone()))
            .collect(),
    }
}

/// The outcome of the whole search from the results of its parts (any split of the
/// cases gives the outcome of one process running them all).
pub fn conclude(search: Search, parts: Vec<PartResult>, cases: usize, aim: &Aim) -> Outcome {
    let mut outcome = search.outcome;
    if outcome.searched.is_empty() || search.drawn == 0 && cases > 0 {
        return outcome;
    }
    let mut hits: Vec<Hit> = Vec::new();
    let mut refused: BTreeMap<usize, String> = BTreeMap::new();
    for part in parts {
        hits.extend(part.hits);
        refused.extend(part.refused);
    }
    // Case order, and within a case the searched properties' (catalog) order.
    let rank = |p: &str| outcome.searched.iter().position(|q| *q == p);
    hits.sort_by_key(|h| (h.case, rank(h.property)));
    if !aim.all_violations {
        hits.truncate(1);
    }
    outcome.cases = match (aim.all_violations, hits.first()) {
        (false, Some(h)) => h.case + 1,
        _ => cases,
    };
    if let Some((first, why)) = refused.range(..outcome.cases).next() {
        let n = refused.range(..outcome.cases).count();
        outcome.notes.push(format!(
            "{n} of {} cases could not run and count as holding (case {}: {why})",
            outcome.cases,
            first + 1
        ));
    }
    for hit in hits {
        match outcome
            .findings
            .iter_mut()
            .find(|f| f.property == hit.property && f.schedule == hit.schedule)
        {
            Some(f) => f.found_in += 1,
            None => outcome.findings.push(Finding {
                property: hit.property,
                schedule: hit.schedule,
                case: hit.case + 1,
                found_in: 1,
            }),
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        crate::model::load_str(
            "m.toml",
            "[model]\nname = \"m\"\nprofile = \"dataworks\"\n[[workflow]]\nname = \"w\"\n  [[workflow.task]]\n  name = \"t\"\n  cron = \"00 00 02 * * ?\"\n  retry = { times = 2, interval = \"1m\" }\n  writes = [ { table = \"x\", partition = \"dt=${bizdate}\", mode = \"insert\" } ]\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-03\"\n",
        )
        .unwrap()
    }

    #[test]
    fn a_task_name_near_none_lists_the_first_tasks_and_how_many_more() {
        let tasks: String = (0..10)
            .map(|k| {
                format!("  [[workflow.task]]\n  name = \"t{k}\"\n  cron = \"00 00 02 * * ?\"\n")
            })
            .collect();
        let m = crate::model::load_str(
            "m.toml",
            &format!("[model]\nname = \"m\"\nprofile = \"dataworks\"\n[[workflow]]\nname = \"w\"\n{tasks}"),
        )
        .unwrap();
        let err = parse_fault(&m, "w.zzzzzz,2025-03-02T02:00:00,1").unwrap_err();
        assert_eq!(
            err,
            "`w.zzzzzz,2025-03-02T02:00:00,1`: unknown task `w.zzzzzz` (the model's tasks: `w.t0`, `w.t1`, `w.t2`, `w.t3`, `w.t4`, `w.t5`, `w.t6`, `w.t7` and 2 more)"
        );
        // A near name is suggested instead.
        let err = parse_fault(&m, "w.t11,2025-03-02T02:00:00,1").unwrap_err();
        assert!(err.ends_with("(did you mean `w.t1`?)"), "{err}");
    }

    #[test]
    fn fault_and_operation_arguments_round_trip() {
        let m = model();
        let f = parse_fault(&m, "w.t,2025-03-02T02:00:00,1+2,after_write").unwrap();
        assert_eq!(
            (f.attempts.clone(), f.phase),
            (vec![1, 2], FaultPhase::AfterWrite)
        );
        assert_eq!(parse_fault(&m, &fault_arg(&m, &f)).unwrap(), f);
        let o = parse_operation(&m, "rerun,w.t,2025-03-02T02:00:00,2025-03-10T05:00:00").unwrap();
        assert_eq!(parse_operation(&m, &operation_arg(&m, &o)).unwrap(), o);
        assert!(
            parse_fault(&m, "w.t,2025-03-02T02:00:00,4").is_err(),
            "3 attempts at most"
        );
        assert!(parse_operation(&m, "reboot,w.t,2025-03-02T02:00:00,2025-03-10T05:00:00").is_err());
    }

    fn aim(faults: FaultModel, operations: &[OperationKind]) -> Aim {
        Aim {
            properties: crate::observe::PROPERTIES.to_vec(),
            faults,
            operations: operations.to_vec(),
            stretch: true,
            all_violations: false,
        }
    }

    #[test]
    fn stretch_arguments_round_trip() {
        let m = model();
        let s = parse_stretch(&m, "w.t,2025-03-02T02:00:00,2.5").unwrap();
        assert_eq!(s.factor, 2.5);
        assert_eq!(parse_stretch(&m, &stretch_arg(&m, &s)).unwrap(), s);
        assert_eq!(
            stretch_arg(&m, &parse_stretch(&m, "w.t,2025-03-02T02:00:00,3").unwrap()),
            "w.t,2025-03-02T02:00:00,3"
        );
        for bad in ["0", "-1", "1001", "NaN", "inf", "x"] {
            assert!(
                parse_stretch(&m, &format!("w.t,2025-03-02T02:00:00,{bad}")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_insert_into_node_shrinks_to_one_after_write_failure() {
        let m = model();
        let config = Config::new(1, 1000);
        let out = explore(
            &m,
            (&m.scenarios[0], "schedsim check m.toml"),
            config,
            200,
            &aim(FaultModel::Any, &[OperationKind::Rerun]),
            &|_, _| {},
        )
        .unwrap();
        let [v] = &out.findings[..] else {
            panic!("an append retried after its write duplicates: {out:?}");
        };
        assert_eq!(v.property, "idempotent-writes");
        // Minimal: one fault after the write, or one rerun, and nothing else.
        let s = &v.schedule;
        assert_eq!(
            s.faults.len() + s.operations.len() + s.stretches.len(),
            1,
            "{v:?}"
        );
        if let Some(f) = s.faults.first() {
            assert_eq!(f.phase, FaultPhase::AfterWrite);
        }
        // The shrunk schedule still violates it.
        assert!(
            failing(&m, &s.applied_to(&m.scenarios[0]), config)
                .unwrap()
                .contains("idempotent-writes")
        );
    }

    #[test]
    fn the_outcome_does_not_depend_on_the_thread_count() {
        let m = model();
        for seed in 0..6 {
            let config = Config::new(seed, 1000);
            let run = |threads: usize, all_violations: bool| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let aim = Aim {
                    all_violations,
                    ..aim(FaultModel::Any, &[OperationKind::Rerun])
                };
                let out = pool.install(|| {
                    let base = (&m.scenarios[0], "schedsim check m.toml");
                    explore(&m, base, config, 40, &aim, &|_, _| {})
                });
                format!("{:?}", out.unwrap())
            };
            for all in [false, true] {
                assert_eq!(run(1, all), run(4, all), "seed {seed}, all: {all}");
            }
        }
    }

    #[test]
    fn transient_faults_never_fail_the_last_attempt() {
        let m = model();
        let config = Config::new(4, 1000);
        let out = explore(
            &m,
            (&m.scenarios[0], "schedsim check m.toml"),
            config,
            60,
            &Aim {
                all_violations: true,
                ..aim(FaultModel::Transient, &[])
            },
            &|_, _| {},
        )
        .unwrap();
        assert!(!out.findings.is_empty(), "{out:?}");
        for f in out.findings.iter().flat_map(|v| &v.schedule.faults) {
            assert!(f.attempts.iter().all(|&a| a <= 2), "retries = 2: {f:?}");
        }
    }
}
