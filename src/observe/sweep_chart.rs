//! Distribution charts of a seeds run or a sweep, as a self-contained HTML page (inline
//! SVG and CSS, no script, no network): per row a whisker from min to max, a band from
//! p50 to p95 and a mark at p50; for `whatif --minimize`, the hit rate per value of
//! the knob against the goal.

use std::fmt::Write;

use crate::observe::report::escape;
use crate::observe::summary::human;
use crate::seeds::{Report, Spread};

/// One row of a band chart: a label and its spread (`None`: never, drawn at the
/// right edge in red).
pub struct Row {
    pub label: String,
    pub spread: Spread<Option<f64>>,
    /// What hovering the row shows; default: its min, p50, p95 and max.
    pub tip: Option<String>,
}

/// One value of a sweep: its label, makespan spread, and seeds meeting every expectation.
pub struct Point {
    pub label: String,
    pub makespan: Spread<i64>,
    pub met: u64,
    pub seeds: u64,
}

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:24px;color:#222}\
h1{font-size:20px}h2{font-size:16px;margin-top:28px}pre{background:#f6f6f6;padding:8px;overflow:auto}\
svg{background:#fff;border:1px solid #ddd}.axis{stroke:#999}.grid{stroke:#eee}\
.tick{font-size:11px;fill:#555}.label{font-size:12px;fill:#222}\
.whisker{stroke:#555;stroke-width:1.5}.band{fill:#6b9bd1;opacity:.8}.p50{stroke:#123;stroke-width:3}\
.never{fill:#c62828}.hit{fill:#4caf50}.miss{fill:#e57373}.goal{stroke:#c62828;stroke-dasharray:5 4}\
.legend{font-size:12px;fill:#333}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1>{body}</body></html>\n",
        t = escape(title)
    )
}

/// Five or so round ticks from `lo` to `hi` (seconds when `time`).
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1.0);
    let raw = span / 5.0;
    let steps = [
        1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0,
        43200.0, 86400.0,
    ];
    let step = steps
        .iter()
        .copied()
        .find(|s| *s >= raw)
        .unwrap_or((raw / 86400.0).ceil() * 86400.0);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + 1e-9 && out.len() < 50 {
        out.push(t);
        t += step;
    }
    out
}

/// A horizontal band chart: one row per entry, x from `lo` to `hi`, ticks labelled by
/// `fmt`.
pub fn bands(rows: &[Row], fmt: &dyn Fn(f64) -> String) -> String {
    let values = rows.iter().flat_map(|r| {
        [r.spread.min, r.spread.p50, r.spread.p95, r.spread.max]
            .into_iter()
            .flatten()
    });
    let (mut lo, mut hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1.0 {
        hi = lo + 1.0;
    }
    let (left, width, row_h, top) = (220.0, 900.0, 22.0, 30.0);
    let height = top + row_h * rows.len() as f64 + 40.0;
    let x = |v: f64| left + (v - lo) / (hi - lo) * width;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\">",
        left + width + 60.0
    );
    let bottom = top + row_h * rows.len() as f64;
    let _ = write!(s, "<g class=\"x-axis\">");
    for t in ticks(lo, hi) {
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top}\" y2=\"{bottom}\"/><text class=\"tick\" x=\"{0:.1}\" y=\"{1}\" text-anchor=\"middle\">{2}</text>",
            x(t),
            bottom + 16.0,
            escape(&fmt(t))
        );
    }
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{left}\" x2=\"{}\" y1=\"{bottom}\" y2=\"{bottom}\"/></g>",
        left + width
    );
    for (k, r) in rows.iter().enumerate() {
        let y = top + row_h * k as f64 + row_h / 2.0;
        let at = |v: Option<f64>| v.map_or(left + width + 30.0, x);
        let _ = write!(
            s,
            "<g class=\"row\"><text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 4.0,
            escape(&r.label)
        );
        let sp = &r.spread;
        let tip = r.tip.clone().unwrap_or_else(|| {
            format!(
                "{}: min {}, p50 {}, p95 {}, max {}",
                r.label,
                sp.min.map_or("never".into(), fmt),
                sp.p50.map_or("never".into(), fmt),
                sp.p95.map_or("never".into(), fmt),
                sp.max.map_or("never".into(), fmt)
            )
        });
        let _ = write!(
            s,
            "<title>{}</title><line class=\"whisker\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y}\" y2=\"{y}\"/><rect class=\"band\" x=\"{:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{}\"/><line class=\"p50\" x1=\"{3:.1}\" x2=\"{3:.1}\" y1=\"{}\" y2=\"{}\"/>",
            escape(&tip),
            at(sp.min),
            at(sp.max),
            at(sp.p50),
            y - 6.0,
            (at(sp.p95) - at(sp.p50)).max(2.0),
            12.0,
            y - 8.0,
            y + 8.0
        );
        if sp.max.is_none() {
            let _ = write!(
                s,
                "<circle class=\"never\" cx=\"{:.1}\" cy=\"{y}\" r=\"5\"/>",
                left + width + 30.0
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s + &legend()
}

fn legend() -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"700\" height=\"28\" class=\"legend-box\"><g class=\"legend\">\
<line class=\"whisker\" x1=\"10\" x2=\"50\" y1=\"14\" y2=\"14\"/><text class=\"legend\" x=\"56\" y=\"18\">min to max</text>\
<rect class=\"band\" x=\"150\" y=\"8\" width=\"40\" height=\"12\"/><text class=\"legend\" x=\"196\" y=\"18\">p50 to p95</text>\
<line class=\"p50\" x1=\"300\" x2=\"300\" y1=\"6\" y2=\"22\"/><text class=\"legend\" x=\"308\" y=\"18\">p50</text>\
<circle class=\"never\" cx=\"370\" cy=\"14\" r=\"5\"/><text class=\"legend\" x=\"380\" y=\"18\">never finished on some seeds</text></g></svg>"
        .to_string()
}

fn seconds(v: f64) -> String {
    human(v.round() as i64)
}

/// `run --seeds --report`: the makespan's distribution and each date's finish.
pub fn seeds_html(report: &Report, model: &crate::model::Model) -> String {
    let f = |s: &Spread<i64>| Spread {
        min: Some(s.min as f64),
        p50: Some(s.p50 as f64),
        p95: Some(s.p95 as f64),
        max: Some(s.max as f64),
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "<h2>Makespan over {} seeds ({}..{})</h2>",
        report.seeds, report.first_seed, report.last_seed
    );
    body += &bands(
        &[Row {
            label: "makespan".into(),
            spread: f(&report.makespan_seconds),
            tip: None,
        }],
        &seconds,
    );
    if !report.dates.is_empty() {
        // Finish times as hours after the earliest one, labelled as local times.
        let parse = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| t.as_second() as f64)
        };
        let rows: Vec<Row> = report
            .dates
            .iter()
            .map(|d| Row {
                // "2025-02-01T03:00:00+08:00" as "2025-02-01 03:00"; a business date as is.
                label: format!(
                    "{} {}",
                    d.date
                        .get(..16)
                        .map_or(d.date.clone(), |x| x.replace('T', " ")),
                    d.origin
                ),
                spread: Spread {
                    min: parse(&d.end.min),
                    p50: parse(&d.end.p50),
                    p95: parse(&d.end.p95),
                    max: parse(&d.end.max),
                },
                tip: None,
            })
            .collect();
        let _ = write!(
            body,
            "<h2>When each date/run finished (local time, {})</h2>",
            escape(&model.timezone_name)
        );
        let local = |v: f64| {
            crate::calendar::schedule::instant_to_local(&model.timezone, v as i64)
                .strftime("%m-%d %H:%M")
                .to_string()
        };
        body += &bands(&rows, &local);
    }
    let _ = write!(
        body,
        "<h2>Figures</h2><pre>{}</pre>",
        escape(&report.text(true))
    );
    page(
        &format!("schedsim seeds: {} / {}", report.model, report.scenario),
        &body,
    )
}

