//! Observers: what consumes the engine's events. The trace writer streams them to
//! disk; metrics count resource use; the summary reads the engine's final state.

pub mod check;
pub mod chrome;
pub mod dates;
pub mod exercised;
pub mod expect;
pub mod gantt;
pub mod lanes;
pub mod metrics;
mod mix;
pub mod properties;
pub mod report;
pub mod store;
pub mod summary;
pub mod svg;
pub mod sweep_chart;
pub mod timeline_chart;
pub mod trace;
pub mod waits;
pub mod witness;

pub use check::PROPERTIES;
pub use summary::Summary;
pub use trace::TraceWriter;

use crate::engine::{self, Config, Engine, RunError};
use crate::model::{Model, Scenario};

/// A complete simulation with every observer attached: metrics, the data store, the
/// property recorder and, if given, the trace writer. Returns the engine, what the
/// observers found, and the trace writer's result; a run a budget stopped is an error
/// ([`RunError::Stopped`]), its verdicts would be about half a run.
pub fn observe<'m, W: std::io::Write>(
    model: &'m Model,
    scenario: &Scenario,
    config: Config,
    trace: Option<W>,
) -> Result<(Engine<'m>, summary::Findings, Option<std::io::Result<W>>), RunError> {
    let out = observe_with(model, scenario, config, trace, &mut ())?;
    finished(out.0).map(|engine| (engine, out.1, out.2))
}

/// The engine of a run that finished; one a budget stopped is an error.
pub fn finished(engine: Engine<'_>) -> Result<Engine<'_>, RunError> {
    match engine.stopped() {
        Some((at, stop)) => Err(RunError::Stopped {
            at: crate::calendar::schedule::rfc3339(&engine.model().timezone, at),
            stop,
        }),
        None => Ok(engine),
    }
}

/// A simulation with one more observer (a Chrome trace, a report) attached; a run a
/// budget stopped comes back as it stood (`Engine::stopped`), for `run` to report.
pub fn observe_with<'m, W: std::io::Write>(
    model: &'m Model,
    scenario: &Scenario,
    config: Config,
    trace: Option<W>,
    extra: &mut impl engine::Sink,
) -> Result<(Engine<'m>, summary::Findings, Option<std::io::Result<W>>), RunError> {
    observe_in(
        model,
        scenario,
        config,
        Memory::Full,
        Reads::Figures,
        trace,
        extra,
    )
}

/// A complete simulation for its verdicts alone: the 13 properties and the model's
/// `[[expect]]` entries, without the figures ([`Reads::Verdicts`]); what `explore`
/// reads of each case.
pub fn verdicts<'m>(
    model: &'m Model,
    scenario: &Scenario,
    config: Config,
) -> Result<(Engine<'m>, Vec<check::PropertyResult>), RunError> {
    let (engine, findings, _) = observe_in::<std::io::Sink>(
        model,
        scenario,
        config,
        Memory::Full,
        Reads::Verdicts,
        None,
        &mut (),
    )?;
    Ok((finished(engine)?, findings.properties))
}

/// What an output reads of a run, beyond the engine's own state: an observer no
/// output reads is not attached (issue 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    /// Verdicts and figures: resource groups' use and the waits (`run`, JSON, reports).
    Figures,
    /// The verdicts alone (`check`'s text, `explore`'s cases): the metrics and waits
    /// observers are not attached, and [`summary::Findings`] holds no group figures
    /// and no waits.
    Verdicts,
}

/// How a run keeps its instances (issue 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// Every instance, to the end: what instance lists, reports and drivers read.
    Full,
    /// Only the units in flight: the engine retires the others and each observer
    /// folds them into its figures ([`engine::Sink::retire`]). The findings and the
    /// summary's figures are those of a full run; the engine's instance vector holds
    /// only what was left in flight.
    Windowed,
}

/// The one place that decides whether a run may be windowed: when the engine can
/// (no operator action, no history, no self-dependency across dates:
/// `engine::windowable`), no output lists instances (`lists`: `--format json`, the
/// HTML report's Gantt chart, the Chrome trace), and no observer reads every instance
/// at the end: `[[expect]]` entries of the scenario, and scripted faults (the note on
/// those that never ran). The store closes its partitions as their units retire, and
/// may make the run start again keeping every instance ([`observe_in`]).
pub fn memory(model: &Model, scenario: &Scenario, lists: bool) -> Memory {
    let windowed = !lists
        && engine::windowable(model, scenario)
        && scenario.faults.is_empty()
        && !model.expects.iter().any(|e| e.applies_to(&scenario.name));
    if windowed {
        Memory::Windowed
    } else {
        Memory::Full
    }
}

