//! Shrinking a violating schedule to a 1-minimal one.

use super::*;

/// Removes fault attempts, actions and stretches one at a time while `property` still
/// fails, until none can go (the result is 1-minimal), and moves each action to the
/// earliest time the search draws for its instance (`earliest`) where it still fails,
/// so that cases differing only in when an action came shrink to one schedule.
pub(super) fn shrink(
    model: &Model,
    scenario: &Scenario,
    config: Config,
    earliest: &BTreeMap<(TaskId, DateTime), DateTime>,
    property: &'static str,
    mut s: Schedule,
) -> Schedule {
    let still = |s: &Schedule| {
        failing(model, &s.applied_to(scenario), config).is_ok_and(|f| f.contains(property))
    };
    loop {
        if let Some(f) = without_one(&s.faults, |f| {
            still(&Schedule {
                faults: f.to_vec(),
                ..s.clone()
            })
        }) {
            s.faults = f;
        } else if let Some(o) = without_one(&s.operations, |o| {
            still(&Schedule {
                operations: o.to_vec(),
                ..s.clone()
            })
        }) {
            s.operations = o;
        } else if let Some(x) = without_one(&s.stretches, |x| {
            still(&Schedule {
                stretches: x.to_vec(),
                ..s.clone()
            })
        }) {
            s.stretches = x;
        } else if let Some(o) = (0..s.operations.len()).into_par_iter().find_map_first(|k| {
            let o = &s.operations[k];
            let at = *earliest.get(&(o.task, o.scheduled))?;
            let mut moved = s.operations.clone();
            moved[k].at = at;
            (at < o.at
                && still(&Schedule {
                    operations: moved.clone(),
                    ..s.clone()
                }))
            .then_some(moved)
        }) {
            s.operations = o;
        } else {
            return s.normalised();
        }
    }
}

/// `items` without the first element (in order) whose removal keeps `ok` true; the
/// removals are tried in parallel.
fn without_one<T: Clone + Sync + Send>(
    items: &[T],
    ok: impl Fn(&[T]) -> bool + Sync,
) -> Option<Vec<T>> {
    (0..items.len()).into_par_iter().find_map_first(|k| {
        let mut fewer = items.to_vec();
        fewer.remove(k);
        ok(&fewer).then_some(fewer)
    })
}
