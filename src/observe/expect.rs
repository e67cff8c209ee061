//! The model's `[[expect]]` entries judged on one run, as properties `expect:NAME`
//! with witnesses (which instance missed, how late). A [`Recorder`] keeps the first
//! time each instance was ready (succeeded or dry-ran); [`evaluate`] reads it with the
//! engine's final state.

use std::collections::BTreeSet;

use jiff::tz::TimeZone;

use crate::calendar::schedule::{Instant, bound_note, local_to_instant, resolve_local, rfc3339};
use crate::engine::{Engine, Event, Origin, Sink, State};
use crate::keyword::Keyword;
use crate::model::expect::{ExpectKind, ExpectOrigin, ready_deadline};
use crate::model::{Model, Scenario};
use crate::observe::check::{PropertyResult, Witness};
use crate::observe::summary::human;
use crate::rules::{DstFold, DstGap};

/// At most this many misses are listed in a witness; `count` has them all.
const LISTED: usize = 10;

/// The first time each instance became ready, recorded only when the scenario has
/// expectations.
pub struct Recorder {
    active: bool,
    ready: Vec<Option<Instant>>,
}

impl Recorder {
    pub fn new(model: &Model, scenario: &Scenario) -> Recorder {
        Recorder {
            active: model.expects.iter().any(|e| e.applies_to(&scenario.name)),
            ready: Vec::new(),
        }
    }
}

impl Sink for Recorder {
    #[inline]
    fn event(&mut self, e: &Event<'_>) {
        if !self.active || !matches!(e.to, State::Succeeded | State::DryRun) {
            return;
        }
        let i = e.instance as usize;
        if self.ready.len() <= i {
            self.ready.resize(i + 1, None);
        }
        self.ready[i].get_or_insert(e.time);
    }
    fn active(&self) -> bool {
        self.active
    }
}

/// Every expectation of the model that applies to `scenario`, judged, and a note
/// for each `ready_by` that judged nothing (no instance of its task and origin, no
/// date that would have held one): it holds of nothing, which a capacity search
/// must not read as a deadline met.
pub fn evaluate(
    engine: &Engine<'_>,
    scenario: &Scenario,
    recorder: &Recorder,
) -> (Vec<PropertyResult>, Vec<String>) {
    let model = engine.model();
    let mut notes = Vec::new();
    let results = model
        .expects
        .iter()
        .filter(|e| e.applies_to(&scenario.name))
        .map(|e| {
            let (misses, count) = match &e.kind {
                ExpectKind::FinishBy(by) => {
                    let what = format!("expectation `{}`'s finish_by", e.name);
                    notes.extend(bound_note(&model.timezone, &what, *by));
                    counted(finish_by(engine, *by))
                }
                ExpectKind::MakespanAtMost(most) => counted(makespan_at_most(engine, *most)),
                ExpectKind::ReadyBy { task, by, origin } => {
                    let (misses, count, judged, days) =
                        ready_by(engine, scenario, recorder, *task, *by, *origin);
                    let what = format!("expectation `{}`'s ready_by", e.name);
                    notes.extend(days.into_iter().filter_map(|day| {
                        ready_by_note(&model.timezone, &what, day.to_datetime(*by))
                    }));
                    if judged == 0 {
                        let of = match origin {
                            ExpectOrigin::Any => String::new(),
                            o => format!("{} ", o.word()),
                        };
                        notes.push(format!(
                            "{}: judged no instance (the scenario has no {of}instance of {}): it holds of nothing",
                            e.property(),
                            model.task(*task).name
                        ));
                    }
                    (misses, count)
                }
            };
            PropertyResult {
                name: e.property().into(),
                holds: count == 0,
                witness: (count > 0).then(|| Witness {
                    summary: summary(&e.kind, model, count),
                    details: misses.into_iter().take(LISTED).collect(),
                    count,
                }),
                definition: Some(definition(e, model)),
            }
        })
        .collect();
    (results, notes)
}

