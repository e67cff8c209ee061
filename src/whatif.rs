//! What-if sweeps: one backfill, run under every combination of varied knobs, each
//! variant a model of its own.
//!
//! A variant is made on the model file's TOML table, not on the resolved model, so
//! that it goes through the same checks as a file would: `profile_version` re-derives
//! the profile's preset, a rule knob lands in `[rules]`, `slots.GROUP` in the group,
//! `self_dependency.TASK` in the task, and `groups`, `order`, `run_immediately`,
//! `window` and `reprocess` in the backfill. Variants run in parallel, one simulation per thread; the
//! results come back in variant order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::engine::Config;
use crate::model::{FileDiagnostics, load_str};
use crate::observe::exercised::{Exercised, Failures};
use crate::observe::observe_with;
use crate::observe::summary::{Findings, Identity, Summary};
use crate::shard::Shard;

mod check;
pub use check::{check, check_key, known_keys};

/// One varied key and its values, as `--vary KEY=V1,V2` gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vary {
    pub key: String,
    pub values: Vec<String>,
}

impl Vary {
    /// `KEY=V1,V2,...`: every value non-empty and given once.
    pub fn parse(text: &str) -> Result<Vary, String> {
        let (key, values) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: expected KEY=V1,V2,..."))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("`{text}`: expected KEY=V1,V2,..."));
        }
        let mut out: Vec<String> = Vec::new();
        for v in values.split(',').map(str::trim) {
            if v.is_empty() {
                return Err(format!(
                    "`{text}`: an empty value; expected KEY=V1,V2,... with no empty entry"
                ));
            }
            // By the value it sets: `02` is `2` again.
            if let Some(o) = out.iter().find(|o| value(o) == value(v)) {
                let again = if o == v {
                    format!("the value `{v}` is given twice")
                } else {
                    format!("the value `{v}` is `{o}` again")
                };
                return Err(format!(
                    "`{text}`: {again}; each variant would be run twice"
                ));
            }
            out.push(v.to_string());
        }
        Ok(Vary {
            key: key.to_string(),
            values: out,
        })
    }
}

/// The default of `--max-variants`: a sweep runs one simulation per variant.
pub const DEFAULT_MAX_VARIANTS: u64 = 10_000;

/// How many variants `vary` makes (`None` beyond `u64`), counted without making them.
pub fn count(vary: &[Vary]) -> Option<u64> {
    vary.iter()
        .try_fold(1u64, |n, v| n.checked_mul(v.values.len() as u64))
}

/// The backfill every variant runs.
#[derive(Clone, Debug)]
pub struct Backfill {
    pub from: String,
    pub to: String,
    /// Workflows or "workflow.task"; empty: every workflow.
    pub targets: Vec<String>,
    pub downstream: bool,
    pub window: Option<String>,
    /// The virtual now the backfill is submitted at (local time).
    pub at: String,
}

/// What every variant runs: a fresh backfill (`--from/--to`), or one of the model's
/// scenarios with its backfills, faults, operations and recurring schedule.
#[derive(Clone, Debug)]
pub enum Base {
    Backfill(Backfill),
    Scenario(String),
}

impl Base {
    /// The model text of one variant of this base.
    pub fn text(
        &self,
        base: &toml::Table,
        values: &BTreeMap<String, String>,
    ) -> Result<String, SweepError> {
        match self {
            Base::Backfill(b) => variant_text(base, b, values),
            Base::Scenario(name) => scenario_variant_text(base, name, values),
        }
    }

    /// What the table says the variants ran.
    pub fn describe(&self) -> String {
        match self {
            Base::Backfill(b) => format!(
                "a fresh backfill from {} to {}, submitted at {} (no scenario's faults, operations, recurring schedule or expectations scoped to a scenario)",
                b.from, b.to, b.at
            ),
            Base::Scenario(name) => format!(
                "scenario `{name}` (its backfills, faults, operations and recurring schedule; the knobs applied to it)"
            ),
        }
    }
}

/// The knob values as JSON: an integer or a boolean as such, anything else a string.
pub fn typed(values: &BTreeMap<String, String>) -> BTreeMap<String, serde_json::Value> {
    values
        .iter()
        .map(|(k, v)| {
            let typed = match value(v) {
                toml::Value::Boolean(b) => serde_json::Value::Bool(b),
                toml::Value::Integer(i) => serde_json::Value::from(i),
                _ => serde_json::Value::String(v.clone()),
            };
            (k.clone(), typed)
        })
        .collect()
}

