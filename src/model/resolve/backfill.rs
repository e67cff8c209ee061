//! A scenario's backfill: targets, a range or DolphinScheduler's date list, the
//! window, groups and the profile-only keys.

use super::*;
use crate::model::text::has_time;

impl Resolver<'_> {
    pub(super) fn backfill(
        &mut self,
        b: &BackfillDoc,
        model: &Model,
        tasks: &Names<TaskId>,
        workflows: &Names<WorkflowId>,
    ) -> Option<Backfill> {
        let p = self.profile;
        let rules = &model.rules;
        if b.targets.value.is_empty() {
            self.err(Diagnostic::new(
                b.targets.span.clone(),
                "a backfill needs at least one target",
                "expected workflows or \"workflow.task\" names",
            ));
        }
        let mut targets = Vec::new();
        for t in &b.targets.value {
            let target = if t.value.contains('.') {
                self.lookup(tasks, t, "task").map(Target::Task)
            } else {
                self.lookup(workflows, t, "workflow").map(Target::Workflow)
            };
            if let Some(target) = target {
                let workflow = match target {
                    Target::Workflow(w) => w,
                    Target::Task(t) => model.task(t).workflow,
                };
                if p == Profile::Airflow && !model.workflow(workflow).scheduled() {
                    self.err(Diagnostic::new(
                        t.span.clone(),
                        format!(
                            "DAG `{}` has no schedule, so a backfill has no dates to create",
                            model.workflow(workflow).name
                        ),
                        "expected a target whose workflow has a `cron`",
                    ));
                }
                targets.push(target);
            }
        }
        let bound = |r: &mut Self, v: &Sp<DateOrTimeText>, what: &str| -> Option<DateOrTime> {
            if has_time(&v.value.0) {
                if p == Profile::Dataworks {
                    r.err(
                        Diagnostic::new(
                            v.span.clone(),
                            format!("a DataWorks backfill {what} is a business date, not a time"),
                            "expected a date such as \"2025-03-01\"",
                        )
                        .help("choose the time of day with `window`"),
                    );
                    return None;
                }
                r.datetime(&v.map(|t| DateTimeText(t.0.clone())), what)
                    .map(DateOrTime::DateTime)
            } else {
                r.date(&v.map(|t| DateText(t.0.clone())), what)
                    .map(DateOrTime::Date)
            }
        };
        let from = b.from.as_ref().and_then(|v| bound(self, v, "start"));
        let to = b.to.as_ref().and_then(|v| bound(self, v, "end"));
        if let (Some(a), Some(z), Some(fa), Some(tz)) = (from, to, &b.from, &b.to)
            && z.start() < a.start()
        {
            self.inverted(
                fa.span.clone(),
                tz.span.clone(),
                "backfill range",
                "from",
                "to",
            );
        }
        let dates = b.dates.as_ref().and_then(|list| self.date_list(list));
        let (from, to) = match (&b.from, &b.to, &dates) {
            (Some(_), Some(_), None) => (from, to),
            (None, None, Some(list)) => (
                list.iter().min().copied().map(DateOrTime::DateTime),
                list.iter().max().copied().map(DateOrTime::DateTime),
            ),
            (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
                let span = b.dates.as_ref().map_or(b.span.clone(), |d| d.span.clone());
                self.err(Diagnostic::new(
                    span,
                    "a backfill takes either `from` and `to`, or `dates`, not both",
                    "expected `dates` alone",
                ));
                (None, None)
            }
            _ if b.dates.is_some() => (None, None),
            (f, _, _) => {
                let key = if f.is_none() { "from" } else { "to" };
                self.err(
                    Diagnostic::new(
                        b.span.clone(),
                        format!("[[scenario.backfill]] is missing the required key `{key}`"),
                        "`from` and `to` are required here",
                    )
                    .help("give the range with `from` and `to` (both included)"),
                );
                (None, None)
            }
        };
        self.only_for(
            b.window.as_ref().map(|w| w.span.clone()),
            "`window`",
            &[Profile::Dataworks],
            "",
        );
        let window = b.window.as_ref().and_then(|w| self.window(w));
        self.backfill_groups(&b.groups, rules);
        let reprocess = self.reprocess(b);
        let dependents = self.backfill_dependents(b);
        if p == Profile::Dataworks
            && let Some(g) = &b.groups
            && g.value > crate::rules::DATAWORKS_MAX_GROUPS
        {
            let most = crate::rules::DATAWORKS_MAX_GROUPS;
            self.err(Diagnostic::new(
                g.span.clone(),
                format!(
                    "DataWorks runs at most {most} groups of business dates in parallel, not {}",
                    g.value
                ),
                format!("expected 1 to {most}"),
            ));
        }
        self.only_for(
            b.run_immediately.as_ref().map(|v| v.span.clone()),
            "`run_immediately`",
            &[Profile::Dataworks],
            "remove it: dolphinscheduler runs backfill dates at once; airflow does not create runs whose interval has not ended",
        );
        Some(Backfill {
            at: civil::DateTime::default(),
            targets,
            downstream: b.downstream.as_ref().is_some_and(|d| d.value),
            from: from?,
            to: to?,
            dates,
            window,
            groups: b.groups.as_ref().map_or(rules.date_groups, |g| g.value),
            order: b.order.as_ref().map_or(rules.order, |o| o.value),
            run_immediately: b.run_immediately.as_ref().is_some_and(|v| v.value),
            reprocess,
            dependents,
        })
    }

    /// DolphinScheduler's complementScheduleDateList: distinct times in the order
    /// given, at most 100 (DS §1.1, `SCHEDULE_TIME_MAX_LENGTH`).
    pub(super) fn date_list(
        &mut self,
        list: &Sp<Vec<Sp<DateTimeText>>>,
    ) -> Option<Vec<civil::DateTime>> {
        self.only_for(
            Some(list.span.clone()),
            "`dates`",
            &[Profile::Dolphinscheduler],
            "give the range with `from` and `to`",
        );
        if list.value.is_empty() {
            self.err(Diagnostic::new(
                list.span.clone(),
                "`dates` is empty",
                "expected at least one schedule time",
            ));
            return None;
        }
        let parsed: Vec<Option<civil::DateTime>> = list
            .value
            .iter()
            .map(|d| self.datetime(d, "complement date"))
            .collect();
        let all: Option<Vec<civil::DateTime>> = parsed.into_iter().collect();
        match crate::model::complement_dates(all?) {
            Ok(dates) => Some(dates),
            Err(n) => {
                self.err(
                    Diagnostic::new(
                        list.span.clone(),
                        format!(
                            "DolphinScheduler takes at most {} complement dates, this list has {n} distinct ones",
                            crate::model::MAX_COMPLEMENT_DATES
                        ),
                        format!("expected at most {} dates", crate::model::MAX_COMPLEMENT_DATES),
                    )
                    .help("split the complement, or give a range with `from` and `to`"),
                );
                None
            }
        }
    }
}
