//! The `--seeds` report for people: each figure's spread, then the dates, the
//! expectations, the properties and the notes.

use super::{Report, ordinal};

impl Report {
    /// For people: each figure's spread, then the dates, the expectations and the
    /// properties (`check`: every property; `run`: those some seed violates).
    pub fn text(&self, check: bool) -> String {
        use crate::observe::summary::human_alike;
        use std::fmt::Write;
        // A row's four durations, with seconds on each when one has them.
        let alike = |v: [i128; 4]| v.map(|x| human_alike(x, &v));
        let mut s = String::new();
        let _ = writeln!(
            s,
            "model {} ({}), scenario {}, seeds {}..{} ({} run{}), model sha1 {}, tzdb {}",
            self.model,
            self.profile,
            self.scenario,
            self.first_seed,
            self.last_seed,
            self.seeds,
            if self.seeds == 1 { "" } else { "s" },
            &self.model_hash[..self.model_hash.len().min(12)],
            self.tzdb
        );
        let p95 = (95 * self.seeds as usize).div_ceil(100).max(1);
        let _ = writeln!(
            s,
            "percentiles by nearest rank (p95 of {} seed{}: the {} smallest)",
            self.seeds,
            if self.seeds == 1 { "" } else { "s" },
            ordinal(p95)
        );
        // The table's rows, printed once the widest label is known (a wait's
        // constraint name can be long).
        let mut rows: Vec<(String, [String; 4])> = Vec::new();
        let row = |rows: &mut Vec<(String, [String; 4])>, what: &str, v: [String; 4]| {
            rows.push((what.to_string(), v));
        };
        row(
            &mut rows,
            "",
            ["min", "p50", "p95", "max"].map(String::from),
        );
        let m = &self.makespan_seconds;
        row(
            &mut rows,
            "makespan",
            alike([m.min, m.p50, m.p95, m.max].map(i128::from)),
        );
        let e = &self.executions;
        row(
            &mut rows,
            "executions",
            [e.min, e.p50, e.p95, e.max].map(|x| x.to_string()),
        );
        let r = &self.retries;
        row(
            &mut rows,
            "retries and reruns",
            [r.min, r.p50, r.p95, r.max].map(|x| x.to_string()),
        );
        for g in &self.resource_groups {
            let p = &g.peak_running;
            row(
                &mut rows,
                &format!("{} peak running", g.name),
                [p.min, p.p50, p.p95, p.max].map(|x| x.to_string()),
            );
            let w = &g.peak_waiting;
            row(
                &mut rows,
                &format!("{} peak waiting", g.name),
                [w.min, w.p50, w.p95, w.max].map(|x| x.to_string()),
            );
        }
        for w in &self.waits {
            let what = match &w.name {
                Some(n) => format!("{} {n}", w.kind.word()),
                None => w.kind.word().to_string(),
            };
            let t = &w.total_seconds;
            row(
                &mut rows,
                &format!("wait {what} total"),
                alike([t.min, t.p50, t.p95, t.max].map(i128::from)),
            );
            let q = &w.peak_queue;
            row(
                &mut rows,
                &format!("wait {what} peak queue"),
                [q.min, q.p50, q.p95, q.max].map(|x| x.to_string()),
            );
        }
        let width = rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0)
            .max(28);
        // Each figure's column wider than its widest cell (a total of hundreds of
        // hours fills 12), so that cells never run together.
        let cell = rows
            .iter()
            .flat_map(|r| r.1.iter().map(|c| c.chars().count() + 1))
            .max()
            .unwrap_or(0)
            .max(12);
        for (what, v) in &rows {
            let _ = writeln!(
                s,
                "  {what:<width$} {:>cell$} {:>cell$} {:>cell$} {:>cell$}",
                v[0], v[1], v[2], v[3]
            );
        }
        if !self.dates.is_empty() {
            let _ = writeln!(
                s,
                "dates/runs finished (p50 / p95 / max; \"never\" on seeds where it did not finish):"
            );
            let never = |t: &Option<String>| t.clone().unwrap_or_else(|| "never".into());
            // With several backfills, each date says which (as a run's dates do).
            let several = self.dates.iter().any(|d| d.backfill.is_some_and(|b| b > 1));
            let width = if several { 11 } else { 9 };
            for d in self.dates.iter().take(40) {
                let origin = match d.backfill {
                    Some(b) if several => format!("{} {b}", d.origin),
                    _ => d.origin.to_string(),
                };
                let date = crate::engine::labelled(d.date.clone(), d.workflows.as_deref());
                let _ = writeln!(
                    s,
                    "  {date} {origin:<width$} {} / {} / {}{}",
                    never(&d.end.p50),
                    never(&d.end.p95),
                    never(&d.end.max),
                    if d.unfinished > 0 {
                        format!("  (unfinished on {} seeds)", d.unfinished)
                    } else {
                        String::new()
                    }
                );
            }
            if self.dates.len() > 40 {
                let _ = writeln!(
                    s,
                    "  ... and {} more (all in --format json)",
                    self.dates.len() - 40
                );
            }
        }
        if !self.expectations.is_empty() {
            let _ = writeln!(s, "expectations:");
            for x in &self.expectations {
                let _ = writeln!(
                    s,
                    "  {}: met on {} of {} seeds ({:.1}%)",
                    x.name,
                    x.met,
                    x.seeds,
                    100.0 * x.met as f64 / x.seeds as f64
                );
            }
        }
        let failing = self.properties.iter().filter(|p| p.violated > 0).count();
        let _ = writeln!(
            s,
            "properties: {} of {} hold on every seed",
            self.properties.len() - failing,
            self.properties.len()
        );
        for p in &self.properties {
            match (&p.replay, check) {
                (Some(replay), _) => {
                    let _ = writeln!(
                        s,
                        "FAIL {}: violated on {} of {} seeds; first seed {}: {replay}",
                        p.name,
                        p.violated,
                        self.seeds,
                        p.first_seed.unwrap_or_default()
                    );
                }
                (None, true) => {
                    let _ = writeln!(s, "ok   {}", p.name);
                }
                (None, false) => {}
            }
        }
        for n in &self.notes {
            if n.seeds == self.seeds {
                let _ = writeln!(s, "note: {}", n.note);
            } else {
                let _ = writeln!(s, "note ({} of {} seeds): {}", n.seeds, self.seeds, n.note);
            }
        }
        s
    }
}
