//! What `schedsim run` reports: the final state of every instance and unit, resource
//! figures, makespan, and what is stuck (product.md, JSON outputs).

use std::collections::BTreeMap;

use crate::calendar::schedule::rfc3339;
use crate::engine::{Engine, State, Wait};
use crate::observe::metrics::GroupFigures;
use crate::observe::store::Status;

#[derive(Clone, Debug, serde::Serialize)]
pub struct InstanceRow {
    pub task: String,
    pub scheduled: String,
    pub date: String,
    pub kind: crate::plan::Kind,
    pub origin: crate::engine::Origin,
    pub state: State,
    /// The profile's own name for the final state.
    pub profile_state: &'static str,
    pub attempts: u32,
    pub start: Option<String>,
    pub end: Option<String>,
    /// A run of the scenario's `[[scenario.history]]`: it ran before the scenario's
    /// start, and the makespan and dates leave it out. Absent when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub history: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct UnitRow {
    pub date: String,
    pub origin: crate::engine::Origin,
    /// 1-based position of the backfill in the scenario.
    pub backfill: Option<u32>,
    /// As in `dates`: the workflows of a run whose request was split by workflow.
    pub workflows: Option<Vec<String>>,
    pub started: Option<String>,
    pub ended: Option<String>,
    pub failed: bool,
    /// 1, plus one per operator rerun (DolphinScheduler's `run_times`).
    pub run_times: u32,
    /// A date or run of the scenario's history (as on [`InstanceRow`]). Absent when
    /// false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub history: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct WriteRow {
    pub task: String,
    pub scheduled: String,
    pub attempt: u32,
    pub mode: crate::model::WriteMode,
    pub started: String,
    pub landed: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PartitionRow {
    pub table: String,
    pub partition: String,
    /// Executions whose write landed here.
    pub executions: usize,
    pub status: crate::observe::store::Status,
    /// The writes that landed (in the text summary, only for partitions not ok).
    pub writes: Vec<WriteRow>,
}

#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct UnitCounts {
    pub planned: usize,
    pub started: usize,
    pub failed: usize,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct StuckRow {
    pub task: String,
    pub scheduled: String,
    pub state: State,
    pub waits_for: Vec<String>,
}

/// A budget that ran out: the run stopped before it could finish.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StoppedRow {
    /// The virtual time it stopped at.
    pub at: String,
    /// The flag that raises the budget (`--max-executions`, `--max-instances`).
    pub flag: &'static str,
    pub message: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Summary {
    pub model: String,
    pub profile: crate::rules::Profile,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_version: Option<crate::rules::DsVersion>,
    pub scenario: String,
    pub seed: u64,
    /// SHA-1 of the model file's bytes.
    pub model_hash: String,
    pub tzdb: &'static str,
    /// First start to last end of the scenario's executions.
    pub makespan_seconds: i64,
    pub first_start: Option<String>,
    pub last_end: Option<String>,
    /// The virtual time the simulation stopped at.
    pub simulated_until: String,
    /// Set when a budget ran out and the run could not complete (exit code 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<StoppedRow>,
    /// Instances by final state.
    pub states: BTreeMap<State, u64>,
    /// Units: backfill dates, workflow instances, DAG runs, recurring days.
    pub unit_counts: UnitCounts,
    /// The dates (runs) that never started, the first few by name, and why the first
    /// did not (`check::never_started`); absent when every one started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub never_started: Option<String>,
    /// Executions of every instance: first tries, retries and reruns.
    pub executions: u64,
    /// Operator actions that found nothing to act on, and what a backfill left out
    /// (a date-only `to`, runs not due yet).
    pub notes: Vec<String>,
    pub instances: Vec<InstanceRow>,
    pub units: Vec<UnitRow>,
    /// Each backfill date or run: start, end, duration (listed with `rows`).
    pub dates: Vec<crate::observe::dates::DateRow>,
    pub resource_groups: Vec<GroupFigures>,
    /// Per constraint, the waits it held (only those that held one longer than zero).
    pub waits: Vec<crate::observe::waits::WaitRow>,
    /// Per constraint, running and waiting counts over time.
    pub timelines: Vec<crate::observe::waits::TimelineRow>,
    pub partitions: Vec<PartitionRow>,
    /// Per status (`Status::index`): partitions a windowed run closed and did not keep
    /// in `partitions` (never in JSON: a run that lists keeps every partition).
    #[serde(skip)]
    pub partitions_dropped: [u64; 4],
    pub properties: Vec<crate::observe::check::PropertyResult>,
    pub stuck: Vec<StuckRow>,
}

/// At most this many partitions of each bad status are listed in the text summary;
/// a longer list says how many more there are.
const LISTED: usize = 10;

/// Run identity the summary records.
pub struct Identity<'a> {
    pub scenario: &'a str,
    pub seed: u64,
    pub model_hash: String,
}

