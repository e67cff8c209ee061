//! The golden suite (`schedsim test`): every scenario of every model in a directory,
//! run and compared by meaning with its golden record.
//!
//! Layout: the models are the directory's `*.toml` files (not its subdirectories);
//! the golden of scenario S of model `M.toml` is `goldens/M/S.jsonl` in the same
//! directory (characters other than letters, digits, `.`, `-` and `_` in S become
//! `_`); a scenario whose `seeds` names more than seed 0 has one golden per seed,
//! `goldens/M/S.seed-N.jsonl` for each seed N other than 0. Two cases of one golden
//! file (`one day` and `one_day`) are both errors, neither run nor written; a golden
//! whose header names another scenario or seed than its case's is an error too
//! (`--bless` rewrites it). A golden is a record of the run (`diff::record`): a header with the
//! schedsim version, model hash, tz database and seed, then its dates, instances,
//! partitions, property verdicts and resource figures, one per line, so that a
//! change reads well in a code review. A golden whose scenario the model no longer
//! has, or whose model the directory no longer has, is reported (`STALE`), and
//! removed by `--bless`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::diff::{self, Diff, Verdict, record};
use crate::engine::{Config, RunError};
use crate::model;
use crate::observe::trace::FORMAT;

/// One scenario of one model.
#[derive(Clone, Debug)]
pub struct Case {
    /// The model file's stem.
    pub model: String,
    pub scenario: String,
    pub golden: PathBuf,
    /// What the fresh run noted of itself (`diff::Run::notes`: a scripted fault that
    /// never ran, a bound read as midnight...). A golden records results, not notes,
    /// so a case can pass with them: the suite shows them under its line.
    pub notes: Vec<String>,
}

/// How a case ended.
#[derive(Debug)]
pub enum Outcome {
    /// Identical to its golden.
    Pass,
    /// The same results; only the header changed (schedsim version, model hash, tz
    /// database): each change named.
    Header(Vec<String>),
    /// No golden yet.
    New,
    /// A golden of a scenario the model no longer has, or of a model the directory
    /// no longer has.
    Stale(Gone),
    /// The run differs from its golden.
    Fail(Box<Diff>),
    /// Written by `--bless` (new, changed, or its header refreshed).
    Blessed(&'static str),
    /// The model or the golden cannot be read, the golden is another case's (by its
    /// header, or by its file name), or the scenario cannot run.
    Error(String),
}

impl Outcome {
    /// The word of the one-line status.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Header(_) => "PASS",
            Outcome::New => "NEW",
            Outcome::Stale(_) => "STALE",
            Outcome::Fail(_) => "FAIL",
            Outcome::Blessed(_) => "BLESSED",
            Outcome::Error(_) => "ERROR",
        }
    }

    pub fn passed(&self) -> bool {
        matches!(
            self,
            Outcome::Pass | Outcome::Header(_) | Outcome::Blessed(_)
        )
    }

    /// What to show under the failures (empty when it passed); `dir` is the suite's
    /// directory, as the command to run names it.
    pub fn detail(&self, dir: &Path) -> String {
        let dir = dir.display();
        match self {
            Outcome::Fail(d) => diff::text::render(d, false),
            Outcome::New => {
                format!("no golden yet: run `schedsim test {dir} --bless` to write it\n")
            }
            Outcome::Stale(Gone::Scenario) => format!(
                "the model has no such scenario: `schedsim test {dir} --bless` removes its golden\n"
            ),
            Outcome::Stale(Gone::Model) => format!(
                "the directory has no model of this name: `schedsim test {dir} --bless` removes its golden\n"
            ),
            Outcome::Error(e) => format!("{e}\n"),
            _ => String::new(),
        }
    }
}

/// What a stale golden's case lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gone {
    Scenario,
    Model,
}

