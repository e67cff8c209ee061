//! The report's Gantt chart: every execution of a run, with rows per task or per date
//! (switched in the page), a time axis in the model's zone, a legend, labels on bars
//! wide enough for them, zoom, and the slots each resource group and task group has
//! in use over time.
//!
//! Nothing is cut: a view with more than [`MAX_BARS`] executions draws its busiest
//! rows as density bands (executions started per time bin, at a stated resolution)
//! until the rest fit as bars, and says so in the page.

use std::fmt::Write;

use crate::calendar::Instant;
use crate::engine::{Event, Reason, Sink, State};
use crate::model::Model;
use crate::observe::summary::human;
use crate::observe::svg::{self, AXIS, Key, LABEL, Scale, WIDTH, Zone, escape};
use crate::plan::UnitKey;

/// At most this many executions of a view are drawn one by one.
pub const MAX_BARS: usize = 5_000;
/// Overlapping executions of a row are stacked on at most this many lanes.
const MAX_LANES: u32 = 6;
/// A lane's height, pixels.
const ROW: f64 = 14.0;
/// An occupancy row's height, pixels.
const OCC_ROW: f64 = 36.0;
/// A density band has at most about this many bins across the chart.
const BINS: i64 = 400;

struct Exec {
    task: u32,
    attempt: u32,
    scheduled: Instant,
    /// Its unit's key and workflows (an index in `Gantt::scopes`), when its request
    /// was split by workflow: the runs of two DAGs at one time are two rows.
    date: (UnitKey, Option<u32>),
    start: Instant,
    end: Instant,
    reason: Reason,
}

/// Collects every execution, and each group's slots in use over time.
pub struct Gantt {
    started: Vec<Instant>,
    execs: Vec<Exec>,
    in_use: Vec<u32>,
    /// Per group: (instant, slots in use from then), one point per instant.
    occupancy: Vec<Vec<(Instant, u32)>>,
    peak: Vec<u32>,
    /// Executions started and not ended (a run a budget stopped leaves some).
    open: usize,
    /// Per unit: its key and workflows, as `Exec::date`.
    units: Vec<Option<(UnitKey, Option<u32>)>>,
    /// The distinct workflows labels of the units.
    scopes: Vec<Vec<crate::model::WorkflowId>>,
}

impl Gantt {
    pub fn new(model: &Model) -> Gantt {
        let groups = model.groups.len();
        Gantt {
            started: Vec::new(),
            execs: Vec::new(),
            in_use: vec![0; groups],
            occupancy: vec![Vec::new(); groups],
            peak: vec![0; groups],
            open: 0,
            units: Vec::new(),
            scopes: Vec::new(),
        }
    }

    fn occupy(&mut self, g: usize, slots: u32, up: bool, at: Instant) {
        let v = &mut self.in_use[g];
        *v = if up {
            v.saturating_add(slots)
        } else {
            v.saturating_sub(slots)
        };
        self.peak[g] = self.peak[g].max(*v);
        let points = &mut self.occupancy[g];
        match points.last_mut() {
            Some(last) if last.0 == at => last.1 = *v,
            _ => points.push((at, *v)),
        }
    }
}

impl Sink for Gantt {
    fn event(&mut self, e: &Event<'_>) {
        let i = e.instance as usize;
        if e.to == State::Running {
            if self.started.len() <= i {
                self.started.resize(i + 1, 0);
            }
            self.started[i] = e.time;
            self.open += 1;
            self.occupy(e.group().0 as usize, e.slots(), true, e.time);
            if let Some(tg) = e.task_group() {
                self.occupy(tg.0 as usize, 1, true, e.time);
            }
        } else if e.from == State::Running {
            self.open -= 1;
            self.occupy(e.group().0 as usize, e.slots(), false, e.time);
            if let Some(tg) = e.task_group() {
                self.occupy(tg.0 as usize, 1, false, e.time);
            }
            self.execs.push(Exec {
                task: e.task().0,
                attempt: e.attempt(),
                scheduled: e.scheduled(),
                date: self.units[e.unit() as usize]
                    .expect("a unit starts before any of its instances moves"),
                start: self.started[i],
                end: e.time,
                reason: e.reason,
            });
        }
    }

    fn unit(&mut self, e: &crate::engine::UnitEvent) {
        let scope = e.workflows.map(|ws| {
            let k = self.scopes.iter().position(|s| s == ws).unwrap_or_else(|| {
                self.scopes.push(ws.to_vec());
                self.scopes.len() - 1
            });
            k as u32
        });
        let u = e.unit as usize;
        if self.units.len() <= u {
            self.units.resize(u + 1, None);
        }
        self.units[u] = Some((e.key, scope));
    }
}