/// [`observe_with`] under a [`Memory`] ([`memory`] says which a run may use).
pub fn observe_in<'m, W: std::io::Write>(
    model: &'m Model,
    scenario: &Scenario,
    config: Config,
    memory: Memory,
    reads: Reads,
    trace: Option<W>,
    extra: &mut impl engine::Sink,
) -> Result<(Engine<'m>, summary::Findings, Option<std::io::Result<W>>), RunError> {
    // A windowed run whose tasks write may have to start again (below): it does so
    // only where nothing was streamed out yet (a trace, another observer).
    let writes = model.tasks.iter().any(|t| !t.writes.is_empty());
    let memory = if writes && (trace.is_some() || extra.active()) {
        Memory::Full
    } else {
        memory
    };
    let windowed = memory == Memory::Windowed;
    let figures = reads == Reads::Figures;
    // The waits observer drives the resource groups' figures too (`metrics::Metrics`).
    let mut waits = figures.then(|| waits::Waits::new(model));
    let mut store = store::Store::new(model, windowed);
    let mut recorder = check::Recorder::new(model, scenario);
    let mut expected = expect::Recorder::new(model, scenario);
    let mut trace = trace.map(|w| TraceWriter::new(w, model));
    let mut engine = engine::simulate_in(
        model,
        scenario,
        config,
        windowed,
        &mut (
            &mut waits,
            (
                &mut recorder,
                engine::Gated::new((&mut store, (&mut expected, (&mut trace, &mut *extra)))),
            ),
        ),
    )?;
    // The windowed store referred to a partition it had closed (by the end: an
    // instance of a unit still held may name one), counted two instances of one
    // logical key in a reference, or met a partition expression that names no date (a
    // full run says which one first): only a run keeping every instance says exactly
    // what a full run says. (Nothing was streamed out: see above.)
    store.settle(&engine);
    if windowed && writes && (store.unsure() || !recorder.disjoint(&engine)) {
        drop((engine, store, recorder, expected, waits));
        return observe_in(model, scenario, config, Memory::Full, reads, None, extra);
    }
    let start = crate::calendar::schedule::local_to_instant(&model.timezone, scenario.start);
    let (waits, mut groups) = waits.map(|w| w.finish(&engine, start)).unwrap_or_default();
    for g in &mut groups {
        g.peak_waiting = waits
            .waits
            .iter()
            .filter(|w| w.name.as_deref() == Some(&g.name) && w.kind.is_slots())
            .map(|w| w.peak_queue)
            .max()
            .unwrap_or(0);
    }
    let unapplied = unapplied_faults(&engine, scenario);
    engine.notes.extend(unapplied);
    let unused = engine.unused_stretches();
    engine.notes.extend(unused);
    if engine.instances.is_empty() {
        engine.notes.push(
            "the scenario created no instance: no scheduled time of its targets falls in its backfills' ranges, nor of a recurring run before its end; every property holds of nothing".to_string(),
        );
    }
    let mut report = store.finish(&engine).map_err(RunError::Partition)?;
    let mut properties = check::evaluate(&engine, scenario, recorder, &mut report);
    // The model's `[[expect]]` entries, after the 13 properties, as `expect:NAME`.
    let (expects, vacuous) = expect::evaluate(&engine, scenario, &expected);
    properties.extend(expects);
    engine.notes.extend(vacuous);
    let findings = summary::Findings {
        groups,
        waits,
        partitions: report.partitions,
        partitions_dropped: report.dropped,
        properties,
    };
    Ok((engine, findings, trace.map(TraceWriter::finish)))
}

/// A note for every scripted fault attempt that never ran: no instance of its task
/// was scheduled then, or its instance made fewer attempts. (An operation that meets
/// no instance is noted by the engine when it comes due.)
fn unapplied_faults(engine: &Engine<'_>, scenario: &Scenario) -> Vec<String> {
    use crate::calendar::schedule::{local_to_instant, rfc3339};
    use crate::keyword::Keyword;
    if scenario.faults.is_empty() {
        return Vec::new();
    }
    let model = engine.model();
    let tz = &model.timezone;
    let mut notes = Vec::new();
    for f in &scenario.faults {
        let at = local_to_instant(tz, f.scheduled);
        // The most attempts an instance it can strike made (its origin, if limited).
        let origin = f.origin.map(engine::Origin::of_fault);
        let most = engine
            .instances
            .iter()
            .filter(|i| i.task == f.task && i.scheduled == at)
            .filter(|i| origin.is_none_or(|o| o == i.origin))
            .map(|i| i.attempts)
            .max();
        let missed: Vec<String> = f
            .attempts
            .iter()
            .filter(|&&a| most.is_none_or(|m| a > m))
            .map(u32::to_string)
            .collect();
        if missed.is_empty() {
            continue;
        }
        let why = match (most, f.origin) {
            (None, Some(o)) => format!("no {} instance of the task was scheduled then", o.word()),
            (None, None) => "no instance of the task was scheduled then".to_string(),
            (Some(m), _) => format!("its instance made {m} attempts"),
        };
        notes.push(format!(
            "fault {} scheduled {} attempt {}: never ran, so it did nothing: {why}",
            model.task(f.task).name,
            rfc3339(tz, at),
            missed.join("+")
        ));
    }
    notes
}