/// What an expectation asks, in one sentence: its definition where the 13
/// properties have `check --explain` (an expectation is the model's own).
pub fn definition(e: &crate::model::expect::Expect, model: &Model) -> String {
    let what = match &e.kind {
        ExpectKind::FinishBy(by) => format!(
            "every instance final and every date started, the last execution ended by {by} (local time)"
        ),
        ExpectKind::MakespanAtMost(most) => format!(
            "every instance final and every date started, first start to last end at most {}",
            human(i128::from(*most))
        ),
        ExpectKind::ReadyBy { task, by, origin } => {
            let of = match origin {
                ExpectOrigin::Any => String::new(),
                o => format!("{} ", o.word()),
            };
            format!(
                "each {of}instance of {} succeeded by {} local time on the day it may first run (the next day when it may first run later than that)",
                model.task(*task).name,
                by.strftime("%H:%M:%S")
            )
        }
    };
    let only = e
        .scenario
        .as_ref()
        .map_or(String::new(), |s| format!(" (scenario `{s}` only)"));
    format!("[[expect]] `{}` of the model{only}: {what}", e.name)
}

fn counted(lines: Vec<String>) -> (Vec<String>, usize) {
    let n = lines.len();
    (lines, n)
}

fn summary(kind: &ExpectKind, model: &Model, count: usize) -> String {
    match kind {
        ExpectKind::FinishBy(by) => format!("the scenario was not done by {by}"),
        ExpectKind::MakespanAtMost(most) => {
            format!("the scenario was not done within {}", human(*most as i128))
        }
        ExpectKind::ReadyBy { task, by, .. } => format!(
            "{count} instance(s) of {} not ready by {by} (the deadline is that time on the day the instance may first run, or the next day when it may first run later)",
            model.task(*task).name,
            by = by.strftime("%H:%M:%S"),
        ),
    }
}

/// What keeps the scenario from being done: instances not final, dates never started.
fn unfinished(engine: &Engine<'_>) -> Vec<String> {
    let model = engine.model();
    let tz = &model.timezone;
    let mut out = Vec::new();
    let open: Vec<_> = engine
        .instances
        .iter()
        .filter(|i| !i.state.is_final())
        .collect();
    if let Some(first) = open.first() {
        out.push(format!(
            "{} instance(s) never reached a final state (first: {} scheduled {}, {})",
            open.len(),
            model.task(first.task).name,
            rfc3339(tz, first.scheduled),
            first.state
        ));
    }
    let never = engine.units.iter().filter(|u| u.created.is_none()).count();
    if never > 0 {
        out.push(format!("{never} date(s)/run(s) never started"));
    }
    out
}

/// (first start, last end) of the run's executions.
fn span(engine: &Engine<'_>) -> Option<(Instant, Instant)> {
    let first = engine.instances.iter().filter_map(|i| i.start()).min()?;
    let last = engine
        .instances
        .iter()
        .filter(|i| i.start().is_some())
        .filter_map(|i| i.end())
        .max()?;
    Some((first, last))
}

fn finish_by(engine: &Engine<'_>, by: jiff::civil::DateTime) -> Vec<String> {
    let tz = &engine.model().timezone;
    let deadline = local_to_instant(tz, by);
    let mut out = unfinished(engine);
    if let Some((_, last)) = span(engine)
        && last > deadline
    {
        out.push(format!(
            "the last execution ended at {}, {} late",
            rfc3339(tz, last),
            human(last - deadline)
        ));
    }
    out
}

fn makespan_at_most(engine: &Engine<'_>, most: u64) -> Vec<String> {
    let tz = &engine.model().timezone;
    let mut out = unfinished(engine);
    if let Some((first, last)) = span(engine)
        && (last - first) as u64 > most
    {
        out.push(format!(
            "the makespan was {} ({} to {}), {} too long",
            human(last - first),
            rfc3339(tz, first),
            rfc3339(tz, last),
            human((last - first) as u64 as i128 - most as i128)
        ));
    }
    out
}

