//! A diff as one self-contained HTML page (no scripts, no network): the verdict, the
//! text summary, and the two runs' Gantt charts drawn on one time axis, one row per
//! date (unit), so a shift reads as a bar moving right and the dates that start
//! together line up. Bars of instances the diff names
//! (changed, or in one run only) are outlined.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::compare::Diff;
use super::run::Run;
use crate::calendar::Instant;
use crate::engine::State;
use crate::observe::report::{MAX_BARS, STYLE, bar, escape};
use crate::observe::summary::human;

/// The page.
pub fn render(d: &Diff, a: &Run, b: &Run) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>schedsim diff</title><style>{STYLE}\
         .changed{{stroke:#000;stroke-width:1.5}}.axis{{stroke:#999}}</style></head><body>"
    );
    let _ = writeln!(h, "<h1>schedsim diff: {}</h1>", escape(d.verdict.word()));
    let _ = writeln!(h, "<pre>{}</pre>", escape(&super::text::render(d, false)));
    // One axis for both charts.
    let span = |r: &Run| {
        let s = r.instances.iter().filter_map(|i| i.start.or(i.end)).min();
        let e = r.instances.iter().filter_map(|i| i.end).max();
        s.zip(e)
    };
    let (t0, t1) = match (span(a), span(b)) {
        (Some(x), Some(y)) => (x.0.min(y.0), x.1.max(y.1)),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => {
            h.push_str("<p>No execution ran in either run.</p></body></html>\n");
            return h;
        }
    };
    let t1 = t1.max(t0 + 1);
    // Every date either run has, in order: the same rows in both charts.
    let rows: Vec<(&str, &str)> = a
        .dates
        .iter()
        .chain(&b.dates)
        .map(|d| (d.date.as_str(), d.origin.word()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Instances the diff names: changed ones by (task, scheduled instant), those of one
    // run only by (task, scheduled as shown).
    let changed: BTreeSet<(&str, Instant)> = d
        .changed
        .iter()
        .map(|c| (d.changed.task(c), c.scheduled))
        .collect();
    let marked = |side: usize| Marked {
        changed: &changed,
        only: (if side == 0 { &d.only_a } else { &d.only_b })
            .iter()
            .map(|o| (o.task.as_str(), o.scheduled.as_str()))
            .collect(),
    };
    let _ = writeln!(
        h,
        "<p>Both charts: {} to {} ({}), one row per date (its instances on that row); outlined bars are instances the diff names.</p>",
        escape(&a.time(t0)),
        escape(&a.time(t1)),
        human(t1 - t0)
    );
    for (name, run, side) in [("A", a, 0), ("B", b, 1)] {
        let label = if side == 0 { &d.a.label } else { &d.b.label };
        let _ = writeln!(h, "<h2>{name}: {}</h2>", escape(label));
        chart(&mut h, run, &rows, (t0, t1), &marked(side));
    }
    h.push_str("</body></html>\n");
    h
}

/// The instances to outline.
struct Marked<'d> {
    changed: &'d BTreeSet<(&'d str, Instant)>,
    only: BTreeSet<(&'d str, &'d str)>,
}

fn chart(
    h: &mut String,
    run: &Run,
    rows: &[(&str, &str)],
    (t0, t1): (Instant, Instant),
    marked: &Marked<'_>,
) {
    let (label, width, row) = (180.0, 1000.0, 14.0);
    let x = |t: Instant| label + (t - t0) as f64 / (t1 - t0) as f64 * width;
    let row_of: Vec<usize> = run
        .dates
        .iter()
        .map(|d| {
            rows.binary_search(&(d.date.as_str(), d.origin.word()))
                .unwrap_or(0)
        })
        .collect();
    let height = rows.len() as f64 * row + 4.0;
    let ran: Vec<_> = run
        .instances
        .iter()
        .filter(|i| i.end.is_some())
        .take(MAX_BARS)
        .collect();
    let left_out = run.instances.iter().filter(|i| i.end.is_some()).count() - ran.len();
    if left_out > 0 {
        let _ = writeln!(
            h,
            "<p>The first {MAX_BARS} instances are drawn; {left_out} more are left out.</p>"
        );
    }
    let _ = writeln!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\">",
        label + width + 10.0
    );
    for (r, (date, origin)) in rows.iter().enumerate() {
        let y = r as f64 * row;
        let _ = writeln!(
            h,
            "<text x=\"4\" y=\"{}\">{}</text><line class=\"axis\" x1=\"0\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/>",
            y + 11.0,
            escape(&format!("{date} ({origin})")),
            label + width
        );
    }
    for i in ran {
        let (Some(end), task) = (i.end, &run.tasks[i.task as usize]) else {
            continue;
        };
        let start = i.start.unwrap_or(end);
        let y = row_of[i.date as usize] as f64 * row + 1.0;
        let (x0, x1) = (x(start), x(end));
        let class = match i.state {
            State::Succeeded => "finished",
            State::Failed | State::Killed => "failed_after_write",
            _ => "other",
        };
        let scheduled = run.time(i.scheduled);
        let mark = if marked.changed.contains(&(task.as_str(), i.scheduled))
            || marked.only.contains(&(task.as_str(), scheduled.as_str()))
        {
            " changed"
        } else {
            ""
        };
        let tip = format!(
            "{task} scheduled {scheduled} ({}): {} to {}, {}, {} executions",
            i.origin.word(),
            run.time(start),
            run.time(end),
            i.state.word(),
            i.executions
        );
        bar(h, &format!("{class}{mark}"), (x0, x1), y, row, &tip);
    }
    h.push_str("</svg>\n");
}
