//! The partitions an execution's writes land in: each write's expression evaluated
//! against the instance's dates and the execution's time.

use super::*;
use crate::calendar::schedule::instant_to_local;

/// What an instance's partition expressions are evaluated against, for an execution
/// at `executed`.
fn partition_context<'m>(
    model: &'m Model,
    instance: &PlannedInstance,
    unit: UnitKey,
    executed: Instant,
) -> crate::calendar::params::Context<'m> {
    let tz = &model.timezone;
    let scheduled = instant_to_local(tz, instance.scheduled);
    let business_date = match unit {
        UnitKey::BusinessDate(d) => d,
        UnitKey::RunTime(_) => scheduled.date().yesterday().unwrap_or(scheduled.date()),
    };
    let utc = |t: Instant| instant_to_local(&jiff::tz::TimeZone::UTC, t);
    crate::calendar::params::Context {
        business_date,
        scheduled,
        scheduled_at: instance.scheduled,
        zone: tz,
        logical_utc: utc(instance.scheduled),
        interval_end_utc: utc(instance.run_after),
        executed: instant_to_local(tz, executed),
    }
}

/// One partition a write names; an empty `partition` is the whole table (a
/// table-level write).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionKey {
    pub table: String,
    pub partition: String,
}

impl PartitionKey {
    /// A table-level write's key: the whole table.
    pub fn whole_table(&self) -> bool {
        self.partition.is_empty()
    }
}

impl std::fmt::Display for PartitionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.whole_table() {
            write!(f, "{} (whole table)", self.table)
        } else {
            write!(f, "{}/{}", self.table, self.partition)
        }
    }
}

/// The partition each write of an execution at `executed` lands in, with its mode,
/// in the task's order of writes; or why one of them names no date of the calendar
/// (an offset that leaves it), naming the task, the expression and the run.
pub fn partitions(
    model: &Model,
    instance: &PlannedInstance,
    unit: UnitKey,
    executed: Instant,
) -> Result<Vec<(PartitionKey, crate::model::WriteMode)>, String> {
    let writes = &model.task(instance.task).writes;
    let mut names = Vec::with_capacity(writes.len());
    partition_names(model, instance, unit, executed, &mut names)?;
    Ok(writes
        .iter()
        .zip(names)
        .map(|(w, partition)| {
            let table = w.table.clone();
            (PartitionKey { table, partition }, w.mode)
        })
        .collect())
}

/// [`partitions`] without the tables: the partition name of each of the task's
/// writes, in order, pushed onto `out` (an empty name is the whole table).
pub fn partition_names(
    model: &Model,
    instance: &PlannedInstance,
    unit: UnitKey,
    executed: Instant,
    out: &mut Vec<String>,
) -> Result<(), String> {
    let cx = partition_context(model, instance, unit, executed);
    let flavor = crate::calendar::params::Flavor::of(&model.rules);
    let task = model.task(instance.task);
    for w in &task.writes {
        out.push(match w.partition.as_deref() {
            None => String::new(),
            Some(p) => crate::calendar::params::evaluate(p, flavor, &cx).map_err(|e| {
                format!(
                    "task {}: the partition `{}` of its run scheduled {}: {e}",
                    task.name,
                    p,
                    crate::calendar::schedule::rfc3339(&model.timezone, instance.scheduled),
                )
            })?,
        });
    }
    Ok(())
}
