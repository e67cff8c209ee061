//! From document to [`Model`]: values, names, profile-only keys and the dependency
//! graph, each problem reported where it was written.

use std::collections::BTreeMap;
use std::ops::Range;

use petgraph::graphmap::DiGraphMap;

use super::diagnostic::{Diagnostic, did_you_mean, one_of};
use super::doc::*;
use super::span::Sp;
use super::text::{has_time, parse_date, parse_datetime, parse_duration, parse_window, tzdb};
use super::*;
use crate::calendar::{CronExpr, params};
use crate::keyword::Keyword;
use crate::rules::{Backoff, CronDialect, DsVersion, GroupSplit, Profile, Rules};

#[path = "dependent.rs"]
mod dependent;
#[path = "history.rs"]
mod history;

/// Builds the model. Problems go to `diags`; the model returned alongside problems has
/// placeholders where values were wrong and must not be used.
pub(super) fn resolve(
    doc: &Document,
    doubts: &super::names::Doubts,
    diags: &mut Vec<Diagnostic>,
) -> Model {
    let mut r = Resolver {
        diags,
        profile: doc.model.profile.value,
        doubts,
    };
    r.model(doc)
}

struct Resolver<'d> {
    diags: &'d mut Vec<Diagnostic>,
    profile: Profile,
    /// Names an earlier error leaves in doubt: not reported as unknown too.
    doubts: &'d super::names::Doubts,
}

/// Where a name was declared, for "defined twice" and "did you mean".
type Names<T> = BTreeMap<String, (T, Range<usize>)>;