/// A variant's knob values and what its run gave.
#[derive(Debug, serde::Serialize)]
pub struct Variant {
    /// Each varied key with this variant's value, as given.
    #[serde(flatten)]
    pub values: BTreeMap<String, String>,
    /// The same values typed (numbers as numbers), apart from the report's fields.
    pub knobs: BTreeMap<String, serde_json::Value>,
    #[serde(flatten)]
    pub summary: Summary,
    /// What its run exercised, for the notes on knobs no variant could exercise.
    #[serde(skip)]
    pub exercised: Exercised,
}

/// The rule knobs that act only on a local time a DST transition skips or repeats.
const DST_KNOBS: [&str; 3] = ["dst_gap", "dst_fold", "gap_instances"];

/// A note for each varied knob that no variant exercised, so that its values could
/// change nothing (`model`: the base's, for its zone; `runs`: every variant's, under
/// every seed): a group's slots where no variant ran an execution in the group (even
/// for one value: the group is named by the model, or `check` refused it, and what
/// the runs use is known only after), a task's retries where no execution of it
/// failed, a DST rule where the zone changes no offset within two days of any
/// instance, a backfill's `reprocess` where none of its dates already had a run.
/// `on_seeds`: each variant ran under several seeds (`--seeds`), said in the note.
pub fn idle_notes(
    model: &crate::model::Model,
    vary: &[Vary],
    runs: &[&Exercised],
    on_seeds: bool,
) -> Vec<String> {
    let tz = &model.timezone;
    let any = if on_seeds {
        "in any variant on any seed"
    } else {
        "in any variant"
    };
    let mut out = Vec::new();
    for v in vary {
        let why = if let Some(group) = v.key.strip_prefix("slots.") {
            let ran = runs.iter().any(|r| r.ran_in.iter().any(|g| g == group));
            (!ran).then(|| {
                let on = if on_seeds { " on any seed" } else { "" };
                format!("no variant ran an execution in group {group}{on}, so its slots change nothing here")
            })
        } else if v.values.len() < 2 {
            None
        } else if let Some(task) = v.key.strip_prefix("retries.") {
            let failed = runs.iter().any(|r| r.failed.iter().any(|t| t == task));
            (!failed).then(|| {
                format!("no execution of {task} failed {any}, so its retries change nothing here")
            })
        } else if DST_KNOBS.contains(&v.key.as_str()) {
            let from = runs.iter().filter_map(|r| r.scheduled).map(|s| s.0).min();
            let to = runs.iter().filter_map(|r| r.scheduled).map(|s| s.1).max();
            from.zip(to).and_then(|(from, to)| {
                let (from, to) = (from - 2 * 86_400, to + 2 * 86_400);
                let shift = crate::calendar::schedule::offset_changes(tz, from, to);
                (!shift).then(|| {
                    let day = |t: i64| crate::calendar::schedule::rfc3339(tz, t)[..10].to_string();
                    format!(
                        "zone {} changes no offset (no DST transition) from {} to {} (the variants' instances, two days either side), so its values change nothing here",
                        model.timezone_name,
                        day(from),
                        day(to)
                    )
                })
            })
        } else if let Some(("reprocess", index)) = backfill_knob(&v.key) {
            let met = runs
                .iter()
                .any(|r| r.met_runs.iter().any(|&b| index.is_none_or(|i| i == b + 1)));
            (!met).then(|| {
                let which = index.map_or("backfill date".to_string(), |i| format!("date of backfill {i}"));
                format!(
                    "no {which} already had a run (of the history, an earlier backfill or the recurring schedule) {any}, so its values change nothing here"
                )
            })
        } else {
            None
        };
        if let Some(why) = why {
            out.push(format!("--vary {}: {why}", v.key));
        }
    }
    out
}

/// Why a sweep cannot run.
#[derive(Debug)]
pub enum SweepError {
    /// The base file is not a TOML table (it was validated before; kept for safety).
    Base(String),
    /// A key that names nothing the sweep can vary.
    UnknownKey(String),
    /// A backfill key given for a scenario without a backfill: (key, scenario).
    NoBackfill(String, String),
    /// A variant the model checks refuse, with which values.
    Variant {
        values: BTreeMap<String, String>,
        diagnostics: Box<FileDiagnostics>,
    },
    /// A variant whose scenario cannot be planned (under `seed`, with `--seeds`).
    Run {
        values: BTreeMap<String, String>,
        seed: Option<u64>,
        error: crate::engine::RunError,
    },
}