/// A scenario name as a file name.
/// The golden of a scenario under a seed: `SCENARIO.jsonl` for seed 0,
/// `SCENARIO.seed-N.jsonl` for the other seeds its `seeds` names.
pub fn file_name(scenario: &str, seed: u64) -> String {
    let name: String = scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match seed {
        0 => format!("{name}.jsonl"),
        n => format!("{name}.seed-{n}.jsonl"),
    }
}

/// The models of a directory, in name order.
pub fn models(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    out.sort();
    Ok(out)
}

/// The golden files of a suite's directory as they are now
/// (`goldens/MODEL/SCENARIO.jsonl`), sorted.
pub fn goldens(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(models) = std::fs::read_dir(dir.join("goldens")) else {
        return out;
    };
    for m in models.filter_map(Result::ok) {
        if let Ok(files) = std::fs::read_dir(m.path()) {
            out.extend(
                files
                    .filter_map(Result::ok)
                    .map(|f| f.path())
                    .filter(|p| p.is_file()),
            );
        }
    }
    out.sort();
    out
}

/// `file:line:column` of the place in the model file `path` (bytes `source`) that a
/// run error of scenario `index` belongs to ([`crate::engine::located`]).
fn located(path: &Path, source: &[u8], index: usize, e: &RunError) -> Option<String> {
    let shown = path.display().to_string();
    let text = std::str::from_utf8(source).ok()?;
    let d = crate::engine::located(&shown, text, index, e, "")?;
    let (line, column) = model::diagnostic::line_column(text, d.diagnostics[0].span.start);
    Some(format!("{shown}:{line}:{column}"))
}

/// Every scenario of one model file, with how each compares with its golden.
/// `bless` writes the golden of every case that is new, differs, or whose header
/// changed. A model that does not load is one failing case named after the file.
pub fn check_model(path: &Path, bless: bool, max_instances: u64) -> Vec<(Case, Outcome)> {
    let stem = path
        .file_stem()
        .map_or(String::new(), |s| s.to_string_lossy().into_owned());
    let dir = path
        .parent()
        .unwrap_or(Path::new("."))
        .join("goldens")
        .join(&stem);
    let broken = |e: String| {
        vec![(
            Case {
                model: stem.clone(),
                scenario: "(model)".into(),
                golden: dir.clone(),
                notes: Vec::new(),
            },
            Outcome::Error(e),
        )]
    };
    let source = match std::fs::read(path) {
        Ok(s) => s,
        Err(e) => return broken(format!("{}: {e}", path.display())),
    };
    let m = match model::load_file(path) {
        Ok(m) => m,
        Err(d) => return broken(d.render()),
    };
    let hash = model::model_hash(&source);
    let planned: Vec<(usize, &model::Scenario, u64, Case)> = m
        .scenarios
        .iter()
        .enumerate()
        .flat_map(|(index, s)| s.seeds.iter().map(move |&seed| (index, s, seed)))
        .map(|(index, s, seed)| {
            let case = Case {
                model: stem.clone(),
                scenario: match seed {
                    0 => s.name.clone(),
                    n => format!("{} (seed {n})", s.name),
                },
                golden: dir.join(file_name(&s.name, seed)),
                notes: Vec::new(),
            };
            (index, s, seed, case)
        })
        .collect();
    let mut cases: Vec<(Case, Outcome)> = planned
        .iter()
        .map(|(index, s, seed, case)| {
            let mut case = case.clone();
            // Two cases of one golden file would overwrite each other's, and each be
            // compared with the other's: neither runs.
            if let Some((_, _, _, other)) = planned
                .iter()
                .find(|(_, _, _, o)| o.golden == case.golden && o.scenario != case.scenario)
            {
                let outcome = Outcome::Error(format!(
                    "{}: `{}` and `{}` both have the golden {}: rename one (a golden's name keeps a scenario name's letters, digits, `.`, `-` and `_`, any other character becomes `_`, and seed N adds `.seed-N`)",
                    path.display(),
                    case.scenario,
                    other.scenario,
                    case.golden.display()
                ));
                return (case, outcome);
            }
            let config = Config::new(*seed, max_instances);
            let outcome = match diff::simulate(&m, s, config, &hash, None) {
                Ok(run) => {
                    let outcome = compare(&case.golden, &run, bless);
                    case.notes = run.notes;
                    outcome
                }
                Err(e) => Outcome::Error(match located(path, &source, *index, &e) {
                    Some(at) => format!("{at}: {e}"),
                    None => format!("scenario {}: {e}", case.scenario),
                }),
            };
            (case, outcome)
        })
        .collect();
    // Goldens of scenarios the model no longer has.
    let known: Vec<PathBuf> = cases.iter().map(|(c, _)| c.golden.clone()).collect();
    let mut stale: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && !known.contains(p))
                .collect()
        })
        .unwrap_or_default();
    stale.sort();
    cases.extend(stale_cases(&stem, stale, Gone::Scenario, bless));
    cases
}