/// The single-run report's chart of when each backfill date or run started and finished
/// (`dates` of the run): a line from its start to its end, a mark at the end, red at the
/// right edge when it never finished. Every date is drawn. Its styles are scoped to the
/// chart, so it sits in the report's page.
pub fn dates_html(dates: &[crate::observe::dates::DateRow], model: &crate::model::Model) -> String {
    if dates.is_empty() {
        return String::new();
    }
    let parse = |t: &Option<String>| {
        t.as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_second() as f64)
    };
    let rows: Vec<Row> = dates
        .iter()
        .map(|d| {
            let (start, end) = (parse(&d.start), parse(&d.end));
            // A run of a request split by workflow names its workflows.
            let of = d
                .workflows
                .as_ref()
                .map_or(String::new(), |ws| format!(" ({})", ws.join(", ")));
            Row {
                label: format!(
                    "{} {}{}",
                    d.date
                        .get(..16)
                        .map_or(d.date.clone(), |x| x.replace('T', " ")),
                    d.origin.word(),
                    of
                ),
                // Whisker start to end, the mark at the end.
                spread: Spread {
                    min: start.or(end),
                    p50: end,
                    p95: end,
                    max: end,
                },
                tip: Some(format!(
                    "{}{of}: started {}, ended {}",
                    d.date,
                    d.start.as_deref().unwrap_or("never"),
                    d.end.as_deref().unwrap_or("never")
                )),
            }
        })
        .collect();
    let local = |v: f64| {
        crate::calendar::schedule::instant_to_local(&model.timezone, v as i64)
            .strftime("%m-%d %H:%M")
            .to_string()
    };
    let scoped: String = STYLE
        .split('}')
        .filter(|r| !r.trim().is_empty() && !r.starts_with("body") && !r.starts_with("h1"))
        .map(|r| format!(".dates {r}}}"))
        .collect();
    let chart = bands(&rows, &local);
    // The band legend speaks of seeds; a single run's rows say it in the caption.
    let chart = chart[..chart.rfind("<svg").unwrap_or(chart.len())].replacen(
        "<svg ",
        "<svg class=\"dates-chart\" ",
        1,
    );
    format!(
        "<h2>When each date/run finished</h2>\n<p>{} dates/runs in the model's zone ({}): a line from its start to its end, a mark at its end; a red dot at the right: it never finished (hover a row for its times).</p>\n<style>{scoped}</style><div class=\"dates\">{chart}</div>\n",
        dates.len(),
        escape(&model.timezone_name)
    )
}

