//! A diff for people: the verdict on one line, then each kind of change grouped, with
//! counts and the top changes (`all` lists everything).

use std::fmt::Write;

use super::changed::{Changed, Changes};
use super::compare::{Diff, Spread, Verdict};
use crate::observe::summary::human;

/// How many items of each group are listed unless `all`.
pub const TOP: usize = 10;

/// `+1h 05m`, `-30s`, `0s`.
pub fn signed(seconds: i64) -> String {
    match seconds.signum() {
        1 => format!("+{}", human(seconds)),
        -1 => format!("-{}", human(-seconds)),
        _ => "0s".into(),
    }
}

/// The one-line verdict.
pub fn verdict_line(d: &Diff) -> String {
    let outcomes = d.changed.iter().filter(|c| c.outcome()).count();
    let timings = d.changed.len() - outcomes;
    let mut parts = Vec::new();
    let mut count = |n: usize, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    count(d.only_a.len(), "only in A");
    count(d.only_b.len(), "only in B");
    count(outcomes, "with another outcome");
    count(timings, "with other times");
    count(d.partitions.len(), "partition statuses");
    count(d.properties.len(), "property verdicts");
    let head = match d.verdict {
        Verdict::Identical => "identical: the same instances, outcomes and times",
        Verdict::Timing => "timing: the same outcomes, at other times",
        Verdict::Outcome => "outcome: different outcomes",
    };
    let line = if parts.is_empty() {
        head.to_string()
    } else {
        format!("{head} ({})", parts.join(", "))
    };
    match (d.verdict, d.settings.len()) {
        (Verdict::Identical, n) if n > 0 => {
            format!("{line}; but the models differ in {n} setting(s) these runs did not exercise")
        }
        _ => line,
    }
}

/// The settings that differ, one line per owner:
/// `task w.t: retries 4 -> 0, timeout 45m -> 2m`.
fn settings_lines(d: &Diff) -> Vec<String> {
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    for c in &d.settings {
        let shown = match c.key {
            None => match c.a.is_some() {
                true => "only in A".to_string(),
                false => "only in B".to_string(),
            },
            Some(key) => {
                let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "none".into());
                format!("{key} {} -> {}", v(&c.a), v(&c.b))
            }
        };
        match lines.last_mut() {
            Some((of, items)) if *of == c.of => items.push(shown),
            _ => lines.push((c.of.clone(), vec![shown])),
        }
    }
    lines
        .into_iter()
        .map(|(of, items)| format!("{of}: {}", items.join(", ")))
        .collect()
}

fn listed<T>(out: &mut String, items: &[T], all: bool, line: impl Fn(&T) -> String) {
    let shown = if all {
        items.len()
    } else {
        TOP.min(items.len())
    };
    for item in &items[..shown] {
        let _ = writeln!(out, "  {}", line(item));
    }
    if shown < items.len() {
        let _ = writeln!(out, "  ... and {} more (--all)", items.len() - shown);
    }
}

fn spread(name: &str, s: &Spread) -> String {
    if s.shifted() == 0 {
        return format!("{name}: {} unchanged", s.unchanged);
    }
    format!(
        "{name}: {} later, {} earlier, {} unchanged; shifts from {} to {}, median {}, p90 {}",
        s.later,
        s.earlier,
        s.unchanged,
        signed(s.min),
        signed(s.max),
        signed(s.median),
        signed(s.p90)
    )
}

