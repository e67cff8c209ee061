//! What a backfill is refused where it is submitted. Airflow 3 checks a backfill as
//! it creates it (`_create_backfill` and `_validate_backfill_params`,
//! airflow-core/src/airflow/models/backfill.py; AF §1.4), in this order:
//!
//! - another backfill of the DAG not completed (`completed_at` unset):
//!   `AlreadyRunningBackfill`, "There can be only one running backfill per Dag";
//! - both ends of the range at or after now: `InvalidBackfillDate`;
//! - a task with `depends_on_past` and `reverse`: `InvalidBackfillDirection` (read
//!   through the knob `reverse_self_dependency`);
//! - such a task and reprocess behaviour none: `InvalidReprocessBehavior`;
//! - no run to create: `RuntimeError("No runs to create for Dag …")`.
//!
//! "Now" is the backfill's submission, its `at` (the scenario's start when it names
//! none). A backfill is an Airflow 3 backfill when it has a reprocess behaviour (the
//! model gives one to Airflow backfills only). Each part of a backfill split by
//! workflow is one Airflow backfill (one DAG per `airflow backfill create`).
//!
//! A backfill is complete when none of its DAG runs is queued or running
//! (`SchedulerJobRunner._mark_backfills_complete`). Whether the earlier backfill of a
//! DAG completed before a later one's `at` is known before the run only when both
//! are submitted at the same instant (it has not): that is refused with the others
//! above. Otherwise the later one is checked at its `at`, before anything else
//! happens at that instant (a run ending then is still running: the scheduler marks
//! a backfill complete on a later loop), and left out with a note when the earlier
//! one has a run that has not ended.

use super::*;
use crate::keyword::Keyword;
use crate::model::{Backfill, Reprocess};
use std::collections::BTreeSet;

/// Why a backfill cannot be submitted (each is an exception Airflow raises).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Newest first over a task that depends on its past (`InvalidBackfillDirection`).
    Reverse { task: String },
    /// Reprocess behaviour none over such a task (`InvalidReprocessBehavior`).
    ReprocessNone { task: String },
    /// Another backfill of the same DAG submitted at the same instant
    /// (`AlreadyRunningBackfill`): `other` is its index.
    AlreadyRunning {
        other: usize,
        dags: String,
        at: String,
    },
    /// Both ends of the range at or after the submission (`InvalidBackfillDate`).
    Future {
        from: String,
        to: String,
        at: String,
    },
    /// No run in the range whose interval ended by the submission (`RuntimeError("No
    /// runs to create")`).
    NoRuns {
        dags: String,
        from: String,
        to: String,
        at: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Reverse { task } => write!(
                f,
                "{task} depends on its previous run, so its dates cannot run newest first (Airflow's InvalidBackfillDirection)"
            ),
            Refusal::ReprocessNone { task } => write!(
                f,
                "{task} depends on its previous run (depends_on_past), so Airflow requires the backfill to reprocess completed or failed runs: set `reprocess = \"failed\"` or `reprocess = \"completed\"`, not none, the default (Airflow's InvalidReprocessBehavior)"
            ),
            Refusal::AlreadyRunning { other, dags, at } => write!(
                f,
                "backfill {} of DAG {dags} is submitted at the same time ({at}) and has not completed then: Airflow allows one running backfill per DAG (AlreadyRunningBackfill); give this one an `at` after the other ends",
                other + 1
            ),
            Refusal::Future { from, to, at } => write!(
                f,
                "its range ({from} to {to}) is at or after its submission at {at}: Airflow refuses a backfill of future dates (InvalidBackfillDate); submit it later (`at`, or the scenario's `start`) or give past dates"
            ),
            Refusal::NoRuns { dags, from, to, at } => write!(
                f,
                "no run of DAG {dags} falls in its range ({from} to {to}) with its data interval ended by its submission at {at}: Airflow refuses it (RuntimeError \"No runs to create\")"
            ),
        }
    }
}

