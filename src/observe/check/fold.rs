//! The per-instance properties one instance at a time, so that a windowed run
//! (`Sink::retire`, unit by unit in the order units end) and the end of every run
//! (what the engine still holds) evaluate them by the same code, into [`Ordered`]s
//! that keep the witness lines of the lowest ids: the verdicts, counts and witness
//! lines are those of one pass over every instance in id order.

use super::*;
use crate::engine::{Instance, Retired, Unit};

/// What the per-instance properties found in the retired units, and what
/// unique-logical-instance needs of them.
#[derive(Default)]
pub(super) struct Folds {
    pub dependency: Ordered,
    pub no_early: Ordered,
    pub effective: Ordered,
    pub unique: Disjoint,
}

/// A property's violations found in any order of ids: the first [`DETAILS`] lines in
/// (id, then finding) order, and how many in all.
#[derive(Default)]
pub(super) struct Ordered {
    lines: BTreeMap<(u32, u64), String>,
    seq: u64,
    count: usize,
}

impl Ordered {
    /// A violation of instance `id` (lines of one id keep the order they come in).
    pub fn add(&mut self, id: u32, line: impl FnOnce() -> String) {
        self.count += 1;
        self.seq += 1;
        let key = (id, self.seq);
        let full = self.lines.len() >= DETAILS;
        if full
            && self
                .lines
                .last_key_value()
                .is_some_and(|(last, _)| *last < key)
        {
            return;
        }
        self.lines.insert(key, line());
        if full {
            self.lines.pop_last();
        }
    }

    pub fn found(self) -> Found {
        Found {
            details: self.lines.into_values().collect(),
            count: self.count,
        }
    }
}

/// `units_disjoint`'s walk, unit by unit: each unit's scheduled range per workflow
/// it holds, and whether every unit so far keeps each task's instances in one
/// strictly increasing run. Two instances with one key share a task, so a workflow's
/// ranges that never overlap across units leave no duplicate; per workflow, so that
/// two DAGs' runs at one time (`unit_scope = workflow`) are still told apart.
#[derive(Clone, Default)]
pub(super) struct Disjoint {
    /// (workflow, first scheduled, last scheduled) of each unit's instances.
    pub ranges: Vec<(u32, Instant, Instant)>,
    /// The last unit (+1) in which each task's run of instances was seen.
    seen_in: Vec<u32>,
    /// Per workflow: the last unit (+1) that touched it, and its range there.
    span: Vec<(u32, Instant, Instant)>,
    touched: Vec<u32>,
    pub broken: bool,
    pub covered: usize,
}

impl Disjoint {
    /// One unit's instances (`u` is its index).
    pub fn unit<'a>(&mut self, model: &Model, u: u32, insts: impl Iterator<Item = &'a Instance>) {
        if self.seen_in.len() < model.tasks.len() {
            self.seen_in.resize(model.tasks.len(), 0);
        }
        if self.span.len() < model.workflows.len() {
            self.span.resize(model.workflows.len(), (0, 0, 0));
        }
        let mut prev: Option<&Instance> = None;
        // The current task's run: its workflow and first and last scheduled times
        // (increasing within a run, or `broken` says otherwise).
        let mut run: Option<(u32, Instant, Instant)> = None;
        for inst in insts {
            self.covered += 1;
            if inst.unit != u {
                self.broken = true;
            }
            let t = inst.task.0 as usize;
            match prev {
                Some(p) if p.task == inst.task => {
                    if p.scheduled >= inst.scheduled {
                        self.broken = true;
                    }
                    if let Some(r) = &mut run {
                        r.2 = inst.scheduled;
                    }
                }
                _ => {
                    // A task's second run in this unit.
                    if self.seen_in[t] == u + 1 {
                        self.broken = true;
                    }
                    self.seen_in[t] = u + 1;
                    if let Some(r) = run {
                        self.widen(u, r);
                    }
                    let w = model.task(inst.task).workflow.0;
                    run = Some((w, inst.scheduled, inst.scheduled));
                }
            }
            prev = Some(inst);
        }
        if let Some(r) = run {
            self.widen(u, r);
        }
        for w in self.touched.drain(..) {
            let (_, lo, hi) = self.span[w as usize];
            self.ranges.push((w, lo, hi));
        }
    }

    /// Unit `u`'s range of workflow `w` takes in a task's run from `lo` to `hi`.
    fn widen(&mut self, u: u32, (w, lo, hi): (u32, Instant, Instant)) {
        let span = &mut self.span[w as usize];
        if span.0 != u + 1 {
            *span = (u + 1, lo.min(hi), lo.max(hi));
            self.touched.push(w);
        } else {
            span.1 = span.1.min(lo).min(hi);
            span.2 = span.2.max(lo).max(hi);
        }
    }
}