/// The goldens of models the directory `dir` no longer has (`goldens/M/*.jsonl`
/// with no `M.toml` among `models`), each stale; `bless` removes them, and then
/// their model's directory if nothing else is left in it.
pub fn orphans(dir: &Path, models: &[PathBuf], bless: bool) -> Vec<(Case, Outcome)> {
    let stems: Vec<_> = models.iter().filter_map(|p| p.file_stem()).collect();
    let Ok(entries) = std::fs::read_dir(dir.join("goldens")) else {
        return Vec::new();
    };
    let mut gone: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| !stems.contains(&n)))
        .collect();
    gone.sort();
    let mut cases = Vec::new();
    for model_dir in gone {
        let mut goldens: Vec<PathBuf> = std::fs::read_dir(&model_dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "jsonl"))
                    .collect()
            })
            .unwrap_or_default();
        goldens.sort();
        let stem = model_dir
            .file_name()
            .map_or(String::new(), |s| s.to_string_lossy().into_owned());
        cases.extend(stale_cases(&stem, goldens, Gone::Model, bless));
        if bless {
            // Left when it holds anything else (a file that is no golden).
            let _ = std::fs::remove_dir(&model_dir);
        }
    }
    cases
}

/// Stale goldens of model `stem` as cases: reported, or removed by `bless`.
fn stale_cases(stem: &str, goldens: Vec<PathBuf>, gone: Gone, bless: bool) -> Vec<(Case, Outcome)> {
    goldens
        .into_iter()
        .map(|golden| {
            let scenario = golden
                .file_stem()
                .map_or(String::new(), |s| s.to_string_lossy().into_owned());
            let outcome = if !bless {
                Outcome::Stale(gone)
            } else {
                match std::fs::remove_file(&golden) {
                    Ok(()) => Outcome::Blessed("removed"),
                    Err(e) => Outcome::Error(format!("{}: {e}", golden.display())),
                }
            };
            let case = Case {
                model: stem.to_string(),
                scenario,
                golden,
                notes: Vec::new(),
            };
            (case, outcome)
        })
        .collect()
}