/// What the observers of a run found, besides the engine's own state.
pub struct Findings {
    pub groups: Vec<GroupFigures>,
    pub waits: crate::observe::waits::WaitReport,
    pub partitions: Vec<crate::observe::store::Partition>,
    /// Per status: the partitions a windowed run closed and dropped.
    pub partitions_dropped: [u64; 4],
    pub properties: Vec<crate::observe::check::PropertyResult>,
}

impl Summary {
    /// The summary of a finished simulation; `rows` lists every instance and unit
    /// (the JSON output), otherwise only the figures are computed.
    pub fn new(engine: &Engine<'_>, findings: Findings, id: Identity<'_>, rows: bool) -> Summary {
        let Findings {
            mut groups,
            waits,
            partitions,
            partitions_dropped,
            properties,
        } = findings;
        let model = engine.model();
        let tz = &model.timezone;
        let time = |t: i64| rfc3339(tz, t);
        let task_name = |i: u32| model.task(engine.instances[i as usize].task).name.clone();
        // What a windowed run retired, then what the engine still holds.
        let retired = &engine.retired;
        let mut states = retired.states();
        let mut first_start = retired.first_start;
        let mut last_end = retired.last_end;
        for (n, i) in engine.instances.iter_ids() {
            *states.entry(i.state).or_insert(0) += 1;
            // The history ran before the scenario: not part of its work.
            if engine.is_history(n as u32) {
                continue;
            }
            if let Some(s) = i.start() {
                first_start = Some(first_start.map_or(s, |f| f.min(s)));
            }
            if let (Some(_), Some(e)) = (i.start(), i.end()) {
                last_end = Some(last_end.map_or(e, |l| l.max(e)));
            }
        }
        let instances = engine
            .instances
            .iter_ids()
            .take(if rows { usize::MAX } else { 0 })
            .map(|(n, i)| InstanceRow {
                task: model.task(i.task).name.clone(),
                scheduled: time(i.scheduled),
                date: engine.units[i.unit as usize].key.date_text(model),
                kind: i.kind,
                origin: i.origin,
                state: i.state,
                profile_state: i.state.profile_name(model.profile, i.upstream_failed),
                attempts: i.attempts,
                start: i.start().map(time),
                end: i.end().map(time),
                history: engine.is_history(n as u32),
            })
            .collect();
        let scenario_units = || {
            (0..engine.units.len())
                .filter(|&u| engine.scenario_unit(u as u32))
                .map(|u| &engine.units[u])
        };
        let unit_counts = UnitCounts {
            planned: scenario_units().count(),
            started: scenario_units().filter(|u| u.created.is_some()).count(),
            failed: scenario_units().filter(|u| u.failed).count(),
        };
        let units = engine
            .units
            .iter()
            .take(if rows { usize::MAX } else { 0 })
            .enumerate()
            .map(|(k, u)| UnitRow {
                date: u.key.date_text(model),
                origin: u.origin,
                backfill: u.backfill.map(|b| b + 1),
                workflows: engine
                    .unit_workflows(k as u32)
                    .map(|ws| crate::engine::workflow_names(model, ws)),
                started: u.created.map(time),
                ended: u.ended.map(time),
                failed: u.failed,
                run_times: u.run_times,
                history: engine.is_history_unit(k as u32),
            })
            .collect();
        let stuck = engine
            .stuck()
            .into_iter()
            .map(|s| {
                let inst = &engine.instances[s.instance as usize];
                StuckRow {
                    task: task_name(s.instance),
                    scheduled: time(inst.scheduled),
                    state: s.state,
                    waits_for: describe_waits(engine, &s.waits_for),
                }
            })
            .collect();
        let makespan_seconds = match (first_start, last_end) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        };
        for g in &mut groups {
            g.utilisation = utilisation(g.busy_seconds, g.slots, makespan_seconds);
        }
        Summary {
            model: model.name.clone(),
            profile: model.profile,
            profile_version: model.ds_version,
            scenario: id.scenario.to_string(),
            seed: id.seed,
            model_hash: id.model_hash,
            tzdb: crate::model::tzdb_version(),
            makespan_seconds,
            first_start: first_start.map(time),
            last_end: last_end.map(time),
            simulated_until: time(engine.now()),
            stopped: engine.stopped().map(|(at, stop)| StoppedRow {
                at: time(at),
                flag: stop.flag(),
                message: stop.to_string(),
            }),
            states,
            unit_counts,
            never_started: crate::observe::check::never_started(engine),
            executions: retired.executions
                + engine
                    .instances
                    .iter()
                    .map(|i| u64::from(i.attempts))
                    .sum::<u64>(),
            notes: engine.notes.clone(),
            instances,
            units,
            dates: crate::observe::dates::rows(engine, if rows { usize::MAX } else { 0 }),
            resource_groups: groups,
            waits: waits.waits,
            timelines: waits.timelines,
            partitions: bad_first(partitions)
                .into_iter()
                .map(|p| PartitionRow {
                    table: p.key.table,
                    partition: p.key.partition,
                    executions: p.writes.len(),
                    status: p.status,
                    // Every write for JSON; for people, those of partitions not ok.
                    writes: p
                        .writes
                        .iter()
                        .take(if rows || p.status != Status::Ok {
                            usize::MAX
                        } else {
                            0
                        })
                        .map(|w| WriteRow {
                            task: model.task(w.task).name.clone(),
                            scheduled: time(w.scheduled),
                            attempt: w.attempt,
                            mode: w.mode,
                            started: time(w.started),
                            landed: time(w.at),
                        })
                        .collect(),
                })
                .collect(),
            partitions_dropped,
            properties,
            stuck,
        }
    }

    /// The summary for people.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let version = self
            .profile_version
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "model {} ({}{version}), scenario {}, seed {}, model sha1 {}, tzdb {}",
            self.model,
            self.profile,
            self.scenario,
            self.seed,
            &self.model_hash[..self.model_hash.len().min(12)],
            self.tzdb
        );
        if let Some(st) = &self.stopped {
            let _ = writeln!(
                s,
                "stopped at {}: {}; raise {} to let it finish",
                st.at, st.message, st.flag
            );
        }
        let counts: Vec<String> = self
            .states
            .iter()
            .map(|(state, n)| format!("{n} {state}"))
            .collect();
        let _ = writeln!(
            s,
            "instances: {} ({})",
            self.states.values().sum::<u64>(),
            counts.join(", ")
        );
        let _ = writeln!(s, "executions: {}", self.executions);
        // Waits of instances left unfinished run to the end of the simulation, past
        // the makespan's last execution: say where it stopped.
        let open: u64 = self
            .states
            .iter()
            .filter(|(state, _)| !state.is_final())
            .map(|(_, n)| n)
            .sum();
        let _ = writeln!(
            s,
            "makespan: {} ({} to {}){}",
            human(self.makespan_seconds),
            self.first_start.as_deref().unwrap_or("-"),
            self.last_end.as_deref().unwrap_or("-"),
            if open > 0 {
                format!(
                    "; simulated until {}, {open} instance(s) not finished then",
                    self.simulated_until
                )
            } else {
                String::new()
            }
        );
        let u = self.unit_counts;
        let _ = writeln!(
            s,
            "dates/runs: {} planned, {} started, {} with a failure, {} never started",
            u.planned,
            u.started,
            u.failed,
            u.planned - u.started
        );
        if let Some(never) = &self.never_started {
            let _ = writeln!(s, "  never started: {never}");
        }
        let _ = writeln!(s, "resource groups:");
        for g in &self.resource_groups {
            let _ = writeln!(
                s,
                "  {:<20} slots {:>4}  peak running {:>4}  peak waiting {:>6}  busy {} ({:.1}% of slots × makespan)",
                g.name,
                g.slots,
                g.peak_running,
                g.peak_waiting,
                human(g.busy_seconds as i128), // under 2^72: 2^32 slots × 2^40 s
                g.utilisation * 100.0
            );
        }
        crate::observe::waits::text(&mut s, &self.waits);
        // By status: the partitions listed, and those a windowed run dropped.
        let mut statuses = self.partitions_dropped;
        for p in &self.partitions {
            statuses[p.status.index()] += 1;
        }
        let total: u64 = statuses.iter().sum();
        if total > 0 {
            let mut counts: Vec<(&str, u64)> = Status::ALL
                .iter()
                .map(|s| (s.word(), statuses[s.index()]))
                .filter(|&(_, n)| n > 0)
                .collect();
            counts.sort_unstable();
            let counts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
            let _ = writeln!(s, "partitions: {total} ({})", counts.join(", "));
            // Every bad status gets its own list (partitions come bad first, by
            // status), each cut at LISTED with how many were left out.
            for status in [Status::Duplicated, Status::Misaligned, Status::Missing] {
                let of: Vec<&PartitionRow> = self
                    .partitions
                    .iter()
                    .filter(|p| p.status == status)
                    .collect();
                for p in of.iter().take(LISTED) {
                    let key = crate::plan::PartitionKey {
                        table: p.table.clone(),
                        partition: p.partition.clone(),
                    };
                    let _ = writeln!(
                        s,
                        "  {} {key} ({} executions wrote)",
                        p.status.word(),
                        p.executions
                    );
                }
                let all = statuses[status.index()];
                if all > LISTED as u64 {
                    let _ = writeln!(
                        s,
                        "  ... and {} more {}",
                        all - LISTED as u64,
                        status.word()
                    );
                }
            }
        }
        let failing: Vec<&str> = self
            .properties
            .iter()
            .filter(|p| !p.holds)
            .map(|p| &*p.name)
            .collect();
        if failing.is_empty() {
            let _ = writeln!(s, "properties: all {} hold", self.properties.len());
        } else {
            let _ = writeln!(
                s,
                "properties: {} of {} do not hold: {}",
                failing.len(),
                self.properties.len(),
                failing.join(", ")
            );
        }
        for note in &self.notes {
            let _ = writeln!(s, "note: {note}");
        }
        if self.stuck.is_empty() {
            let _ = writeln!(s, "every instance reached a final state");
        } else {
            let _ = writeln!(s, "stuck: {} instances", self.stuck.len());
            for st in self.stuck.iter().take(20) {
                let _ = writeln!(
                    s,
                    "  {} {} ({}) waits for {}",
                    st.task,
                    st.scheduled,
                    st.state,
                    st.waits_for.join("; ")
                );
            }
            if self.stuck.len() > 20 {
                let _ = writeln!(s, "  ... and {} more", self.stuck.len() - 20);
            }
        }
        s
    }
}

