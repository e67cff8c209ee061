//! Sweeps over seeds: every variant of a what-if run once per seed (`whatif
//! --seeds`), and `whatif --minimize KNOB`: the smallest value of an integer knob for
//! which every expectation of the model holds on at least the goal's share of seeds,
//! found by bisection over the knob's range.
//!
//! Variants run one after another; each variant's seeds run on the current rayon
//! pool (`seeds::run`), so results do not depend on the thread count. Bisection
//! assumes that more of the knob never lowers the hit rate; every value it measured
//! is reported, so a curve that is not monotone shows.

use std::collections::BTreeMap;

use crate::engine::Config;
use crate::model::expect::ExpectKind;
use crate::model::{Model, load_str};
use crate::observe::exercised::Exercised;
use crate::observe::observe;
use crate::observe::summary::human;
use crate::rules::Profile;
use crate::seeds::{self, ExpectationRate, SeedRun, Seeds, Spread, spread};
use crate::whatif::{Base, SweepError, Vary, combinations, typed};

/// One variant over the seeds.
#[derive(Debug, serde::Serialize)]
pub struct SeedsVariant {
    /// Each varied key with this variant's value, as given.
    #[serde(flatten)]
    pub values: BTreeMap<String, String>,
    /// The same values typed (numbers as numbers).
    pub knobs: BTreeMap<String, serde_json::Value>,
    pub seeds: u64,
    pub makespan_seconds: Spread<i64>,
    /// Seeds on which every expectation was met.
    pub all_met: u64,
    pub expectations: Vec<ExpectationRate>,
    /// Properties (besides expectations) some seed violates: name and count.
    pub violated: BTreeMap<String, u64>,
    /// The runs' notes, each with the number of seeds that had it.
    pub notes: Vec<seeds::NoteRate>,
    /// What its runs exercised, for the notes on knobs no variant could exercise.
    #[serde(skip)]
    pub exercised: Exercised,
}

/// Loads one variant's model and runs its scenario under every seed.
fn run_seeds(
    text: &str,
    values: &BTreeMap<String, String>,
    seeds: Seeds,
    config: Config,
) -> Result<(Model, Vec<SeedRun>), SweepError> {
    let model = load(text, values)?;
    let runs = seeds::run(&model, &model.scenarios[0], seeds, config, &|| {})
        .map_err(|e| run_error(values, e))?;
    Ok((model, runs))
}

/// One variant's model.
fn load(text: &str, values: &BTreeMap<String, String>) -> Result<Model, SweepError> {
    load_str("whatif variant", text).map_err(|d| SweepError::Variant {
        values: values.clone(),
        diagnostics: Box::new(d),
    })
}

fn run_error(
    values: &BTreeMap<String, String>,
    (seed, error): (u64, crate::engine::RunError),
) -> SweepError {
    SweepError::Run {
        values: values.clone(),
        seed: Some(seed),
        error,
    }
}

/// One variant's figures from its runs (one per seed, in seed order, not empty).
pub fn summarise(values: &BTreeMap<String, String>, runs: &[SeedRun]) -> SeedsVariant {
    let n = runs.len() as u64;
    let mut expectations = Vec::new();
    let mut violated = BTreeMap::new();
    for (k, (name, _)) in runs[0].verdicts.iter().enumerate() {
        let bad = runs.iter().filter(|r| !r.verdicts[k].1).count() as u64;
        match name.strip_prefix("expect:") {
            Some(e) => expectations.push(ExpectationRate {
                name: e.to_string(),
                met: n - bad,
                seeds: n,
            }),
            None if bad > 0 => {
                violated.insert(name.clone(), bad);
            }
            None => {}
        }
    }
    SeedsVariant {
        values: values.clone(),
        knobs: typed(values),
        seeds: n,
        makespan_seconds: spread(runs.iter().map(|r| r.makespan).collect()),
        all_met: seeds::all_met(runs),
        expectations,
        violated,
        notes: seeds::note_rates(runs),
        exercised: runs.iter().fold(Exercised::default(), |mut all, r| {
            all.merge(&r.exercised);
            all
        }),
    }
}