/// The CSS class (colour) of an execution, by how it ended.
fn class(reason: Reason) -> &'static str {
    match reason {
        Reason::Finished => "finished",
        Reason::FailedBeforeWrite => "failed_before_write",
        Reason::FailedAfterWrite => "failed_after_write",
        Reason::Timeout => "timeout",
        Reason::Killed | Reason::WorkflowEnded => "stopped",
        _ => "other",
    }
}

/// The legend of the chart: every colour it uses.
const KEYS: [Key<'static>; 10] = [
    Key::Swatch(
        "finished",
        "finished: the execution succeeded (its writes landed)",
    ),
    Key::Swatch(
        "failed_before_write",
        "failed before its write (nothing landed; a retry may follow)",
    ),
    Key::Swatch(
        "failed_after_write",
        "wrote, then failed (its rows landed; a retry writes again)",
    ),
    Key::Swatch("timeout", "ran past the task's timeout"),
    Key::Swatch(
        "stopped",
        "killed by an operator, or ended with its workflow (failure strategy end)",
    ),
    Key::Swatch("other", "ended by another operator action"),
    Key::Swatch(
        "dens",
        "density band (row marked ▦): executions started per bin, darker = more",
    ),
    Key::Swatch(
        "dfail",
        "in a density band: bins where some execution failed",
    ),
    Key::Line(
        "occ",
        "slots in use (a pool_slots = 2 execution holds two), one row per group",
    ),
    Key::Line("cap", "the group's slots (its capacity)"),
];

/// One way of arranging the executions in rows.
struct View {
    key: &'static str,
    title: &'static str,
    labels: Vec<String>,
    /// Per execution (in start order): its row.
    row_of: Vec<u32>,
}

/// Writes the chart section.
pub fn section(h: &mut String, gantt: &Gantt, model: &Model) {
    let _ = writeln!(h, "<h2>Executions</h2>");
    if gantt.open > 0 {
        let _ = writeln!(
            h,
            "<p>{} executions were still running when the run ended (it stopped early): they have no end and are not drawn.</p>",
            gantt.open
        );
    }
    if gantt.execs.is_empty() {
        h.push_str("<p>No execution ended.</p>\n");
        return;
    }
    let mut order: Vec<&Exec> = gantt.execs.iter().collect();
    order.sort_by_key(|e| (e.start, e.end, e.task, e.scheduled, e.attempt));
    let t0 = order[0].start;
    let t1 = order.iter().map(|e| e.end).max().unwrap_or(t0);
    let scale = Scale::new(t0, t1);
    let zone = Zone::new(&model.timezone, scale.t0, scale.t1);

    let mut dates: Vec<(UnitKey, Option<u32>)> = order.iter().map(|e| e.date).collect();
    dates.sort_unstable();
    dates.dedup();
    let views = [
        View {
            key: "task",
            title: "per task",
            labels: model.tasks.iter().map(|t| t.name.clone()).collect(),
            row_of: order.iter().map(|e| e.task).collect(),
        },
        View {
            key: "date",
            title: "per date",
            labels: dates
                .iter()
                .map(|(d, scope)| {
                    let names = scope
                        .map(|k| crate::engine::workflow_names(model, &gantt.scopes[k as usize]));
                    crate::engine::labelled(d.date_text(model), names.as_deref())
                })
                .collect(),
            row_of: order
                .iter()
                .map(|e| dates.binary_search(&e.date).unwrap_or(0) as u32)
                .collect(),
        },
    ];

    let _ = writeln!(
        h,
        "<div id=\"gantt\" data-l=\"{LABEL}\" data-w=\"{WIDTH}\" data-t0=\"{}\" data-t1=\"{}\" data-off=\"{}\">",
        scale.t0,
        scale.t1,
        zone.offsets_json()
    );
    let _ = writeln!(
        h,
        "<p>{} executions, {} to {} ({}); times are local to the model's zone {}. Hover a bar for its instance.</p>",
        order.len(),
        escape(&zone.format(t0)),
        escape(&zone.format(scale.t1)),
        human(scale.t1 - t0),
        escape(&model.timezone_name)
    );
    h.push_str("<div class=\"controls\">Rows: ");
    for (i, v) in views.iter().enumerate() {
        let _ = write!(
            h,
            "<button data-view=\"{}\"{}>{}</button>",
            v.key,
            if i == 0 { " class=\"on\"" } else { "" },
            v.title
        );
    }
    h.push_str(
        " Zoom: <button data-zoom=\"in\">+</button><button data-zoom=\"out\">−</button>\
         <button data-zoom=\"left\">←</button><button data-zoom=\"right\">→</button>\
         <button data-zoom=\"reset\">whole run</button> <span class=\"zoomed\"></span>\
         <small>(Ctrl+wheel zooms at the pointer, drag pans)</small></div>\n",
    );
    svg::legend(h, &KEYS);
    for (i, v) in views.iter().enumerate() {
        chart(h, v, &order, &scale, &zone, model, i == 0);
    }
    occupancy(h, gantt, model, &scale, &zone);
    let _ = writeln!(h, "</div>\n<script>{}</script>", svg::SCRIPT);
}

