//! What two models set differently. A diff compares runs; two models can differ in a
//! setting the runs never exercised (a retry count where nothing fails, a timeout
//! nothing reaches), and the runs are then identical. So each simulated side keeps
//! its model's resolved settings, owner by owner (each task, workflow and resource
//! group by name, the rule knobs, the model's profile and zone, each expectation), and
//! the diff lists those that differ. Values are the resolved ones: `45m` and `2700s`
//! are one value; a task that moved in the file is the same task.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::calendar::timetable::Delta;
use crate::keyword::Keyword;
use crate::model::expect::ExpectKind;
use crate::model::timetable::{ScheduleSpec, WorkflowTimetable};
use crate::model::{DependOn, DurationDist, Model, Seconds, Task};
use crate::observe::summary::human;

/// Each owner's settings by key, as shown.
pub type Settings = BTreeMap<String, BTreeMap<&'static str, String>>;

/// A setting the two models give other values; `key` is None when the owner (a task,
/// a workflow, ...) is in one model only, and a side's value is None where its model
/// has no such owner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingChange {
    pub of: String,
    pub key: Option<&'static str>,
    pub a: Option<String>,
    pub b: Option<String>,
}

fn time(s: Seconds) -> String {
    human(s)
}

fn maybe<T>(x: Option<T>, show: impl Fn(T) -> String) -> String {
    x.map_or_else(|| "none".to_string(), show)
}

fn duration(d: DurationDist) -> String {
    match d {
        DurationDist::Fixed(s) => time(s),
        DurationDist::Uniform(a, b) => format!("uniform {} to {}", time(a), time(b)),
        DurationDist::Lognormal { median, p95 } => {
            format!("lognormal median {}, p95 {}", time(median), time(p95))
        }
    }
}

fn task(model: &Model, t: &Task) -> BTreeMap<&'static str, String> {
    let names = |ids: &mut dyn Iterator<Item = String>| {
        let mut v: Vec<String> = ids.collect();
        v.sort_unstable();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let mut s = BTreeMap::from([
        ("cron", maybe(t.cron.clone(), |c| c)),
        (
            "upstream",
            names(&mut t.upstream.iter().map(|&u| model.task(u).name.clone())),
        ),
        (
            "resource_group",
            model.groups[t.group.0 as usize].name.clone(),
        ),
        (
            "task_group",
            maybe(t.task_group, |g| model.groups[g.0 as usize].name.clone()),
        ),
        ("pool_slots", t.pool_slots.to_string()),
        ("priority", t.priority.to_string()),
        ("self_dependency", t.self_dependency.to_string()),
        (
            "effective",
            maybe(t.effective, |(a, b)| format!("{a} to {b}")),
        ),
        ("duration", duration(t.duration)),
        ("retries", t.retry.times.to_string()),
        ("retry interval", time(t.retry.interval)),
        ("retry backoff", t.retry.backoff.word().to_string()),
        ("retry max_interval", maybe(t.retry.max_interval, time)),
        ("timeout", maybe(t.timeout, time)),
        ("fail", maybe(t.fail, |f| f.probability.to_string())),
        (
            "fail after_write",
            maybe(t.fail, |f| f.after_write.to_string()),
        ),
        (
            "writes",
            names(&mut t.writes.iter().map(|w| {
                let p = w
                    .partition
                    .as_deref()
                    .map_or(String::new(), |p| format!("/{p}"));
                format!("{}{p} {}", w.table, w.mode.word())
            })),
        ),
    ]);
    if let Some(d) = &t.depends {
        let items = d.items.iter().map(|i| {
            let what = match i.what {
                DependOn::Workflow => "workflow".to_string(),
                DependOn::All => "ALL".to_string(),
                DependOn::Task(t) => model.task(t).name.clone(),
            };
            format!(
                "{} {what} {} {} (group {})",
                model.workflow(i.workflow).name,
                i.cycle.word(),
                i.date_value.word(),
                i.group + 1
            )
        });
        s.insert("depends", names(&mut items.into_iter()));
        let groups: Vec<&str> = d.groups.iter().map(|r| r.word()).collect();
        s.insert(
            "depends relation",
            format!("{} of groups {}", d.relation.word(), groups.join(", ")),
        );
        s.insert("check_interval", time(d.check_interval));
        s.insert("failure_waiting", maybe(d.failure_waiting, time));
    }
    s
}