/// Every variant of `vary` on `base`, each under every seed, in variant order.
pub fn sweep(
    source: &str,
    base: &Base,
    vary: &[Vary],
    seeds: Seeds,
    config: Config,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<SeedsVariant>, SweepError> {
    let table: toml::Table = toml::from_str(source).map_err(|e| SweepError::Base(e.to_string()))?;
    let combos = combinations(vary);
    let mut out = Vec::new();
    for (k, values) in combos.iter().enumerate() {
        let text = base.text(&table, values)?;
        let (_, runs) = run_seeds(&text, values, seeds, config)?;
        out.push(summarise(values, &runs));
        progress(k + 1, combos.len());
    }
    Ok(out)
}

/// The (variant, seed) pairs of one shard of a `whatif --seeds` sweep: pair
/// `v × seeds + s` (variant `v`, the `s`-th seed from 0) is the shard's when it holds
/// that number. Each variant with a pair here, in variant order: its index and its
/// runs, in seed order.
pub fn sweep_part(
    source: &str,
    base: &Base,
    vary: &[Vary],
    seeds: Seeds,
    shard: crate::shard::Shard,
    config: Config,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<(usize, Vec<SeedRun>)>, SweepError> {
    let table: toml::Table = toml::from_str(source).map_err(|e| SweepError::Base(e.to_string()))?;
    let combos = combinations(vary);
    let per = seeds.count() as usize;
    let mut out = Vec::new();
    for (v, values) in combos.iter().enumerate() {
        let mine: Vec<u64> = (0..per)
            .filter(|s| shard.holds(v * per + s))
            .map(|s| seeds.first + s as u64)
            .collect();
        if !mine.is_empty() {
            let text = base.text(&table, values)?;
            let model = load(&text, values)?;
            let runs = seeds::run_list(&model, &model.scenarios[0], &mine, config, &|| {})
                .map_err(|e| run_error(values, e))?;
            out.push((v, runs));
        }
        progress(v + 1, combos.len());
    }
    Ok(out)
}

/// The integer knobs `--minimize` takes, and their default ranges under `profile`:
/// 1..64 slots or groups (up to [`highest`] where the profile has one), 0..10 retries.
pub fn default_range(knob: &str, profile: Profile) -> Option<(i64, i64)> {
    if knob.starts_with("slots.") || is_groups(knob) {
        Some((1, highest(knob, profile).unwrap_or(64)))
    } else if knob.starts_with("retries.") {
        Some((0, 10))
    } else {
        None
    }
}

/// The highest value the profile accepts for an integer knob, where it has one:
/// DataWorks runs at most [`DATAWORKS_MAX_GROUPS`](crate::rules::DATAWORKS_MAX_GROUPS)
/// groups of business dates in parallel.
pub fn highest(knob: &str, profile: Profile) -> Option<i64> {
    (is_groups(knob) && profile == Profile::Dataworks)
        .then(|| i64::from(crate::rules::DATAWORKS_MAX_GROUPS))
}

/// `groups`, or `groups.N` (one backfill's).
fn is_groups(knob: &str) -> bool {
    crate::whatif::backfill_knob(knob).is_some_and(|(k, _)| k == "groups")
}

/// A `--range LO..HI` (both included).
pub fn parse_range(text: &str) -> Result<(i64, i64), String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("`{text}`: expected LO..HI, both included"))?;
    let n = |s: &str| {
        s.trim()
            .parse::<i64>()
            .map_err(|_| format!("`{text}`: expected LO..HI with whole numbers"))
    };
    let (lo, hi) = (n(a)?, n(b)?);
    if hi < lo {
        return Err(format!("`{text}`: the range is inverted"));
    }
    Ok((lo, hi))
}

/// One value measured.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CurvePoint {
    pub value: i64,
    /// Seeds on which every expectation was met.
    pub met: u64,
    pub seeds: u64,
    pub makespan_p95_seconds: i64,
    /// The makespan's spread, for the chart.
    #[serde(skip)]
    pub makespan: Spread<i64>,
    /// The runs' notes, each with the number of seeds that had it.
    pub notes: Vec<seeds::NoteRate>,
}