impl std::fmt::Display for SweepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &BTreeMap<String, String>| {
            v.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        match self {
            SweepError::Base(e) => write!(f, "{e}"),
            SweepError::UnknownKey(k) => write!(
                f,
                "--vary {k}: expected groups, order, run_immediately, window, reprocess, profile_version, slots.GROUP, self_dependency.WORKFLOW.TASK, retries.WORKFLOW.TASK or a rule knob"
            ),
            SweepError::NoBackfill(k, scenario) => write!(
                f,
                "{k}: scenario `{scenario}` has no backfill for it to set"
            ),
            SweepError::Variant {
                values,
                diagnostics,
            } => {
                let first = diagnostics
                    .diagnostics
                    .first()
                    .map_or(String::new(), |d| d.message.clone());
                write!(f, "variant {}: {first}", show(values))
            }
            SweepError::Run {
                values,
                seed: None,
                error,
            } => write!(f, "variant {}: {error}", show(values)),
            SweepError::Run {
                values,
                seed: Some(seed),
                error,
            } => write!(f, "variant {}: seed {seed}: {error}", show(values)),
        }
    }
}

/// Every combination of the varied values, the first key varying slowest.
pub fn combinations(vary: &[Vary]) -> Vec<BTreeMap<String, String>> {
    let mut out = vec![BTreeMap::new()];
    for v in vary {
        out = out
            .into_iter()
            .flat_map(|base| {
                v.values.iter().map(move |value| {
                    let mut m = base.clone();
                    m.insert(v.key.clone(), value.clone());
                    m
                })
            })
            .collect();
    }
    out
}

/// A TOML value from a command-line word: a boolean, an integer, or a string.
fn value(text: &str) -> toml::Value {
    match text {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => text.parse::<i64>().map_or_else(
            |_| toml::Value::String(text.to_string()),
            toml::Value::Integer,
        ),
    }
}

fn table<'a>(t: &'a mut toml::Table, key: &str) -> &'a mut toml::Table {
    let entry = t
        .entry(key)
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !entry.is_table() {
        *entry = toml::Value::Table(toml::Table::new());
    }
    entry.as_table_mut().expect("made a table above")
}

fn array<'a>(t: &'a mut toml::Table, key: &str) -> &'a mut Vec<toml::Value> {
    let entry = t
        .entry(key)
        .or_insert_with(|| toml::Value::Array(Vec::new()));
    if !entry.is_array() {
        *entry = toml::Value::Array(Vec::new());
    }
    entry.as_array_mut().expect("made an array above")
}

/// The element of an array of tables whose `name` is `name`.
fn named<'a>(items: &'a mut [toml::Value], name: &str) -> Option<&'a mut toml::Table> {
    items
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|t| t.get("name").and_then(toml::Value::as_str) == Some(name))
}

/// The backfill keys a variant may set (`groups`, `order`, `run_immediately`, `window`,
/// Airflow's `reprocess`: a fresh backfill of a depends_on_past DAG needs one).
pub const BACKFILL_KNOBS: [&str; 5] = ["groups", "order", "run_immediately", "window", "reprocess"];

/// A backfill knob (`groups`: every backfill of the base) or one backfill's by its
/// 1-based index in the scenario (`groups.2`): the knob and the index.
pub fn backfill_knob(key: &str) -> Option<(&str, Option<usize>)> {
    if let Some(k) = BACKFILL_KNOBS.iter().find(|k| **k == key) {
        return Some((k, None));
    }
    let (knob, index) = key.rsplit_once('.')?;
    let knob = BACKFILL_KNOBS.iter().find(|k| **k == knob)?;
    let index = index.parse::<usize>().ok().filter(|i| *i >= 1)?;
    Some((knob, Some(index)))
}

