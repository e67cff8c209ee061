//! The report's waits table and per-constraint timelines: for each constraint, a
//! step chart of what runs under it (slots in use, dates in flight) as a filled area
//! and of the instances it holds waiting as a line, with its capacity dashed. Inline
//! SVG, no scripts, no network; every chart shares the run's time axis.

use std::fmt::Write;

use crate::calendar::Instant;
use crate::calendar::schedule::rfc3339;
use crate::model::Model;
use crate::observe::Summary;
use crate::observe::report::escape;
use crate::observe::summary::human;
use crate::observe::waits::{Kind, TimelineRow};

pub const STYLE: &str = ".tl .run{fill:#9cc9a8;stroke:#3a8f4f}.tl .wait{fill:none;stroke:#d9822b;stroke-width:2}\
.tl .cap{stroke:#555;stroke-dasharray:4 3}.tl .axis{stroke:#999}.legend-run{color:#3a8f4f}.legend-wait{color:#d9822b}";

const LABEL: f64 = 60.0;
const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 90.0;

/// The waits table and the timeline charts, as one section of the report.
pub fn html(summary: &Summary, model: &Model) -> String {
    let mut h = String::new();
    let _ = writeln!(h, "<style>{STYLE}</style>\n<h2>Waits</h2>");
    if summary.waits.is_empty() {
        h.push_str("<p>No instance waited longer than zero.</p>\n");
    } else {
        h.push_str("<table class=\"waits\"><tr><th>held by</th><th>name</th><th>waited</th><th>total</th><th>p50</th><th>p95</th><th>max</th><th>peak queue</th></tr>\n");
        for w in &summary.waits {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                w.kind.word(),
                escape(w.name.as_deref().unwrap_or("-")),
                w.instances,
                human(i128::from(w.total_seconds)),
                human(i128::from(w.p50_seconds)),
                human(i128::from(w.p95_seconds)),
                human(i128::from(w.max_seconds)),
                w.peak_queue
            );
        }
        h.push_str("</table>\n");
    }
    let lines: Vec<&TimelineRow> = summary
        .timelines
        .iter()
        .filter(|t| !t.times.is_empty())
        .collect();
    let _ = writeln!(h, "<h2>Timelines</h2>");
    let Some(t0) = lines.iter().filter_map(|t| t.times.first()).min().copied() else {
        h.push_str("<p>Nothing ran or waited.</p>\n");
        return h;
    };
    let t1 = lines
        .iter()
        .filter_map(|t| t.times.last())
        .max()
        .copied()
        .unwrap_or(t0)
        .max(t0 + 1);
    let _ = writeln!(
        h,
        "<p>{} to {} ({}). Per constraint: <span class=\"legend-run\">running</span> (slots in use; dates or runs in flight) as an area, <span class=\"legend-wait\">waiting</span> (instances it holds; dates or runs due and not started) as a line, capacity dashed.</p>",
        escape(&rfc3339(&model.timezone, t0)),
        escape(&rfc3339(&model.timezone, t1)),
        human(t1 - t0)
    );
    for t in lines {
        chart(&mut h, t, (t0, t1), summary, model);
    }
    h
}

fn chart(
    h: &mut String,
    t: &TimelineRow,
    (t0, t1): (Instant, Instant),
    summary: &Summary,
    model: &Model,
) {
    let running = |k: usize| t.points[k].1.unwrap_or(0);
    let top = (0..t.points.len())
        .map(|k| running(k).max(t.points[k].2))
        .chain(t.capacity.filter(|&c| c < 1_000_000))
        .max()
        .unwrap_or(0)
        .max(1);
    let x = |at: Instant| LABEL + (at - t0) as f64 / (t1 - t0) as f64 * WIDTH;
    let y = |v: u32| 4.0 + HEIGHT - f64::from(v) / f64::from(top) * HEIGHT;
    let name = t.name.as_deref().unwrap_or("");
    let mut title = format!("{} {name}", t.kind.word());
    if let Some(c) = t.capacity {
        let _ = write!(title, ", capacity {c}");
    }
    if t.kind.is_slots()
        && t.kind != Kind::TaskGroup
        && let Some(g) = summary.resource_groups.iter().find(|g| g.name == name)
    {
        let _ = write!(title, ", utilisation {:.1}%", g.utilisation * 100.0);
    }
    if let Some(b) = t.bucket_seconds {
        let _ = write!(
            title,
            " (coarsened: each step is the largest count within {})",
            human(b)
        );
    }
    let _ = writeln!(
        h,
        "<h3>{}</h3>\n<svg class=\"tl\" data-kind=\"{}\" data-name=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">",
        escape(title.trim()),
        t.kind.word(),
        escape(name),
        LABEL + WIDTH + 40.0,
        HEIGHT + 24.0
    );
    // Five ticks of local time (month-day hour:minute) under the axis.
    for k in 0..5 {
        let at = t0 + (t1 - t0) * k / 4;
        let text = rfc3339(&model.timezone, at);
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x(at),
            y(0) + 16.0,
            escape(&text.get(5..16).unwrap_or(&text).replace('T', " "))
        );
    }
    let _ = writeln!(
        h,
        "<line class=\"axis\" x1=\"{LABEL}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/><text x=\"4\" y=\"12\">{top}</text><text x=\"4\" y=\"{}\">0</text>",
        LABEL + WIDTH,
        y(0),
        y(0),
        y(0)
    );
    // A step path through the points, held to the end of the axis.
    let path = |value: &dyn Fn(usize) -> u32, close: bool| {
        let mut d = format!("M{:.1},{:.1}", x(t.times[0]), y(0));
        for k in 0..t.points.len() {
            let _ = write!(d, "V{:.1}", y(value(k)));
            let next = t.times.get(k + 1).copied().unwrap_or(t1);
            let _ = write!(d, "H{:.1}", x(next));
        }
        if close {
            let _ = write!(d, "V{:.1}Z", y(0));
        }
        d
    };
    if t.points.iter().any(|p| p.1.is_some()) {
        let _ = writeln!(
            h,
            "<path class=\"run\" d=\"{}\"><title>running</title></path>",
            path(&running, true)
        );
    }
    let _ = writeln!(
        h,
        "<path class=\"wait\" d=\"{}\"><title>waiting</title></path>",
        path(&|k| t.points[k].2, false)
    );
    if let Some(c) = t.capacity.filter(|&c| c <= top) {
        let _ = writeln!(
            h,
            "<line class=\"cap\" x1=\"{LABEL}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\"><title>capacity {c}</title></line>",
            LABEL + WIDTH,
            y(c),
            y(c)
        );
    }
    h.push_str("</svg>\n");
}