/// One Airflow backfill as submitted: a backfill, or one part of it when it was split
/// by workflow.
pub(super) struct Submitted {
    backfill: usize,
    at: Instant,
    set: u32,
    dags: Vec<WorkflowId>,
    reprocess: Reprocess,
    /// Instances its `reprocess` runs again in place: of the history, and of the
    /// earlier runs it finds at its submission.
    again: Vec<u32>,
    /// Left out at its `at`: an earlier backfill of its DAG was still running.
    refused: bool,
}

impl<'m> Engine<'m> {
    /// Airflow's checks of backfill `b_index` (`b`), planned as `planner`, submitted
    /// at `at`; the first it fails refuses the scenario.
    pub(super) fn check_submission(
        &self,
        b_index: usize,
        b: &Backfill,
        planner: &Planner<'_>,
        at: Instant,
    ) -> Result<(), RunError> {
        let model = self.model;
        let tz = &model.timezone;
        let refuse = |why| {
            Err(RunError::Refused {
                backfill: b_index,
                why: Box::new(why),
            })
        };
        let time = |t: Instant| crate::calendar::schedule::rfc3339(tz, t);
        let dags = crate::plan::workflows_of(model, planner.tasks());
        let names = || workflow_names(model, &dags).join(", ");
        let airflow = b.reprocess.is_some();
        if airflow {
            let same = self.submitted.iter().find(|s| {
                s.at == at && s.backfill != b_index && s.dags.iter().any(|d| dags.contains(d))
            });
            if let Some(s) = same {
                return refuse(Refusal::AlreadyRunning {
                    other: s.backfill,
                    dags: names(),
                    at: time(at),
                });
            }
            let (from, to) = (b.from.start(), b.to.start());
            if local_to_instant(tz, from) >= at && local_to_instant(tz, to) >= at {
                return refuse(Refusal::Future {
                    from: from.to_string(),
                    to: to.to_string(),
                    at: time(at),
                });
            }
        }
        let self_dependent = || {
            planner
                .tasks()
                .find(|t| model.task(*t).self_dependency)
                .map(|t| model.task(t).name.clone())
        };
        if b.order == Order::Desc
            && model.rules.reverse_self_dependency == ReverseSelfDependency::Reject
            && let Some(task) = self_dependent()
        {
            return refuse(Refusal::Reverse { task });
        }
        if b.reprocess == Some(Reprocess::Never)
            && let Some(task) = self_dependent()
        {
            return refuse(Refusal::ReprocessNone { task });
        }
        if airflow && planner.units().is_empty() {
            return refuse(Refusal::NoRuns {
                dags: names(),
                from: b.from.start().to_string(),
                to: b.to.start().to_string(),
                at: time(at),
            });
        }
        Ok(())
    }

    /// Records Airflow backfill `backfill` (`set`, submitted at `at`, running again
    /// the history instances `again`).
    pub(super) fn submitted(
        &mut self,
        backfill: usize,
        at: Instant,
        set: u32,
        reprocess: Reprocess,
        again: Vec<u32>,
    ) {
        let dags = crate::plan::workflows_of(self.model, self.sets[set as usize].planner.tasks());
        self.submitted.push(Submitted {
            backfill,
            at,
            set,
            dags,
            reprocess,
            again,
            refused: false,
        });
    }

    /// Once every backfill is recorded: each submitted after a backfill of one of its
    /// DAGs (in time, whatever their order in the scenario) checks at its `at` that
    /// that one completed. Queued before the sets' first `Advance` at that instant.
    pub(super) fn queue_submissions(&mut self) {
        for k in 0..self.submitted.len() {
            let this = &self.submitted[k];
            let after_another = self
                .submitted
                .iter()
                .any(|s| s.at < this.at && s.dags.iter().any(|d| this.dags.contains(d)));
            let beside_scheduled = self
                .recurring_sets()
                .any(|(_, dags)| dags.iter().any(|d| this.dags.contains(d)));
            if after_another || beside_scheduled {
                self.push(this.at, Ev::Submit, k as u32, 0);
            }
        }
    }

