//! Semantic diffs: two runs compared by meaning, not by line (issue 14). A diff is a
//! driver over two runs: each side is simulated with a `Collector` attached (or read
//! back from a trace or a golden record), then `compare` matches instances by their
//! logical identity and says what changed; `text`, `html` and the `Diff`'s JSON render
//! it.

pub mod changed;
mod coarse;
pub mod compare;
pub mod html;
pub mod record;
pub mod run;
pub mod settings;
pub mod text;

pub use compare::{Diff, Verdict, diff};
pub use run::Run;

use crate::engine::{Config, RunError};
use crate::model::{Model, Scenario};
use crate::observe::observe_with;

/// Simulates a scenario with every observer and the diff's collector attached;
/// writes the trace to `trace` when given (header not included).
pub fn simulate(
    model: &Model,
    scenario: &Scenario,
    config: Config,
    model_hash: &str,
    trace: Option<&mut Vec<u8>>,
) -> Result<Run, RunError> {
    let mut collector = run::Collector::new(model);
    let (engine, findings, _) = observe_with(model, scenario, config, trace, &mut collector)?;
    let meta = run::Meta::of(model, &scenario.name, config.seed, model_hash);
    let never_started = (engine.never_started())
        .map(|(u, unit)| (engine.unit_label(u), unit.origin))
        .collect();
    Ok(Run {
        never_started: Some(never_started),
        settings: Some(settings::of(model)),
        ..collector.finish(meta, Some(run::Findings::of(&findings)), engine.notes)
    })
}