/// Which rows of a view are drawn as density bands: none when all fit as bars, else
/// the busiest rows until the others fit.
fn aggregated(counts: &[usize]) -> Vec<bool> {
    let total: usize = counts.iter().sum();
    let mut out = vec![false; counts.len()];
    if total <= MAX_BARS {
        return out;
    }
    let mut busiest: Vec<usize> = (0..counts.len()).collect();
    busiest.sort_by_key(|&r| (std::cmp::Reverse(counts[r]), r));
    let mut left = total;
    for r in busiest {
        if left <= MAX_BARS {
            break;
        }
        out[r] = true;
        left -= counts[r];
    }
    out
}

/// The lanes of one row's executions (in start order): the lowest lane free at each
/// start, at most [`MAX_LANES`] (beyond, bars share the last lane). Returns the lanes
/// and whether any shared.
fn lanes(spans: &[(Instant, Instant)]) -> (Vec<u32>, bool) {
    let mut ends: Vec<Instant> = Vec::new();
    let mut shared = false;
    let lanes = spans
        .iter()
        .map(|&(s, e)| {
            if let Some(l) = ends.iter().position(|&end| end <= s) {
                ends[l] = e;
                l as u32
            } else if ends.len() < MAX_LANES as usize {
                ends.push(e);
                ends.len() as u32 - 1
            } else {
                shared = true;
                let l = MAX_LANES as usize - 1;
                ends[l] = ends[l].max(e);
                l as u32
            }
        })
        .collect();
    (lanes, shared)
}

/// At most `n` characters of `text`, with an ellipsis when cut.
fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(n - 1).collect();
        s.push('…');
        s
    }
}