/// `whatif --minimize KNOB --format json`.
#[derive(Debug, serde::Serialize)]
pub struct Minimum {
    pub knob: String,
    /// The share of seeds on which every expectation must hold.
    pub goal: f64,
    pub seeds: u64,
    /// The range searched, both ends included.
    pub range: [i64; 2],
    /// How the range was searched.
    pub search: Search,
    /// What every variant ran.
    pub base: String,
    /// Every value measured, in increasing order.
    pub curve: Vec<CurvePoint>,
    /// The smallest value that meets the goal; null when none in the range does.
    pub minimum: Option<i64>,
    /// Why there is no minimum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the answer does not say by itself: a minimum at the low end of a range
    /// that starts above the knob's lowest valid value may not be the least.
    pub notes: Vec<String>,
}

/// How `minimize` searches the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Search {
    /// Both ends, then halving: more of the knob is taken never to lower the hit rate.
    Bisection,
    /// Every value from the low end up, until one meets the goal: under the model's
    /// rules more of the knob can lower the hit rate.
    EachValue,
}

/// Why, under the model's rules, more of `knob` can lower the hit rate, if it can
/// (`model`: the base variant, one scenario): then bisection could skip the values
/// that meet the goal.
///
/// - `groups` under `group_split = chunks` (DolphinScheduler 3.3, #17831): P groups
///   run chunks of P dates, each chunk's dates one after another and every chunk at
///   once, so more groups make longer chains (5 dates: 2 groups take 2 dates' time,
///   3 take 3, 5 take 5; 1 is serial).
/// - `retries.TASK` where an expectation judges when the run ends (`finish_by`,
///   `makespan_at_most`): they count no failure as a miss, and a failure that no
///   retry follows ends the work sooner (its downstream never runs).
pub fn not_monotone(model: &Model, knob: &str) -> Option<String> {
    if is_groups(knob) && model.rules.group_split == crate::rules::GroupSplit::Chunks {
        return Some(format!(
            "under group_split = chunks (DolphinScheduler 3.3, issue #17831) P groups run the dates in chunks of P, each chunk's dates one after another and every chunk at once, so more groups make longer chains and the hit rate can fall as {knob} rises"
        ));
    }
    if knob.starts_with("retries.") {
        let scenario = model.scenarios.first()?;
        let ends = model.expects.iter().find(|e| {
            e.applies_to(&scenario.name)
                && matches!(
                    e.kind,
                    ExpectKind::FinishBy(_) | ExpectKind::MakespanAtMost(_)
                )
        })?;
        return Some(format!(
            "`{}` judges when the work ends and counts no failure as a miss, and a failure that no retry follows ends the work sooner (its downstream never runs), so the hit rate can fall as {knob} rises",
            ends.name
        ));
    }
    None
}

/// What `minimize` is asked.
pub struct Ask<'a> {
    pub source: &'a str,
    /// The base model's profile (the knob's default range).
    pub profile: Profile,
    pub base: &'a Base,
    pub knob: &'a str,
    pub range: (i64, i64),
    pub goal: f64,
    pub seeds: Seeds,
    pub config: Config,
}

fn meets(met: u64, seeds: u64, goal: f64) -> bool {
    met as f64 >= goal * seeds as f64 - 1e-9
}

