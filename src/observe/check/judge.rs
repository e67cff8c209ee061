//! The 13 properties judged once the run is over: from the finished engine, what
//! the recorder saw and folded, and the store's partitions, each a verdict with its
//! witnesses ([`evaluate`]).

use std::collections::BTreeMap;

use super::{
    Found, NEVER, PROPERTIES, PropertyResult, Recorder, fold, never_started, started_before,
};
use crate::calendar::Instant;
use crate::calendar::schedule::rfc3339;
use crate::engine::{Engine, Origin};
use crate::model::{Model, Scenario};
use crate::observe::store::{Status, StoreReport};

/// What the property checks read: the finished engine, the scenario, the recorder's
/// first successes, and the store's partitions.
struct Facts<'a, 'm> {
    engine: &'a Engine<'m>,
    model: &'m Model,
    scenario: &'a Scenario,
    recorder: &'a Recorder<'a>,
    store: &'a StoreReport,
}

impl Facts<'_, '_> {
    fn time(&self, t: Instant) -> String {
        rfc3339(&self.model.timezone, t)
    }

    /// "task scheduled 2025-03-02T00:00:00+08:00".
    fn describe(&self, i: u32) -> String {
        fold::describe(self.model, &self.engine.instances[i as usize])
    }

    fn start(&self, i: u32) -> Option<Instant> {
        self.engine.instances[i as usize].start()
    }

    fn satisfied(&self, i: u32) -> Option<Instant> {
        self.recorder
            .seen
            .get(i as usize)
            .map(|s| s.satisfied_at)
            .filter(|&t| t != NEVER)
    }
}

/// Evaluates every property of [`PROPERTIES`], in order, from the finished engine,
/// the recorder and the store's report.
pub fn evaluate(
    engine: &Engine<'_>,
    scenario: &Scenario,
    mut recorder: Recorder<'_>,
    store: &mut StoreReport,
) -> Vec<PropertyResult> {
    let folds = std::mem::take(&mut recorder.folds);
    let writes = std::mem::take(&mut store.folds);
    let facts = Facts {
        engine,
        model: engine.model(),
        scenario,
        recorder: &recorder,
        store,
    };
    let mut out = vec![
        unique_logical_instance(&facts, &folds.unique),
        instance_count(&facts),
        idempotent_writes(&facts),
        partition_alignment(writes.alignment),
        complete_writes(&facts, writes.complete),
        dependency_order(&facts, folds.dependency),
        self_dependency_order(&facts),
    ];
    let no_early = no_early_start(&facts, folds.no_early);
    let effective = effective_period(&facts, folds.effective);
    let termination = termination(&facts);
    let [resource, parallel, retry] = recorder.finish();
    out.extend([resource, parallel, no_early, retry, effective, termination]);
    debug_assert!(out.iter().map(|p| &*p.name).eq(PROPERTIES));
    out
}

fn unique_logical_instance(f: &Facts<'_, '_>, retired: &fold::Disjoint) -> PropertyResult {
    let engine = f.engine;
    if units_disjoint(engine, retired) {
        return Found::default().verdict(PROPERTIES[0], |_| String::new());
    }
    // (scheduled, task, instance, its unit and origin), sorted: equal neighbours are
    // one logical instance. A windowed run's retired units are planned again.
    let mut keys: Vec<(Instant, u32, u32, u32, Origin)> = Vec::new();
    for (u, unit) in engine.units.iter().enumerate() {
        if unit.count > 0 && !engine.instances.held(unit.first as usize) {
            let ids = unit.first..unit.first + unit.count;
            for (i, (task, scheduled)) in ids.zip(engine.replan(u as u32)) {
                if !engine.reprocessed().contains(&i) {
                    keys.push((scheduled, task.0, i, u as u32, unit.origin));
                }
            }
        }
    }
    keys.extend(
        engine
            .instances
            .iter_ids()
            // A run a backfill cleared and ran again (Airflow `reprocess`), of the
            // history or of the scenario, is the backfill's own instance, not another.
            .filter(|(i, _)| !engine.reprocessed().contains(&(*i as u32)))
            .map(|(i, inst)| {
                (
                    inst.scheduled,
                    inst.task.0,
                    i as u32,
                    inst.unit,
                    inst.origin,
                )
            }),
    );
    keys.sort_unstable_by_key(|k| (k.0, k.1, k.2));
    let mut found = Found::default();
    for run in keys
        .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
        .filter(|r| r.len() > 1)
    {
        let origins: Vec<String> = run
            .iter()
            .map(|k| {
                if engine.is_history(k.2) {
                    return format!("history, ran {}", f.time(k.0));
                }
                let created = engine.units[k.3 as usize]
                    .created
                    .map_or("-".into(), |t| f.time(t));
                format!("{} created {created}", k.4.word())
            })
            .collect();
        let task = f.model.task(crate::model::TaskId(run[0].1));
        found.add(|| {
            format!(
                "{} scheduled {}: {} instances ({})",
                task.name,
                f.time(run[0].0),
                run.len(),
                origins.join(", ")
            )
        });
    }
    found.verdict(PROPERTIES[0], |n| {
        format!("{n} logical instances exist more than once")
    })
}