impl Summary {
    /// Every property with its verdict and, when it fails, its witness.
    pub fn check_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let failing = self.properties.iter().filter(|p| !p.holds).count();
        let _ = writeln!(
            s,
            "model {} ({}), scenario {}, seed {}: {} of {} properties hold",
            self.model,
            self.profile,
            self.scenario,
            self.seed,
            self.properties.len() - failing,
            self.properties.len()
        );
        if let Some(st) = &self.stopped {
            let _ = writeln!(
                s,
                "stopped at {}: {}; raise {} to let it finish (the verdicts are about the run so far)",
                st.at, st.message, st.flag
            );
        }
        for p in &self.properties {
            let mark = if p.holds { "ok  " } else { "FAIL" };
            let _ = writeln!(s, "{mark} {}", p.name);
            if let Some(w) = &p.witness {
                let _ = writeln!(s, "     {}", w.summary);
                s.push_str(&crate::observe::witness::text(&w.details, "     "));
                if w.count > w.details.len() {
                    let _ = writeln!(s, "     ... and {} more", w.count - w.details.len());
                }
                // An expectation's own; a property's is `check --explain`'s.
                let definition = p
                    .definition
                    .clone()
                    .unwrap_or_else(|| format!("schedsim check --explain {}", p.name));
                let _ = writeln!(s, "     definition: {definition}");
            }
        }
        // What the scenario asked for and did not happen changes what the verdicts mean.
        for note in &self.notes {
            let _ = writeln!(s, "note: {note}");
        }
        s
    }
}

