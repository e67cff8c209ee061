//! From document to [`Model`]: values, names, profile-only keys and the dependency
//! graph, each problem reported where it was written.
//!
//! This file holds the `Resolver` and the model's top level (profile version, zone,
//! rules, resource groups, and the order the rest is resolved in); each child file
//! resolves one part of the document and adds an `impl Resolver` block.

use std::collections::BTreeMap;
use std::ops::Range;

use super::diagnostic::{Diagnostic, did_you_mean, one_of};
use super::doc::*;
use super::span::Sp;
use super::text::tzdb;
use super::*;
use crate::keyword::Keyword;
use crate::rules::{DsVersion, GroupSplit, Profile, Rules};

mod backfill;
mod cycles;
mod dependent;
mod history;
mod refs;
mod scenarios;
mod tasks;
mod values;
mod workflows;

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
        crons: std::collections::HashSet::new(),
    };
    r.model(doc)
}

struct Resolver<'d> {
    diags: &'d mut Vec<Diagnostic>,
    profile: Profile,
    /// Names an earlier error leaves in doubt: not reported as unknown too.
    doubts: &'d super::names::Doubts,
    /// Cron texts already parsed without a problem in the model's dialect: a
    /// tenant's 100,000 tasks share a few hundred.
    crons: std::collections::HashSet<String>,
}

/// Where a name was declared, for "defined twice" and "did you mean".
type Names<T> = BTreeMap<String, (T, Range<usize>)>;

impl Resolver<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
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
}
