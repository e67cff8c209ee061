//! When each backfill date or run started and finished (issue 11: "when is
//! 2025-03-14 done"): `dates` of the run summary, and its text.

use crate::calendar::schedule::rfc3339;
use crate::engine::{Engine, Origin};

/// One backfill date, recurring day or run: when its first instance was created and
/// when its last one reached a final state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DateRow {
    pub date: String,
    pub origin: Origin,
    /// 1-based position of the backfill in the scenario.
    pub backfill: Option<u32>,
    /// The workflows whose runs it holds, when its backfill (or the recurring
    /// schedule) spans several workflows and runs one backfill per workflow
    /// (DolphinScheduler, Airflow: `unit_scope = workflow`); null otherwise.
    pub workflows: Option<Vec<String>>,
    /// RFC 3339; null when it never started.
    pub start: Option<String>,
    /// RFC 3339; null when it never finished.
    pub end: Option<String>,
    pub duration_seconds: Option<i64>,
    /// A date or run of the scenario's history (ran before its start). Absent when
    /// false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub history: bool,
    /// Planned, then left out of its backfill: it already ran (`reprocess`), or its
    /// backfill was refused when submitted (the notes say which). Absent when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub left_out: bool,
}

/// The first `limit` dates in date (or run time) order; one date's units in the
/// engine's order (backfills in scenario order, then workflows).
pub fn rows(engine: &Engine<'_>, limit: usize) -> Vec<DateRow> {
    let model = engine.model();
    let time = |t: i64| rfc3339(&model.timezone, t);
    let mut order: Vec<usize> = (0..engine.units.len()).collect();
    order.sort_by_key(|&k| engine.units[k].key);
    order
        .into_iter()
        .take(limit)
        .map(|k| (k, &engine.units[k]))
        .map(|(k, u)| DateRow {
            date: u.key.date_text(model),
            origin: u.origin,
            backfill: u.backfill.map(|b| b + 1),
            workflows: engine
                .unit_workflows(k as u32)
                .map(|ws| crate::engine::workflow_names(model, ws)),
            start: u.created.map(time),
            end: u.ended.map(time),
            duration_seconds: u.created.zip(u.ended).map(|(s, e)| e - s),
            history: engine.is_history_unit(k as u32),
            left_out: !engine.is_history_unit(k as u32) && !engine.scenario_unit(k as u32),
        })
        .collect()
}

/// At most this many dates in the text; `--format json` has them all.
pub const LISTED: usize = 40;

/// The dates for people: each with its start, end and duration.
pub fn text(engine: &Engine<'_>) -> String {
    use std::fmt::Write;
    let total = engine.units.len();
    let mut s = String::new();
    if total == 0 {
        return s;
    }
    let _ = writeln!(s, "dates/runs (start -> end, duration):");
    // With several backfills, each date says which.
    let several = engine
        .units
        .iter()
        .any(|u| u.backfill.is_some_and(|b| b > 0));
    let width = if several { 11 } else { 9 };
    for d in rows(engine, LISTED) {
        let origin = match d.backfill {
            Some(b) if several => format!("{} {b}", d.origin.word()),
            _ if d.history => "history".to_string(),
            _ => d.origin.word().to_string(),
        };
        if d.left_out {
            let _ = writeln!(
                s,
                "  {} {origin:<width$} {}left out (see the notes)",
                d.date,
                d.workflows
                    .as_ref()
                    .map_or(String::new(), |ws| format!("{} ", ws.join(", "))),
            );
            continue;
        }
        let _ = writeln!(
            s,
            "  {} {origin:<width$} {}{} -> {}{}",
            d.date,
            d.workflows
                .as_ref()
                .map_or(String::new(), |ws| format!("{} ", ws.join(", "))),
            d.start.as_deref().unwrap_or("never started"),
            d.end.as_deref().unwrap_or("never finished"),
            d.duration_seconds.map_or(String::new(), |x| format!(
                ", {}",
                crate::observe::summary::human(x)
            ))
        );
    }
    if total > LISTED {
        let _ = writeln!(
            s,
            "  ... and {} more (all in --format json)",
            total - LISTED
        );
    }
    s
}