/// Whether an expectation with `origin` judges an instance of this origin.
pub fn judges(origin: ExpectOrigin, of: Origin) -> bool {
    match origin {
        ExpectOrigin::Any => true,
        ExpectOrigin::Recurring => of == Origin::Recurring,
        ExpectOrigin::Backfill => matches!(of, Origin::Backfill | Origin::Rerun),
    }
}

/// What a `ready_by` read on one day is when it is not one instant there: in a gap,
/// read past it; in a fold, two instants, an instance judged by the first at or after
/// the time it may first run.
fn ready_by_note(tz: &TimeZone, what: &str, local: jiff::civil::DateTime) -> Option<String> {
    let mut instants = Vec::with_capacity(2);
    resolve_local(tz, local, DstGap::ShiftByGap, DstFold::Both, &mut instants);
    match instants.as_slice() {
        [(first, _), (second, _)] => Some(format!(
            "{what} {local} happens twice in {} (clocks go back): each instance's deadline is the first of {} and {} at or after the time it may first run",
            tz.iana_name().unwrap_or("the model's time zone"),
            rfc3339(tz, *first),
            rfc3339(tz, *second)
        )),
        _ => bound_note(tz, what, local),
    }
}

/// The misses, their count, how many instances and dates were judged, and the days
/// whose `by` was a deadline.
fn ready_by(
    engine: &Engine<'_>,
    scenario: &Scenario,
    recorder: &Recorder,
    task: crate::model::TaskId,
    by: jiff::civil::Time,
    origin: ExpectOrigin,
) -> (Vec<String>, usize, usize, BTreeSet<jiff::civil::Date>) {
    let model = engine.model();
    let tz = &model.timezone;
    let name = &model.task(task).name;
    let mut out = Vec::new();
    let mut judged = 0;
    let mut days = BTreeSet::new();
    for (k, i) in engine.instances.iter().enumerate() {
        if i.task != task || !judges(origin, i.origin) {
            continue;
        }
        judged += 1;
        let (deadline, day) = ready_deadline(tz, i.run_after, by);
        days.insert(day);
        let when = |t: Instant| rfc3339(tz, t);
        match recorder.ready.get(k).copied().flatten() {
            Some(ready) if ready <= deadline => {}
            Some(ready) => out.push(format!(
                "{name} scheduled {}: ready at {}, {} after its deadline {}",
                when(i.scheduled),
                when(ready),
                human(ready - deadline),
                when(deadline)
            )),
            None => out.push(format!(
                "{name} scheduled {}: never succeeded ({}); its deadline was {}",
                when(i.scheduled),
                i.state,
                when(deadline)
            )),
        }
    }
    let never = engine
        .units
        .iter()
        .enumerate()
        .filter(|(k, u)| {
            // Only a run that would have held the task: not another workflow's run
            // of a request split by workflow.
            u.created.is_none() && judges(origin, u.origin) && engine.unit_covers(*k as u32, task)
        })
        .map(|(_, u)| u)
        .filter(|u| {
            u.backfill.is_none_or(|b| {
                // A complement cloned for a dependent workflow (ALL_DEPENDENT)
                // is not one of the scenario's backfills.
                scenario
                    .backfills
                    .get(b as usize)
                    .is_some_and(|b| covers(model, b, task))
            })
        })
        .count();
    // Each date that never started is one miss; one line says how many.
    let count = out.len() + never;
    if never > 0 {
        out.push(format!(
            "{never} date(s)/run(s) never started, so their {name} never ran"
        ));
    }
    (out, count, judged + never, days)
}

/// Whether a backfill can create instances of `task`: it names the task or its
/// workflow, or takes everything downstream of its targets.
fn covers(model: &Model, backfill: &crate::model::Backfill, task: crate::model::TaskId) -> bool {
    use crate::model::Target;
    backfill.downstream
        || backfill.targets.iter().any(|t| match *t {
            Target::Task(id) => id == task,
            Target::Workflow(w) => model.task(task).workflow == w,
        })
}
