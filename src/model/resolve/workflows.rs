//! Workflows and their tasks named and numbered before any reference is followed
//! (the skeleton), and cron expressions checked in the model's dialect.

use super::*;
use crate::calendar::CronExpr;
use crate::rules::CronDialect;

impl Resolver<'_> {
    /// Workflows and tasks with names and ids, before any reference is followed.
    pub(super) fn skeleton(
        &mut self,
        doc: &Document,
        rules: &Rules,
    ) -> (Vec<Workflow>, Vec<Task>, Names<TaskId>, Names<WorkflowId>) {
        let mut workflow_names = Names::new();
        let mut task_names = Names::new();
        let mut workflows = Vec::new();
        let mut tasks = Vec::new();
        for (wi, w) in doc.workflows.iter().enumerate() {
            let wid = WorkflowId(wi as u32);
            self.name(&w.name, "workflow");
            self.declare(&mut workflow_names, &w.name, wid, "workflow");
            self.only_for(
                w.max_active_runs.as_ref().map(|v| v.span.clone()),
                "`max_active_runs`",
                &[Profile::Airflow],
                "",
            );
            self.only_for(
                w.max_active_tasks.as_ref().map(|v| v.span.clone()),
                "`max_active_tasks`",
                &[Profile::Airflow],
                "",
            );
            self.at_least_one(&w.max_active_runs, "`max_active_runs`");
            self.at_least_one(&w.max_active_tasks, "`max_active_tasks`");
            self.only_for(
                w.failure_strategy.as_ref().map(|v| v.span.clone()),
                "`failure_strategy`",
                &[Profile::Dolphinscheduler],
                "other profiles take it from the `failure_strategy` rule knob in [rules]",
            );
            self.only_for(
                w.priority.as_ref().map(|v| v.span.clone()),
                "`priority`",
                &[Profile::Dolphinscheduler],
                match self.profile {
                    Profile::Airflow => "a workflow priority is a dolphinscheduler setting; airflow tasks take `priority_weight` (an integer, higher runs first)",
                    _ => "a workflow priority is a dolphinscheduler setting; set `priority` on tasks instead: 1, 3, 5, 7 or 8 (higher runs first)",
                },
            );
            if let Some(p) = &w.priority
                && p.value > 4
            {
                self.err(Diagnostic::new(
                    p.span.clone(),
                    format!("workflow priority {} is out of range", p.value),
                    "expected 0 (HIGHEST) to 4 (LOWEST)",
                ));
            }
            for c in w.cron.iter().flat_map(|c| c.each()) {
                self.cron(&Some(c.clone()), rules.cron_dialect);
            }
            let timetable = crate::model::timetable::resolve(w, self.profile, rules, self.diags);
            if w.tasks.is_empty() {
                self.err(Diagnostic::new(
                    w.name.span.clone(),
                    format!("workflow `{}` has no tasks", w.name.value),
                    "expected at least one [[workflow.task]]",
                ));
            }
            let mut ids = Vec::new();
            let mut local = Names::new();
            for t in &w.tasks {
                self.name(&t.name, "task");
                let id = TaskId(tasks.len() as u32);
                self.declare(&mut local, &t.name, id, "task");
                let qualified = format!("{}.{}", w.name.value, t.name.value);
                task_names
                    .entry(qualified.clone())
                    .or_insert((id, t.name.span.clone()));
                ids.push(id);
                tasks.push(Task {
                    name: qualified,
                    workflow: wid,
                    cron: t.cron.as_ref().map(|c| c.value.clone()),
                    upstream: Vec::new(),
                    group: GroupId(0),
                    task_group: None,
                    pool_slots: 1,
                    priority: 0,
                    self_dependency: false,
                    empty: false,
                    effective: None,
                    duration: DurationDist::Fixed(DEFAULT_DURATION),
                    retry: Retry {
                        times: 0,
                        interval: 0,
                        backoff: rules.backoff,
                        max_interval: None,
                    },
                    timeout: None,
                    fail: None,
                    writes: Vec::new(),
                    depends: None,
                });
            }
            workflows.push(Workflow {
                name: w.name.value.clone(),
                cron: w
                    .cron
                    .as_ref()
                    .and_then(|c| c.each().first().map(|c| c.value.clone())),
                tasks: ids,
                max_active_runs: w.max_active_runs.as_ref().map(|v| v.value),
                max_active_tasks: w.max_active_tasks.as_ref().map(|v| v.value),
                failure_strategy: w
                    .failure_strategy
                    .as_ref()
                    .map_or(rules.failure_strategy, |f| f.value),
                priority: w.priority.as_ref().map_or(2, |p| p.value),
                timetable,
            });
        }
        (workflows, tasks, task_names, workflow_names)
    }

    /// A cron expression in the model's dialect (knob `cron_dialect`).
    pub(super) fn cron(&mut self, cron: &Option<Sp<String>>, dialect: CronDialect) {
        let Some(c) = cron else { return };
        if self.crons.contains(c.value.as_str()) {
            return;
        }
        let Err(e) = CronExpr::parse(&c.value, dialect) else {
            self.crons.insert(c.value.clone());
            return;
        };
        // Inside a plain "..." string the expression starts one byte after the quote.
        let span = if c.span.len() == c.value.len() + 2 {
            c.span.start + 1 + e.range.start..c.span.start + 1 + e.range.end.max(e.range.start + 1)
        } else {
            c.span.clone()
        };
        let dialect_doc = match dialect {
            CronDialect::Dataworks => {
                "DataWorks cron: `ss mm hh dom month dow`, seconds 00, 1 = Monday … 7 = Sunday"
            }
            CronDialect::Quartz => {
                "Quartz cron: `s m h dom month dow [year]`, 1 = Sunday, one day field `?`"
            }
            CronDialect::Unix => {
                "Unix cron: `m h dom month dow` or a preset such as @daily; 0 or 7 = Sunday"
            }
        };
        self.err(
            Diagnostic::new(
                span,
                format!("invalid cron expression: {}", e.message),
                e.expected,
            )
            .help(dialect_doc),
        );
    }
}