    /// At submission `k`'s time: an earlier backfill of one of its DAGs that has a
    /// run not ended yet (created or not) refuses it; its runs are left out.
    pub(super) fn submit(&mut self, k: u32) {
        let this = &self.submitted[k as usize];
        let (at, set) = (this.at, this.set);
        let running = self.submitted.iter().find_map(|s| {
            let earlier = s.at < at && !s.refused && s.dags.iter().any(|d| this.dags.contains(d));
            earlier
                .then(|| self.open_unit(s.set))
                .flatten()
                .map(|u| (s, u))
        });
        let Some((other, open)) = running else {
            self.existing_runs(k);
            return;
        };
        let note = format!(
            "backfill {}: not run: submitted at {} while backfill {} of DAG {} was still running (its run {} had not ended); Airflow allows one running backfill per DAG and refuses it (AlreadyRunningBackfill)",
            this.backfill + 1,
            crate::calendar::schedule::rfc3339(&self.model.timezone, at),
            other.backfill + 1,
            workflow_names(self.model, &other.dags).join(", "),
            self.unit_label(open)
        );
        self.notes.push(note);
        self.submitted[k as usize].refused = true;
        // Its units leave their chains: none is created, none counts as planned.
        let s = &self.sets[set as usize];
        let units = s.first_unit..s.first_unit + s.planner.units().len() as u32;
        for u in units {
            let c = std::mem::replace(&mut self.units[u as usize].chain, NONE);
            if c != NONE {
                self.chains[c as usize].units.clear();
                self.chains[c as usize].next = 0;
            }
        }
        // The history runs it would have cleared stay as they were.
        self.reprocessed = (self.submitted.iter())
            .filter(|s| !s.refused)
            .flat_map(|s| s.again.iter().copied())
            .collect();
    }

