//! The HTML report of a run: one self-contained file (no scripts, no network) with
//! the summary, the properties and their witnesses, resource groups, partitions that
//! are not ok, what is stuck, and a Gantt chart of executions on the slot lanes of
//! each resource group.
//!
//! The chart keeps the first [`MAX_BARS`] executions (in start order); a larger run
//! says how many were left out, and its Chrome trace (`--chrome-trace`) holds them all.

use std::fmt::Write;

use crate::calendar::Instant;
use crate::calendar::schedule::rfc3339;
use crate::engine::{Event, Reason, Sink, State};
use crate::model::Model;
use crate::observe::Summary;
use crate::observe::lanes::Lanes;
use crate::observe::summary::human;

/// At most this many executions are drawn.
pub const MAX_BARS: usize = 5_000;

struct Bar {
    group: u32,
    lane: u32,
    start: Instant,
    end: Instant,
    instance: u32,
    attempt: u32,
    task: u32,
    scheduled: Instant,
    reason: Reason,
}

/// Collects the executions to draw.
pub struct Gantt {
    lanes: Lanes,
    bars: Vec<Bar>,
    left_out: usize,
}

impl Gantt {
    pub fn new(model: &Model) -> Gantt {
        Gantt {
            lanes: Lanes::new(model.groups.len()),
            bars: Vec::new(),
            left_out: 0,
        }
    }
}

impl Sink for Gantt {
    fn event(&mut self, e: &Event) {
        let g = e.group.0 as usize;
        if e.to == State::Running {
            self.lanes.start(e.instance, g, e.time);
        } else if e.from == State::Running {
            let (start, lane) = self.lanes.end(e.instance, g);
            if self.bars.len() < MAX_BARS {
                self.bars.push(Bar {
                    group: g as u32,
                    lane,
                    start,
                    end: e.time,
                    instance: e.instance,
                    attempt: e.attempt,
                    task: e.task.0,
                    scheduled: e.scheduled,
                    reason: e.reason,
                });
            } else {
                self.left_out += 1;
            }
        }
    }
}