/// `whatif --seeds --html`: the makespan per variant, and the share of seeds meeting
/// every expectation per variant (with the goal when minimizing); `expects`: whether
/// any expectation applies (without one, there is no share to draw: every seed would
/// "meet every expectation").
pub fn sweep_html(
    title: &str,
    knob: &str,
    points: &[Point],
    goal: Option<f64>,
    expects: bool,
    text: &str,
) -> String {
    let mut body = String::new();
    let _ = write!(body, "<h2>Makespan per value of {}</h2>", escape(knob));
    let rows: Vec<Row> = points
        .iter()
        .map(|p| Row {
            label: p.label.clone(),
            spread: Spread {
                min: Some(p.makespan.min as f64),
                p50: Some(p.makespan.p50 as f64),
                p95: Some(p.makespan.p95 as f64),
                max: Some(p.makespan.max as f64),
            },
            tip: None,
        })
        .collect();
    body += &bands(&rows, &seconds);
    let _ = write!(
        body,
        "<h2>Seeds meeting every expectation, per value of {}</h2>",
        escape(knob)
    );
    if expects {
        body += &hit_rates(points, goal);
    } else {
        body.push_str(
            "<p>No [[expect]] of the model applies to this scenario: nothing is judged against a deadline, so there is no share of seeds to draw. Add one (finish_by, makespan_at_most, or a task with ready_by) to see which values meet it.</p>",
        );
    }
    let _ = write!(body, "<h2>Figures</h2><pre>{}</pre>", escape(text));
    page(title, &body)
}

/// Vertical bars: the hit rate of each point, 0 to 100 %, and the goal's line.
fn hit_rates(points: &[Point], goal: Option<f64>) -> String {
    let (top, h) = (20.0, 240.0);
    let bar = 36.0_f64.min(900.0 / points.len().max(1) as f64 * 0.7);
    let step = bar / 0.7;
    // Labels wider than a bar are turned, with room below and left for them.
    let longest = points
        .iter()
        .map(|p| p.label.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let turn = longest * 7.0 > step;
    let room = if turn { longest * 5.0 } else { 0.0 };
    let left = 60.0 + room;
    let width = left + step * points.len() as f64 + 40.0;
    let y = |rate: f64| top + h * (1.0 - rate);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{}\" role=\"img\"><g class=\"y-axis\">",
        top + h + 50.0 + room
    );
    for pct in [0, 25, 50, 75, 100] {
        let yy = y(f64::from(pct) / 100.0);
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{:.0}\" y1=\"{yy}\" y2=\"{yy}\"/><text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{pct}%</text>",
            width - 20.0,
            left - 6.0,
            yy + 4.0
        );
    }
    s.push_str("</g>");
    for (k, p) in points.iter().enumerate() {
        let rate = p.met as f64 / p.seeds.max(1) as f64;
        let x = left + step * k as f64 + (step - bar) / 2.0;
        let class = if goal.is_none_or(|g| rate >= g) {
            "hit"
        } else {
            "miss"
        };
        let _ = write!(
            s,
            "<g class=\"point\"><title>{}: {} of {} seeds ({:.1}%)</title><rect class=\"{class}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{}\" text-anchor=\"{}\"{}>{}</text></g>",
            escape(&p.label),
            p.met,
            p.seeds,
            rate * 100.0,
            y(rate),
            (h * rate).max(1.0),
            x + bar / 2.0,
            top + h + 16.0,
            if turn { "end" } else { "middle" },
            if turn {
                format!(
                    " transform=\"rotate(-35 {:.1} {})\"",
                    x + bar / 2.0,
                    top + h + 16.0
                )
            } else {
                String::new()
            },
            escape(&p.label)
        );
    }
    if let Some(g) = goal {
        let _ = write!(
            s,
            "<line class=\"goal\" x1=\"{left}\" x2=\"{:.0}\" y1=\"{1:.1}\" y2=\"{1:.1}\"/><text class=\"legend\" x=\"{left}\" y=\"{2}\">goal {3:.0}% (red dashes); green: met, red: not met</text>",
            width - 20.0,
            y(g),
            top + h + 40.0 + room,
            g * 100.0
        );
    }
    s.push_str("</svg>");
    s
}
