//! `whatif --seeds` (every variant under every seed) and `whatif --minimize KNOB`
//! (`schedsim::minimize`): tables, JSON and the HTML distribution chart.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use schedsim::engine::Config;
use schedsim::minimize::{self, Ask, Minimum, Search, SeedsVariant};
use schedsim::model::Model;
use schedsim::observe::exercised::Exercised;
use schedsim::observe::summary::human_alike;
use schedsim::observe::sweep_chart::{self, Point};
use schedsim::seeds::{NoteRate, Seeds};
use schedsim::seeds_part;
use schedsim::shard::{Partial, Shard};
use schedsim::whatif::{self, Base, SweepError, Vary, combinations};

use super::output::Outputs;
use super::sweep_shard;
use super::whatif::{columns, notes_by_variant, variant_note};
use super::{EXIT_OK, Format, fail};

pub struct Request<'a> {
    pub model: &'a Model,
    pub model_path: &'a Path,
    pub source: &'a str,
    pub base: &'a Base,
    pub vary: &'a [Vary],
    pub seeds: &'a str,
    pub threads: Option<usize>,
    pub minimize: Option<&'a str>,
    pub goal: f64,
    pub range: Option<&'a str>,
    pub html: Option<&'a PathBuf>,
    pub config: Config,
    pub format: Format,
    /// `--shard`: run these pairs only and print their partial file.
    pub shard: Option<Shard>,
    /// `schedsim merge`: the shards' partial files, instead of running.
    pub merged: Option<&'a [Partial]>,
    /// The arguments as the unsharded run takes them, for a shard's header.
    pub canonical: Vec<String>,
    pub hash: &'a str,
}

pub fn run(r: Request<'_>) -> i32 {
    let seeds = match Seeds::parse(r.seeds) {
        Ok(s) => s,
        Err(e) => return fail(&format!("--seeds {e}")),
    };
    let pool = match super::seeds::pool(r.threads) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let mut outputs = Outputs::new();
    outputs.input(r.model_path);
    if let Some(part) = r.shard {
        // A shard writes no --html (the merge does, maybe on another host), but refuses
        // one that would write over the model, before it runs.
        if let Some(Err(e)) = r.html.map(|p| outputs.not_input("--html", p)) {
            return fail(&e);
        }
        return shard(&r, seeds, part, &pool);
    }
    let html = match r.html.map(|p| outputs.open("--html", p)).transpose() {
        Ok(f) => f,
        Err(e) => return fail(&e),
    };
    // The progress line: on a terminal, never under --format json.
    let terminal = std::io::stderr().is_terminal() && r.format != Format::Json;
    let title = format!("schedsim whatif: {}", r.model.name);
    let (text, page, json) = match r.minimize {
        Some(knob) => {
            let m = match minimum(&r, knob, seeds, &pool, terminal) {
                Ok(m) => m,
                Err(code) => return code,
            };
            let text = minimum_text(&m);
            let points: Vec<Point> = m
                .curve
                .iter()
                .map(|p| Point {
                    label: p.value.to_string(),
                    makespan: p.makespan.clone(),
                    met: p.met,
                    seeds: p.seeds,
                })
                .collect();
            let page = sweep_chart::sweep_html(&title, knob, &points, Some(m.goal), true, &text);
            (text, page, serde_json::to_string_pretty(&m))
        }
        None => {
            let bar = super::progress::Progress::new("variants", !terminal);
            let progress = |done: usize, total: usize| bar.update(done, total);
            let mut variants = match r.merged {
                Some(parts) => match merged(parts, r.vary, seeds) {
                    Ok(v) => v,
                    Err(e) => return fail(&e),
                },
                None => match pool.install(|| {
                    minimize::sweep(r.source, r.base, r.vary, seeds, r.config, &progress)
                }) {
                    Ok(v) => v,
                    Err(e) => return failed(&e, &r),
                },
            };
            bar.clear();
            idle_notes(r.model, r.vary, &mut variants);
            let text = seeds_table(r.base, r.vary, seeds, &variants);
            let knob = r
                .vary
                .iter()
                .map(|v| v.key.as_str())
                .collect::<Vec<_>>()
                .join(" × ");
            let points: Vec<Point> = variants
                .iter()
                .map(|v| Point {
                    label: label(r.vary, v),
                    makespan: v.makespan_seconds.clone(),
                    met: v.all_met,
                    seeds: v.seeds,
                })
                .collect();
            let expects = variants.iter().any(|v| !v.expectations.is_empty());
            let page = sweep_chart::sweep_html(&title, &knob, &points, None, expects, &text);
            (text, page, serde_json::to_string_pretty(&variants))
        }
    };
    if let (Some(mut w), Some(path)) = (html, r.html)
        && let Err(e) = w.write_all(page.as_bytes()).and_then(|()| w.flush())
    {
        return fail(&format!("--html {}: {e}", path.display()));
    }
    if let Err(e) = outputs.commit() {
        return fail(&e);
    }
    match r.format {
        Format::Json => outln!("{}", json.expect("the sweep serialises")),
        Format::Text => out!("{text}"),
    }
    EXIT_OK
}