fn chart(
    h: &mut String,
    view: &View,
    order: &[&Exec],
    scale: &Scale,
    zone: &Zone,
    model: &Model,
    shown: bool,
) {
    let rows = view.labels.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); rows];
    for (i, &r) in view.row_of.iter().enumerate() {
        members[r as usize].push(i);
    }
    let counts: Vec<usize> = members.iter().map(Vec::len).collect();
    let dense = aggregated(&counts);
    let bin = svg::step_for(scale.t1 - scale.t0, BINS).seconds();
    // Per row: its lanes (or one for a band), and each bar's lane.
    let mut lane_of = vec![0u32; order.len()];
    let mut heights = Vec::with_capacity(rows);
    let mut any_shared = false;
    for (r, m) in members.iter().enumerate() {
        if dense[r] || m.is_empty() {
            heights.push(ROW + 2.0);
            continue;
        }
        let spans: Vec<(Instant, Instant)> =
            m.iter().map(|&i| (order[i].start, order[i].end)).collect();
        let (ls, shared) = lanes(&spans);
        any_shared |= shared;
        let used = ls.iter().max().map_or(1, |l| l + 1);
        for (&i, l) in m.iter().zip(ls) {
            lane_of[i] = l;
        }
        heights.push(f64::from(used) * ROW + 2.0);
    }
    let height = AXIS + heights.iter().sum::<f64>() + 4.0;
    let banded: usize = (0..rows).filter(|&r| dense[r]).map(|r| counts[r]).sum();
    let style = if shown { "" } else { " style=\"display:none\"" };
    let _ = write!(
        h,
        "<p class=\"view\" data-view=\"{}\"{style}>Rows {}: {} rows; {} executions drawn as bars",
        view.key,
        view.title,
        rows,
        order.len() - banded
    );
    if banded > 0 {
        let _ = write!(
            h,
            ", {banded} executions of the {} busiest rows (marked ▦) aggregated into density bands at a resolution of {}: more than {MAX_BARS} executions are too many to draw one by one",
            dense.iter().filter(|&&d| d).count(),
            human(bin)
        );
    }
    if any_shared {
        let _ = write!(
            h,
            "; a row stacks at most {MAX_LANES} overlapping executions, more share its last lane"
        );
    }
    h.push_str(".</p>\n");
    let _ = writeln!(
        h,
        "<svg class=\"chart view\" data-view=\"{}\"{style} xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\">\
         <clipPath id=\"clip-{}\"><rect x=\"{LABEL}\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\"/></clipPath>",
        view.key,
        LABEL + WIDTH + 10.0,
        view.key
    );
    svg::axis(h, scale, zone, height);
    // Row labels and separators.
    let mut tops = Vec::with_capacity(rows);
    let mut y = AXIS;
    h.push_str("<g class=\"rows\">");
    for (r, label) in view.labels.iter().enumerate() {
        tops.push(y);
        let mark = if dense[r] { " ▦" } else { "" };
        let _ = write!(
            h,
            "<line class=\"sep\" x1=\"0\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/><text class=\"rowlabel\" x=\"4\" y=\"{}\">{}{mark}<title>{} ({} executions)</title></text>",
            LABEL + WIDTH,
            y + 12.0,
            escape(&clip(label, 34)),
            escape(label),
            counts[r]
        );
        y += heights[r];
    }
    h.push_str("</g>\n");
    let _ = writeln!(
        h,
        "<g clip-path=\"url(#clip-{})\"><g class=\"plot\" transform=\"translate({LABEL},0)\">",
        view.key
    );
    let mut labels = String::new();
    for r in 0..rows {
        if dense[r] {
            band(h, &members[r], order, scale, zone, tops[r], bin);
            continue;
        }
        for &i in &members[r] {
            let e = order[i];
            let y = tops[r] + f64::from(lane_of[i]) * ROW + 2.0;
            let (x0, x1) = (scale.x(e.start), scale.x(e.end));
            let task = &model.tasks[e.task as usize].name;
            let tip = format!(
                "{task} scheduled {}, execution {}: {} to {} ({}), {}",
                zone.format(e.scheduled),
                e.attempt,
                zone.format(e.start),
                zone.format(e.end),
                human(e.end - e.start),
                e.reason.word()
            );
            svg::bar(h, class(e.reason), (x0, x1), y, ROW, &tip);
            let text = if view.key == "task" {
                zone.format(e.scheduled)[5..16].to_string()
            } else {
                task.clone()
            };
            let text = if e.attempt > 1 {
                format!("{text} #{}", e.attempt)
            } else {
                text
            };
            let w = (x1 - x0).max(0.5);
            let visible = if w >= text.chars().count() as f64 * 6.1 + 4.0 {
                "visible"
            } else {
                "hidden"
            };
            let _ = writeln!(
                labels,
                "<text x=\"{:.1}\" y=\"{:.1}\" data-a=\"{x0:.2}\" data-w=\"{w:.2}\" visibility=\"{visible}\">{}</text>",
                LABEL + x0 + 2.0,
                y + 9.5,
                escape(&text)
            );
        }
    }
    let _ = writeln!(h, "</g><g class=\"bl\">{labels}</g></g></svg>");
}

/// A row's executions as a density band: per bin of `bin` seconds from the chart's
/// start, how many started (`data-n`, the shade) and how many of them failed.
fn band(
    h: &mut String,
    members: &[usize],
    order: &[&Exec],
    scale: &Scale,
    zone: &Zone,
    top: f64,
    bin: i64,
) {
    let mut bins: Vec<(i64, usize, usize)> = Vec::new();
    for &i in members {
        let e = order[i];
        let b = (e.start - scale.t0) / bin;
        let failed = usize::from(e.reason != Reason::Finished);
        match bins.last_mut() {
            Some(last) if last.0 == b => {
                last.1 += 1;
                last.2 += failed;
            }
            _ => bins.push((b, 1, failed)),
        }
    }
    let most = bins.iter().map(|b| b.1).max().unwrap_or(1);
    let _ = write!(h, "<g class=\"band\" data-total=\"{}\">", members.len());
    for (b, n, failed) in bins {
        let (from, to) = (scale.t0 + b * bin, scale.t0 + (b + 1) * bin);
        let (x0, x1) = (scale.x(from), scale.x(to.min(scale.t1)));
        let _ = write!(
            h,
            "<rect class=\"dens\" x=\"{x0:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{}\" fill-opacity=\"{:.2}\" data-n=\"{n}\"><title>{n} executions started {} to {}{}</title></rect>",
            top + 2.0,
            (x1 - x0).max(0.5),
            ROW - 2.0,
            0.15 + 0.85 * n as f64 / most as f64,
            zone.format(from),
            zone.format(to),
            if failed > 0 {
                format!(", {failed} of them failed")
            } else {
                String::new()
            }
        );
        if failed > 0 {
            let _ = write!(
                h,
                "<rect class=\"dfail\" x=\"{x0:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"3\"/>",
                top + ROW - 3.0,
                (x1 - x0).max(0.5)
            );
        }
    }
    h.push_str("</g>\n");
}

