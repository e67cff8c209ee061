//! Run sets: what a request (a backfill, the recurring schedule, a manual run)
//! becomes in the engine: its units, listed by a planner, grouped into chains. Under
//! `unit_scope = workflow` a request whose targets span several workflows becomes
//! one set per workflow (workflows joined by a cross-workflow upstream together).

use super::*;

impl<'m> Engine<'m> {
    /// A request's targets as the sets they run in: split by workflow under
    /// `unit_scope = workflow` (`backfill`: which backfill, for the notes).
    pub(super) fn parts(
        &mut self,
        targets: Vec<Target>,
        downstream: bool,
        backfill: Option<usize>,
    ) -> Vec<Vec<Target>> {
        let model = self.model;
        if model.rules.unit_scope == UnitScope::AllTargets {
            return vec![targets];
        }
        let parts = crate::plan::split_by_workflow(model, &targets, downstream);
        // What a part's runs hold: its targets and, with `downstream`, what follows.
        let holds = |t: &[Target]| {
            crate::plan::workflows_of(model, crate::plan::covered_tasks(model, t, downstream))
        };
        let names = |ws: &[WorkflowId]| workflow_names(model, ws).join(", ");
        let who = match backfill {
            Some(b) => format!("backfill {}", b + 1),
            None => "the recurring schedule".to_string(),
        };
        let (one, what) = match model.profile {
            crate::rules::Profile::Airflow => ("a backfill takes one DAG", "DAG runs"),
            _ => ("a complement takes one workflow", "workflow instances"),
        };
        if backfill.is_some() && parts.len() > 1 {
            let all = holds(&targets);
            self.note_once(format!(
                "{who}: its targets are in {} workflows ({}); {one}, so it runs as {} backfills, submitted together, each with its own dates in parallel (`groups`); the dates list names each date's workflows",
                all.len(),
                names(&all),
                parts.len()
            ));
        }
        for part in &parts {
            let ws = holds(part);
            if ws.len() > 1 {
                self.note_once(format!(
                    "{who}: {} run together, as one run per time: a cross-workflow upstream joins them (bound at equal run times), so their {what} share one window of runs in flight",
                    names(&ws)
                ));
            }
        }
        parts
    }

    /// Adds a note unless the same one is there already (a request split by workflow
    /// plans each part, and a part's planner says what the others say).
    pub(super) fn note_once(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// Adds a request's set: its units, and its chains as `split` groups them. The
    /// caller names its workflows when the request was split.
    pub(super) fn add_set(
        &mut self,
        planner: Planner<'m>,
        origin: Origin,
        backfill: Option<u32>,
        wait_for_time: bool,
        self_across: bool,
        split: impl FnOnce(u32) -> Vec<chains::ChainSpec>,
    ) -> &mut RunSet<'m> {
        let set = self.sets.len() as u32;
        let first_unit = self.units.len() as u32;
        let n = planner.units().len() as u32;
        for (pos, &key) in planner.units().iter().enumerate() {
            self.units.push(Unit {
                key,
                origin,
                backfill,
                due: planner.due(key),
                created: None,
                ended: None,
                failed: false,
                first: 0,
                count: 0,
                set,
                pos: pos as u32,
                chain: NONE,
                unsettled: 0,
                reopened: false,
                run_times: 1,
                again: 0,
                self_ends: Vec::new(),
            });
        }
        for spec in split(n) {
            let id = self.chains.len() as u32;
            let units: Vec<u32> = spec.units.iter().map(|p| first_unit + p).collect();
            for &u in &units {
                self.units[u as usize].chain = id;
            }
            self.chains.push(Chain {
                backfill: backfill.is_some(),
                units,
                next: 0,
                in_flight: 0,
                cap: spec.cap,
                stopped: false,
                wake_queued: false,
                manual: origin == Origin::Manual,
                advancing: false,
            });
        }
        self.sets.push(RunSet {
            planner,
            workflows: None,
            first_unit,
            wait_for_time,
            self_across,
        });
        self.sets.last_mut().expect("just pushed")
    }

    /// Units `units` (a manual run) join chain `c` (their DAG's window of runs), in
    /// order of their due time among its units: Airflow starts a DAG's queued runs by
    /// `run_after` (`get_queued_dag_runs_to_set_running`), a manual run at its trigger
    /// time. A scheduled run is not even created while the window is full
    /// ([`Engine::manual_first`]).
    pub(super) fn join_window(&mut self, c: u32, units: std::ops::Range<u32>) {
        self.chains[c as usize].manual = true;
        for u in units {
            self.units[u as usize].chain = c;
            let due = self.units[u as usize].due;
            let chain = &self.chains[c as usize];
            let at = chain
                .units
                .partition_point(|&x| self.units[x as usize].due <= due);
            self.chains[c as usize].units.insert(at, u);
        }
    }
}