/// Whether no two instances can share a (task, scheduled) key, shown in linear time:
/// the units' instances cover the instance vector once; within each unit each task's
/// instances are in one run, scheduled strictly increasing; and the units' scheduled
/// ranges do not overlap. Otherwise `unique_logical_instance` sorts every key.
/// `retired`: the same walk over the units a windowed run retired.
pub(super) fn units_disjoint(engine: &Engine<'_>, retired: &fold::Disjoint) -> bool {
    let mut walk = retired.clone();
    for (u, unit) in engine.units.iter().enumerate() {
        let (first, count) = (unit.first as usize, unit.count as usize);
        if count == 0 || first < engine.instances.len() && !engine.instances.held(first) {
            continue;
        }
        if first + count > engine.instances.len() {
            return false;
        }
        let insts = (first..first + count).map(|i| &engine.instances[i]);
        walk.unit(engine.model(), u as u32, insts);
    }
    walk.ranges.sort_unstable();
    !walk.broken
        && walk.covered == engine.instances.len()
        && walk
            .ranges
            .windows(2)
            .all(|w| w[0].0 != w[1].0 || w[0].2 < w[1].1)
}

fn instance_count(f: &Facts<'_, '_>) -> PropertyResult {
    let (engine, model) = (f.engine, f.model);
    let expected = engine.expected_counts();
    let mut actual = engine.retired.per_task.clone();
    for inst in &engine.instances {
        actual[inst.task.0 as usize] += 1;
    }
    let never_started = never_started(engine);
    let mut found = Found::default();
    for (t, (&want, &have)) in expected.iter().zip(&actual).enumerate() {
        if want == have {
            continue;
        }
        let why = if have < want
            && let Some(never_started) = &never_started
        {
            format!("; dates never started: {never_started}")
        } else if have > want {
            let again = engine.retired.reruns[t] as usize
                + engine
                    .instances
                    .iter()
                    .filter(|i| i.task.0 as usize == t && i.origin == Origin::Rerun)
                    .count();
            format!("; {again} created again by a rerun")
        } else {
            String::new()
        };
        found.add(|| {
            format!(
                "{}: {want} instances expected, {have} created{why}",
                model.tasks[t].name
            )
        });
    }
    found.verdict(PROPERTIES[1], |n| {
        format!(
            "{n} tasks have a different number of instances than their schedule and range imply"
        )
    })
}

fn idempotent_writes(f: &Facts<'_, '_>) -> PropertyResult {
    let mut found = Found::default();
    for p in f
        .store
        .partitions
        .iter()
        .filter(|p| p.status == Status::Duplicated)
    {
        for &(task, scheduled, copies) in &p.duplicated {
            let execs: Vec<String> = p
                .writes
                .iter()
                .filter(|w| w.task == task && w.scheduled == scheduled)
                .map(|w| format!("execution {} ({}) at {}", w.attempt, w.mode, f.time(w.at)))
                .collect();
            found.add(|| {
                format!(
                    "{}: rows of {} scheduled {} are there {copies} times, a clean run leaves them once: {}",
                    p.key,
                    f.model.task(task).name,
                    f.time(scheduled),
                    execs.join("; ")
                )
            });
        }
    }
    // A windowed run's closed partitions it did not keep (each one's first lines are
    // past those of the partitions kept, which come first by key).
    found.count += f.store.dropped_duplicates;
    found.verdict(PROPERTIES[2], |n| {
        format!("rows of {n} instance(s) are held more often than one clean run leaves them")
    })
}

fn partition_alignment(found: fold::Ordered) -> PropertyResult {
    found.found().verdict(PROPERTIES[3], |n| {
        format!("{n} writes landed outside the partition their instance's date names")
    })
}