/// The slots each group has in use over time: one step row per resource group (or
/// pool) and task group.
fn occupancy(h: &mut String, gantt: &Gantt, model: &Model, scale: &Scale, zone: &Zone) {
    let n = model.groups.len();
    let height = AXIS + n as f64 * OCC_ROW + 4.0;
    let word = match model.profile {
        crate::rules::Profile::Airflow => "pool",
        crate::rules::Profile::Dolphinscheduler => "worker group",
        _ => "resource group",
    };
    let any_task_group = model.tasks.iter().any(|t| t.task_group.is_some());
    let _ = writeln!(
        h,
        "<h3>Slots in use</h3>\n<p>One row per {word}{}: the slots its running executions hold, against its capacity (dashed) when it is in the row's scale.</p>\n\
         <svg class=\"chart occupancy\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\">\
         <clipPath id=\"clip-occ\"><rect x=\"{LABEL}\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\"/></clipPath>",
        if any_task_group {
            " and task group"
        } else {
            ""
        },
        LABEL + WIDTH + 10.0
    );
    svg::axis(h, scale, zone, height);
    let is_task_group: Vec<bool> = (0..n)
        .map(|g| {
            model
                .tasks
                .iter()
                .any(|t| t.task_group.is_some_and(|tg| tg.0 as usize == g))
        })
        .collect();
    let mut plot = String::new();
    h.push_str("<g class=\"rows\">");
    for (g, group) in model.groups.iter().enumerate() {
        let top = AXIS + g as f64 * OCC_ROW;
        let peak = gantt.peak[g];
        // The row's top: the capacity, unless it dwarfs the peak (an unbounded pool).
        let most = group
            .slots
            .min(peak.max(1).saturating_mul(2))
            .max(peak)
            .max(1);
        let kind = if is_task_group[g] { "task group" } else { word };
        let _ = write!(
            h,
            "<line class=\"sep\" x1=\"0\" x2=\"{}\" y1=\"{top}\" y2=\"{top}\"/><text class=\"rowlabel\" x=\"4\" y=\"{}\">{}</text><text class=\"rowlabel\" x=\"4\" y=\"{}\">{kind}, peak {peak} of {} slots</text>",
            LABEL + WIDTH,
            top + 14.0,
            escape(&clip(&group.name, 34)),
            top + 28.0,
            group.slots
        );
        let d = svg::step_path(
            &gantt.occupancy[g],
            scale,
            top + 4.0,
            OCC_ROW - 6.0,
            most,
            scale.t1,
        );
        let _ = write!(
            plot,
            "<path class=\"occ\" vector-effect=\"non-scaling-stroke\" data-group=\"{}\" data-peak=\"{peak}\" data-slots=\"{}\" d=\"{d}V{:.1}H0Z\"><title>{}: at most {peak} of {} slots in use</title></path>",
            escape(&group.name),
            group.slots,
            top + OCC_ROW - 2.0,
            escape(&group.name),
            group.slots
        );
        if group.slots <= most {
            let _ = write!(
                plot,
                "<line class=\"cap\" vector-effect=\"non-scaling-stroke\" x1=\"0\" x2=\"{WIDTH}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
                top + 4.0,
                top + 4.0
            );
        }
    }
    h.push_str("</g>\n");
    let _ = writeln!(
        h,
        "<g clip-path=\"url(#clip-occ)\"><g class=\"plot\" transform=\"translate({LABEL},0)\">{plot}</g></g></svg>"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_rows_are_aggregated_until_the_rest_fit() {
        assert_eq!(aggregated(&[10, 20]), [false, false]);
        let d = aggregated(&[MAX_BARS, 3, MAX_BARS / 2, 1]);
        assert_eq!(d, [true, false, false, false]);
        let d = aggregated(&[MAX_BARS, MAX_BARS, 7]);
        assert_eq!(d, [true, true, false]);
    }

    #[test]
    fn overlapping_executions_stack_on_the_lowest_free_lane() {
        let (l, shared) = lanes(&[(0, 10), (5, 15), (10, 20), (12, 13)]);
        assert_eq!(l, [0, 1, 0, 2]);
        assert!(!shared);
        let many: Vec<(Instant, Instant)> = (0..8).map(|i| (i, 100)).collect();
        let (l, shared) = lanes(&many);
        assert_eq!(l, [0, 1, 2, 3, 4, 5, 5, 5]);
        assert!(shared);
    }
}
