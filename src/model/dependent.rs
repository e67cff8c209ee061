//! DolphinScheduler DEPENDENT tasks (`[[workflow.task.depends]]`) and a backfill's
//! `dependents`/`all_levels` (complementDependentMode = ALL_DEPENDENT, issue 13). A
//! child of the resolver, for its diagnostics.

use super::*;
use crate::calendar::dependent::{Cycle, DateValue, Relation};

const HELP: &str = "DEPENDENT tasks are DolphinScheduler's; elsewhere a task on another workflow is `upstream = [\"workflow.task\"]`";

impl Resolver<'_> {
    /// Every task's DEPENDENT items, once all tasks and workflows are known.
    pub(super) fn dependents(
        &mut self,
        doc: &Document,
        tasks: &mut [Task],
        workflows: &Names<WorkflowId>,
        rules: &Rules,
    ) {
        let mut id = 0usize;
        for w in &doc.workflows {
            for t in &w.tasks {
                tasks[id].depends = self.depends(t, tasks, workflows, rules);
                id += 1;
            }
        }
    }

    fn depends(
        &mut self,
        t: &TaskDoc,
        tasks: &[Task],
        workflows: &Names<WorkflowId>,
        rules: &Rules,
    ) -> Option<Box<Dependent>> {
        // Without items, `depends_relation` and `check_interval` do nothing: a
        // warning of `validate` (model::advice) says so.
        let list = t.depends.as_ref()?;
        if self.profile != Profile::Dolphinscheduler {
            let span = list.first().map_or(t.name.span.clone(), |d| d.span.clone());
            self.only_for(
                Some(span),
                "`depends` (a DEPENDENT task)",
                &[Profile::Dolphinscheduler],
                HELP,
            );
            return None;
        }
        if list.is_empty() {
            self.err(Diagnostic::new(
                t.name.span.clone(),
                format!("task `{}` has an empty `depends`", t.name.value),
                "expected at least one [[workflow.task.depends]] item",
            ));
            return None;
        }
        let refuse = |r: &mut Self, present: bool, key: &str, why: &str| {
            if present {
                r.err(
                    Diagnostic::new(
                        t.name.span.clone(),
                        format!(
                            "task `{}` is a DEPENDENT task and sets `{key}`",
                            t.name.value
                        ),
                        format!("expected no `{key}` on a task with `depends`"),
                    )
                    .help(why.to_string()),
                );
            }
        };
        refuse(
            self,
            t.duration.is_some(),
            "duration",
            "a DEPENDENT task runs until its items decide (checked every `check_interval`), not for a duration",
        );
        refuse(
            self,
            t.fail.is_some(),
            "fail",
            "a DEPENDENT task fails when its items say FAILED; fail its upstream instead",
        );
        refuse(
            self,
            t.writes.is_some(),
            "writes",
            "a DEPENDENT task runs on the master and writes nothing",
        );
        refuse(
            self,
            t.task_group.is_some(),
            "task_group",
            "schedsim does not model task groups on DEPENDENT tasks (they take no worker slot)",
        );
        let mut items = Vec::new();
        for d in list {
            let Some(wf) = self.lookup(workflows, &d.workflow, "workflow") else {
                continue;
            };
            let what = match &d.task {
                None => DependOn::Workflow,
                Some(n) if n.value == "ALL" => DependOn::All,
                Some(n) => {
                    let prefix = format!("{}.", d.workflow.value);
                    let local: Names<TaskId> = tasks
                        .iter()
                        .enumerate()
                        .filter(|(_, x)| x.workflow == wf)
                        .map(|(i, x)| {
                            let short = x.name.strip_prefix(&prefix).unwrap_or(&x.name).to_string();
                            (short, (TaskId(i as u32), 0..0))
                        })
                        .collect();
                    if let Some((id, _)) = local.get(&n.value) {
                        DependOn::Task(*id)
                    } else {
                        let mut diag = Diagnostic::new(
                            n.span.clone(),
                            format!("workflow `{}` has no task `{}`", d.workflow.value, n.value),
                            format!(
                                "expected one of its tasks ({}), or \"ALL\"",
                                one_of(local.keys().map(String::as_str))
                            ),
                        );
                        if let Some(near) = did_you_mean(&n.value, local.keys().map(String::as_str))
                        {
                            diag = diag.help(format!("did you mean `{near}`?"));
                        }
                        self.err(diag);
                        continue;
                    }
                }
            };
            items.push(DependItem {
                workflow: wf,
                what,
                cycle: d.cycle.as_ref().map_or(Cycle::Day, |c| c.value),
                date_value: d.date_value.as_ref().map_or(DateValue::Today, |v| v.value),
            });
        }
        let check_interval = match &t.check_interval {
            Some(c) => self.duration(c, "`check_interval`")?,
            None => u64::from(rules.dependent_check_interval.max(1)),
        };
        Some(Box::new(Dependent {
            items,
            relation: t
                .depends_relation
                .as_ref()
                .map_or(Relation::And, |r| r.value),
            check_interval,
        }))
    }

    /// A backfill's `dependents` and `all_levels` (dolphinscheduler only).
    pub(super) fn backfill_dependents(&mut self, b: &BackfillDoc) -> Option<bool> {
        for v in [&b.dependents, &b.all_levels].into_iter().flatten() {
            self.only_for(
                Some(v.span.clone()),
                "`dependents` and `all_levels` (complementDependentMode)",
                &[Profile::Dolphinscheduler],
                "a complement of dependent workflows is DolphinScheduler's; elsewhere list the downstream workflows as targets, or set `downstream = true`",
            );
        }
        // `all_levels` without `dependents` does nothing: a warning (model::advice).
        let dependents = b.dependents.as_ref().is_some_and(|v| v.value);
        dependents.then(|| b.all_levels.as_ref().is_some_and(|v| v.value))
    }
}
