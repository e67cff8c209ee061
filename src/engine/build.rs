//! Building an engine from a scenario: its history, the recurring schedule, the
//! manual runs and the backfills (with the complements they clone), each planned
//! within what `--max-instances` leaves into run sets and chains, and the first
//! events queued.

use super::*;

impl<'m> Engine<'m> {
    /// Plans the scenario's backfills and recurring window (units only; instances come
    /// as their units come due).
    pub fn new(model: &'m Model, scenario: &Scenario, config: Config) -> Result<Self, RunError> {
        let tz = &model.timezone;
        let rules = &model.rules;
        let start = local_to_instant(tz, scenario.start);
        let horizon = scenario.until.map(|u| local_to_instant(tz, u));
        let mut engine = Engine {
            model,
            now: start,
            horizon,
            rng: Random::keyed(config.seed, model),
            events: queue::Queue::new(),
            instances: Window::new(),
            edges: Window::new(),
            units: Vec::new(),
            sets: Vec::new(),
            chains: Vec::new(),
            groups: model
                .groups
                .iter()
                .map(|g| Group {
                    free: g.slots,
                    queue: ready::Ready::default(),
                })
                .collect(),
            task_run: slots::TaskRun::of_model(model),
            workflow_running: vec![0; model.workflows.len()],
            deferred: BTreeMap::new(),
            faults: scenario.faults.iter().fold(BTreeMap::new(), |mut map, f| {
                let key = (f.task, local_to_instant(tz, f.scheduled));
                let entry: &mut Vec<ScriptedFault> = map.entry(key).or_default();
                let origin = f.origin.map(Origin::of_fault);
                entry.extend(f.attempts.iter().map(|&a| (a, f.phase, origin)));
                map
            }),
            stretches: scenario
                .stretches
                .iter()
                .map(|s| {
                    (
                        (s.task, local_to_instant(tz, s.scheduled)),
                        (s.factor, false),
                    )
                })
                .collect(),
            operations: scenario
                .operations
                .iter()
                .map(|o| (o.kind, o.task, local_to_instant(tz, o.scheduled)))
                .collect(),
            notes: Vec::new(),
            plan: UnitPlan::default(),
            scratch: FillScratch::default(),
            aside: Vec::new(),
            examined: Vec::new(),
            starting: Vec::new(),
            odd_holds: Vec::new(),
            stack: Vec::new(),
            executions: 0,
            max_executions: config.max_executions,
            max_instances: config.max_instances,
            again: 0,
            stopped: None,
            past_end: None,
            history_past: Vec::new(),
            history_units: 0,
            history_replayed: false,
            reprocessed: std::collections::BTreeSet::new(),
            met_runs: std::collections::BTreeSet::new(),
            submitted: Vec::new(),
            dependent: dependent::Waiters::new(model),
            windowed: false,
            ending: Vec::new(),
            retiring: Vec::new(),
            retiring_edges: Vec::new(),
            live: 0,
            pushed: 0,
            retired: Totals::new(model),
            planned_counts: vec![0; model.tasks.len()],
        };
        engine.add_history(scenario, config.max_instances)?;
        let mut budget = engine.budget_left();
        // Airflow: each DAG's window of non-backfill runs (scheduled and manual share
        // `max_active_runs`, `_start_queued_dagruns`), by workflow: its chain.
        let windowed_runs = rules.group_split == GroupSplit::Window;
        let mut window_of: Vec<Option<u32>> = vec![None; model.workflows.len()];
        // Workflows whose scheduled runs run together with another DAG's.
        let mut shared_runs = vec![false; model.workflows.len()];
        if scenario.recurring {
            let until = scenario.until.unwrap_or(scenario.start);
            let (from, to) = match rules.date_convention {
                // Business dates whose next day meets the window.
                DateConvention::BusinessDate => (
                    DateOrTime::Date(
                        scenario
                            .start
                            .date()
                            .yesterday()
                            .unwrap_or(scenario.start.date()),
                    ),
                    DateOrTime::Date(until.date().yesterday().unwrap_or(until.date())),
                ),
                _ => (
                    DateOrTime::DateTime(scenario.start),
                    DateOrTime::DateTime(until),
                ),
            };
            // A workflow the scheduler never fires by itself stays out of its schedule.
            let mut all = Vec::with_capacity(model.workflows.len());
            for w in (0..model.workflows.len()).map(|w| WorkflowId(w as u32)) {
                if crate::plan::fires_on_schedule(model, w) {
                    all.push(Target::Workflow(w));
                } else {
                    engine.notes.push(format!(
                        "recurring schedule: workflow `{}` has no schedule, so the scheduler never fires it: left out (a backfill, a manual run or a parent runs it)",
                        model.workflow(w).name
                    ));
                }
            }
            let parts = engine.parts(all, false, None);
            let split = parts.len() > 1;
            for targets in parts {
                let req = Request {
                    targets,
                    downstream: false,
                    from,
                    to,
                    window: None,
                    dates: None,
                    now: None,
                    clip: Some((start, horizon.unwrap_or(start))),
                    max_instances: budget,
                };
                let planner = engine
                    .plan_within(model, req)
                    .map_err(|error| RunError::Plan {
                        backfill: None,
                        error,
                    })?;
                let workflows = crate::plan::workflows_of(model, planner.tasks());
                // Recurring runs are not grouped; Airflow still caps runs in flight,
                // per DAG (runs of DAGs joined by an upstream together).
                let cap = if rules.group_split == GroupSplit::Window {
                    workflows
                        .iter()
                        .filter_map(|&w| model.workflow(w).max_active_runs)
                        .min()
                        .unwrap_or(16)
                } else {
                    u32::MAX
                };
                // A DAG's manual runs share the window of its scheduled runs when these
                // run on their own (not joined with another DAG's).
                if let ([w], true) = (workflows.as_slice(), windowed_runs) {
                    window_of[w.0 as usize] = Some(engine.chains.len() as u32);
                } else if windowed_runs {
                    for &w in &workflows {
                        shared_runs[w.0 as usize] = true;
                    }
                }
                let label = split.then_some(workflows);
                engine
                    .add_set(planner, Origin::Recurring, None, true, true, |n| {
                        vec![chains::ChainSpec {
                            units: (0..n).collect(),
                            cap,
                        }]
                    })
                    .workflows = label;
                budget = engine.budget_left();
            }
        }
        for trigger in &scenario.triggers {
            let planner = Planner::manual(model, trigger);
            engine.notes.extend(planner.notes().iter().cloned());
            let w = trigger.workflow;
            let window = window_of[w.0 as usize];
            // A manual run is one DAG's: named where the model has several.
            let first = engine.units.len() as u32;
            engine
                .add_set(planner, Origin::Manual, None, true, true, |n| {
                    if window.is_some() {
                        return Vec::new();
                    }
                    let cap = if windowed_runs {
                        model.workflow(w).max_active_runs.unwrap_or(16)
                    } else {
                        u32::MAX
                    };
                    vec![chains::ChainSpec {
                        units: (0..n).collect(),
                        cap,
                    }]
                })
                .workflows = (model.workflows.len() > 1).then(|| vec![w]);
            match window {
                Some(c) => engine.join_window(c, first..engine.units.len() as u32),
                None if windowed_runs => {
                    window_of[w.0 as usize] = Some(engine.chains.len() as u32 - 1);
                    if shared_runs[w.0 as usize] {
                        engine.note_once(format!(
                            "manual runs of {}: its scheduled runs run together with another DAG's (joined by an upstream, or `unit_scope = all_targets`), one run per time, so its manual runs share its `max_active_runs` with each other only, not with the scheduled runs as in Airflow",
                            model.workflow(w).name
                        ));
                    }
                }
                None => {}
            }
        }
        // Times the model types, read like the bounds a planner notes: one in a
        // daylight-saving gap or fold is said.
        let mut typed = vec![("the scenario's `start`".to_string(), scenario.start)];
        typed.extend(
            scenario
                .until
                .map(|u| ("the scenario's `until`".to_string(), u)),
        );
        typed.extend(
            (scenario.backfills.iter().enumerate())
                .map(|(k, b)| (format!("backfill {}'s `at`", k + 1), b.at)),
        );
        for (what, local) in typed {
            if let Some(note) = crate::calendar::schedule::bound_note(tz, &what, local) {
                engine.note_once(note);
            }
        }
        // With `dependents = true`, each backfill is followed by the complements it clones.
        let backfills = complement::backfills(model, scenario, &mut engine.notes)?;
        for (b_index, b) in backfills.iter().map(|(k, b)| (*k, b)) {
            let at = local_to_instant(tz, b.at);
            let parts = engine.parts(b.targets.clone(), b.downstream, Some(b_index));
            let split_parts = parts.len() > 1;
            for targets in parts {
                let req = Request {
                    targets,
                    downstream: b.downstream,
                    from: b.from,
                    to: b.to,
                    window: b.window,
                    dates: b.dates.clone(),
                    now: Some(at),
                    clip: None,
                    max_instances: budget,
                };
                let planner = engine
                    .plan_within(model, req)
                    .map_err(|error| RunError::Plan {
                        backfill: Some(b_index),
                        error,
                    })?;
                for n in planner.notes() {
                    engine.note_once(format!("backfill {}: {n}", b_index + 1));
                }
                engine.check_submission(b_index, b, &planner, at)?;
                let wait = !b.run_immediately && rules.future_instances == FutureInstances::Wait;
                let across = rules.backfill_self_dependency == BackfillSelfDependency::AcrossDates;
                let (groups, split) = (b.groups, rules.group_split);
                let order = if chains::sorts(groups, split) {
                    b.order
                } else {
                    if b.order == Order::Desc {
                        engine.note_once(format!(
                            "backfill {}: `order = desc` does nothing here: DolphinScheduler 3.3's parallel complement does not sort its dates (doParallelBackfillWorkflow), they run in the schedule's order",
                            b_index + 1
                        ));
                    }
                    Order::Asc
                };
                let label = split_parts.then(|| crate::plan::workflows_of(model, planner.tasks()));
                let (skip, again) =
                    engine.skip_existing(b_index, b.reprocess, &planner, label.as_deref());
                engine.reprocessed.extend(&again);
                let set = engine.sets.len() as u32;
                let first_chain = engine.chains.len();
                engine
                    .add_set(
                        planner,
                        Origin::Backfill,
                        Some(b_index as u32),
                        wait,
                        across,
                        |n| {
                            // Positions in date order, then split; `desc` reverses the dates first.
                            // Dates that already ran and are not run again join no chain.
                            let ordered: Vec<u32> = match order {
                                Order::Asc => (0..n).filter(|&p| !skip[p as usize]).collect(),
                                Order::Desc => {
                                    (0..n).rev().filter(|&p| !skip[p as usize]).collect()
                                }
                            };
                            chains::split(ordered.len() as u32, groups, split)
                                .into_iter()
                                .map(|c| chains::ChainSpec {
                                    units: c.units.iter().map(|&p| ordered[p as usize]).collect(),
                                    cap: c.cap,
                                })
                                .collect()
                        },
                    )
                    .workflows = label;
                if let Some(reprocess) = b.reprocess {
                    engine.submitted(b_index, at, set, reprocess, again);
                }
                for c in first_chain..engine.chains.len() {
                    for &u in &engine.chains[c].units {
                        engine.units[u as usize].due = at;
                    }
                }
                budget = engine.budget_left();
            }
        }
        engine.queue_submissions();
        for (k, o) in scenario.operations.iter().enumerate() {
            engine.push(local_to_instant(tz, o.at), Ev::Operation, k as u32, 0);
        }
        for c in 0..engine.chains.len() {
            if let Some(&u) = engine.chains[c].units.first() {
                let due = engine.units[u as usize].due.max(start);
                engine.chains[c].wake_queued = true;
                engine.push(due, Ev::Advance, c as u32, 0);
            }
        }
        // Instances are kept in pages (`Window`): never copied as they grow.
        Ok(engine)
    }