/// A varied knob that no variant exercised on any seed (`whatif::idle_notes`) gets
/// a note in every variant's notes, on all its seeds: the text prints it once, the
/// JSON lists it with each variant.
fn idle_notes(model: &Model, vary: &[Vary], variants: &mut [SeedsVariant]) {
    let exercised: Vec<&Exercised> = variants.iter().map(|v| &v.exercised).collect();
    let idle = whatif::idle_notes(model, vary, &exercised, true);
    for v in variants {
        v.notes.extend(idle.iter().map(|note| NoteRate {
            note: note.clone(),
            seeds: v.seeds,
        }));
    }
}

/// `--shard K/N`: the shard's (variant, seed) pairs run, each a `pair` line with
/// its run, printed as the partial file.
fn shard(r: &Request<'_>, seeds: Seeds, part: Shard, pool: &rayon::ThreadPool) -> i32 {
    let bar = super::progress::Progress::new("variants", r.format == Format::Json);
    let progress = |done: usize, total: usize| bar.update(done, total);
    let runs = pool.install(|| {
        minimize::sweep_part(r.source, r.base, r.vary, seeds, part, r.config, &progress)
    });
    bar.clear();
    let runs = match runs {
        Ok(x) => x,
        Err(e) => return failed(&e, r),
    };
    let per = seeds.count() as usize;
    let items: Vec<serde_json::Value> = runs
        .iter()
        .flat_map(|(v, runs)| {
            runs.iter().map(move |run| {
                let index = v * per + (run.seed - seeds.first) as usize;
                serde_json::json!({ "pair": { "index": index, "run": seeds_part::to_json(run) } })
            })
        })
        .collect();
    sweep_shard::emit("whatif", r.canonical.clone(), part, r.hash, &items);
    EXIT_OK
}

/// Every variant's figures from the shards' pairs, as the unsharded sweep gives them.
fn merged(parts: &[Partial], vary: &[Vary], seeds: Seeds) -> Result<Vec<SeedsVariant>, String> {
    let combos = combinations(vary);
    let per = seeds.count() as usize;
    let items = sweep_shard::collect(parts, "pair", combos.len() * per)?;
    let mut out = Vec::with_capacity(combos.len());
    for (v, values) in combos.iter().enumerate() {
        let runs = items[v * per..(v + 1) * per]
            .iter()
            .enumerate()
            .map(|(s, item)| {
                let index = v * per + s;
                let run = item
                    .get("run")
                    .ok_or_else(|| "no `run`".to_string())
                    .and_then(seeds_part::from_json)
                    .map_err(|e| format!("pair {index}: {e}"))?;
                if run.seed != seeds.first + s as u64 {
                    return Err(format!(
                        "pair {index}: seed {}, where the sweep runs seed {}",
                        run.seed,
                        seeds.first + s as u64
                    ));
                }
                Ok(run)
            })
            .collect::<Result<Vec<_>, String>>()?;
        if let Some(k) = seeds_part::first_unlike(&runs) {
            return Err(format!(
                "pair {}: its resource groups or properties differ from pair {}'s (the runs are of one model): the partial was edited",
                v * per + k,
                v * per
            ));
        }
        out.push(minimize::summarise(values, &runs));
    }
    Ok(out)
}

