//! The HTML report of a run: one self-contained file (an inline script, no network)
//! with the summary, the properties with their witnesses grouped by cause and linked
//! to their definitions, resource groups, partitions that are not ok, and the Gantt
//! chart of every execution ([`gantt`](super::gantt)).

use std::fmt::Write;

use crate::model::Model;
use crate::observe::Summary;
pub use crate::observe::gantt::{Gantt, MAX_BARS};
use crate::observe::summary::human;
pub use crate::observe::svg::{STYLE, bar, escape};

/// The whole report.
pub fn html(
    summary: &Summary,
    gantt: &Gantt,
    dates: &[crate::observe::dates::DateRow],
    model: &Model,
) -> String {
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
            for g in crate::observe::witness::group(&w.details) {
                if g.count == 1 {
                    let _ = write!(s, "<br>– {}", escape(g.first));
                } else {
                    let _ = write!(
                        s,
                        "<br>– <b class=\"alike\">{} alike:</b> {}",
                        g.count,
                        escape(g.first)
                    );
                }
                if let Some(also) = g.also() {
                    let _ = write!(s, "<br>&nbsp;&nbsp;<small>{}</small>", escape(&also));
                }
            }
            if w.count > w.details.len() {
                let _ = write!(s, "<br>… and {} more", w.count - w.details.len());
            }
            s
        });
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#{0}\">{0}</a></td><td class=\"{class}\">{verdict}</td><td>{witness}</td></tr>",
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
    h.push_str(&crate::observe::sweep_chart::dates_html(dates, model));

    crate::observe::gantt::section(&mut h, gantt, model);

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
    definitions(&mut h, &summary.properties);
    h.push_str("</body></html>\n");
    h
}

/// Every property's definition, anchored by its name as in docs/properties.md, then
/// the definitions of the model's expectations judged (`expect:NAME`).
fn definitions(h: &mut String, judged: &[crate::observe::check::PropertyResult]) {
    h.push_str("<h2>Property definitions</h2>\n<p>As in docs/properties.md and <code>schedsim check --explain NAME</code>.</p>\n<dl>\n");
    for d in &crate::observe::properties::DEFINITIONS {
        let _ = writeln!(
            h,
            "<dt id=\"{0}\"><b>{0}</b></dt><dd><b>Holds when:</b> {1}<br><b>Witness:</b> {2}<br><b>To fix:</b> {3}</dd>",
            d.name,
            escape(d.holds),
            escape(d.witness),
            escape(d.fix)
        );
    }
    for p in judged {
        if let Some(d) = &p.definition {
            let _ = writeln!(
                h,
                "<dt id=\"{0}\"><b>{0}</b></dt><dd>{1}</dd>",
                escape(&p.name),
                escape(d)
            );
        }
    }
    h.push_str("</dl>\n");
}
