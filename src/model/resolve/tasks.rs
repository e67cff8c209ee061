//! One task's keys: upstreams, resources, priority, effective period, duration,
//! retry, timeout, random failure and writes.

use super::*;
use crate::calendar::params;
use crate::rules::Backoff;

impl Resolver<'_> {
    /// `empty = true` (airflow, dataworks): Airflow's scheduler sets a trivial
    /// EmptyOperator's instance success without queueing it (`DagRun.schedule_tis`),
    /// DataWorks a dry-run node's (VIRTUAL, recurrence Skip) at its time; the execution
    /// keys beside it, which never act, are warned of (`advice`).
    fn empty(&mut self, t: &TaskDoc, task: &mut Task) {
        let Some(e) = &t.empty else { return };
        let profiles = [Profile::Airflow, Profile::Dataworks];
        self.only_for(Some(e.span.clone()), "`empty`", &profiles, "");
        task.empty = e.value && profiles.contains(&self.profile);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn task(
        &mut self,
        t: &TaskDoc,
        w: &WorkflowDoc,
        task: &mut Task,
        rules: &Rules,
        groups: &Names<GroupId>,
        tasks: &Names<TaskId>,
        edges: &mut Vec<(TaskId, TaskId, Range<usize>)>,
        id: TaskId,
    ) -> Option<GroupId> {
        let p = self.profile;
        self.only_for(
            t.cron.as_ref().map(|c| c.span.clone()),
            "a task's `cron`",
            &[Profile::Dataworks],
            &format!(
                "in {p} every task follows its workflow's `cron`: move it to the [[workflow]]"
            ),
        );
        self.cron(&t.cron, rules.cron_dialect);
        if p == Profile::Dataworks && t.cron.is_none() && w.cron.is_none() {
            self.err(
                Diagnostic::new(
                    t.name.span.clone(),
                    format!("task `{}` has no schedule", task.name),
                    "expected a `cron` on the task or on its workflow",
                )
                .help("every DataWorks node has a schedule, for example cron = \"00 00 02 * * ?\""),
            );
        }

        // Upstreams: "task" in the same workflow, "workflow.task" elsewhere.
        let mut seen: Vec<TaskId> = Vec::new();
        for u in t.upstream.iter().flatten() {
            let qualified = if u.value.contains('.') {
                u.clone()
            } else {
                u.map(|n| format!("{}.{n}", w.name.value))
            };
            let own = format!("{}.{}", w.name.value, t.name.value);
            let Some(up) = self.lookup_except(tasks, &qualified, "upstream task", Some(&own))
            else {
                continue;
            };
            if seen.contains(&up) {
                self.err(Diagnostic::new(
                    u.span.clone(),
                    format!("upstream `{}` is listed twice", u.value),
                    "expected each upstream once",
                ));
                continue;
            }
            seen.push(up);
            edges.push((up, id, u.span.clone()));
        }

        // Resources.
        let group = t.resource_group.as_ref().and_then(|g| {
            if g.value == "default" && !groups.contains_key("default") {
                None
            } else {
                self.lookup(groups, g, "resource group")
            }
        });
        self.only_for(
            t.task_group.as_ref().map(|v| v.span.clone()),
            "`task_group`",
            &[Profile::Dolphinscheduler],
            "",
        );
        task.task_group = t
            .task_group
            .as_ref()
            .and_then(|g| self.lookup(groups, g, "resource group"));
        // One group as both limits would need two of its slots per execution (a
        // one-slot group could never run the task): DolphinScheduler's task groups
        // and worker groups are separate things.
        let own = t
            .resource_group
            .as_ref()
            .map_or("default", |g| g.value.as_str());
        if let Some(tg) = &t.task_group
            && tg.value == own
        {
            self.err(
                Diagnostic::new(
                    tg.span.clone(),
                    format!("`task_group` `{own}` is also this task's resource group"),
                    "expected a task group other than the task's resource group",
                )
                .help("DolphinScheduler's task groups are separate from worker groups: declare a [[resource_group]] used only as the task group"),
            );
        }
        self.only_for(
            t.pool_slots.as_ref().map(|v| v.span.clone()),
            "`pool_slots`",
            &[Profile::Airflow],
            "",
        );
        self.at_least_one(&t.pool_slots, "`pool_slots`");
        task.pool_slots = t.pool_slots.as_ref().map_or(1, |v| v.value);

        // Priority.
        self.only_for(
            t.priority_weight.as_ref().map(|v| v.span.clone()),
            "`priority_weight`",
            &[Profile::Airflow],
            match p {
                Profile::Dolphinscheduler => {
                    "dolphinscheduler tasks take `priority`: 0 (HIGHEST) to 4 (LOWEST)"
                }
                _ => "dataworks tasks take `priority`: 1, 3, 5, 7 or 8 (higher runs first)",
            },
        );
        self.only_for(
            t.priority.as_ref().map(|v| v.span.clone()),
            "`priority`",
            &[Profile::Dataworks, Profile::Dolphinscheduler],
            "airflow tasks take `priority_weight`",
        );
        task.priority = match p {
            Profile::Dataworks => self.priority(
                &t.priority,
                &[1, 3, 5, 7, 8],
                1,
                "1, 3, 5, 7 or 8 (higher runs first)",
            ),
            Profile::Dolphinscheduler => self.priority(
                &t.priority,
                &[0, 1, 2, 3, 4],
                2,
                "0 (HIGHEST) to 4 (LOWEST)",
            ),
            Profile::Airflow => t.priority_weight.as_ref().map_or(1, |v| v.value),
        };

        task.self_dependency = t.self_dependency.as_ref().is_some_and(|v| v.value);
        self.empty(t, task);

        if let Some(e) = &t.effective {
            let from = self.date(&e.from, "effective start");
            let to = self.date(&e.to, "effective end");
            if let (Some(a), Some(b)) = (from, to) {
                if b < a {
                    self.inverted(
                        e.from.span.clone(),
                        e.to.span.clone(),
                        "effective period",
                        "from",
                        "to",
                    );
                }
                task.effective = Some((a, b));
            }
        }

        if let Some(d) = &t.duration {
            task.duration = self.duration_dist(d).unwrap_or(task.duration);
        }
        if let Some(r) = &t.retry {
            task.retry = self.retry(r, rules);
        }
        if let Some(timeout) = &t.timeout {
            task.timeout = self.duration(timeout, "timeout");
            if p == Profile::Dataworks
                && let Some(s) = task.timeout
                && !(60..=168 * 3600).contains(&s)
            {
                self.err(Diagnostic::new(
                    timeout.span.clone(),
                    "a DataWorks timeout is between 1 minute and 168 hours",
                    "expected a timeout from \"1m\" to \"168h\"",
                ));
            }
        }
        if let Some(f) = &t.fail {
            let probability = self.share(&f.probability, "`probability`");
            let after_write = f
                .after_write
                .as_ref()
                .map_or(0.0, |a| self.share(a, "`after_write`"));
            task.fail = Some(RandomFailure {
                probability,
                after_write,
            });
        }
        for wr in t.writes.iter().flatten() {
            for (v, what) in std::iter::once((&wr.table, "table"))
                .chain(wr.partition.as_ref().map(|p| (p, "partition")))
            {
                if v.value.trim().is_empty() {
                    self.err(Diagnostic::new(
                        v.span.clone(),
                        format!("the {what} of a write is empty"),
                        format!("expected a {what} name"),
                    ));
                }
            }
            if let Some(partition) = wr.partition.as_ref().filter(|p| !p.value.trim().is_empty())
                && let Err(e) = params::evaluate(
                    &partition.value,
                    params::Flavor::of(rules),
                    &params::Context::example(),
                )
            {
                self.err(
                    Diagnostic::new(
                        partition.span.clone(),
                        format!("invalid partition expression: {e}"),
                        "expected the profile's scheduling parameters",
                    )
                    .help(match params::Flavor::of(rules) {
                        params::Flavor::Dataworks => "DataWorks: ${bizdate}, ${yyyymmdd-1}, $[yyyymmddhh24miss], $[hh24-1/24], $[add_months(yyyymmdd,-1)], $bizdate, $bizmonth, $cyctime, $gmtdate",
                        params::Flavor::Dolphinscheduler => "DolphinScheduler: $[yyyyMMdd-1], ${system.biz.date}, ${system.biz.curdate}, ${system.datetime}, ${schedule_time}",
                        params::Flavor::Airflow => "Airflow: {{ ds }}, {{ ds_nodash }}, {{ ts }}, {{ data_interval_start }}, {{ data_interval_end }}",
                    }),
                );
            }
            task.writes.push(Write {
                table: wr.table.value.clone(),
                partition: wr.partition.as_ref().map(|p| p.value.clone()),
                mode: wr.mode.value,
            });
        }
        if group.is_none()
            && t.resource_group
                .as_ref()
                .is_some_and(|g| g.value != "default")
        {
            // Unknown group, already reported: keep the task on the default group.
            return None;
        }
        group
    }

    pub(super) fn priority(
        &mut self,
        v: &Option<Sp<u32>>,
        allowed: &[u32],
        default: u32,
        expected: &str,
    ) -> i64 {
        let Some(v) = v else { return default.into() };
        if !allowed.contains(&v.value) {
            self.err(Diagnostic::new(
                v.span.clone(),
                format!("priority {} is not one this profile has", v.value),
                format!("expected {expected}"),
            ));
        }
        v.value.into()
    }

    pub(super) fn duration_dist(&mut self, d: &DurationDoc) -> Option<DurationDist> {
        match d {
            DurationDoc::Fixed(t) => self.duration(t, "duration").map(DurationDist::Fixed),
            DurationDoc::Uniform { uniform } => {
                let [lo, hi] = uniform.value.as_slice() else {
                    self.err(Diagnostic::new(
                        uniform.span.clone(),
                        format!("`uniform` takes 2 durations, found {}", uniform.value.len()),
                        "expected [low, high], such as [\"5m\", \"15m\"]",
                    ));
                    return None;
                };
                let (a, b) = (
                    self.duration(lo, "duration")?,
                    self.duration(hi, "duration")?,
                );
                if b < a {
                    self.inverted(
                        lo.span.clone(),
                        hi.span.clone(),
                        "uniform duration",
                        "low",
                        "high",
                    );
                }
                Some(DurationDist::Uniform(a, b))
            }
            DurationDoc::Lognormal { lognormal } => {
                let median = self.duration(&lognormal.median, "median")?;
                let p95 = self.duration(&lognormal.p95, "p95")?;
                if p95 < median {
                    self.inverted(
                        lognormal.median.span.clone(),
                        lognormal.p95.span.clone(),
                        "lognormal duration",
                        "median",
                        "p95",
                    );
                }
                Some(DurationDist::Lognormal { median, p95 })
            }
        }
    }

    pub(super) fn retry(&mut self, r: &RetryDoc, rules: &Rules) -> Retry {
        let p = self.profile;
        // Each profile's default interval: DW §7 (2 minutes), DS §2 (1 minute), AF §3 (300 s).
        let default_interval = match p {
            Profile::Dataworks => 120,
            Profile::Dolphinscheduler => 60,
            Profile::Airflow => 300,
        };
        let interval = r
            .interval
            .as_ref()
            .map_or(Some(default_interval), |i| {
                self.duration(i, "retry interval")
            })
            .unwrap_or(default_interval);
        if p == Profile::Dataworks {
            if r.times.value > 10 {
                self.err(Diagnostic::new(
                    r.times.span.clone(),
                    format!(
                        "DataWorks reruns a failed instance at most 10 times, not {}",
                        r.times.value
                    ),
                    "expected 0 to 10",
                ));
            }
            if let Some(i) = &r.interval
                && !(60..=1800).contains(&interval)
            {
                self.err(Diagnostic::new(
                    i.span.clone(),
                    "a DataWorks rerun interval is between 1 and 30 minutes",
                    "expected \"1m\" to \"30m\"",
                ));
            }
        }
        // Neither engine has a smaller bound than its storage: DolphinScheduler's
        // `failRetryTimes` is a Java `int` (the UI's field only has `min: 0`), and
        // Airflow keeps `retries` in `task_instance.max_tries`, an SQL INTEGER. Larger
        // counts are stopped by the run's execution budget (`--max-executions`).
        let stored_in = match p {
            Profile::Dolphinscheduler => Some("DolphinScheduler's failRetryTimes, a Java int"),
            Profile::Airflow => Some("Airflow's task_instance.max_tries, an SQL INTEGER"),
            Profile::Dataworks => None,
        };
        if let Some(stored_in) = stored_in
            && r.times.value > i32::MAX as u32
        {
            self.err(Diagnostic::new(
                r.times.span.clone(),
                format!("{} retries do not fit in {stored_in}", r.times.value),
                format!("expected 0 to {}", i32::MAX),
            ));
        }
        if p == Profile::Dolphinscheduler
            && let Some(i) = &r.interval
            && !interval.is_multiple_of(60)
        {
            self.err(Diagnostic::new(
                i.span.clone(),
                "a DolphinScheduler retry interval is a whole number of minutes",
                "expected minutes, such as \"5m\"",
            ));
        }
        let backoff = r.backoff.as_ref().map_or(rules.backoff, |b| b.value);
        let max_interval = r
            .max_interval
            .as_ref()
            .and_then(|m| self.duration(m, "max_interval").map(|s| (m, s)));
        // A cap below the interval is legal in Airflow (the cap wins, AF §3); the
        // retry-bound property reports the retries it brings closer.
        if let Some((m, _)) = max_interval
            && backoff != Backoff::Exponential
        {
            self.err(Diagnostic::new(
                m.span.clone(),
                "`max_interval` caps an exponential backoff, but this retry's backoff is fixed",
                "expected `backoff = \"exponential\"` beside it",
            ));
        }
        Retry {
            times: r.times.value,
            interval,
            backoff,
            max_interval: max_interval.map(|(_, s)| s),
        }
    }
}
