//! How a run is driven and bounded: the seed and the budgets of [`Config`], why a
//! run stopped early ([`Stop`]), and why a scenario cannot be simulated at all.

use super::submit::Refusal;
use super::*;
use crate::model::doc::ScenarioDoc;
use crate::model::{Diagnostic, FileDiagnostics};
use std::ops::Range;

/// Why a scenario cannot be simulated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// A backfill (by index) or the recurring window cannot be planned.
    Plan {
        backfill: Option<usize>,
        error: PlanError,
    },
    /// The scheduler refuses the backfill (by index) where it is submitted.
    Refused { backfill: usize, why: Box<Refusal> },
    /// A budget ran out at the time `at`: the run could not complete.
    Stopped { at: String, stop: Stop },
    /// A write's partition expression names no date of the calendar for some run
    /// (an offset that leaves it): the task, the expression, the run and why.
    Partition(String),
    /// An execution or a retry would end after the calendar's last instant.
    PastCalendarEnd(String),
    /// The scenario's history cannot be laid out (a range too large, no schedule).
    History(String),
}

impl RunError {
    /// Where in its scenario's document `s` a run error belongs: the backfill it
    /// names, the scenario's first history entry for a history that cannot be laid
    /// out, else the scenario's recurring runs, else its name. A variant of the file
    /// (knobs set) is located there too: a variant changes values, not which
    /// backfill is which.
    pub fn span_in(&self, s: &ScenarioDoc) -> Range<usize> {
        let place = match self {
            RunError::Plan {
                backfill: Some(b), ..
            }
            | RunError::Refused { backfill: b, .. } => s.backfills.get(*b).map(|b| b.span.clone()),
            RunError::History(_) => s.history.first().map(|h| h.span.clone()),
            RunError::Plan { backfill: None, .. }
            | RunError::Stopped { .. }
            | RunError::Partition(_)
            | RunError::PastCalendarEnd(_) => None,
        };
        place
            .or_else(|| s.recurring.as_ref().map(|r| r.span.clone()))
            .unwrap_or_else(|| s.name.span.clone())
    }

    /// What a scenario that does not fail so would be: planned (laid out before the
    /// run), or run to its end.
    pub fn expected(&self) -> &'static str {
        match self {
            RunError::Plan { .. } | RunError::Refused { .. } | RunError::History(_) => {
                "a scenario that can be planned"
            }
            RunError::Stopped { .. } | RunError::Partition(_) | RunError::PastCalendarEnd(_) => {
                "a scenario that can run to its end"
            }
        }
    }

    /// Whether it is a budget's refusal (`--max-instances`, `--max-executions`): a
    /// run with a higher one goes on.
    pub fn is_budget(&self) -> bool {
        matches!(
            self,
            RunError::Stopped { .. }
                | RunError::Plan {
                    error: PlanError::TooMany { .. } | PlanError::TooManyBindings { .. },
                    ..
                }
        )
    }
}

/// A run error of scenario `index` of the model file `path` (text `source`), saying
/// `message` (the error, with what it belongs to: a variant, a seed, a scenario), as
/// a diagnostic at its place ([`RunError::span_in`]); `None` if the file no longer
/// parses or has no such scenario.
pub fn located(
    path: &str,
    source: &str,
    index: usize,
    error: &RunError,
    message: &str,
) -> Option<FileDiagnostics> {
    let doc = crate::model::parse_document(path, source).ok()?;
    let span = error.span_in(doc.scenarios.get(index)?);
    let mut out = FileDiagnostics::new(path, source);
    out.diagnostics
        .push(Diagnostic::new(span, message, error.expected()));
    Some(out)
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Plan {
                backfill: Some(b),
                error,
            } => write!(f, "backfill {}: {error}", b + 1),
            RunError::Plan {
                backfill: None,
                error,
            } => write!(f, "recurring schedule: {error}"),
            RunError::Refused { backfill, why } => write!(f, "backfill {}: {why}", backfill + 1),
            RunError::Stopped { at, stop } => write!(
                f,
                "stopped at {at}: {stop}; raise {} to let it finish",
                stop.flag()
            ),
            RunError::Partition(e) | RunError::PastCalendarEnd(e) | RunError::History(e) => {
                f.write_str(e)
            }
        }
    }
}

/// How the engine is driven.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub seed: u64,
    /// Refuse scenarios that would create more instances than this (counted before
    /// the run from the plan), and stop a run whose instances (regenerated ones
    /// included) or dependency bindings would grow beyond it.
    pub max_instances: u64,
    /// Stop a run after this many executions (first tries, retries and reruns).
    pub max_executions: u64,
}

impl Config {
    /// A run under `seed`, refused or stopped past `max_instances`, with the default
    /// execution budget.
    pub fn new(seed: u64, max_instances: u64) -> Config {
        Config {
            seed,
            max_instances,
            max_executions: DEFAULT_MAX_EXECUTIONS,
        }
    }
}

/// The default execution budget: far above any run a person waits for (the
/// 876,000-instance backfill of the benchmarks executes under a million times).
pub const DEFAULT_MAX_EXECUTIONS: u64 = 100_000_000;

/// Why a run stopped before it could finish: a budget of [`Config`] ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// `max_executions` executions had started; one more was due.
    Executions { limit: u64 },
    /// A unit would have brought the instances past `max_instances`.
    Instances {
        limit: u64,
        created: u64,
        /// Of those created, how many a rerun made again (regenerated dates).
        again: u64,
        /// The unit's instances that did not fit.
        wanted: u64,
    },
    /// A unit would have brought the dependency bindings past `max_instances`.
    Bindings {
        limit: u64,
        bindings: u64,
        wanted: u64,
    },
}

impl Stop {
    /// The command-line flag that raises the budget.
    pub fn flag(self) -> &'static str {
        match self {
            Stop::Executions { .. } => "--max-executions",
            Stop::Instances { .. } | Stop::Bindings { .. } => "--max-instances",
        }
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Stop::Executions { limit } => write!(
                f,
                "the run reached {limit} executions (--max-executions {limit}) before it could finish"
            ),
            Stop::Instances {
                limit,
                created,
                again,
                wanted,
            } => {
                write!(
                    f,
                    "the run would create more than {limit} instances (--max-instances {limit}): {created} created"
                )?;
                if again > 0 {
                    write!(f, " ({again} of them dates a rerun created again)")?;
                }
                write!(f, ", and the next date needs {wanted} more")
            }
            Stop::Bindings {
                limit,
                bindings,
                wanted,
            } => write!(
                f,
                "the run would bind more than {limit} dependencies (--max-instances {limit} bounds bindings too): {bindings} bound, and the next date needs up to {wanted} more"
            ),
        }
    }
}