/// The partitions with the bad ones first: duplicated, misaligned, missing, then ok,
/// each in the store's order.
fn bad_first(
    mut partitions: Vec<crate::observe::store::Partition>,
) -> Vec<crate::observe::store::Partition> {
    let rank = |s: Status| match s {
        Status::Duplicated => 0,
        Status::Misaligned => 1,
        Status::Missing => 2,
        Status::Ok => 3,
    };
    partitions.sort_by_key(|p| rank(p.status));
    partitions
}

/// What each wait of a stuck instance is, in words: each names its real blocker, and
/// the horizon only when the scenario has one.
pub fn describe_waits(engine: &Engine<'_>, waits: &[Wait]) -> Vec<String> {
    let model = engine.model();
    let time = |t: i64| rfc3339(&model.timezone, t);
    let horizon = engine.horizon().map(time);
    let after = |what: String| match &horizon {
        Some(h) => format!("{what}, after the horizon {h}"),
        None => what,
    };
    let when = || match &horizon {
        Some(h) => format!("at the horizon {h}"),
        None => "when the run ended".to_string(),
    };
    waits
        .iter()
        .map(|w| match *w {
            Wait::Instance(u) => {
                let up = &engine.instances[u as usize];
                format!(
                    "{} scheduled {}, which is {}",
                    model.task(up.task).name,
                    time(up.scheduled),
                    up.state
                )
            }
            Wait::UnitNeverStarted { unit, task } => format!(
                "{} of date {}, which never started",
                model.task(task).name,
                engine.units[unit as usize].key.date_text(model)
            ),
            Wait::Time(t) => after(format!("its time {}", time(t))),
            Wait::Retry(t) => after(t.map_or("its retry".into(), |t| {
                format!("its retry at {}", time(t))
            })),
            Wait::Finishing(t) => after(t.map_or("its execution to end".into(), |t| {
                format!("its execution to end at {}", time(t))
            })),
            Wait::Slots { group, need } => {
                let g = &model.groups[group.0 as usize];
                format!(
                    "{need} free slot(s) of resource group `{}` ({} slots, held by other instances {})",
                    g.name,
                    g.slots,
                    when()
                )
            }
            Wait::PoolTooSmall { task, group, need } => {
                let g = &model.groups[group.0 as usize];
                format!(
                    "nothing that can come: {} needs {need} slots (`pool_slots`) of pool `{}`, which has only {}; Airflow's scheduler never queues such a task instance (\"Requested pool slots are greater than total pool slots\")",
                    model.task(task).name,
                    g.name,
                    g.slots
                )
            }
            Wait::TaskGroup(group) => {
                let g = &model.groups[group.0 as usize];
                format!(
                    "a slot of task group `{}` ({} slots, all in use {})",
                    g.name,
                    g.slots,
                    when()
                )
            }
            Wait::MaxActiveTasks(w) => {
                let wf = model.workflow(w);
                format!(
                    "workflow `{}`'s max_active_tasks = {}, reached {}",
                    wf.name,
                    wf.max_active_tasks.unwrap_or(0),
                    when()
                )
            }
            Wait::Unfreeze => "an unfreeze".to_string(),
            Wait::Dependent(i) => engine.dependent_wait(i),
            Wait::Stopped(stop) => format!("nothing more: the run stopped: {stop}"),
        })
        .collect()
}