fn compare(golden: &Path, run: &diff::Run, bless: bool) -> Outcome {
    let write = |why: &'static str| match std::fs::create_dir_all(
        golden.parent().unwrap_or(Path::new(".")),
    )
    .and_then(|()| std::fs::write(golden, record::write_golden(run)))
    {
        Ok(()) => Outcome::Blessed(why),
        Err(e) => Outcome::Error(format!("{}: {e}", golden.display())),
    };
    let text = match std::fs::read_to_string(golden) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if bless { write("new") } else { Outcome::New };
        }
        Err(e) => return Outcome::Error(format!("{}: {e}", golden.display())),
    };
    let recorded = match record::read_golden(&text) {
        Ok(r) => r,
        Err(e) => {
            return if bless {
                write("rewritten")
            } else {
                Outcome::Error(format!("{}:{e}", golden.display()))
            };
        }
    };
    // A golden of another scenario or seed (written by hand, or under a scenario's
    // old name) is not this case's record.
    let (was, is) = (&recorded.meta, &run.meta);
    if (&was.scenario, was.seed) != (&is.scenario, is.seed) {
        return if bless {
            write("rewritten")
        } else {
            Outcome::Error(format!(
                "{}:1: the golden records scenario `{}` seed {}, not this case's scenario `{}` seed {}: `--bless` writes this case's in its place",
                golden.display(),
                was.scenario,
                was.seed,
                is.scenario,
                is.seed
            ))
        };
    }
    let d = diff::diff(&recorded, "golden", run, "now");
    if d.verdict != Verdict::Identical {
        return if bless {
            write("updated")
        } else {
            Outcome::Fail(Box::new(d))
        };
    }
    let mut changes = Vec::new();
    for (key, a, b) in [
        ("schedsim", &was.schedsim, &is.schedsim),
        ("model_hash", &was.model_hash, &is.model_hash),
        ("tzdb", &was.tzdb, &is.tzdb),
        ("model", &was.model, &is.model),
    ] {
        if a != b {
            changes.push(format!("{key} {a} -> {b}"));
        }
    }
    // A golden of format 1 has no end line: it passes, and `--bless` writes it anew.
    let format = record::format_of(&text);
    if format < FORMAT {
        changes.push(format!("format {format} -> {FORMAT}"));
    }
    match (changes.is_empty(), bless) {
        (true, _) => Outcome::Pass,
        (false, true) => write("header refreshed"),
        (false, false) => Outcome::Header(changes),
    }
}

/// A JUnit XML report (the Ant/Jenkins format CI systems read): one `testsuite` per
/// model, one `testcase` per scenario; a difference or a missing golden is a
/// `failure`, a model or golden that cannot be read an `error`.
pub fn junit(results: &[(Case, Outcome)], dir: &Path) -> String {
    let esc = crate::observe::report::escape;
    let mut models: Vec<&str> = results.iter().map(|(c, _)| c.model.as_str()).collect();
    models.dedup();
    let count = |f: &dyn Fn(&Outcome) -> bool, of: Option<&str>| {
        results
            .iter()
            .filter(|(c, o)| of.is_none_or(|m| c.model == m) && f(o))
            .count()
    };
    let failed = |o: &Outcome| matches!(o, Outcome::Fail(_) | Outcome::New | Outcome::Stale(_));
    let errored = |o: &Outcome| matches!(o, Outcome::Error(_));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"schedsim test\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        results.len(),
        count(&failed, None),
        count(&errored, None)
    );
    for m in models {
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\">",
            esc(m),
            count(&|_| true, Some(m)),
            count(&failed, Some(m)),
            count(&errored, Some(m))
        );
        for (c, o) in results.iter().filter(|(c, _)| c.model == m) {
            let _ = write!(
                x,
                "    <testcase classname=\"{}\" name=\"{}\"",
                esc(m),
                esc(&c.scenario)
            );
            let element = match o {
                Outcome::Fail(d) => Some(("failure", diff::text::verdict_line(d))),
                Outcome::New => Some(("failure", "no golden yet".to_string())),
                Outcome::Stale(Gone::Scenario) => Some(("failure", "no such scenario".to_string())),
                Outcome::Stale(Gone::Model) => Some(("failure", "no such model".to_string())),
                Outcome::Error(e) => Some(("error", e.lines().next().unwrap_or("").to_string())),
                _ => None,
            };
            match element {
                Some((tag, message)) => {
                    let _ = writeln!(
                        x,
                        ">\n      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>\n    </testcase>",
                        esc(&message),
                        o.word().to_lowercase(),
                        esc(&o.detail(dir))
                    );
                }
                None if c.notes.is_empty() => x.push_str("/>\n"),
                // A passing case with notes: they go to its output.
                None => {
                    let notes: Vec<String> = c.notes.iter().map(|n| format!("note: {n}")).collect();
                    let _ = writeln!(
                        x,
                        ">\n      <system-out>{}</system-out>\n    </testcase>",
                        esc(&notes.join("\n"))
                    );
                }
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}