/// complete-writes: the instances' part (`writes`, folded by the store), then the
/// table-level writes, after every instance.
fn complete_writes(f: &Facts<'_, '_>, mut found: fold::Ordered) -> PropertyResult {
    // A table-level write: each date's rows are meant to stay; a later overwrite of the
    // whole table replaced them.
    let mut replaced = false;
    for p in f
        .store
        .partitions
        .iter()
        .filter(|p| p.key.whole_table() && !p.missing.is_empty())
    {
        let last = p.writes.last().map(|w| {
            format!(
                "{} scheduled {} ({} at {})",
                f.model.task(w.task).name,
                f.time(w.scheduled),
                w.mode,
                f.time(w.at)
            )
        });
        for &(task, scheduled) in &p.missing {
            replaced = true;
            found.add(u32::MAX, || {
                format!(
                    "{}: the rows of {} scheduled {} are gone, a later write of the whole table replaced them (last: {})",
                    p.key,
                    f.model.task(task).name,
                    f.time(scheduled),
                    last.as_deref().unwrap_or("-")
                )
            });
        }
    }
    found.found().verdict(PROPERTIES[4], |n| {
        if replaced {
            format!(
                "{n} intended partitions of succeeded instances were never written or were replaced"
            )
        } else {
            format!("{n} intended partitions of succeeded instances were never written")
        }
    })
}

fn dependency_order(f: &Facts<'_, '_>, mut found: fold::Ordered) -> PropertyResult {
    for (up, down) in f.engine.bindings() {
        let (i, j) = (
            &f.engine.instances[up as usize],
            &f.engine.instances[down as usize],
        );
        fold::dependency(&mut found, f.model, up, (i, j), f.satisfied(up));
    }
    found.found().verdict(PROPERTIES[5], |n| {
        format!("{n} instances started before an upstream instance succeeded")
    })
}

fn self_dependency_order(f: &Facts<'_, '_>) -> PropertyResult {
    let engine = f.engine;
    // Each self-dependent task's instances, per backfill (or the recurring schedule).
    let mut chains: BTreeMap<(u32, Option<u32>), Vec<u32>> = BTreeMap::new();
    for (i, inst) in engine.instances.iter().enumerate() {
        if f.model.task(inst.task).self_dependency {
            let set = engine.units[inst.unit as usize].backfill;
            chains.entry((inst.task.0, set)).or_default().push(i as u32);
        }
    }
    let mut found = Found::default();
    for ids in chains.values_mut() {
        ids.sort_by_key(|&i| engine.instances[i as usize].scheduled);
        let pairs = ids.windows(2).map(|w| (w[0], w[1]));
        for (prev, next, at, done) in started_before(pairs, |i| f.start(i), |i| f.satisfied(i)) {
            let when = done.map_or("had not succeeded".into(), |t| {
                format!("succeeded only at {}", f.time(t))
            });
            found.add(|| {
                format!(
                    "{} started at {}; the previous cycle {} {when}",
                    f.describe(next),
                    f.time(at),
                    f.describe(prev)
                )
            });
        }
    }
    found.verdict(PROPERTIES[6], |n| {
        format!("{n} self-dependent instances started before their previous cycle succeeded")
    })
}

fn no_early_start(f: &Facts<'_, '_>, mut found: fold::Ordered) -> PropertyResult {
    let run_immediately: Vec<bool> = f
        .scenario
        .backfills
        .iter()
        .map(|b| b.run_immediately)
        .collect();
    for (i, inst) in f.engine.instances.iter_ids() {
        fold::no_early(
            &mut found,
            f.model,
            &run_immediately,
            &f.engine.units,
            i as u32,
            inst,
        );
    }
    found.found().verdict(PROPERTIES[9], |n| {
        format!("{n} instances started before their scheduled time")
    })
}

fn effective_period(f: &Facts<'_, '_>, mut found: fold::Ordered) -> PropertyResult {
    if f.model.tasks.iter().all(|t| t.effective.is_none()) {
        return found.found().verdict(PROPERTIES[11], |_| String::new());
    }
    for (i, inst) in f.engine.instances.iter_ids() {
        fold::effective(&mut found, f.model, &f.engine.units, i as u32, inst);
    }
    found.found().verdict(PROPERTIES[11], |n| {
        format!("{n} instances lie outside their task's effective period")
    })
}

fn termination(f: &Facts<'_, '_>) -> PropertyResult {
    let mut found = Found::default();
    for s in f.engine.stuck() {
        let waits = crate::observe::summary::describe_waits(f.engine, &s.waits_for);
        found.add(|| {
            format!(
                "{} is {}, waiting for {}",
                f.describe(s.instance),
                s.state,
                waits.join("; ")
            )
        });
    }
    found.verdict(PROPERTIES[12], |n| {
        format!("{n} instances did not reach a final state")
    })
}