/// Writes the varied values into a model file's table: `profile_version` in
/// `[model]`, `slots.GROUP` in the group, `self_dependency.WORKFLOW.TASK` and
/// `retries.WORKFLOW.TASK` (its retry's `times`) in the task,
/// a rule knob in `[rules]`. The backfill keys ([`BACKFILL_KNOBS`]) are returned, as
/// TOML values, for the caller to put in its backfills.
pub fn apply_knobs(
    doc: &mut toml::Table,
    values: &BTreeMap<String, String>,
) -> Result<Vec<(String, toml::Value)>, SweepError> {
    let mut backfill = Vec::new();
    for (key, v) in values {
        match key.as_str() {
            k if backfill_knob(k).is_some() => backfill.push((key.clone(), value(v))),
            "profile_version" => {
                table(doc, "model").insert(key.clone(), toml::Value::String(v.clone()));
            }
            _ => {
                if let Some(group) = key.strip_prefix("slots.") {
                    let groups = array(doc, "resource_group");
                    match named(groups, group) {
                        Some(g) => {
                            g.insert("slots".into(), value(v));
                        }
                        None => {
                            let mut g = toml::Table::new();
                            g.insert("name".into(), toml::Value::String(group.to_string()));
                            g.insert("slots".into(), value(v));
                            groups.push(toml::Value::Table(g));
                        }
                    }
                } else if let Some(task) = key.strip_prefix("self_dependency.") {
                    let (w, t) = task
                        .split_once('.')
                        .ok_or_else(|| SweepError::UnknownKey(key.clone()))?;
                    let found = named(array(doc, "workflow"), w)
                        .and_then(|wf| named(array(wf, "task"), t))
                        .ok_or_else(|| SweepError::UnknownKey(key.clone()))?;
                    found.insert("self_dependency".into(), value(v));
                } else if let Some(task) = key.strip_prefix("retries.") {
                    let (w, t) = task
                        .split_once('.')
                        .ok_or_else(|| SweepError::UnknownKey(key.clone()))?;
                    let found = named(array(doc, "workflow"), w)
                        .and_then(|wf| named(array(wf, "task"), t))
                        .ok_or_else(|| SweepError::UnknownKey(key.clone()))?;
                    table(found, "retry").insert("times".into(), value(v));
                } else if crate::rules::RuleOverrides::NAMES.contains(&key.as_str()) {
                    table(doc, "rules").insert(key.clone(), value(v));
                } else {
                    return Err(SweepError::UnknownKey(key.clone()));
                }
            }
        }
    }
    Ok(backfill)
}

/// The model text of one variant: the base file with one scenario (the backfill) and
/// the varied values applied.
pub fn variant_text(
    base: &toml::Table,
    backfill: &Backfill,
    values: &BTreeMap<String, String>,
) -> Result<String, SweepError> {
    let mut doc = base.clone();
    let mut bf = toml::Table::new();
    let targets: Vec<toml::Value> = if backfill.targets.is_empty() {
        doc.get("workflow")
            .and_then(toml::Value::as_array)
            .map(|ws| ws.iter().filter_map(|w| w.get("name").cloned()).collect())
            .unwrap_or_default()
    } else {
        backfill
            .targets
            .iter()
            .map(|t| toml::Value::String(t.clone()))
            .collect()
    };
    bf.insert("targets".into(), toml::Value::Array(targets));
    bf.insert(
        "downstream".into(),
        toml::Value::Boolean(backfill.downstream),
    );
    bf.insert("from".into(), toml::Value::String(backfill.from.clone()));
    bf.insert("to".into(), toml::Value::String(backfill.to.clone()));
    if let Some(w) = &backfill.window {
        bf.insert("window".into(), toml::Value::String(w.clone()));
    }
    for (key, v) in apply_knobs(&mut doc, values)? {
        // `check` refuses an index here: a fresh backfill is one backfill.
        let knob = backfill_knob(&key).map_or(key.as_str(), |(k, _)| k);
        bf.insert(knob.to_string(), v);
    }
    let mut scenario = toml::Table::new();
    scenario.insert("name".into(), toml::Value::String("whatif".into()));
    scenario.insert("start".into(), toml::Value::String(backfill.at.clone()));
    scenario.insert(
        "backfill".into(),
        toml::Value::Array(vec![toml::Value::Table(bf)]),
    );
    doc.insert(
        "scenario".into(),
        toml::Value::Array(vec![toml::Value::Table(scenario)]),
    );
    keep_expectations(&mut doc, "whatif");
    toml_text(&doc)
}

/// The TOML text of a document, in time linear in its size. `toml::to_string` splices
/// each table into its output with `String::insert_str`, quadratic in the number of
/// tables: 122 s for two variants of a model of 100,000 tasks. Its buffer's `Display`
/// writes the same text in one pass.
fn toml_text(doc: &toml::Table) -> Result<String, SweepError> {
    use serde::Serialize as _;
    let mut buffer = toml::ser::Buffer::new();
    doc.serialize(toml::ser::Serializer::new(&mut buffer))
        .map_err(|e| SweepError::Base(e.to_string()))?;
    Ok(buffer.to_string())
}

