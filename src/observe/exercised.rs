//! What a run exercised that a varied knob acts on (`whatif`): the tasks with a
//! failed execution (their retries), the span of scheduled times (a DST rule), the
//! backfills with a date that already had a run (`reprocess`), the resource groups
//! an execution ran in (their slots). After a sweep, a knob that no run exercised
//! gets a note (`whatif::idle_notes`): its values could change nothing.

use crate::engine::{Engine, Event, Sink, State};
use crate::observe::metrics::GroupFigures;

/// What one run exercised; several runs' fold into one ([`Exercised::merge`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Exercised {
    /// The tasks (by name) with an execution that failed in the scenario (its history
    /// aside): what their retries act on.
    pub failed: Vec<String>,
    /// The earliest and the latest scheduled time of its instances (seconds), if it
    /// has any: where a DST rule could act.
    pub scheduled: Option<(i64, i64)>,
    /// The backfills (by index from 0) with a date that already had a run: what
    /// their `reprocess` acts on.
    pub met_runs: Vec<usize>,
    /// The resource groups (pools) an execution ran in, by name: what their slots
    /// act on.
    pub ran_in: Vec<String>,
}

/// Per task, the latest unit in which one of its executions failed: the sink a run
/// is observed with to know [`Exercised::failed`].
#[derive(Default)]
pub struct Failures(Vec<Option<u32>>);

impl Sink for Failures {
    fn event(&mut self, e: &Event<'_>) {
        if e.from == State::Running && matches!(e.to, State::Failed | State::WaitingRetry) {
            let t = e.task().0 as usize;
            if self.0.len() <= t {
                self.0.resize(t + 1, None);
            }
            self.0[t] = self.0[t].max(Some(e.unit()));
        }
    }
}

impl Exercised {
    /// What the finished run of `engine` exercised, its failures observed by
    /// `failures` and its groups' figures `groups`.
    pub fn of(engine: &Engine<'_>, failures: &Failures, groups: &[GroupFigures]) -> Exercised {
        let model = engine.model();
        let failed = (failures.0.iter().enumerate())
            .filter(|(_, u)| u.is_some_and(|u| !engine.is_history_unit(u)))
            .map(|(t, _)| model.tasks[t].name.clone())
            .collect();
        let scheduled = engine.instances.iter().fold(None, |span, i| {
            let t = i.scheduled;
            Some(span.map_or((t, t), |(a, b): (i64, i64)| (a.min(t), b.max(t))))
        });
        Exercised {
            failed,
            scheduled,
            met_runs: engine.met_runs().iter().copied().collect(),
            ran_in: (groups.iter())
                .filter(|g| g.peak_running > 0)
                .map(|g| g.name.clone())
                .collect(),
        }
    }

    /// What either run exercised: `other`'s folded into this one (a variant's runs
    /// over its seeds).
    pub fn merge(&mut self, other: &Exercised) {
        fn union<T: Ord + Clone>(a: &mut Vec<T>, b: &[T]) {
            a.extend_from_slice(b);
            a.sort();
            a.dedup();
        }
        union(&mut self.failed, &other.failed);
        union(&mut self.met_runs, &other.met_runs);
        union(&mut self.ran_in, &other.ran_in);
        self.scheduled = match (self.scheduled, other.scheduled) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, y) => x.or(y),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_runs_exercised_what_either_did() {
        let mut a = Exercised {
            failed: vec!["b".into(), "d".into()],
            scheduled: Some((10, 20)),
            met_runs: vec![1],
            ran_in: vec!["etl".into()],
        };
        let b = Exercised {
            failed: vec!["a".into(), "d".into()],
            scheduled: Some((5, 15)),
            met_runs: vec![0, 1],
            ran_in: vec![],
        };
        a.merge(&b);
        assert_eq!(a.failed, ["a", "b", "d"]);
        assert_eq!(a.scheduled, Some((5, 20)));
        assert_eq!(a.met_runs, [0, 1]);
        assert_eq!(a.ran_in, ["etl"]);
        let mut none = Exercised::default();
        none.merge(&a);
        assert_eq!(none, a);
        a.merge(&Exercised::default());
        assert_eq!(none, a);
    }
}