impl Resolver<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// A key that only some profiles have.
    fn only_for(
        &mut self,
        span: Option<Range<usize>>,
        key: &str,
        profiles: &[Profile],
        help: &str,
    ) {
        let Some(span) = span else { return };
        let Some(message) = super::only_for_message(key, profiles, self.profile) else {
            return;
        };
        let mut d = Diagnostic::new(
            span,
            message,
            format!("not allowed with profile `{}`", self.profile),
        );
        if !help.is_empty() {
            d = d.help(help);
        }
        self.err(d);
    }

    fn name(&mut self, name: &Sp<String>, what: &str) {
        let n = name.value.as_str();
        let Some(problem) = super::names::problem(n) else {
            return;
        };
        let mut d = Diagnostic::new(
            name.span.clone(),
            format!("the {what} name `{n}` {problem}"),
            "expected a name of letters, digits, `_` or `-`",
        );
        let fixed = super::names::mapped(n);
        if !fixed.is_empty() {
            d = d.help(format!(
                "write `{fixed}` here and where it is named (`schedsim import` names it so)"
            ));
        }
        self.err(d);
    }

    fn declare<T: Copy>(&mut self, names: &mut Names<T>, name: &Sp<String>, id: T, what: &str) {
        if let Some((_, first)) = names.get(&name.value) {
            let first = first.clone();
            self.err(
                Diagnostic::new(
                    name.span.clone(),
                    format!("the {what} `{}` is defined twice", name.value),
                    "expected a name not used before",
                )
                .related(first, "first defined here"),
            );
        } else {
            names.insert(name.value.clone(), (id, name.span.clone()));
        }
    }

    fn lookup<T: Copy>(&mut self, names: &Names<T>, r: &Sp<String>, what: &str) -> Option<T> {
        self.lookup_except(names, r, what, None)
    }

    /// [`Self::lookup`], never suggesting `except` (a task is no upstream of itself).
    fn lookup_except<T: Copy>(
        &mut self,
        names: &Names<T>,
        r: &Sp<String>,
        what: &str,
        except: Option<&str>,
    ) -> Option<T> {
        if let Some((id, _)) = names.get(&r.value) {
            return Some(*id);
        }
        let doubt = match what {
            "resource group" => self.doubts.group(&r.value),
            "workflow" => self.doubts.workflow(&r.value),
            "task" | "upstream task" => self.doubts.task(&r.value),
            _ => false,
        };
        if doubt {
            // An error above left out what this may name: that one is the problem.
            return None;
        }
        let candidates = || {
            names
                .keys()
                .map(String::as_str)
                .filter(move |k| Some(*k) != except)
        };
        let mut d = Diagnostic::new(
            r.span.clone(),
            format!("unknown {what} `{}`", r.value),
            format!(
                "expected the name of {} {what}",
                if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                }
            ),
        );
        let known = candidates().count();
        if let Some(near) = did_you_mean(&r.value, candidates()) {
            d = d.help(format!("did you mean `{near}`?"));
        } else if known > 0 && known <= 8 {
            d = d.help(format!("known: {}", one_of(candidates())));
        } else if known == 0 && except.is_some() {
            d = d.help(format!("there is no other {what}: remove this entry"));
        }
        self.err(d);
        None
    }

    fn duration(&mut self, text: &Sp<DurationText>, what: &str) -> Option<Seconds> {
        match parse_duration(&text.value.0) {
            Ok(0) => {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!("{what} must be positive"),
                    "expected a duration longer than zero",
                ));
                None
            }
            Ok(s) if s > crate::calendar::CALENDAR_SECONDS => {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!(
                        "{what} `{}` is longer than the calendar ({} days, years -9999 to 9999)",
                        text.value.0,
                        crate::calendar::CALENDAR_SECONDS / 86_400
                    ),
                    "expected a duration that ends before 9999-12-31",
                ));
                None
            }
            Ok(s) => Some(s),
            Err(e) => {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!("invalid {what}: {e}"),
                    "expected a duration such as \"90s\", \"10m\", \"2h\", \"1d\" or \"1h30m\"",
                ));
                None
            }
        }
    }

    fn date(&mut self, text: &Sp<DateText>, what: &str) -> Option<civil::Date> {
        parse_date(&text.value.0)
            .map_err(|e| {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!("invalid {what}: {e}"),
                    "expected a date such as \"2025-03-01\"",
                ))
            })
            .ok()
    }

    fn datetime(&mut self, text: &Sp<DateTimeText>, what: &str) -> Option<civil::DateTime> {
        parse_datetime(&text.value.0)
            .map_err(|e| {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!("invalid {what}: {e}"),
                    "expected a local date-time such as \"2025-03-01T02:00:00\"",
                ))
            })
            .ok()
    }

    fn inverted(&mut self, from: Range<usize>, to: Range<usize>, what: &str, a: &str, b: &str) {
        self.err(
            Diagnostic::new(
                to,
                format!("inverted {what}: `{b}` comes before `{a}`"),
                format!("expected a value not before {a}"),
            )
            .related(from, format!("{a} is here")),
        );
    }

    fn at_least_one(&mut self, v: &Option<Sp<u32>>, what: &str) {
        if let Some(v) = v
            && v.value == 0
        {
            self.err(Diagnostic::new(
                v.span.clone(),
                format!("{what} must be at least 1"),
                "expected a whole number ≥ 1",
            ));
        }
    }

    fn model(&mut self, doc: &Document) -> Model {
        let ds_version = self.ds_version(&doc.model);
        let (timezone, timezone_name) = self.timezone(&doc.model);
        let rules = self.rules(doc, ds_version);
        let (mut groups, group_names) = self.groups(doc);
        let (workflows, mut tasks, task_names, workflow_names) = self.skeleton(doc, &rules);

        let default_group = GroupId(groups.len() as u32);
        let mut uses_default = false;
        let mut edges: Vec<(TaskId, TaskId, Range<usize>)> = Vec::new();
        let mut id = 0usize;
        for (wi, w) in doc.workflows.iter().enumerate() {
            for t in &w.tasks {
                let task = &mut tasks[id];
                let slot = self.task(
                    t,
                    &doc.workflows[wi],
                    task,
                    &rules,
                    &group_names,
                    &task_names,
                    &mut edges,
                    TaskId(id as u32),
                );
                uses_default |= slot.is_none();
                task.group = slot.unwrap_or(default_group);
                id += 1;
            }
        }
        if uses_default && !group_names.contains_key("default") {
            groups.push(ResourceGroup {
                name: "default".into(),
                slots: rules.default_slots,
            });
        } else if uses_default {
            let declared = group_names["default"].0;
            for task in &mut tasks {
                if task.group == default_group {
                    task.group = declared;
                }
            }
        }
        for (from, to, _) in &edges {
            tasks[to.0 as usize].upstream.push(*from);
        }
        self.cycles(&tasks, &edges);
        self.dependents(doc, &mut tasks, &workflow_names, &rules);

        let mut model = Model {
            name: doc.model.name.value.clone(),
            profile: self.profile,
            ds_version,
            timezone,
            timezone_name,
            rules,
            groups,
            workflows,
            tasks,
            scenarios: Vec::new(),
            expects: Vec::new(),
        };
        model.scenarios = self.scenarios(doc, &model, &task_names, &workflow_names);
        self.durations_within_calendar(doc, &model);
        model
    }

    /// A duration so long that a run from the earliest scenario start cannot end by the
    /// calendar's last instant is refused here, located (the engine refuses what is
    /// only known at run time: a random draw, a run that starts later).
    fn durations_within_calendar(&mut self, doc: &Document, model: &Model) {
        let Some(earliest) = model.scenarios.iter().map(|s| s.start).min() else {
            return;
        };
        let from = crate::calendar::schedule::local_to_instant(&model.timezone, earliest);
        let room = crate::calendar::LAST_INSTANT.abs_diff(from);
        let docs = doc.workflows.iter().flat_map(|w| &w.tasks);
        for (t, task) in docs.zip(&model.tasks) {
            let (shortest, span) = match (&t.duration, task.duration) {
                (Some(DurationDoc::Fixed(d)), DurationDist::Fixed(s)) => (s, d.span.clone()),
                (Some(DurationDoc::Uniform { uniform }), DurationDist::Uniform(a, _)) => {
                    (a, uniform.span.clone())
                }
                _ => continue,
            };
            if shortest > room {
                self.err(Diagnostic::new(
                    span,
                    format!(
                        "a run of {} takes {shortest} s: from the earliest scenario start ({earliest}) it would end after the calendar's last instant ({})",
                        task.name,
                        crate::calendar::schedule::rfc3339(
                            &jiff::tz::TimeZone::UTC,
                            crate::calendar::LAST_INSTANT
                        ),
                    ),
                    "expected a duration that ends before 9999-12-31",
                ));
            }
        }
    }

    fn ds_version(&mut self, m: &ModelSection) -> Option<DsVersion> {
        self.only_for(
            m.profile_version.as_ref().map(|v| v.span.clone()),
            "`profile_version`",
            &[Profile::Dolphinscheduler],
            "",
        );
        if self.profile != Profile::Dolphinscheduler {
            return None;
        }
        let Some(v) = &m.profile_version else {
            return Some(DsVersion::V3_2);
        };
        match DsVersion::from_word(&v.value) {
            Some(version) => Some(version),
            None => {
                self.err(Diagnostic::new(
                    v.span.clone(),
                    format!("unknown dolphinscheduler profile_version `{}`", v.value),
                    format!("expected {}", DsVersion::expected()),
                ));
                Some(DsVersion::V3_2)
            }
        }
    }

    fn timezone(&mut self, m: &ModelSection) -> (jiff::tz::TimeZone, String) {
        let Some(name) = &m.timezone else {
            return (jiff::tz::TimeZone::UTC, "UTC".into());
        };
        let exact = tzdb()
            .get(&name.value)
            .ok()
            .filter(|tz| tz.iana_name() == Some(name.value.as_str()));
        if let Some(tz) = exact {
            return (tz, name.value.clone());
        }
        let names: Vec<String> = tzdb().available().map(|n| n.as_str().to_string()).collect();
        let mut d = Diagnostic::new(
            name.span.clone(),
            format!("unknown time zone `{}`", name.value),
            format!(
                "expected an IANA time zone name such as \"Asia/Shanghai\" (tzdb {})",
                super::tzdb_version()
            ),
        );
        if let Some(near) = did_you_mean(&name.value, names.iter().map(String::as_str)) {
            d = d.help(format!("did you mean `{near}`?"));
        }
        self.err(d);
        (jiff::tz::TimeZone::UTC, name.value.clone())
    }

    fn rules(&mut self, doc: &Document, ds_version: Option<DsVersion>) -> Rules {
        let preset = Rules::preset(self.profile, ds_version.unwrap_or(DsVersion::V3_2));
        let Some(overrides) = &doc.rules else {
            return preset;
        };
        self.at_least_one(&overrides.date_groups, "`date_groups`");
        self.at_least_one(&overrides.default_slots, "`default_slots`");
        // A check every 0 seconds would never let the clock move.
        self.at_least_one(
            &overrides.dependent_check_interval,
            "`dependent_check_interval`",
        );
        overrides.apply(preset)
    }

    fn groups(&mut self, doc: &Document) -> (Vec<ResourceGroup>, Names<GroupId>) {
        let mut names = Names::new();
        let mut groups = Vec::new();
        for g in &doc.resource_groups {
            self.name(&g.name, "resource group");
            let id = GroupId(groups.len() as u32);
            self.declare(&mut names, &g.name, id, "resource group");
            self.at_least_one(&Some(g.slots.clone()), "`slots`");
            groups.push(ResourceGroup {
                name: g.name.value.clone(),
                slots: g.slots.value,
            });
        }
        (groups, names)
    }

    /// Workflows and tasks with names and ids, before any reference is followed.
    fn skeleton(
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
            let timetable = super::timetable::resolve(w, self.profile, rules, self.diags);
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
    fn cron(&mut self, cron: &Option<Sp<String>>, dialect: CronDialect) {
        let Some(c) = cron else { return };
        let Err(e) = CronExpr::parse(&c.value, dialect) else {
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

    #[allow(clippy::too_many_arguments)]
    fn task(
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

    fn priority(
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

    fn share(&mut self, v: &Sp<f64>, what: &str) -> f64 {
        if !(0.0..=1.0).contains(&v.value) {
            self.err(Diagnostic::new(
                v.span.clone(),
                format!("{what} is {} but must be a share between 0 and 1", v.value),
                "expected a number from 0 to 1",
            ));
        }
        v.value.clamp(0.0, 1.0)
    }

    fn duration_dist(&mut self, d: &DurationDoc) -> Option<DurationDist> {
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

    fn retry(&mut self, r: &RetryDoc, rules: &Rules) -> Retry {
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

    /// Every dependency cycle, each named task by task.
    fn cycles(&mut self, tasks: &[Task], edges: &[(TaskId, TaskId, Range<usize>)]) {
        let mut graph: DiGraphMap<u32, ()> = DiGraphMap::new();
        for (from, to, _) in edges {
            graph.add_edge(from.0, to.0, ());
        }
        // Kosaraju's algorithm in petgraph is iterative (its depth-first searches keep
        // their own stacks); Tarjan's there is recursive and overflows the thread's
        // stack on a long chain of tasks.
        let mut components: Vec<Vec<u32>> = petgraph::algo::kosaraju_scc(&graph)
            .into_iter()
            .filter(|c| c.len() > 1 || graph.contains_edge(c[0], c[0]))
            .collect();
        for c in &mut components {
            c.sort_unstable();
        }
        components.sort();
        // The first upstream entry that makes each edge, to point at it.
        let mut spans: BTreeMap<(u32, u32), Range<usize>> = BTreeMap::new();
        if !components.is_empty() {
            for (from, to, span) in edges {
                spans.entry((from.0, to.0)).or_insert_with(|| span.clone());
            }
        }
        for component in components {
            let cycle = cycle_through(&graph, &component);
            let names: Vec<&str> = cycle
                .iter()
                .map(|t| tasks[*t as usize].name.as_str())
                .collect();
            let edge_span = |from: u32, to: u32| spans.get(&(from, to)).cloned().unwrap_or(0..0);
            let mut d = Diagnostic::new(
                edge_span(cycle[0], cycle[1]),
                format!("dependency cycle: {}", names.join(" → ")),
                format!("{} waits for {}", names[1], names[0]),
            )
            .help("every task on a cycle waits for itself, so none of them can ever run: remove one of these upstream entries");
            for pair in cycle.windows(2).skip(1) {
                d = d.related(
                    edge_span(pair[0], pair[1]),
                    format!(
                        "{} waits for {}",
                        tasks[pair[1] as usize].name, tasks[pair[0] as usize].name
                    ),
                );
            }
            self.err(d);
        }
    }

    fn scenarios(
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
                        if let Some(problem) = super::attempt_problem(model, t, a.value) {
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
                    if let Some((a, other)) = super::attempt_in_conflict(&faults, &fault) {
                        self.err(
                            Diagnostic::new(
                                f.scheduled.span.clone(),
                                super::attempt_conflict_message(model, &fault, a, other),
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
                if let Some(profiles) = super::operation_profiles(o.kind.value) {
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
                if !(factor > 0.0 && factor <= super::MAX_STRETCH) {
                    self.err(Diagnostic::new(
                        st.factor.span.clone(),
                        format!("a stretch factor of {factor} is not above 0 and at most 1000"),
                        "expected a number above 0, at most 1000 (2 doubles the duration)",
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
                    triggers.push(super::timetable::Trigger {
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

    /// DolphinScheduler's complementScheduleDateList: distinct times in the order
    /// given, at most 100 (DS §1.1, `SCHEDULE_TIME_MAX_LENGTH`).
    fn date_list(&mut self, list: &Sp<Vec<Sp<DateTimeText>>>) -> Option<Vec<civil::DateTime>> {
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
        match super::complement_dates(all?) {
            Ok(dates) => Some(dates),
            Err(n) => {
                self.err(
                    Diagnostic::new(
                        list.span.clone(),
                        format!(
                            "DolphinScheduler takes at most {} complement dates, this list has {n} distinct ones",
                            super::MAX_COMPLEMENT_DATES
                        ),
                        format!("expected at most {} dates", super::MAX_COMPLEMENT_DATES),
                    )
                    .help("split the complement, or give a range with `from` and `to`"),
                );
                None
            }
        }
    }

    fn task_ref(&mut self, r: &Sp<String>, tasks: &Names<TaskId>) -> Option<TaskId> {
        if !r.value.contains('.') {
            let mut d = Diagnostic::new(
                r.span.clone(),
                format!("`{}` does not name a task", r.value),
                "expected \"workflow.task\"",
            );
            let suffix = format!(".{}", r.value);
            if let Some(full) = tasks.keys().find(|k| k.ends_with(&suffix)) {
                d = d.help(format!("did you mean `{full}`?"));
            }
            self.err(d);
            return None;
        }
        self.lookup(tasks, r, "task")
    }

    fn backfill(
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

    fn window(&mut self, w: &Sp<WindowText>) -> Option<(civil::Time, civil::Time)> {
        parse_window(&w.value.0)
            .map_err(|e| {
                self.err(Diagnostic::new(
                    w.span.clone(),
                    e,
                    "expected a window such as \"00:00-01:00\" whose end is not before its start",
                ))
            })
            .ok()
    }
}

/// The shortest cycle through the smallest node of a strongly connected component,
/// following edges inside it; returned closed (first = last).
fn cycle_through(graph: &DiGraphMap<u32, ()>, component: &[u32]) -> Vec<u32> {
    let start = component[0];
    if graph.contains_edge(start, start) {
        return vec![start, start];
    }
    // Breadth-first from start inside the component, back to start: the shortest cycle.
    let mut parent: BTreeMap<u32, u32> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        let mut next: Vec<u32> = graph
            .neighbors(n)
            .filter(|m| component.binary_search(m).is_ok())
            .collect();
        next.sort_unstable();
        for m in next {
            if m == start {
                let mut path = vec![start];
                let mut cur = n;
                while cur != start {
                    path.push(cur);
                    cur = parent[&cur];
                }
                path.push(start);
                path.reverse();
                return path;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = parent.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    vec![start, start]
}