/// "task scheduled 2025-03-02T00:00:00+08:00".
pub(super) fn describe(model: &Model, inst: &Instance) -> String {
    format!(
        "{} scheduled {}",
        model.task(inst.task).name,
        rfc3339(&model.timezone, inst.scheduled)
    )
}

/// dependency-order for one binding (`up`, `down`). The test is inlined where the
/// bindings are folded; a violation's witness is written by a call.
#[inline]
pub(super) fn dependency(
    found: &mut Ordered,
    model: &Model,
    up_id: u32,
    (up, down): (&Instance, &Instance),
    satisfied: Option<Instant>,
) {
    let Some(at) = down.start() else { return };
    if satisfied.is_some_and(|t| t <= at) {
        return;
    }
    started_early(found, model, up_id, (up, down), at, satisfied);
}

#[cold]
fn started_early(
    found: &mut Ordered,
    model: &Model,
    up_id: u32,
    (up, down): (&Instance, &Instance),
    at: Instant,
    satisfied: Option<Instant>,
) {
    let time = |t| rfc3339(&model.timezone, t);
    let when = satisfied.map_or("never succeeded".into(), |t| {
        format!("succeeded at {}", time(t))
    });
    found.add(up_id, || {
        format!(
            "{} started at {}, but {} it waits for {when}",
            describe(model, down),
            time(at),
            describe(model, up)
        )
    });
}

/// no-early-start for one instance; `run_immediately` per backfill of the scenario.
/// The test is inlined where the instances are folded; the rest is a call.
#[inline]
pub(super) fn no_early(
    found: &mut Ordered,
    model: &Model,
    run_immediately: &[bool],
    units: &[Unit],
    id: u32,
    inst: &Instance,
) {
    if let Some(start) = inst.start().filter(|&s| s < inst.run_after)
        && !chosen(run_immediately, units, inst)
    {
        before_its_time(found, model, id, inst, start);
    }
}

/// Whether `inst` belongs to a backfill chosen to run immediately: it may start
/// before its time. A backfill cloned for a dependent workflow (ALL_DEPENDENT) is
/// past the scenario's list: it was not chosen.
#[inline]
fn chosen(run_immediately: &[bool], units: &[Unit], inst: &Instance) -> bool {
    units[inst.unit as usize]
        .backfill
        .is_some_and(|b| run_immediately.get(b as usize).copied().unwrap_or(false))
}

#[cold]
fn before_its_time(found: &mut Ordered, model: &Model, id: u32, inst: &Instance, start: Instant) {
    let time = |t| rfc3339(&model.timezone, t);
    let why = if inst.origin == Origin::Recurring {
        String::new()
    } else {
        format!(
            " (the profile's future_instances = {}, run immediately was not chosen)",
            model.rules.future_instances
        )
    };
    found.add(id, || {
        format!(
            "{} started at {}, before its time {}{why}",
            describe(model, inst),
            time(start),
            time(inst.run_after)
        )
    });
}

/// effective-period for one instance.
pub(super) fn effective(
    found: &mut Ordered,
    model: &Model,
    units: &[Unit],
    id: u32,
    inst: &Instance,
) {
    let effective = model.task(inst.task).effective;
    let Some((from, to)) = effective else { return };
    let date = match units[inst.unit as usize].key {
        UnitKey::BusinessDate(b) => b,
        UnitKey::RunTime(_) => instant_to_local(&model.timezone, inst.scheduled).date(),
    };
    if outside_effective(date, effective) {
        found.add(id, || {
            format!(
                "{}: date {date} is outside the effective period {from} to {to}",
                describe(model, inst)
            )
        });
    }
}

impl Recorder<'_> {
    /// Folds a retired unit into the per-instance properties, then forgets what the
    /// recorder kept of its instances.
    pub(super) fn fold(&mut self, r: &Retired<'_>) {
        // Ids the recorder never kept (no event of theirs changed what it keeps) are
        // grown all the same: each binding's upstream is read below, and every id of
        // the unit retired, so that no later id brings them back.
        if r.end > r.first {
            self.grow(r.end as usize - 1);
        }
        let model = self.model;
        let folds = &mut self.folds;
        let any_effective = model.tasks.iter().any(|t| t.effective.is_some());
        // One pass over the instances for the three per-instance walks.
        let each = r.iter().map(|(id, inst)| {
            no_early(
                &mut folds.no_early,
                model,
                &self.run_immediately,
                r.units,
                id,
                inst,
            );
            if any_effective {
                effective(&mut folds.effective, model, r.units, id, inst);
            }
            inst
        });
        folds.unique.unit(model, r.unit, each);
        for &(up, down) in r.bindings {
            let satisfied = Some(self.seen[up as usize].satisfied_at).filter(|&t| t != NEVER);
            let pair = (&r.instances[up as usize], &r.instances[down as usize]);
            dependency(&mut folds.dependency, model, up, pair, satisfied);
        }
        self.seen.retire(r.first as usize, r.end as usize);
    }
}