fn minimum(
    r: &Request<'_>,
    knob: &str,
    seeds: Seeds,
    pool: &rayon::ThreadPool,
    terminal: bool,
) -> Result<Minimum, i32> {
    let profile = r.model.profile;
    let Some(default) = minimize::default_range(knob, profile) else {
        return Err(fail(&format!(
            "--minimize {knob}: not an integer knob; expected slots.GROUP, groups or retries.WORKFLOW.TASK"
        )));
    };
    let range = match r.range.map(minimize::parse_range).transpose() {
        Ok(x) => x.unwrap_or(default),
        Err(e) => return Err(fail(&format!("--range {e}"))),
    };
    if range.0 < default.0 {
        return Err(fail(&format!(
            "--range: {knob} cannot be below {} (its lowest valid value)",
            default.0
        )));
    }
    if let Some(most) = minimize::highest(knob, profile).filter(|&m| range.1 > m) {
        return Err(fail(&format!(
            "--range: the {profile} profile runs at most {most} groups of business dates in parallel, not {} (the default range, 1..{most}, searches them all)",
            range.1
        )));
    }
    if !(r.goal > 0.0 && r.goal <= 1.0) {
        return Err(fail(&format!(
            "--goal {}: expected a share of seeds above 0 and at most 1 (0.95: 95% of seeds)",
            r.goal
        )));
    }
    let scenario = match r.base {
        Base::Scenario(name) => name.as_str(),
        Base::Backfill(_) => "whatif",
    };
    if !r.model.expects.iter().any(|e| e.applies_to(scenario)) {
        return Err(fail(&format!(
            "--minimize measures how many seeds meet the model's expectations, and none applies to {}: add an [[expect]] (finish_by, makespan_at_most, or task with ready_by)",
            match r.base {
                Base::Scenario(name) => format!("scenario `{name}`"),
                Base::Backfill(_) => "the backfill".to_string(),
            }
        )));
    }
    let ask = Ask {
        source: r.source,
        profile,
        base: r.base,
        knob,
        range,
        goal: r.goal,
        seeds,
        config: r.config,
    };
    let progress = |v: i64| {
        if terminal {
            err!("\r\x1b[2K{knob} = {v}: {} seeds", seeds.count());
        }
    };
    let out = pool.install(|| minimize::minimize(&ask, &progress));
    if terminal {
        err!("\r\x1b[2K");
    }
    out.map_err(|e| failed(&e, r))
}

/// A failed sweep reported ([`super::whatif::failed`]).
fn failed(e: &SweepError, r: &Request<'_>) -> i32 {
    let shown = r.model_path.display().to_string();
    super::whatif::failed(e, r.model, r.base, &shown, r.source)
}

fn label(vary: &[Vary], v: &SeedsVariant) -> String {
    // One knob: its value is the label (the chart's title names the knob).
    if let [one] = vary {
        return v.values[&one.key].clone();
    }
    vary.iter()
        .map(|k| format!("{}={}", k.key, v.values[&k.key]))
        .collect::<Vec<_>>()
        .join(" ")
}

fn pct(met: u64, of: u64) -> String {
    format!("{met}/{of} ({:.1}%)", 100.0 * met as f64 / of.max(1) as f64)
}

