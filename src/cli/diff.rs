//! `schedsim diff A [B] [--a KEY=VALUE]... [--b KEY=VALUE]...`: two runs compared by
//! meaning. A side is a model file (simulated; `--a`/`--b` set knobs in it, by the
//! names `whatif --vary` takes) or a recorded run (a trace from `record` or `run
//! --trace`, or a golden record from `test`). With one model and knobs, both sides
//! are that model. Exit 0 when identical, 1 otherwise, 2 on bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schedsim::diff::run::Added;
use schedsim::diff::{self, Run, record};
use schedsim::engine::Config;
use schedsim::model;

use super::output::Outputs;
use super::{EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, Format, fail};

#[derive(clap::Args)]
pub struct Args {
    /// Side A: a model file (TOML) or a recorded run (trace or golden record).
    a: PathBuf,
    /// Side B; default: the same model as A (then `--a`/`--b` make the difference).
    b: Option<PathBuf>,
    /// A knob of side A's model, KEY=VALUE (the keys of `whatif --vary`). Repeatable.
    #[arg(long = "a", value_name = "KEY=VALUE")]
    a_knobs: Vec<String>,
    /// A knob of side B's model, KEY=VALUE. Repeatable.
    #[arg(long = "b", value_name = "KEY=VALUE")]
    b_knobs: Vec<String>,
    /// The scenario to run; default: a recorded side's, or the model's first.
    #[arg(long)]
    scenario: Option<String>,
    /// The seed of the simulated sides; default: a recorded side's, or 0.
    #[arg(long)]
    seed: Option<u64>,
    /// List every change, not only the top ones of each kind.
    #[arg(long)]
    all: bool,
    /// Also write the diff as an HTML page with both Gantt charts on one time axis.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// A file holds a recorded run when its first line is a JSON object.
fn is_recorded(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// A recorded run: a trace, or a golden record.
pub fn read_recorded(path: &Path, text: &str) -> Result<Run, i32> {
    let read = if record::is_trace(text) {
        record::read_trace(text)
    } else {
        record::read_golden(text)
    };
    read.map_err(|e| fail(&format!("{}:{e}", path.display())))
}

/// `KEY=VALUE`s.
fn knobs(flag: &str, items: &[String]) -> Result<BTreeMap<String, String>, i32> {
    let mut out = BTreeMap::new();
    for item in items {
        match item.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                if let Some(was) = out.insert(k.trim().to_string(), v.trim().to_string()) {
                    // The last would win, silently: which one was meant?
                    return Err(fail(&format!(
                        "{flag} {}: given twice ({was}, then {}); give each knob once",
                        k.trim(),
                        v.trim()
                    )));
                }
            }
            _ => return Err(fail(&format!("{flag} `{item}`: expected KEY=VALUE"))),
        }
    }
    Ok(out)
}