fn fields(changes: &Changes, c: &Changed) -> String {
    c.fields()
        .map(|k| match (k, c.start_shift(), c.end_shift()) {
            ("start", Some(s), _) => format!("start {}", signed(s)),
            ("end", _, Some(s)) => format!("end {}", signed(s)),
            _ => {
                let v = |x: &serde_json::Value| x.as_str().map_or(x.to_string(), str::to_string);
                let [a, b] = changes.values(c, k);
                format!("{k} {} -> {}", v(&a), v(&b))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `task scheduled: fields`.
fn change_line(changes: &Changes, c: &Changed) -> String {
    format!(
        "{} {}: {}",
        changes.task(c),
        changes.time(c.scheduled),
        fields(changes, c)
    )
}

/// The whole diff as text.
pub fn render(d: &Diff, all: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", verdict_line(d));
    for (name, side) in [("A", &d.a), ("B", &d.b)] {
        let _ = writeln!(
            s,
            "{name}: {} (model {}, scenario {}, seed {})",
            side.label, side.meta.model, side.meta.scenario, side.meta.seed
        );
    }
    let m = &d.makespan_seconds;
    if m.a == m.b {
        let _ = writeln!(s, "makespan: {} in both", human(m.a));
    } else {
        let _ = writeln!(
            s,
            "makespan: {} -> {} ({})",
            human(m.a),
            human(m.b),
            signed(m.b - m.a)
        );
    }
    let _ = writeln!(
        s,
        "instances: {} in A, {} in B",
        d.instances.a, d.instances.b
    );
    if !d.settings.is_empty() {
        let what = match d.verdict {
            Verdict::Identical => "settings these runs did not exercise",
            _ => "settings",
        };
        let _ = writeln!(s, "\nthe models differ in {what} ({}):", d.settings.len());
        listed(&mut s, &settings_lines(d), all, String::clone);
    }
    for (name, items) in [("only in A", &d.only_a), ("only in B", &d.only_b)] {
        if !items.is_empty() {
            let _ = writeln!(s, "\n{name} ({}):", items.len());
            listed(&mut s, items, all, |o| {
                let reason = o
                    .reason
                    .as_deref()
                    .map_or(String::new(), |r| format!(": {r}"));
                format!("{} {} ({}){reason}", o.task, o.scheduled, o.origin.word())
            });
        }
    }
    let outcomes: Vec<&Changed> = d.changed.iter().filter(|c| c.outcome()).collect();
    if !outcomes.is_empty() {
        let _ = writeln!(s, "\nother outcomes ({}):", outcomes.len());
        listed(&mut s, &outcomes, all, |c| change_line(&d.changed, c));
    }
    if d.start_shifts.shifted() + d.end_shifts.shifted() > 0 {
        let _ = writeln!(s, "\ntiming of matched instances:");
        let _ = writeln!(s, "  {}", spread("starts", &d.start_shifts));
        let _ = writeln!(s, "  {}", spread("ends", &d.end_shifts));
        let mut shifted: Vec<&Changed> = d
            .changed
            .iter()
            .filter(|c| c.a.start != c.b.start || c.a.end != c.b.end)
            .collect();
        let size = |c: &Changed| {
            c.end_shift()
                .unwrap_or(0)
                .abs()
                .max(c.start_shift().unwrap_or(0).abs())
        };
        shifted.sort_by_key(|c| std::cmp::Reverse(size(c)));
        let _ = writeln!(s, "  largest shifts ({} instances):", shifted.len());
        listed(&mut s, &shifted, all, |c| {
            format!("  {}", change_line(&d.changed, c))
        });
    }
    let mut later: Vec<_> = d
        .dates
        .iter()
        .filter(|x| x.end_shift_seconds.is_some_and(|e| e > 0))
        .collect();
    later.sort_by_key(|x| std::cmp::Reverse(x.end_shift_seconds));
    if !later.is_empty() {
        let _ = writeln!(s, "\ndates finishing later ({}):", later.len());
        listed(&mut s, &later, all, |x| {
            format!(
                "{} ({}): {} ({} -> {})",
                x.date,
                x.origin.word(),
                signed(x.end_shift_seconds.unwrap_or(0)),
                x.end[0].as_deref().unwrap_or("-"),
                x.end[1].as_deref().unwrap_or("-")
            )
        });
    }
    let earlier = d
        .dates
        .iter()
        .filter(|x| x.end_shift_seconds.is_some_and(|e| e < 0))
        .count();
    if earlier > 0 {
        let _ = writeln!(s, "dates finishing earlier: {earlier}");
    }
    let one_side: Vec<_> = d
        .dates
        .iter()
        .filter(|x| x.start.iter().any(Option::is_none))
        .collect();
    if !one_side.is_empty() {
        let _ = writeln!(s, "\ndates started in one run only ({}):", one_side.len());
        listed(&mut s, &one_side, all, |x| {
            let side = if x.start[0].is_some() { "A" } else { "B" };
            format!("{} ({}): only in {side}", x.date, x.origin.word())
        });
    }
    if let Some(w) = &d.starts_together {
        let _ = writeln!(s, "\ndates starting together:");
        for (name, waves) in [("A", &w.a), ("B", &w.b)] {
            let _ = writeln!(s, "  {name}:");
            let lines: Vec<String> = waves
                .iter()
                .map(|w| format!("  {}: {}", w.at, w.dates.join(", ")))
                .collect();
            listed(&mut s, &lines, all, String::clone);
        }
    }
    if !d.partitions.is_empty() {
        let _ = writeln!(
            s,
            "\npartitions whose status changed ({}):",
            d.partitions.len()
        );
        listed(&mut s, &d.partitions, all, |p| {
            format!("{}/{}: {} -> {}", p.table, p.partition, p.a, p.b)
        });
    }
    if !d.properties.is_empty() {
        let _ = writeln!(
            s,
            "\nproperty verdicts that changed ({}):",
            d.properties.len()
        );
        for p in &d.properties {
            let _ = writeln!(s, "  {}: {} -> {}", p.name, p.a, p.b);
            for w in &p.witness {
                let _ = writeln!(s, "      {w}");
            }
        }
    }
    if !d.resources.is_empty() {
        let _ = writeln!(s, "\nresource figures that changed:");
        for r in &d.resources {
            let (a, b) = if r.figure == "busy_seconds" {
                {
                    // Busy slot-seconds beyond i64 (a huge pool for centuries) stay exact.
                    let h = |x: u128| i64::try_from(x).map_or_else(|_| format!("{x}s"), human);
                    (h(r.a), h(r.b))
                }
            } else {
                (r.a.to_string(), r.b.to_string())
            };
            let _ = writeln!(s, "  {} {}: {a} -> {b}", r.group, r.figure);
        }
    }
    for n in d.header.iter().chain(&d.notes) {
        let _ = writeln!(s, "note: {n}");
    }
    s
}