/// Drops the `[[expect]]` entries scoped to a scenario the variant no longer has.
fn keep_expectations(doc: &mut toml::Table, scenario: &str) {
    if let Some(expects) = doc.get_mut("expect").and_then(toml::Value::as_array_mut) {
        expects.retain(|e| {
            e.get("scenario")
                .and_then(toml::Value::as_str)
                .is_none_or(|s| s == scenario)
        });
    }
}

/// The model text of one variant of a scenario: the base file with only that scenario
/// (named `scenario`), the varied values applied, backfill keys set in each of its
/// backfills.
pub fn scenario_variant_text(
    base: &toml::Table,
    scenario: &str,
    values: &BTreeMap<String, String>,
) -> Result<String, SweepError> {
    let mut doc = base.clone();
    let backfill_knobs = apply_knobs(&mut doc, values)?;
    keep_expectations(&mut doc, scenario);
    let scenarios = array(&mut doc, "scenario");
    scenarios.retain(|s| s.get("name").and_then(toml::Value::as_str) == Some(scenario));
    if let Some((key, _)) = backfill_knobs.first() {
        let backfills = scenarios
            .first_mut()
            .and_then(toml::Value::as_table_mut)
            .and_then(|s| s.get_mut("backfill"))
            .and_then(toml::Value::as_array_mut)
            .filter(|b| !b.is_empty())
            .ok_or_else(|| SweepError::NoBackfill(key.clone(), scenario.to_string()))?;
        let count = backfills.len();
        for (key, v) in &backfill_knobs {
            let (knob, index) = backfill_knob(key).unwrap_or((key.as_str(), None));
            if index.is_some_and(|i| i > count) {
                return Err(SweepError::NoBackfill(key.clone(), scenario.to_string()));
            }
            for (k, bf) in backfills
                .iter_mut()
                .filter_map(toml::Value::as_table_mut)
                .enumerate()
            {
                if index.is_none_or(|i| i == k + 1) {
                    bf.insert(knob.to_string(), v.clone());
                }
            }
        }
    }
    toml_text(&doc)
}