/// An Airflow DAG's timetable keys (its cron is its schedule's).
fn timetable(t: &WorkflowTimetable) -> [(&'static str, String); 5] {
    let delta = |d: Delta| match d.months {
        0 => time(d.seconds.unsigned_abs()),
        m => format!("{m} month(s) {}", time(d.seconds.unsigned_abs())),
    };
    let schedule = match &t.schedule {
        ScheduleSpec::Crons(crons) => crons.join(" | "),
        ScheduleSpec::Delta(d) => format!("every {}", delta(*d)),
        ScheduleSpec::Once => "@once".to_string(),
        ScheduleSpec::None => "none".to_string(),
    };
    [
        ("cron", schedule),
        ("interval", maybe(t.interval, delta)),
        ("catchup", t.catchup.to_string()),
        ("start_date", maybe(t.start_date, |d| d.to_string())),
        ("end_date", maybe(t.end_date, |d| d.to_string())),
    ]
}

/// A model's resolved settings, by owner.
pub fn of(model: &Model) -> Settings {
    let mut out = Settings::new();
    out.insert(
        "model".to_string(),
        BTreeMap::from([
            ("profile", model.profile.word().to_string()),
            (
                "profile_version",
                maybe(model.ds_version, |v| v.word().to_string()),
            ),
            ("timezone", model.timezone_name.clone()),
        ]),
    );
    if let Ok(serde_json::Value::Object(knobs)) = serde_json::to_value(&model.rules) {
        let knob = |v: &serde_json::Value| v.as_str().map_or(v.to_string(), str::to_string);
        let keys = crate::rules::RuleOverrides::NAMES;
        out.insert(
            "rules".to_string(),
            keys.iter()
                .filter_map(|&k| knobs.get(k).map(|v| (k, knob(v))))
                .collect(),
        );
    }
    for g in &model.groups {
        out.insert(
            format!("resource group {}", g.name),
            BTreeMap::from([("slots", g.slots.to_string())]),
        );
    }
    for w in &model.workflows {
        let mut s = BTreeMap::from([
            (
                "max_active_runs",
                maybe(w.max_active_runs, |n| n.to_string()),
            ),
            (
                "max_active_tasks",
                maybe(w.max_active_tasks, |n| n.to_string()),
            ),
            ("failure_strategy", w.failure_strategy.word().to_string()),
            ("priority", w.priority.to_string()),
        ]);
        match &w.timetable {
            None => _ = s.insert("cron", maybe(w.cron.clone(), |c| c)),
            Some(t) => s.extend(timetable(t)),
        }
        out.insert(format!("workflow {}", w.name), s);
    }
    for t in &model.tasks {
        out.insert(format!("task {}", t.name), task(model, t));
    }
    for e in &model.expects {
        let what = match &e.kind {
            ExpectKind::FinishBy(at) => format!("finish_by {at}"),
            ExpectKind::MakespanAtMost(s) => format!("makespan_at_most {}", time(*s)),
            ExpectKind::ReadyBy { task, by, origin } => format!(
                "{} ready_by {by} ({})",
                model.task(*task).name,
                origin.word()
            ),
        };
        out.insert(
            format!("expect {}", e.name),
            BTreeMap::from([
                ("scenario", maybe(e.scenario.clone(), |s| s)),
                ("what", what),
            ]),
        );
    }
    out
}

/// The settings that differ, owner by owner in order.
pub fn changes(a: &Settings, b: &Settings) -> Vec<SettingChange> {
    let mut owners: Vec<&String> = a.keys().chain(b.keys()).collect();
    owners.sort_unstable();
    owners.dedup();
    let mut out = Vec::new();
    for owner in owners {
        match (a.get(owner), b.get(owner)) {
            (Some(x), Some(y)) => {
                let mut keys: Vec<&&str> = x.keys().chain(y.keys()).collect();
                keys.sort_unstable();
                keys.dedup();
                for &key in keys {
                    let (va, vb) = (x.get(key), y.get(key));
                    if va != vb {
                        out.push(SettingChange {
                            of: owner.clone(),
                            key: Some(key),
                            a: va.cloned(),
                            b: vb.cloned(),
                        });
                    }
                }
            }
            (x, y) => out.push(SettingChange {
                of: owner.clone(),
                key: None,
                a: x.map(|_| "defined".to_string()),
                b: y.map(|_| "defined".to_string()),
            }),
        }
    }
    out
}