    /// An upper bound of the instances planned so far (for `--max-instances`).
    fn planned_bound(&self) -> u64 {
        self.sets.iter().map(|s| s.planner.at_most()).sum()
    }

    /// What `--max-instances` leaves the next set after the scenario's history and
    /// the sets planned so far.
    fn budget_left(&self) -> u64 {
        self.max_instances
            .saturating_sub(self.history_past.len() as u64)
            .saturating_sub(self.planned_bound())
    }

    /// Plans a set within `req.max_instances`, what the earlier sets' bounds leave of
    /// `--max-instances`. Refused, it is planned again within what their counted
    /// instances leave (a business date set within its budget was not counted: its
    /// bound counts whole days around its range).
    fn plan_within(&mut self, model: &'m Model, req: Request) -> Result<Planner<'m>, PlanError> {
        match Planner::new(model, &req) {
            Err(PlanError::TooMany { .. }) if self.count_sets() => {
                let budget = self.budget_left();
                Planner::new(
                    model,
                    &Request {
                        max_instances: budget,
                        ..req
                    },
                )
            }
            planned => planned,
        }
    }

    /// Counts the instances of every set planned so far that was not: whether one was.
    fn count_sets(&mut self) -> bool {
        let mut counted = false;
        for s in &mut self.sets {
            counted |= s.planner.count();
        }
        counted
    }
}