/// Busy slot-seconds over slots × makespan, rounded to 4 decimals; 0 when either
/// is 0.
pub fn utilisation(busy: u128, slots: u32, makespan: i64) -> f64 {
    if slots == 0 || makespan <= 0 {
        return 0.0;
    }
    let u = busy as f64 / (f64::from(slots) * makespan as f64);
    (u * 10_000.0).round() / 10_000.0
}

/// `3h 05m 10s` (seconds shown only when not zero).
pub fn human(seconds: impl Into<i128>) -> String {
    with_seconds(seconds.into(), false)
}

/// [`human`] for one of figures read side by side (a table's row or column):
/// seconds on each when any of `alike` has them, so that `20h 25m` never stands
/// beside `20h 20m 33s` looking like the shorter one.
pub fn human_alike(seconds: impl Into<i128>, alike: &[i128]) -> String {
    with_seconds(seconds.into(), alike.iter().any(|s| s % 60 != 0))
}

fn with_seconds(seconds: i128, always: bool) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) if !always => format!("{m}m"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, 0) if !always => format!("{h}h {m:02}m"),
        (h, m, s) => format!("{h}h {m:02}m {s:02}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_side_by_side_show_seconds_on_all_or_none() {
        assert_eq!(human(73_500), "20h 25m");
        assert_eq!(human(73_233), "20h 20m 33s");
        let row = [73_500, 73_233, 125];
        let shown = row.map(|s| human_alike(s, &row));
        assert_eq!(shown, ["20h 25m 00s", "20h 20m 33s", "2m 05s"]);
        // Whole minutes throughout: none shows seconds.
        let row = [73_500, 120];
        assert_eq!(row.map(|s| human_alike(s, &row)), ["20h 25m", "2m"]);
        // Under a minute is seconds either way.
        assert_eq!(human_alike(7, &[7, 60]), "7s");
    }
}