/// The smallest value of the knob in the range whose hit rate meets the goal.
pub fn minimize(ask: &Ask<'_>, progress: &(dyn Fn(i64) + Sync)) -> Result<Minimum, SweepError> {
    let table: toml::Table =
        toml::from_str(ask.source).map_err(|e| SweepError::Base(e.to_string()))?;
    let mut curve: BTreeMap<i64, CurvePoint> = BTreeMap::new();
    let mut measure = |v: i64| -> Result<bool, SweepError> {
        if let Some(p) = curve.get(&v) {
            return Ok(meets(p.met, p.seeds, ask.goal));
        }
        progress(v);
        let values = BTreeMap::from([(ask.knob.to_string(), v.to_string())]);
        let text = ask.base.text(&table, &values)?;
        let (_, runs) = run_seeds(&text, &values, ask.seeds, ask.config)?;
        let makespan = spread(runs.iter().map(|r| r.makespan).collect());
        let point = CurvePoint {
            value: v,
            met: seeds::all_met(&runs),
            seeds: runs.len() as u64,
            makespan_p95_seconds: makespan.p95,
            makespan,
            notes: seeds::note_rates(&runs),
        };
        let ok = meets(point.met, point.seeds, ask.goal);
        curve.insert(v, point);
        Ok(ok)
    };
    let base = load(&ask.base.text(&table, &BTreeMap::new())?, &BTreeMap::new())?;
    let unordered = not_monotone(&base, ask.knob);
    let search = match unordered {
        Some(_) => Search::EachValue,
        None => Search::Bisection,
    };
    let (mut lo, mut hi) = ask.range;
    let minimum = if unordered.is_some() {
        let mut found = None;
        for v in lo..=hi {
            if measure(v)? {
                found = Some(v);
                break;
            }
        }
        found
    } else if !measure(hi)? {
        None
    } else if measure(lo)? {
        Some(lo)
    } else {
        // lo fails, hi meets: halve until they are neighbours.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if measure(mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi)
    };
    let reason = match minimum {
        Some(_) => None,
        None => Some(why_not(&table, ask, search, &curve)?),
    };
    let lowest = default_range(ask.knob, ask.profile).map_or(ask.range.0, |d| d.0);
    let mut notes = Vec::new();
    if let Some(why) = unordered {
        notes.push(format!(
            "{} is not bisected: {why}; each value is measured from {} up until one meets the goal",
            ask.knob, ask.range.0
        ));
    }
    match minimum {
        Some(v) if v == ask.range.0 && v > lowest => notes.push(format!(
            "{} = {v} is the low end of the range and meets the goal: a lower value may meet it too (--range {lowest}..{} searches them)",
            ask.knob, ask.range.1
        )),
        _ => {}
    }
    Ok(Minimum {
        knob: ask.knob.to_string(),
        goal: ask.goal,
        seeds: ask.seeds.count(),
        range: [ask.range.0, ask.range.1],
        search,
        base: ask.base.describe(),
        curve: curve.into_values().collect(),
        minimum,
        reason,
        notes,
    })
}

/// Why no value of the range meets the goal: a lower bound from the model (the
/// minimum durations along each judged instance's upstream chain in its workflow,
/// and a self-dependent task's instances one after another), or the measured rate:
/// the top's under bisection (the values below it unmeasured, taken to do no
/// better), the best of every value's when each was measured.
fn why_not(
    table: &toml::Table,
    ask: &Ask<'_>,
    search: Search,
    curve: &BTreeMap<i64, CurvePoint>,
) -> Result<String, SweepError> {
    let values = BTreeMap::from([(ask.knob.to_string(), ask.range.1.to_string())]);
    let text = ask.base.text(table, &values)?;
    let model = load_str("whatif variant", &text).map_err(|d| SweepError::Variant {
        values: values.clone(),
        diagnostics: Box::new(d),
    })?;
    let rate = |p: &CurvePoint| {
        format!(
            "every expectation held on {} of {} seeds ({:.1}%), short of the goal {:.1}%",
            p.met,
            p.seeds,
            100.0 * p.met as f64 / p.seeds.max(1) as f64,
            100.0 * ask.goal
        )
    };
    let measured = match search {
        Search::Bisection => format!(
            "at the top of the range ({} = {}) {} (bisection measured only the top: it takes more {} never to lower the hit rate)",
            ask.knob,
            ask.range.1,
            rate(&curve[&ask.range.1]),
            ask.knob
        ),
        Search::EachValue => {
            // The highest rate, at its lowest value.
            let best = curve
                .values()
                .max_by_key(|p| (p.met, std::cmp::Reverse(p.value)))
                .expect("every value of the range was measured");
            format!(
                "every value was measured; the best, {} = {}: {}",
                ask.knob,
                best.value,
                rate(best)
            )
        }
    };
    // Past the profile's highest value there is nothing to widen to.
    let ceiling = highest(ask.knob, ask.profile)
        .filter(|&m| m == ask.range.1)
        .map(|m| {
            format!(
                "{} cannot go higher: the {} profile allows at most {m}",
                ask.knob, ask.profile
            )
        });
    let scenario = &model.scenarios[0];
    let config = Config {
        seed: ask.seeds.first,
        ..ask.config
    };
    let Ok((engine, _, _)) = observe::<Vec<u8>>(&model, scenario, config, None) else {
        return Ok(match &ceiling {
            Some(ceiling) => format!("{measured}; {ceiling}"),
            None => format!("{measured}; widen --range"),
        });
    };
    if let Some(bound) = lower_bound(&engine, scenario) {
        return Ok(format!("{measured}: no value can meet it: {bound}"));
    }
    Ok(format!(
        "{measured}; the model's minimum durations do not rule it out, {} (or the misses are failures that retries do not absorb: see check --seeds)",
        ceiling.map_or("so a wider --range may".to_string(), |c| format!("but {c}"))
    ))
}

