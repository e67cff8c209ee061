//! `[[scenario.history]]`, `reprocess` and a fault's `origin`: what a scenario says
//! about runs before its start, and which instances its faults strike (issue 13,
//! "History that already ran"). A child of the resolver, for its diagnostics.

use super::*;

impl Resolver<'_> {
    /// The runs a scenario's history declares, each checked against the start.
    pub(super) fn history(
        &mut self,
        s: &ScenarioDoc,
        start: civil::DateTime,
        model: &Model,
        tasks: &Names<TaskId>,
        workflows: &Names<WorkflowId>,
    ) -> Vec<HistoryRun> {
        let mut out = Vec::new();
        for h in &s.history {
            let ids: Vec<TaskId> = match (&h.task, &h.workflow) {
                (Some(t), None) => self.task_ref(t, tasks).into_iter().collect(),
                (None, Some(w)) => self
                    .lookup(workflows, w, "workflow")
                    .map(|w| {
                        (0..model.tasks.len() as u32)
                            .map(TaskId)
                            .filter(|t| model.task(*t).workflow == w)
                            .collect()
                    })
                    .unwrap_or_default(),
                (Some(_), Some(w)) => {
                    self.err(Diagnostic::new(
                        w.span.clone(),
                        "a history entry names a `task` or a `workflow`, not both",
                        "expected `task` alone or `workflow` alone",
                    ));
                    Vec::new()
                }
                (None, None) => {
                    self.err(
                        Diagnostic::new(
                            h.span.clone(),
                            "[[scenario.history]] names no `task` or `workflow`",
                            "expected `task = \"workflow.task\"` or `workflow = \"name\"`",
                        )
                        .help("a workflow's entry covers each of its tasks"),
                    );
                    Vec::new()
                }
            };
            let when = |r: &mut Self, v: &Option<Sp<DateTimeText>>, what: &str| {
                v.as_ref().and_then(|v| {
                    let t = r.datetime(v, what)?;
                    if t >= start {
                        r.err(
                            Diagnostic::new(
                                v.span.clone(),
                                "a history run is scheduled at or after the scenario's start",
                                "expected a time before the start: history is what already ran",
                            )
                            .related(s.start.span.clone(), "the scenario starts here"),
                        );
                        return None;
                    }
                    Some(t)
                })
            };
            let range = match (&h.scheduled, &h.from, &h.to) {
                (Some(_), None, None) => {
                    when(self, &h.scheduled, "history time").map(|t| (t, t, true))
                }
                (None, Some(_), Some(_)) => {
                    let (a, z) = (
                        when(self, &h.from, "history start"),
                        when(self, &h.to, "history end"),
                    );
                    match (a, z, &h.from, &h.to) {
                        (Some(a), Some(z), Some(fa), Some(tz)) if z < a => {
                            self.inverted(
                                fa.span.clone(),
                                tz.span.clone(),
                                "history range",
                                "from",
                                "to",
                            );
                            None
                        }
                        (Some(a), Some(z), ..) => Some((a, z, false)),
                        _ => None,
                    }
                }
                _ => {
                    self.err(
                        Diagnostic::new(
                            h.span.clone(),
                            "[[scenario.history]] needs `scheduled`, or `from` and `to`",
                            "expected one scheduled time, or a range of them",
                        )
                        .help("`from`/`to` cover every scheduled time of the task's schedule in the range, both ends included"),
                    );
                    None
                }
            };
            let Some((from, to, single)) = range else {
                continue;
            };
            let state = h.state.value;
            let writes_landed = h
                .writes_landed
                .as_ref()
                .map_or(state == HistoryState::Succeeded, |w| w.value);
            out.extend(ids.into_iter().map(|task| HistoryRun {
                task,
                from,
                to,
                single,
                state,
                writes_landed,
            }));
        }
        out
    }

    /// `groups` of a backfill: at least 1, except DolphinScheduler's parallel mode
    /// without a parallelism (`groups = 0`: one chain per date, 3.1.9 and 3.2.2
    /// `createComplementCommandList`). 3.3 has no such mode: its validator unboxes a
    /// null `expectedParallelismNumber` and 0 reaches `Lists.partition(list, 0)`,
    /// which throws (`BackfillWorkflowExecutorDelegate`), so `chunks` refuses it.
    pub(super) fn backfill_groups(&mut self, groups: &Option<Sp<u32>>, rules: &Rules) {
        let Some(g) = groups.as_ref().filter(|g| g.value == 0) else {
            return;
        };
        if self.profile != Profile::Dolphinscheduler {
            self.at_least_one(groups, "`groups`");
        } else if rules.group_split == GroupSplit::Chunks {
            self.err(
                Diagnostic::new(
                    g.span.clone(),
                    "DolphinScheduler 3.3 refuses a parallel complement without a parallelism",
                    "expected a parallelism ≥ 1",
                )
                .help("3.3's BackfillWorkflowDTOValidator unboxes a null expectedParallelismNumber, and 0 reaches Lists.partition(list, 0), which throws; 3.1 and 3.2 read 0 as one chain per date"),
            );
        }
    }

    /// `reprocess` (Airflow only; default none).
    pub(super) fn reprocess(&mut self, b: &BackfillDoc) -> Option<Reprocess> {
        self.only_for(
            b.reprocess.as_ref().map(|r| r.span.clone()),
            "`reprocess`",
            &[Profile::Airflow],
            "dataworks and dolphinscheduler backfills always create new instances beside the runs that already happened",
        );
        (self.profile == Profile::Airflow)
            .then(|| b.reprocess.as_ref().map_or(Reprocess::Never, |r| r.value))
    }
}