/// Runs every variant (in parallel, `threads` at a time) and returns them in order;
/// `rows` keeps every instance and unit in each summary. `progress` is called after
/// each variant with (done, total).
pub fn sweep(
    source: &str,
    base_run: &Base,
    vary: &[Vary],
    config: Config,
    threads: usize,
    rows: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Variant>, SweepError> {
    let part = sweep_part(
        source,
        base_run,
        vary,
        config,
        (threads, Shard::WHOLE),
        rows,
        progress,
    )?;
    Ok(part.into_iter().map(|(_, v)| v).collect())
}

/// [`sweep`] for the variants of one shard (the k-th combination when the shard holds
/// k), each with its index among every combination, `threads` at a time.
pub fn sweep_part(
    source: &str,
    base_run: &Base,
    vary: &[Vary],
    config: Config,
    (threads, shard): (usize, Shard),
    rows: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<(usize, Variant)>, SweepError> {
    let base: toml::Table = toml::from_str(source).map_err(|e| SweepError::Base(e.to_string()))?;
    let combos: Vec<(usize, BTreeMap<String, String>)> = combinations(vary)
        .into_iter()
        .enumerate()
        .filter(|(k, _)| shard.holds(*k))
        .collect();
    let texts: Vec<String> = combos
        .iter()
        .map(|(_, values)| base_run.text(&base, values))
        .collect::<Result<_, _>>()?;
    let total = combos.len();
    let done = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    // Each thread takes the next variant until none is left; results are put back in
    // variant order, so the output does not depend on scheduling.
    let mut outcomes: Vec<(usize, Result<Variant, SweepError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.clamp(1, total.max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= total {
                            return mine;
                        }
                        let (index, values) = &combos[k];
                        mine.push((*index, run_variant(&texts[k], values, config, rows)));
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a variant's simulation does not panic"))
            .collect()
    });
    outcomes.sort_by_key(|(k, _)| *k);
    outcomes
        .into_iter()
        .map(|(k, r)| r.map(|v| (k, v)))
        .collect()
}

fn run_variant(
    text: &str,
    values: &BTreeMap<String, String>,
    config: Config,
    rows: bool,
) -> Result<Variant, SweepError> {
    let model = load_str("whatif variant", text).map_err(|d| SweepError::Variant {
        values: values.clone(),
        diagnostics: Box::new(d),
    })?;
    let scenario = &model.scenarios[0];
    let error = |error| SweepError::Run {
        values: values.clone(),
        seed: None,
        error,
    };
    let mut failures = Failures::default();
    let (engine, findings, _): (_, Findings, _) =
        observe_with::<Vec<u8>>(&model, scenario, config, None, &mut failures).map_err(error)?;
    let engine = crate::observe::finished(engine).map_err(error)?;
    let exercised = Exercised::of(&engine, &failures, &findings.groups);
    let summary = Summary::new(
        &engine,
        findings,
        Identity {
            scenario: &scenario.name,
            seed: config.seed,
            model_hash: crate::model::model_hash(text.as_bytes()),
        },
        rows,
    );
    Ok(Variant {
        values: values.clone(),
        knobs: typed(values),
        summary,
        exercised,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_cover_the_product_first_key_slowest() {
        let vary = [
            Vary::parse("groups=1,3").unwrap(),
            Vary::parse("order=asc,desc").unwrap(),
        ];
        let c = combinations(&vary);
        let shown: Vec<String> = c
            .iter()
            .map(|m| format!("{}/{}", m["groups"], m["order"]))
            .collect();
        assert_eq!(shown, ["1/asc", "1/desc", "3/asc", "3/desc"]);
    }

    #[test]
    fn vary_needs_a_key_and_values() {
        assert!(Vary::parse("groups").is_err());
        assert!(Vary::parse("groups=").is_err());
        assert!(Vary::parse("=1").is_err());
        assert_eq!(Vary::parse("slots.etl=2, 4").unwrap().values, ["2", "4"]);
        assert!(Vary::parse("groups=1,,2").is_err(), "an empty value");
        assert!(
            Vary::parse("groups=1,2,").is_err(),
            "a trailing empty value"
        );
        assert!(Vary::parse("groups=1,1").is_err(), "a value twice");
        // A newcomer's trial ran `groups=2,02` twice.
        assert_eq!(
            Vary::parse("groups=2,02").unwrap_err(),
            "`groups=2,02`: the value `02` is `2` again; each variant would be run twice"
        );
        assert!(Vary::parse("groups=2,+2").is_err());
    }

    /// The one-pass text is the text `toml::to_string` writes (inline tables, arrays
    /// of tables nested in arrays of tables, tables at the root before and after).
    #[test]
    fn toml_text_is_what_toml_to_string_writes() {
        let mut models: Vec<_> = std::fs::read_dir("models")
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        models.sort();
        assert!(models.len() > 10, "{models:?}");
        for path in models {
            let doc: toml::Table =
                toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let text = toml_text(&doc).unwrap();
            assert_eq!(text, toml::to_string(&doc).unwrap(), "{}", path.display());
        }
    }

    /// A group's slots are noted when no run ran in the group, even varied to one
    /// value; the other knobs only when varied over two or more; and each note says
    /// whether the runs were over seeds.
    #[test]
    fn idle_knobs_are_named_by_what_no_run_exercised() {
        let model = std::fs::read_to_string("models/dolphinscheduler-nightly-capacity.toml")
            .map(|t| crate::model::load_str("m.toml", &t).unwrap())
            .unwrap();
        let vary = |text: &str| Vary::parse(text).unwrap();
        let knobs = [
            vary("slots.etl=3"),
            vary("retries.nightly.ods_users=5"),
            vary("retries.nightly.ods_orders=0,2"),
        ];
        let idle = Exercised::default();
        assert_eq!(
            idle_notes(&model, &knobs, &[&idle], true),
            [
                "--vary slots.etl: no variant ran an execution in group etl on any seed, so its slots change nothing here",
                "--vary retries.nightly.ods_orders: no execution of nightly.ods_orders failed in any variant on any seed, so its retries change nothing here",
            ]
        );
        let ran = Exercised {
            ran_in: vec!["etl".into()],
            failed: vec!["nightly.ods_orders".into()],
            ..Exercised::default()
        };
        // One variant of two exercised both: neither is noted.
        assert!(idle_notes(&model, &knobs, &[&idle, &ran], false).is_empty());
        assert_eq!(
            idle_notes(&model, &knobs[..1], &[&idle], false),
            [
                "--vary slots.etl: no variant ran an execution in group etl, so its slots change nothing here"
            ]
        );
    }
}