/// The shortest an execution of a task can take: a fixed duration, a uniform
/// distribution's lower bound, 0 for a lognormal (it has no positive minimum).
fn min_duration(d: crate::model::DurationDist) -> i64 {
    use crate::model::DurationDist::*;
    match d {
        Fixed(s) | Uniform(s, _) => s as i64,
        Lognormal { .. } => 0,
    }
}

/// An expectation no capacity can meet, in words, if the model shows one.
pub fn lower_bound(
    engine: &crate::engine::Engine<'_>,
    scenario: &crate::model::Scenario,
) -> Option<String> {
    use crate::calendar::schedule::{local_to_instant, rfc3339};
    use crate::model::expect::ready_deadline;
    let model = engine.model();
    let tz = &model.timezone;
    let chains = chains(model);
    let mut earliest_end: Vec<i64> = Vec::with_capacity(engine.instances.len());
    // Instances of each task in scheduled order, for self-dependency.
    let mut order: Vec<usize> = (0..engine.instances.len()).collect();
    order.sort_by_key(|&k| (engine.instances[k].task, engine.instances[k].scheduled));
    earliest_end.resize(engine.instances.len(), 0);
    // An instance runs once its time has come, and not before its date or run was
    // submitted (a backfill's `at`) nor before the scenario starts.
    let start = local_to_instant(tz, scenario.start);
    let first_run = |i: &crate::engine::Instance| {
        i.run_after
            .max(engine.units[i.unit as usize].due)
            .max(start)
    };
    let mut previous: Option<(crate::model::TaskId, i64)> = None;
    for &k in &order {
        let i = &engine.instances[k];
        let len = chains[i.task.0 as usize].0;
        let mut end = first_run(i) + len;
        if model.task(i.task).self_dependency
            && let Some((t, prev)) = previous
            && t == i.task
        {
            end = end.max(prev + min_duration(model.task(i.task).duration));
        }
        earliest_end[k] = end;
        previous = Some((i.task, end));
    }
    for e in model
        .expects
        .iter()
        .filter(|e| e.applies_to(&scenario.name))
    {
        match &e.kind {
            ExpectKind::ReadyBy { task, by, origin } => {
                for &k in &order {
                    let i = &engine.instances[k];
                    if i.task != *task || !crate::observe::expect::judges(*origin, i.origin) {
                        continue;
                    }
                    let (deadline, _) = ready_deadline(tz, i.run_after, *by);
                    if earliest_end[k] > deadline {
                        let (len, tasks) = chain_of(&chains, task.0 as usize);
                        let names: Vec<&str> = tasks
                            .iter()
                            .map(|t| model.tasks[*t].name.as_str())
                            .collect();
                        let serial = if model.task(*task).self_dependency {
                            " after the previous instances of this self-dependent task, one at a time"
                        } else {
                            ""
                        };
                        return Some(format!(
                            "`{}`: {} scheduled {} may first run at {}; its chain {} takes at least {} at minimum durations{serial}, so it cannot be ready before {}, after its deadline {}",
                            e.name,
                            model.task(*task).name,
                            rfc3339(tz, i.scheduled),
                            rfc3339(tz, first_run(i)),
                            names.join(" → "),
                            human(len),
                            rfc3339(tz, earliest_end[k]),
                            rfc3339(tz, deadline)
                        ));
                    }
                }
            }
            ExpectKind::FinishBy(by) => {
                let deadline = local_to_instant(tz, *by);
                if let Some(k) = (0..earliest_end.len()).max_by_key(|&k| earliest_end[k])
                    && earliest_end[k] > deadline
                {
                    let i = &engine.instances[k];
                    return Some(format!(
                        "`{}`: {} scheduled {} cannot end before {} at minimum durations (its upstream chain{}), after finish_by {}",
                        e.name,
                        model.task(i.task).name,
                        rfc3339(tz, i.scheduled),
                        rfc3339(tz, earliest_end[k]),
                        if model.task(i.task).self_dependency {
                            " and the self-dependent instances before it"
                        } else {
                            ""
                        },
                        rfc3339(tz, deadline)
                    ));
                }
            }
            ExpectKind::MakespanAtMost(most) => {
                // Every chain that runs lies inside the makespan.
                let longest = engine
                    .instances
                    .iter()
                    .map(|i| i.task.0 as usize)
                    .max_by_key(|&t| chains[t].0);
                if let Some(t) = longest
                    && chains[t].0 > *most as i64
                {
                    let (len, tasks) = chain_of(&chains, t);
                    let names: Vec<&str> = tasks
                        .iter()
                        .map(|t| model.tasks[*t].name.as_str())
                        .collect();
                    return Some(format!(
                        "`{}`: the chain {} takes at least {} at minimum durations, longer than makespan_at_most {}",
                        e.name,
                        names.join(" → "),
                        human(len),
                        human(*most as i128)
                    ));
                }
            }
        }
    }
    None
}