    /// The recurring schedule's sets, each with the DAGs of its runs.
    fn recurring_sets(&self) -> impl Iterator<Item = (u32, Vec<WorkflowId>)> + '_ {
        (0..self.sets.len() as u32).filter_map(|k| {
            let s = &self.sets[k as usize];
            let recurring = !s.planner.units().is_empty()
                && self.units[s.first_unit as usize].origin == Origin::Recurring;
            recurring.then(|| (k, crate::plan::workflows_of(self.model, s.planner.tasks())))
        })
    }

    /// Submission `k`, accepted at its time: its dates that an earlier backfill of its
    /// DAG, or the recurring schedule, ran already have a DAG run (`_get_info_list`
    /// finds it by logical date). One still running is "in flight" and not created;
    /// under `reprocess = none`, and `failed` where that run did not fail, Airflow
    /// does not create them either ("already exists"): they leave their chains,
    /// said. One it would clear and run again in place (`failed` over a failed run,
    /// `completed`) runs here as a new run beside the earlier one, said too.
    fn existing_runs(&mut self, k: u32) {
        let this = &self.submitted[k as usize];
        let (at, set, reprocess) = (this.at, this.set, this.reprocess);
        // Runs of its DAGs created by then, by run time: failed, in flight, and by
        // which backfill (`None`: the recurring schedule).
        let mut ran: Vec<(UnitKey, bool, bool, Option<usize>, u32)> = Vec::new();
        let mut sets: Vec<(u32, Option<usize>)> = self
            .submitted
            .iter()
            .filter(|s| s.at < at && !s.refused && s.dags.iter().any(|d| this.dags.contains(d)))
            .map(|s| (s.set, Some(s.backfill)))
            .collect();
        sets.extend(
            self.recurring_sets()
                .filter(|(_, dags)| dags.iter().any(|d| this.dags.contains(d)))
                .map(|(k, _)| (k, None)),
        );
        for (s, by) in sets {
            let first = self.sets[s as usize].first_unit;
            let n = self.sets[s as usize].planner.units().len() as u32;
            for u in first..first + n {
                let unit = &self.units[u as usize];
                if unit.chain != NONE && unit.created.is_some() {
                    ran.push((unit.key, unit.failed, unit.ended.is_none(), by, u));
                }
            }
        }
        if ran.is_empty() {
            return;
        }
        ran.sort_unstable_by_key(|r| r.0);
        let backfill = this.backfill;
        let (mut left, mut again) = (Vec::new(), Vec::new());
        let mut cleared: Vec<u32> = Vec::new();
        let s = &self.sets[set as usize];
        let tasks: BTreeSet<TaskId> = s.planner.tasks().collect();
        for u in s.first_unit..s.first_unit + s.planner.units().len() as u32 {
            let key = self.units[u as usize].key;
            let from = ran.partition_point(|r| r.0 < key);
            let runs = ran[from..].iter().take_while(|r| r.0 == key);
            let Some(by) = runs.clone().next().map(|r| r.3) else {
                continue;
            };
            self.met_runs.insert(backfill);
            let failed = runs.clone().any(|r| r.1);
            let in_flight = runs.clone().any(|r| r.2);
            if !in_flight && reprocess.runs_again(failed) {
                again.push((self.unit_label(u), by));
                // The runs it clears: their instances of its DAGs' tasks are one
                // logical instance with its own.
                for r in runs {
                    cleared.extend(
                        self.unit_tasks(r.4)
                            .filter_map(|(i, task)| tasks.contains(&task).then_some(i)),
                    );
                }
                continue;
            }
            left.push((self.unit_label(u), by));
            let c = std::mem::replace(&mut self.units[u as usize].chain, NONE);
            if c != NONE {
                self.chains[c as usize].units.retain(|&x| x != u);
            }
        }
        let list = |v: &[(String, Option<usize>)]| {
            let mut by: Vec<Option<usize>> = v.iter().map(|x| x.1).collect();
            by.sort_unstable();
            by.dedup();
            let by: Vec<String> = by
                .iter()
                .map(|b| match b {
                    Some(b) => format!("backfill {}", b + 1),
                    None => "the recurring schedule".to_string(),
                })
                .collect();
            let dates: Vec<&str> = v.iter().map(|x| x.0.as_str()).collect();
            (by.join(", "), crate::plan::first_few(&dates))
        };
        if !left.is_empty() {
            let (by, dates) = list(&left);
            self.notes.push(format!(
                "backfill {}: {} date(s) already have a run from {by} and are not run again (reprocess = {}; Airflow finds the DAG run of that logical date, or it is still in flight): {dates}",
                backfill + 1,
                left.len(),
                reprocess.word()
            ));
        }
        if !again.is_empty() {
            let (by, dates) = list(&again);
            let this = &mut self.submitted[k as usize];
            this.again.extend(&cleared);
            self.reprocessed.extend(cleared);
            self.notes.push(format!(
                "backfill {}: {} date(s) already have a run from {by}, which Airflow clears and runs again in place (reprocess = {}): here each runs as a new run that counts as one logical instance with the run it clears, which keeps its own executions and outcome in the figures: {dates}",
                backfill + 1,
                again.len(),
                reprocess.word()
            ));
        }
    }

    /// Unit `u`'s instances by id with their tasks, held or retired.
    fn unit_tasks(&self, u: u32) -> impl Iterator<Item = (u32, TaskId)> + '_ {
        let unit = &self.units[u as usize];
        let ids = unit.first..unit.first + unit.count;
        let tasks: Vec<TaskId> = if unit.count > 0 && !self.instances.held(unit.first as usize) {
            self.replan(u).into_iter().map(|(task, _)| task).collect()
        } else {
            ids.clone()
                .map(|i| self.instances[i as usize].task)
                .collect()
        };
        ids.zip(tasks)
    }

    /// A unit of set `set` in a chain that has not ended: one created and running,
    /// or one not created yet.
    fn open_unit(&self, set: u32) -> Option<u32> {
        let s = &self.sets[set as usize];
        (s.first_unit..s.first_unit + s.planner.units().len() as u32).find(|&u| {
            let unit = &self.units[u as usize];
            unit.chain != NONE && unit.ended.is_none()
        })
    }
}