/// A simulated side: the model file with the knobs set, its scenario run with what a
/// recorded side's command line added to it (`added`).
pub fn simulate(
    path: &Path,
    source: &str,
    knobs: (&str, &BTreeMap<String, String>),
    (scenario, added): (Option<&str>, &Added),
    config: Config,
) -> Result<Run, i32> {
    let shown = path.display().to_string();
    let first = model::load_str(&shown, source).map_err(|d| {
        super::errors::diagnostics(&d);
        EXIT_BAD_INPUT
    })?;
    let name = match scenario {
        Some(name) => name.to_string(),
        None => match first.scenarios.first() {
            Some(s) => s.name.clone(),
            None => return Err(fail(&format!("{shown} has no [[scenario]] to run"))),
        },
    };
    // Its index locates a run error in the file (with knobs too: a variant changes
    // values, not which backfill is which).
    let Some(index) = first.scenarios.iter().position(|s| s.name == name) else {
        let known: Vec<&str> = first.scenarios.iter().map(|s| s.name.as_str()).collect();
        return Err(fail(&format!(
            "{shown}: no scenario `{name}` (it has: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    };
    // The knobs name what `whatif --vary` accepts of this model: a group, task or
    // backfill the model lacks is refused, never added.
    let keys = schedsim::whatif::known_keys(&first);
    let base_run = schedsim::whatif::Base::Scenario(name.clone());
    for key in knobs.1.keys() {
        schedsim::whatif::check_key(&first, &keys, &base_run, knobs.0, key)
            .map_err(|e| fail(&e))?;
    }
    let (m, hash) = if knobs.1.is_empty() {
        (first, model::model_hash(source.as_bytes()))
    } else {
        let base: toml::Table =
            toml::from_str(source).map_err(|e| fail(&format!("{shown}: {e}")))?;
        let variant = |values: &BTreeMap<String, String>| {
            let text = schedsim::whatif::scenario_variant_text(&base, &name, values)
                .map_err(|e| fail(&format!("{} {e}", knobs.0)))?;
            Ok::<_, i32>((model::load_str(&shown, &text), text))
        };
        let (loaded, text) = variant(knobs.1)?;
        let m = match loaded {
            Ok(m) => m,
            // The variant's text is generated: its lines are not the user's. The
            // refusal is said as `whatif --vary` says it, of the knob that the model
            // refuses alone when one does, else of them all.
            Err(d) => {
                for (key, value) in knobs.1 {
                    let one = BTreeMap::from([(key.clone(), value.clone())]);
                    if let (Err(d), _) = variant(&one)? {
                        return Err(fail(&format!("{} {key}={value}: {}", knobs.0, refusal(&d))));
                    }
                }
                return Err(fail(&format!(
                    "{} {}: {}",
                    knobs.0,
                    show(knobs.1),
                    refusal(&d)
                )));
            }
        };
        (m, model::model_hash(text.as_bytes()))
    };
    // A variant's model keeps this one scenario: its index there is its own.
    let at = m
        .scenarios
        .iter()
        .position(|s| s.name == name)
        .expect("checked above");
    let s = super::run::scenario_added(&m, at, added).map_err(|e| {
        fail(&format!(
            "the recorded side's {e} (it was recorded with {})",
            added.flags()
        ))
    })?;
    let run = diff::simulate(&m, &s, config, &hash, None)
        .map_err(|e| super::run::fail_located(&shown, source, index, &e, &e.to_string()))?;
    Ok(Run {
        meta: run.meta.with_added(added),
        ..run
    })
}

/// A model's first problem in words (its place is in a generated text).
fn refusal(d: &model::FileDiagnostics) -> String {
    d.diagnostics.first().map_or_else(
        || "the model is refused".to_string(),
        |first| {
            let help = first
                .help
                .as_ref()
                .map_or(String::new(), |h| format!(" ({h})"));
            format!("{}; {}{help}", first.message, first.expected)
        },
    )
}

fn show(knobs: &BTreeMap<String, String>) -> String {
    knobs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A side as the command line gave it: its label and its run. `like` is a recorded
/// run whose scenario and seed a simulated side follows.
fn side(
    path: &Path,
    flag: &str,
    knobs: &BTreeMap<String, String>,
    args: &Args,
    like: Option<&Run>,
) -> Result<(String, Run), i32> {
    let text = schedsim::model::read_regular_text(path).map_err(|e| fail(&e))?;
    let mut label = path.display().to_string();
    if !knobs.is_empty() {
        label += &format!(" with {}", show(knobs));
    }
    if is_recorded(&text) {
        if !knobs.is_empty() {
            return Err(fail(&format!(
                "{flag}: {} is a recorded run; knobs apply to a model file",
                path.display()
            )));
        }
        let run = read_recorded(path, &text)?;
        // A recorded run is what it is: a --scenario or --seed it does not match is
        // refused rather than ignored.
        if let Some(name) = args.scenario.as_deref().filter(|n| *n != run.meta.scenario) {
            return Err(fail(&format!(
                "--scenario {name}: {} records scenario `{}`",
                path.display(),
                run.meta.scenario
            )));
        }
        if let Some(seed) = args.seed.filter(|s| *s != run.meta.seed) {
            return Err(fail(&format!(
                "--seed {seed}: {} records seed {}",
                path.display(),
                run.meta.seed
            )));
        }
        return Ok((label, run));
    }
    let scenario = args
        .scenario
        .as_deref()
        .or(like.map(|r| r.meta.scenario.as_str()));
    // A recorded run's --fault, --operation and --stretch are part of its scenario.
    let added = like.map(|r| r.meta.added()).unwrap_or_default();
    let config = Config::new(
        args.seed.or(like.map(|r| r.meta.seed)).unwrap_or(0),
        args.max_instances,
    );
    Ok((
        label,
        simulate(path, &text, (flag, knobs), (scenario, &added), config)?,
    ))
}

pub fn run(args: &Args) -> i32 {
    let (ka, kb) = match (knobs("--a", &args.a_knobs), knobs("--b", &args.b_knobs)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let b_path = args.b.as_ref().unwrap_or(&args.a);
    if args.b.is_none() && ka == kb {
        return fail("diff needs two sides: a second file, or --a/--b knobs that differ");
    }
    // The page is written beside its target and renamed over it once complete; it
    // never names a side.
    let mut outputs = Outputs::new();
    outputs.input(&args.a);
    outputs.input(b_path);
    let html = match args.html.as_ref().map(|p| outputs.open("--html", p)) {
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => return fail(&e),
        None => None,
    };
    // A recorded side sets the scenario and seed of a simulated one.
    let recorded = |p: &Path| schedsim::model::read_regular_text(p).is_ok_and(|t| is_recorded(&t));
    let (a, b) = if recorded(b_path) && !recorded(&args.a) {
        let b = match side(b_path, "--b", &kb, args, None) {
            Ok(x) => x,
            Err(code) => return code,
        };
        match side(&args.a, "--a", &ka, args, Some(&b.1)) {
            Ok(a) => (a, b),
            Err(code) => return code,
        }
    } else {
        let a = match side(&args.a, "--a", &ka, args, None) {
            Ok(x) => x,
            Err(code) => return code,
        };
        let like = recorded(&args.a).then_some(&a.1);
        match side(b_path, "--b", &kb, args, like) {
            Ok(b) => (a, b),
            Err(code) => return code,
        }
    };
    let d = diff::diff(&a.1, &a.0, &b.1, &b.0);
    if let (Some(f), Some(path)) = (html, &args.html) {
        let page = diff::html::render(&d, &a.1, &b.1);
        if let Err(e) = outputs.write_and_commit(f, "--html", path, page.as_bytes()) {
            return fail(&e);
        }
    }
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&d).expect("a diff serialises")
        ),
        Format::Text => out!("{}", diff::text::render(&d, args.all)),
    }
    if d.verdict == diff::Verdict::Identical {
        EXIT_OK
    } else {
        EXIT_VIOLATION
    }
}
