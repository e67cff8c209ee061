//! Runs that happened before the scenario's start (`[[scenario.history]]`, issue 13):
//! they exist as instances in their final state, first in the instance vector, and
//! are replayed to the sink at their scheduled times before anything else, so every
//! observer sees them (the store starts with their partitions; the properties count
//! them). A backfill over them creates new instances beside them, except where a
//! backfill says which dates it runs again (Airflow's `reprocess`): there a date that
//! already has a run is left alone or its run is cleared and run again in place.

use std::collections::BTreeSet;

use super::*;
use crate::calendar::schedule::rfc3339;
use crate::keyword::Keyword;
use crate::model::{HistoryState, Reprocess};

/// The most runs a history may declare: they are created at once, before the run.
pub const MAX_HISTORY_RUNS: u64 = 1_000_000;

/// One history instance: its scheduled time, whether it failed, whether it wrote.
#[derive(Clone, Copy, Debug)]
pub(super) struct Past {
    failed: bool,
    wrote: bool,
}

impl<'m> Engine<'m> {
    /// Creates the history's instances and units (before any other), one unit per
    /// date; a (task, scheduled time) declared twice takes its last entry (a range,
    /// then the exceptions), with a note.
    pub(super) fn add_history(&mut self, scenario: &Scenario, budget: u64) -> Result<(), RunError> {
        let model = self.model;
        let tz = &model.timezone;
        // The history is created at once, not date by date: it has its own bound.
        let budget = budget.min(MAX_HISTORY_RUNS);
        let mut runs: BTreeMap<(Instant, TaskId), Past> = BTreeMap::new();
        let mut twice = 0u32;
        let mut first_twice: Option<(Instant, TaskId)> = None;
        for h in &scenario.history {
            let from = local_to_instant(tz, h.from);
            let times: Vec<Instant> = if h.single {
                vec![from]
            } else {
                let schedule = crate::plan::schedule_of(model, h.task).map_err(|error| {
                    RunError::History(format!("history of {}: {error}", model.task(h.task).name))
                })?;
                let mut out = Vec::new();
                for f in schedule.fires(from, local_to_instant(tz, h.to)) {
                    out.push(f.at);
                    if runs.len() as u64 + out.len() as u64 > budget {
                        return Err(RunError::History(format!(
                            "the history declares more than {budget} runs (the lower of --max-instances and {MAX_HISTORY_RUNS}): declare the runs the scenario's backfills meet"
                        )));
                    }
                }
                out
            };
            if times.is_empty() {
                self.notes.push(format!(
                    "history of {} from {} to {}: the schedule fires never in the range, so it declares no run",
                    model.task(h.task).name,
                    h.from,
                    h.to
                ));
            }
            let past = Past {
                failed: h.state == HistoryState::Failed,
                wrote: h.writes_landed,
            };
            for t in times {
                match runs.entry((t, h.task)) {
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(past);
                    }
                    std::collections::btree_map::Entry::Occupied(mut e) => {
                        e.insert(past);
                        twice += 1;
                        first_twice.get_or_insert((t, h.task));
                    }
                }
            }
        }
        if let Some((t, task)) = first_twice {
            self.notes.push(format!(
                "{twice} history run(s) were declared twice for one task and time: the last declaration counts (the first: {} at {})",
                model.task(task).name,
                rfc3339(tz, t)
            ));
        }
        let mut by_unit: BTreeMap<UnitKey, Vec<(Instant, TaskId, Past)>> = BTreeMap::new();
        for (&(t, task), &p) in &runs {
            by_unit
                .entry(self.history_key(t))
                .or_default()
                .push((t, task, p));
        }
        for (key, list) in by_unit {
            let u = self.units.len() as u32;
            let first = self.instances.len() as u32;
            let (start, end) = (list[0].0, list[list.len() - 1].0);
            for &(t, task, p) in &list {
                // Ran once at its time; replay_history gives its final state.
                self.instances.push(Instance {
                    attempts: 1,
                    tries: 1,
                    first_start: t,
                    last_end: t,
                    ..Instance::planned(task, u, t, t, Kind::Run, Origin::Recurring)
                });
                self.history_past.push(p);
            }
            self.units.push(Unit {
                key,
                origin: Origin::Recurring,
                backfill: None,
                due: start,
                created: Some(start),
                ended: Some(end),
                failed: list.iter().any(|x| x.2.failed),
                first,
                count: list.len() as u32,
                set: NONE,
                pos: 0,
                chain: NONE,
                unsettled: 0,
                reopened: false,
                run_times: 1,
                again: 0,
                self_ends: Vec::new(),
            });
        }
        self.history_units = self.units.len() as u32;
        Ok(())
    }

    /// The unit a history run belongs to: its business date (the day before its
    /// scheduled day) under DataWorks, its run time elsewhere.
    fn history_key(&self, t: Instant) -> UnitKey {
        match self.model.rules.date_convention {
            DateConvention::BusinessDate => {
                let day =
                    crate::calendar::schedule::instant_to_local(&self.model.timezone, t).date();
                UnitKey::BusinessDate(day.yesterday().unwrap_or(day))
            }
            _ => UnitKey::RunTime(t),
        }
    }

    /// Is instance `i` a run of the history (before the scenario's start)?
    pub fn is_history(&self, i: u32) -> bool {
        (i as usize) < self.history_past.len()
    }

    /// Is unit `u` a date or run of the history?
    pub fn is_history_unit(&self, u: u32) -> bool {
        u < self.history_units
    }

    /// Is unit `u` one of the scenario's dates: neither a date of the history nor a
    /// backfill date left alone because it already ran?
    pub fn scenario_unit(&self, u: u32) -> bool {
        !self.is_history_unit(u) && self.units[u as usize].chain != NONE
    }

    /// Instances whose run a backfill cleared and ran again in place (Airflow's
    /// `reprocess`), of the history or of an earlier run of the scenario: one logical
    /// instance with the backfill's.
    pub fn reprocessed(&self) -> &BTreeSet<u32> {
        &self.reprocessed
    }

    /// The backfills (by index in the scenario) with a date that already had a run
    /// (of the history, an earlier backfill or the recurring schedule): the only
    /// dates their `reprocess` decides anything for.
    pub fn met_runs(&self) -> &BTreeSet<usize> {
        &self.met_runs
    }

    /// Positions of a backfill's units it does not run because they already ran
    /// (`reprocess`), with a note naming them, and the history instances of the dates
    /// it runs again (reprocessed).
    pub(super) fn skip_existing(
        &mut self,
        b_index: usize,
        reprocess: Option<Reprocess>,
        planner: &Planner<'_>,
        workflows: Option<&[WorkflowId]>,
    ) -> (Vec<bool>, Vec<u32>) {
        let keys = planner.units();
        let mut skip = vec![false; keys.len()];
        let mut again = Vec::new();
        let Some(reprocess) = reprocess else {
            return (skip, again);
        };
        let tasks: BTreeSet<TaskId> = planner.tasks().collect();
        // The history instances of the target tasks by scheduled time, so that each
        // date finds its run in a search (a scan per date was quadratic: 37 s for a
        // 5-minute backfill of four months over three months of history).
        let mut by_time: Vec<(Instant, u32)> = (0..self.history_past.len() as u32)
            .filter_map(|i| {
                let inst = &self.instances[i as usize];
                tasks.contains(&inst.task).then_some((inst.scheduled, i))
            })
            .collect();
        by_time.sort_unstable();
        let mut left = Vec::new();
        for (pos, key) in keys.iter().enumerate() {
            let UnitKey::RunTime(t) = *key else { continue };
            // The DAG run of that logical date: every history instance of a target
            // task at that time; it failed when one of them failed.
            let from = by_time.partition_point(|&(s, _)| s < t);
            let runs: Vec<u32> = by_time[from..]
                .iter()
                .take_while(|&&(s, _)| s == t)
                .map(|&(_, i)| i)
                .collect();
            if runs.is_empty() {
                continue;
            }
            self.met_runs.insert(b_index);
            let failed = runs.iter().any(|&i| self.history_past[i as usize].failed);
            if reprocess.runs_again(failed) {
                again.extend(runs);
            } else {
                skip[pos] = true;
                left.push(key.date_text(self.model));
            }
        }
        if !left.is_empty() {
            // A backfill split by workflow says it of each workflow's runs.
            let of = workflows.map_or(String::new(), |ws| {
                format!(" of {}", workflow_names(self.model, ws).join(", "))
            });
            self.notes.push(format!(
                "backfill {}: {} date(s){of} already have a run and are not run again (reprocess = {}): {}",
                b_index + 1,
                left.len(),
                reprocess.word(),
                left.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
                    + if left.len() > 5 { ", ..." } else { "" }
            ));
        }
        (skip, again)
    }

    /// Replays the history to the sink, in time order: each run's start and end at
    /// its scheduled time (it took no time of the scenario's).
    pub(super) fn replay_history(&mut self, sink: &mut impl Sink) {
        let now = self.now;
        for u in 0..self.history_units {
            let unit = &self.units[u as usize];
            let (key, first, count, failed, set) =
                (unit.key, unit.first, unit.count, unit.failed, unit.set);
            self.now = unit.due;
            let event = |time, started| UnitEvent {
                time,
                unit: u,
                key,
                origin: Origin::Recurring,
                backfill: None,
                set,
                workflows: None,
                started,
                failed: failed && !started,
                reopened: false,
            };
            sink.unit(&event(self.now, true));
            for i in first..first + count {
                let p = self.history_past[i as usize];
                self.now = self.instances[i as usize].scheduled;
                self.transition(i, State::WaitingResources, Reason::Created, sink);
                self.transition(i, State::Running, Reason::SlotFree, sink);
                let (to, reason) = match (p.failed, p.wrote) {
                    (false, true) => (State::Succeeded, Reason::Finished),
                    // Succeeded, but its rows are gone: it counts as run, nothing landed.
                    (false, false) => (State::Succeeded, Reason::SetSuccess),
                    (true, true) => (State::Failed, Reason::FailedAfterWrite),
                    (true, false) => (State::Failed, Reason::FailedBeforeWrite),
                };
                self.transition(i, to, reason, sink);
            }
            sink.unit(&event(self.now, false));
        }
        self.now = now;
    }
}