/// Text made safe inside HTML elements and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}\
th{background:#f3f3f3}.ok{color:#17692e}.fail{color:#b00020;font-weight:bold}\
pre{background:#f7f7f7;padding:.8em;overflow:auto}svg text{font:11px sans-serif}\
.finished{fill:#3a8f4f}.failed_before_write{fill:#d9822b}.failed_after_write{fill:#b00020}.other{fill:#555}";

/// The whole report.
pub fn html(summary: &Summary, gantt: &Gantt, model: &Model) -> String {
    let mut h = String::new();
    let title = format!("schedsim: {} / {}", summary.model, summary.scenario);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = writeln!(
        h,
        "<p>profile {}, seed {}, model SHA-1 {}, tzdb {}</p>",
        escape(&summary.profile.to_string()),
        summary.seed,
        escape(&summary.model_hash),
        summary.tzdb
    );
    let _ = writeln!(
        h,
        "<h2>Summary</h2>\n<pre>{}</pre>",
        escape(&summary.text())
    );

    let _ = writeln!(
        h,
        "<h2>Properties</h2>\n<table><tr><th>property</th><th>verdict</th><th>witness</th></tr>"
    );
    for p in &summary.properties {
        let (class, verdict) = if p.holds {
            ("ok", "holds")
        } else {
            ("fail", "fails")
        };
        let witness = p.witness.as_ref().map_or(String::new(), |w| {
            let mut s = escape(&w.summary);
            for d in &w.details {
                let _ = write!(s, "<br>– {}", escape(d));
            }
            if w.count > w.details.len() {
                let _ = write!(s, "<br>… and {} more", w.count - w.details.len());
            }
            s
        });
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"{class}\">{verdict}</td><td>{witness}</td></tr>",
            p.name
        );
    }
    h.push_str("</table>\n");

    let _ = writeln!(
        h,
        "<h2>Resource groups</h2>\n<table><tr><th>group</th><th>slots</th><th>peak running</th><th>peak waiting</th><th>busy</th></tr>"
    );
    for g in &summary.resource_groups {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&g.name),
            g.slots,
            g.peak_running,
            g.peak_waiting,
            human(g.busy_seconds as i128) // under 2^72: 2^32 slots × 2^40 s
        );
    }
    h.push_str("</table>\n");
    h.push_str(&crate::observe::timeline_chart::html(summary, model));

    gantt_svg(&mut h, gantt, model);

    let bad: Vec<_> = summary
        .partitions
        .iter()
        .filter(|p| p.status != crate::observe::store::Status::Ok)
        .collect();
    if !bad.is_empty() {
        let _ = writeln!(
            h,
            "<h2>Partitions that are not ok</h2>\n<table><tr><th>partition</th><th>status</th><th>writes</th></tr>"
        );
        for p in bad {
            let writes: Vec<String> = p
                .writes
                .iter()
                .map(|w| {
                    escape(&format!(
                        "{} scheduled {}, execution {} ({}) at {}",
                        w.task, w.scheduled, w.attempt, w.mode, w.landed
                    ))
                })
                .collect();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"fail\">{}</td><td>{}</td></tr>",
                escape(
                    &crate::plan::PartitionKey {
                        table: p.table.clone(),
                        partition: p.partition.clone(),
                    }
                    .to_string()
                ),
                p.status.word(),
                writes.join("<br>")
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</body></html>\n");
    h
}

/// Rows: each group's lanes, top to bottom; x: first start to last end.
fn gantt_svg(h: &mut String, gantt: &Gantt, model: &Model) {
    let _ = writeln!(h, "<h2>Executions</h2>");
    if gantt.bars.is_empty() {
        h.push_str("<p>No execution ran.</p>\n");
        return;
    }
    let t0 = gantt.bars.iter().map(|b| b.start).min().unwrap_or(0);
    let t1 = gantt
        .bars
        .iter()
        .map(|b| b.end)
        .max()
        .unwrap_or(t0)
        .max(t0 + 1);
    let (label, width, row) = (180.0, 1000.0, 14.0);
    let x = |t: Instant| label + (t - t0) as f64 / (t1 - t0) as f64 * width;
    // The first row of each group.
    let mut first_row = Vec::with_capacity(model.groups.len());
    let mut rows = 0u32;
    for g in 0..model.groups.len() {
        first_row.push(rows);
        rows += gantt.lanes.used(g).max(1);
    }
    let height = f64::from(rows) * row + 30.0;
    let _ = writeln!(
        h,
        "<p>{} to {} ({}); one row per slot in use. Hover a bar for its instance.</p>",
        escape(&rfc3339(&model.timezone, t0)),
        escape(&rfc3339(&model.timezone, t1)),
        human(t1 - t0)
    );
    if gantt.left_out > 0 {
        let _ = writeln!(
            h,
            "<p>The first {MAX_BARS} executions are drawn; {} more are left out (see --chrome-trace).</p>",
            gantt.left_out
        );
    }
    let _ = writeln!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\">",
        label + width + 10.0
    );
    for (g, group) in model.groups.iter().enumerate() {
        let y = f64::from(first_row[g]) * row;
        let _ = writeln!(
            h,
            "<text x=\"4\" y=\"{}\">{}</text><line x1=\"0\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#ddd\"/>",
            y + 11.0,
            escape(&group.name),
            label + width
        );
    }
    for b in &gantt.bars {
        let y = f64::from(first_row[b.group as usize] + b.lane) * row + 1.0;
        let (x0, x1) = (x(b.start), x(b.end));
        let class = match b.reason {
            Reason::Finished => "finished",
            Reason::FailedBeforeWrite => "failed_before_write",
            Reason::FailedAfterWrite => "failed_after_write",
            _ => "other",
        };
        let tip = format!(
            "{} scheduled {} (instance {}), execution {}: {} to {}, {}",
            model.tasks[b.task as usize].name,
            rfc3339(&model.timezone, b.scheduled),
            b.instance,
            b.attempt,
            rfc3339(&model.timezone, b.start),
            rfc3339(&model.timezone, b.end),
            b.reason.word()
        );
        bar(h, class, (x0, x1), y, row, &tip);
    }
    h.push_str("</svg>\n");
}

/// One execution's bar of a Gantt chart, `row` high at `y`, from `x0` to `x1` (at
/// least half a pixel wide), with `tip` as its tooltip; `class` colours it.
pub fn bar(h: &mut String, class: &str, (x0, x1): (f64, f64), y: f64, row: f64, tip: &str) {
    let _ = writeln!(
        h,
        "<rect class=\"{class}\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{}\"><title>{}</title></rect>",
        (x1 - x0).max(0.5),
        row - 2.0,
        escape(tip)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