/// Per task: the longest chain of minimum durations ending with it, through upstream
/// tasks of the same workflow and schedule (their instances share the run time), and
/// the upstream task it came through. Kahn's order: no recursion over the graph.
fn chains(model: &Model) -> Vec<(i64, Option<usize>)> {
    let n = model.tasks.len();
    let counted = |up: crate::model::TaskId, t: usize| {
        let (a, b) = (model.task(up), &model.tasks[t]);
        a.workflow == b.workflow
            && model.cron_of(up) == model.cron_of(crate::model::TaskId(t as u32))
    };
    let mut indegree = vec![0usize; n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (t, task) in model.tasks.iter().enumerate() {
        for up in &task.upstream {
            if counted(*up, t) {
                indegree[t] += 1;
                down[up.0 as usize].push(t);
            }
        }
    }
    let mut best: Vec<(i64, Option<usize>)> = vec![(0, None); n];
    let mut ready: Vec<usize> = (0..n).filter(|&t| indegree[t] == 0).collect();
    while let Some(t) = ready.pop() {
        best[t].0 += min_duration(model.tasks[t].duration);
        for &d in &down[t] {
            if best[t].0 > best[d].0 || best[d].1.is_none() {
                best[d] = (best[t].0, Some(t));
            }
            indegree[d] -= 1;
            if indegree[d] == 0 {
                ready.push(d);
            }
        }
    }
    best
}

/// The chain ending with `t`: its length and its tasks, first to last.
fn chain_of(chains: &[(i64, Option<usize>)], t: usize) -> (i64, Vec<usize>) {
    let mut tasks = vec![t];
    let mut at = t;
    while let Some(up) = chains[at].1 {
        tasks.push(up);
        at = up;
    }
    tasks.reverse();
    (chains[t].0, tasks)
}
