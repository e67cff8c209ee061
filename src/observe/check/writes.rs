//! partition-alignment and complete-writes one instance at a time, from what it meant
//! to write and what it wrote. The store calls [`instance`] for every instance in id
//! order at the end of a run, and for a unit's instances when a windowed run retires
//! it (`Sink::retire`): into [`Ordered`]s, so that the verdicts, counts and witness
//! lines are those of one pass over every instance in id order either way.

use super::fold::{Ordered, describe};
use crate::calendar::schedule::rfc3339;
use crate::engine::{Instance, State};
use crate::model::Model;
use crate::plan::{Kind, PartitionKey};

/// What the two properties found so far.
#[derive(Default)]
pub struct WriteFolds {
    pub(super) alignment: Ordered,
    pub(super) complete: Ordered,
}

/// The two properties for instance `id`: `intended` are the ids of the partitions its
/// date names, `written` those its executions wrote (each once), `key` names one.
pub(crate) fn instance<I, W>(
    folds: &mut WriteFolds,
    model: &Model,
    id: u32,
    inst: &Instance,
    intended: I,
    written: W,
    key: impl Fn(u32) -> PartitionKey,
) where
    I: Iterator<Item = u32> + Clone,
    W: Iterator<Item = u32> + Clone,
{
    for w in written.clone() {
        if !intended.clone().any(|m| m == w) {
            misaligned(folds, model, id, inst, intended.clone(), &key(w), &key);
        }
    }
    if inst.state != State::Succeeded || inst.kind != Kind::Run {
        return;
    }
    for m in intended {
        if !written.clone().any(|w| w == m) {
            never_written(
                folds,
                model,
                id,
                inst,
                &key(m),
                written.clone().next().is_none(),
            );
        }
    }
}

#[cold]
fn misaligned(
    folds: &mut WriteFolds,
    model: &Model,
    id: u32,
    inst: &Instance,
    intended: impl Iterator<Item = u32>,
    wrote: &PartitionKey,
    key: &impl Fn(u32) -> PartitionKey,
) {
    let at = inst
        .start()
        .map_or("-".into(), |t| rfc3339(&model.timezone, t));
    let meant: Vec<String> = intended.map(|m| key(m).to_string()).collect();
    folds.alignment.add(id, || {
        format!(
            "{}: wrote {wrote} (first run {at}), but its date names {}",
            describe(model, inst),
            meant.join(", ")
        )
    });
}

#[cold]
fn never_written(
    folds: &mut WriteFolds,
    model: &Model,
    id: u32,
    inst: &Instance,
    meant: &PartitionKey,
    wrote_nothing: bool,
) {
    let why = match (inst.attempts, wrote_nothing) {
        (0, _) => "it was set succeeded without running".to_string(),
        (n, true) => format!("none of its {n} executions wrote; it was set succeeded"),
        (n, false) => format!("its {n} executions wrote elsewhere"),
    };
    folds.complete.add(id, || {
        format!(
            "{}: succeeded, but {meant} was never written: {why}",
            describe(model, inst)
        )
    });
}
