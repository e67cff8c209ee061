//! DolphinScheduler DEPENDENT tasks (`[[workflow.task.depends]]`) and a backfill's
//! `dependents`/`all_levels` (complementDependentMode = ALL_DEPENDENT, issue 13). A
//! child of the resolver, for its diagnostics.

use super::*;
use crate::calendar::dependent::{Cycle, DateValue, Relation};
use crate::rules::DependentExecute;

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
        let groups = t.depends_groups.as_deref();
        let mut items = Vec::new();
        for d in list {
            let Some(group) = self.item_group(t, d, groups) else {
                continue;
            };
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
                    } else if self.doubts.task(&format!("{prefix}{}", n.value)) {
                        // An error above left this task out: that one is the problem.
                        continue;
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
                group,
            });
        }
        let relation = t
            .depends_relation
            .as_ref()
            .map_or(Relation::And, |r| r.value);
        let groups = match groups {
            None => vec![relation],
            Some(g) => {
                self.groups_have_items(t, g, list)?;
                g.iter().map(|r| r.value).collect()
            }
        };
        let check_interval = match &t.check_interval {
            Some(c) => self.duration(c, "`check_interval`")?,
            // At least 1: a model's `[rules]` refuses 0, and every preset is above.
            None => u64::from(rules.dependent_check_interval),
        };
        let failure_waiting = match &t.failure_waiting {
            Some(w) if rules.dependent_execute == DependentExecute::Classic => {
                self.err(
                    Diagnostic::new(
                        w.span.clone(),
                        format!(
                            "task `{}` sets `failure_waiting`, which 3.1.9's DEPENDENT task does not have",
                            t.name.value
                        ),
                        "profile_version \"3.2\" or later (dependent_execute = \"task_aware\"), or no `failure_waiting`",
                    )
                    .help("failurePolicy = DEPENDENT_FAILURE_WAITING came in 3.2: 3.1.9's DependentParameters has no such field, and this model's DEPENDENT tasks are 3.1.9's (dependent_execute = \"classic\", the preset of profile_version 3.1)"),
                );
                return None;
            }
            Some(w) => Some(self.duration(w, "`failure_waiting`")?),
            None => None,
        };
        Some(Box::new(Dependent {
            items,
            relation,
            groups,
            check_interval,
            failure_waiting,
        }))
    }

    /// The group of item `d` (from 0): named by `group` when the task has
    /// `depends_groups`; without them, the one group (`group = 1`, or no `group`).
    fn item_group(
        &mut self,
        t: &TaskDoc,
        d: &DependsDoc,
        groups: Option<&[Sp<Relation>]>,
    ) -> Option<u32> {
        let task = &t.name.value;
        match (groups, &d.group) {
            (None, None) => Some(0),
            (None, Some(g)) if g.value == 1 => Some(0),
            (None, Some(g)) => {
                self.err(
                    Diagnostic::new(
                        g.span.clone(),
                        format!("this item of task `{task}` names group {}, and the task has one group (no `depends_groups`)", g.value),
                        "`depends_groups` on the task, one relation per group, or `group = 1`",
                    )
                    .help("depends_groups = [\"and\", \"or\"] makes two groups (DolphinScheduler's dependTaskList); each item says its group with group = 1 or 2"),
                );
                None
            }
            (Some(gs), None) => {
                self.err(Diagnostic::new(
                    d.span.clone(),
                    format!("this item of task `{task}` names no `group`, and the task has {} `depends_groups`", gs.len()),
                    format!("`group = 1` to `group = {}`", gs.len()),
                ));
                None
            }
            (Some(gs), Some(g)) if g.value == 0 || g.value as usize > gs.len() => {
                self.err(Diagnostic::new(
                    g.span.clone(),
                    format!(
                        "task `{task}` has no group {} (it has {} `depends_groups`)",
                        g.value,
                        gs.len()
                    ),
                    format!("a group from 1 to {}", gs.len()),
                ));
                None
            }
            (Some(_), Some(g)) => Some(g.value - 1),
        }
    }

    /// Each of the task's `depends_groups` has an item, and there are at most
    /// [`MAX_DEPENDENT_GROUPS`].
    fn groups_have_items(
        &mut self,
        t: &TaskDoc,
        groups: &[Sp<Relation>],
        items: &[DependsDoc],
    ) -> Option<()> {
        let task = &t.name.value;
        if groups.is_empty() {
            self.err(Diagnostic::new(
                t.name.span.clone(),
                format!("task `{task}` has an empty `depends_groups`"),
                "one relation per group, or no `depends_groups` (one group of every item)",
            ));
            return None;
        }
        if groups.len() > MAX_DEPENDENT_GROUPS {
            self.err(Diagnostic::new(
                groups[MAX_DEPENDENT_GROUPS].span.clone(),
                format!("task `{task}` has {} `depends_groups`", groups.len()),
                format!("at most {MAX_DEPENDENT_GROUPS} groups"),
            ));
            return None;
        }
        let mut ok = true;
        for (k, g) in groups.iter().enumerate() {
            let named = items
                .iter()
                .any(|d| d.group.as_ref().is_some_and(|n| n.value as usize == k + 1));
            if !named {
                self.err(Diagnostic::new(
                    g.span.clone(),
                    format!("group {} of task `{task}` has no item", k + 1),
                    format!("an item with `group = {}`, or one group fewer", k + 1),
                ));
                ok = false;
            }
        }
        ok.then_some(())
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
