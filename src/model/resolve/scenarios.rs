//! A scenario's keys: start and until, faults, operator actions, stretches, seeds
//! and manual triggers (its backfills in `backfill.rs`, its history in `history.rs`).

use super::*;

impl Resolver<'_> {
    pub(super) fn scenarios(
        &mut self,
        doc: &Document,
        model: &Model,
        tasks: &Names<TaskId>,
        workflows: &Names<WorkflowId>,
    ) -> Vec<Scenario> {
        let mut names = Names::new();
        let mut out = Vec::new();
        for (i, s) in doc.scenarios.iter().enumerate() {
            self.declare(&mut names, &s.name, i, "scenario");
            let start = self.datetime(&s.start, "scenario start");
            let until = s
                .until
                .as_ref()
                .and_then(|u| self.datetime(u, "scenario horizon"));
            if let (Some(a), Some(b), Some(u)) = (start, until, &s.until)
                && b <= a
            {
                self.inverted(
                    s.start.span.clone(),
                    u.span.clone(),
                    "scenario",
                    "start",
                    "until",
                );
            }
            let start = start.unwrap_or_default();
            let in_scenario =
                |r: &mut Self, at: civil::DateTime, span: &Range<usize>, what: &str| {
                    if at < start || until.is_some_and(|u| at > u) {
                        r.err(
                            Diagnostic::new(
                                span.clone(),
                                format!("{what} falls outside the scenario"),
                                "expected a time between the scenario's start and until",
                            )
                            .related(s.start.span.clone(), "the scenario starts here"),
                        );
                    }
                };
            let mut backfills = Vec::new();
            for b in &s.backfills {
                let at = match &b.at {
                    Some(at) => self
                        .datetime(at, "backfill time")
                        .inspect(|t| in_scenario(self, *t, &at.span, "the backfill")),
                    None => Some(start),
                };
                if let Some(backfill) = self.backfill(b, model, tasks, workflows) {
                    backfills.push(Backfill {
                        at: at.unwrap_or(start),
                        ..backfill
                    });
                }
            }
            let mut faults = Vec::new();
            for f in &s.faults {
                let task = self.task_ref(&f.task, tasks);
                let scheduled = self.datetime(&f.scheduled, "scheduled time");
                let attempts: Vec<u32> = match &f.attempts {
                    Some(list) => list.iter().map(|a| a.value).collect(),
                    None => vec![1],
                };
                if let Some(t) = task {
                    let max = model.task(t).retry.times.saturating_add(1);
                    for a in f.attempts.iter().flatten() {
                        if let Some(problem) = crate::model::attempt_problem(model, t, a.value) {
                            self.err(
                                Diagnostic::new(
                                    a.span.clone(),
                                    problem,
                                    format!("expected an attempt from 1 to {max}"),
                                )
                                .help("attempts are counted from 1; retry.times adds attempts"),
                            );
                        }
                    }
                }
                if let (Some(task), Some(scheduled)) = (task, scheduled) {
                    let fault = Fault {
                        task,
                        scheduled,
                        attempts,
                        phase: f
                            .phase
                            .as_ref()
                            .map_or(FaultPhase::BeforeWrite, |p| p.value),
                        origin: f.origin.as_ref().map(|o| o.value),
                    };
                    if let Some((a, other)) = crate::model::attempt_in_conflict(&faults, &fault) {
                        self.err(
                            Diagnostic::new(
                                f.scheduled.span.clone(),
                                crate::model::attempt_conflict_message(model, &fault, a, other),
                                "an attempt failed in one phase only",
                            )
                            .help("remove the attempt from one of the two faults"),
                        );
                    }
                    faults.push(fault);
                }
            }
            let mut operations = Vec::new();
            for o in &s.operations {
                let at = self.datetime(&o.at, "operation time");
                if let Some(at) = at {
                    in_scenario(self, at, &o.at.span, "the operation");
                }
                if let Some(profiles) = crate::model::operation_profiles(o.kind.value) {
                    self.only_for(
                        Some(o.kind.span.clone()),
                        &format!("the operation `{}`", o.kind.value),
                        profiles,
                        "",
                    );
                }
                let task = self.task_ref(&o.task, tasks);
                let scheduled = self.datetime(&o.scheduled, "scheduled time");
                if let (Some(at), Some(task), Some(scheduled)) = (at, task, scheduled) {
                    operations.push(Operation {
                        at,
                        kind: o.kind.value,
                        task,
                        scheduled,
                    });
                }
            }
            let mut stretches = Vec::new();
            for st in &s.stretches {
                let task = self.task_ref(&st.task, tasks);
                let scheduled = self.datetime(&st.scheduled, "scheduled time");
                let factor = st.factor.value;
                if !(factor > 0.0 && factor <= crate::model::MAX_STRETCH) {
                    self.err(Diagnostic::new(
                        st.factor.span.clone(),
                        format!("a stretch factor of {factor} is not above 0 and at most 1000"),
                        "expected a number above 0, at most 1000 (2 doubles the duration)",
                    ));
                } else if let Some(t) = task
                    && model.task(t).empty
                {
                    self.err(Diagnostic::new(
                        st.task.span.clone(),
                        "an empty task (`empty = true`) runs no execution to stretch",
                        "it succeeds once its upstreams are done: stretch an upstream instance",
                    ));
                } else if let Some(t) = task
                    && model.task(t).depends.is_some()
                {
                    self.err(Diagnostic::new(
                        st.task.span.clone(),
                        "a DEPENDENT task runs no execution to stretch",
                        "it ends at the check that finds its items done: stretch the upstream instance it waits for",
                    ));
                } else if let (Some(task), Some(scheduled)) = (task, scheduled) {
                    stretches.push(Stretch {
                        task,
                        scheduled,
                        factor,
                    });
                }
            }
            if let Some(r) = &s.recurring
                && r.value
                && s.until.is_none()
            {
                self.err(
                    Diagnostic::new(
                        r.span.clone(),
                        "a recurring scenario needs `until`: the schedule never ends",
                        "expected `until` beside `recurring = true`",
                    )
                    .help("add until = \"YYYY-MM-DDTHH:MM:SS\", the end of the simulated window"),
                );
            }
            let mut seeds = Vec::new();
            for seed in s.seeds.iter().flat_map(|list| &list.value) {
                match u64::try_from(seed.value) {
                    Err(_) => self.err(Diagnostic::new(
                        seed.span.clone(),
                        format!("{} is negative", seed.value),
                        "expected a seed, a whole number ≥ 0",
                    )),
                    Ok(n) if seeds.contains(&n) => self.err(Diagnostic::new(
                        seed.span.clone(),
                        format!("seed {n} is listed twice"),
                        "expected each seed once",
                    )),
                    Ok(n) => seeds.push(n),
                }
            }
            if let Some(list) = s.seeds.as_ref().filter(|l| l.value.is_empty()) {
                self.err(Diagnostic::new(
                    list.span.clone(),
                    "`seeds` lists no seed",
                    "expected at least one seed, e.g. seeds = [0, 7]",
                ));
            }
            if seeds.is_empty() {
                seeds.push(0);
            }
            let mut triggers = Vec::new();
            for t in &s.triggers {
                self.only_for(
                    Some(t.workflow.span.clone()),
                    "`[[scenario.trigger]]`",
                    &[Profile::Airflow],
                    "a manual run with its inferred data interval is Airflow's `dags trigger`",
                );
                let workflow = self.lookup(workflows, &t.workflow, "workflow");
                let at = self.datetime(&t.at, "trigger time");
                if let Some(at) = at {
                    in_scenario(self, at, &t.at.span, "the trigger");
                }
                let logical = t
                    .logical_date
                    .as_ref()
                    .map(|l| self.datetime(l, "logical date"));
                if let (Some(workflow), Some(at), Some(logical_date)) =
                    (workflow, at, logical.map_or(Some(None), |l| l.map(Some)))
                {
                    triggers.push(crate::model::timetable::Trigger {
                        workflow,
                        at,
                        logical_date,
                    });
                }
            }
            out.push(Scenario {
                name: s.name.value.clone(),
                start,
                until,
                recurring: s.recurring.as_ref().is_some_and(|r| r.value),
                seeds,
                backfills,
                faults,
                operations,
                stretches,
                history: self.history(s, start, model, tasks, workflows),
                triggers,
            });
        }
        out
    }
}