fn seeds_table(base: &Base, vary: &[Vary], seeds: Seeds, variants: &[SeedsVariant]) -> String {
    let out = format!(
        "base: {}\nseeds {seeds} ({} run{} per variant); percentiles by nearest rank\n",
        base.describe(),
        seeds.count(),
        if seeds.count() == 1 { "" } else { "s" }
    );
    let mut header: Vec<String> = vary.iter().map(|v| v.key.clone()).collect();
    header.extend(["makespan p50", "p95", "max"].map(String::from));
    // With no expectation, "every expectation met" would be met by every seed.
    let expects = variants.iter().any(|v| !v.expectations.is_empty());
    if expects {
        header.push("every expectation met".into());
    }
    if let Some(first) = variants.first() {
        header.extend(first.expectations.iter().map(|e| e.name.clone()));
    }
    header.push("properties violated (seeds)".into());
    let mut rows = vec![header];
    // The three makespan columns read alike (seconds on all when one has them).
    let makespans: Vec<i128> = variants
        .iter()
        .flat_map(|v| {
            [
                v.makespan_seconds.p50,
                v.makespan_seconds.p95,
                v.makespan_seconds.max,
            ]
        })
        .map(i128::from)
        .collect();
    for v in variants {
        let mut row: Vec<String> = vary.iter().map(|k| v.values[&k.key].clone()).collect();
        let m = &v.makespan_seconds;
        row.extend([m.p50, m.p95, m.max].map(|x| human_alike(x, &makespans)));
        if expects {
            row.push(pct(v.all_met, v.seeds));
        }
        row.extend(v.expectations.iter().map(|e| pct(e.met, e.seeds)));
        row.push(if v.violated.is_empty() {
            "-".into()
        } else {
            v.violated
                .iter()
                .map(|(k, n)| format!("{k} ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        });
        rows.push(row);
    }
    let named: Vec<Named<'_>> = variants
        .iter()
        .map(|v| {
            let values: Vec<String> = vary
                .iter()
                .map(|x| format!("{}={}", x.key, v.values[&x.key]))
                .collect();
            (values.join(" "), v.seeds, v.notes.as_slice())
        })
        .collect();
    let none = if expects {
        ""
    } else {
        "note: no [[expect]] applies to the base: nothing is judged against a deadline (the table has no expectation column)\n"
    };
    out + &columns(&rows) + &notes_text(&named, "variants") + none
}

/// A variant's name, its number of seeds and its runs' notes.
type Named<'a> = (String, u64, &'a [NoteRate]);

/// The runs' notes, once each: plain when every variant had it on every seed, else
/// with the variants (`noun`: `variants`, or `values` of a knob; at most three named)
/// and on how many of their seeds; with one variant and no --vary, as `run --seeds`
/// says it: `note (N of M seeds)`.
fn notes_text(variants: &[Named<'_>], noun: &str) -> String {
    let per_variant = variants
        .iter()
        .map(|(_, _, rates)| rates.iter().map(|n| (n.note.as_str(), n.seeds)));
    let mut out = String::new();
    for (note, with) in notes_by_variant(per_variant) {
        let everywhere =
            with.len() == variants.len() && with.iter().all(|&(k, n)| n == variants[k].1);
        if everywhere {
            out += &format!("note: {note}\n");
            continue;
        }
        if let [(name, seeds, _)] = variants
            && name.is_empty()
        {
            out += &format!("note ({} of {seeds} seeds): {note}\n", with[0].1);
            continue;
        }
        let named = with.iter().map(|&(k, n)| {
            let (name, seeds, _) = &variants[k];
            format!("{name}: {n} of {seeds} seeds")
        });
        out += &variant_note(note, (variants.len(), noun), named);
        out.push('\n');
    }
    out
}

fn minimum_text(m: &Minimum) -> String {
    let how = match m.search {
        Search::Bisection => "by bisection".to_string(),
        Search::EachValue => format!("value by value from {}", m.range[0]),
    };
    let mut out = format!(
        "minimize {} over {}..{} {how}; goal: every expectation on {:.1}% of {} seed{}\nbase: {}\n",
        m.knob,
        m.range[0],
        m.range[1],
        m.goal * 100.0,
        m.seeds,
        if m.seeds == 1 { "" } else { "s" },
        m.base
    );
    let mut rows = vec![
        ["value", "every expectation met", "makespan p95", "goal"]
            .map(String::from)
            .to_vec(),
    ];
    let p95s: Vec<i128> = m
        .curve
        .iter()
        .map(|p| p.makespan_p95_seconds.into())
        .collect();
    for p in &m.curve {
        let ok = p.met as f64 >= m.goal * p.seeds as f64 - 1e-9;
        rows.push(vec![
            p.value.to_string(),
            pct(p.met, p.seeds),
            human_alike(p.makespan_p95_seconds, &p95s),
            if ok { "met" } else { "not met" }.to_string(),
        ]);
    }
    out += &columns(&rows);
    match (m.minimum, &m.reason) {
        (Some(v), _) => {
            out += &format!("minimum: {} = {v}\n", m.knob);
        }
        (None, reason) => {
            out += &format!(
                "minimum: none in {}..{}: {}\n",
                m.range[0],
                m.range[1],
                reason.as_deref().unwrap_or("the goal is not met")
            );
        }
    }
    for note in &m.notes {
        out += &format!("note: {note}\n");
    }
    if m.search == Search::Bisection {
        out += "note: bisection assumes more of the knob never lowers the hit rate; every value measured is listed\n";
    }
    let named: Vec<Named<'_>> = m
        .curve
        .iter()
        .map(|p| {
            (
                format!("{}={}", m.knob, p.value),
                p.seeds,
                p.notes.as_slice(),
            )
        })
        .collect();
    out + &notes_text(&named, "values")
}
