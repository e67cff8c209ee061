//! Observers: what consumes the engine's events. The trace writer streams them to
//! disk; metrics count resource use; the summary reads the engine's final state.

pub mod check;
pub mod chrome;
pub mod lanes;
pub mod metrics;
pub mod report;
pub mod store;
pub mod summary;
pub mod trace;

pub use check::PROPERTIES;
pub use metrics::Metrics;
pub use summary::Summary;
pub use trace::TraceWriter;

use crate::engine::{self, Config, Engine, RunError};
use crate::model::{Model, Scenario};

/// A simulation with every observer attached: metrics, the data store, the property
/// recorder and, if given, the trace writer. Returns the engine, what the observers
/// found, and the trace writer's result.
pub fn observe<'m, W: std::io::Write>(
    model: &'m Model,
    scenario: &Scenario,
    config: Config,
    trace: Option<W>,
) -> Result<(Engine<'m>, summary::Findings, Option<std::io::Result<W>>), RunError> {
    observe_with(model, scenario, config, trace, &mut ())
}

/// [`observe`], with one more observer (a Chrome trace, a report) attached.
pub fn observe_with<'m, W: std::io::Write>(
    model: &'m Model,
    scenario: &Scenario,
    config: Config,
    trace: Option<W>,
    extra: &mut impl engine::Sink,
) -> Result<(Engine<'m>, summary::Findings, Option<std::io::Result<W>>), RunError> {
    let mut metrics = Metrics::new(model);
    let mut store = store::Store::new(model);
    let mut recorder = check::Recorder::new(model, scenario);
    let mut trace = trace.map(|w| TraceWriter::new(w, model));
    let engine = engine::simulate(
        model,
        scenario,
        config,
        &mut (
            &mut metrics,
            (&mut store, (&mut recorder, (&mut trace, &mut *extra))),
        ),
    )?;
    let report = store.finish(&engine).map_err(RunError::Partition)?;
    let properties = check::evaluate(&engine, scenario, recorder, &report);
    let findings = summary::Findings {
        groups: metrics.groups,
        partitions: report.partitions,
        properties,
    };
    Ok((engine, findings, trace.map(TraceWriter::finish)))
}
