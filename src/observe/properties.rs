//! The definitions of the 13 properties `check` evaluates, written as
//! [`check`](super::check) implements them: what holds, what a witness shows, how to
//! fix a violation. `schedsim check --explain NAME` prints one; docs/properties.md is
//! [`markdown`] of all of them (a test keeps the page and this text equal).

use super::check::PROPERTIES;

/// One property's definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Definition {
    /// The product.md name, as `check` prints it.
    pub name: &'static str,
    /// What holds when the property holds.
    pub holds: &'static str,
    /// What a witness line names.
    pub witness: &'static str,
    /// What to change in the model or the operation when it does not hold.
    pub fix: &'static str,
}

/// Every definition, in the order of [`PROPERTIES`].
pub const DEFINITIONS: [Definition; 13] = [
    Definition {
        name: "unique-logical-instance",
        holds: "There is one instance per (task, scheduled time). Retries and reruns add \
                executions to that instance, never a second instance.",
        witness: "The task and scheduled time, how many instances share it, and for each \
                  its origin (recurring, backfill, rerun) and when it was created.",
        fix: "Do not backfill a range the recurring schedule already covers (or another \
              backfill of the same targets); rerun the existing instance instead.",
    },
    Definition {
        name: "instance-count",
        holds: "Each task has exactly as many instances as its schedule implies: every \
                date of every backfill range and of the recurring window, inside the \
                task's effective period, as the profile's calendar plans them, whatever \
                ran.",
        witness: "The task, the instances expected and created; when fewer, the dates that \
                  never started and why the first did not (the run stopped, it was due \
                  after the horizon, its backfill stopped after a failed date \
                  (chain_on_failure), or the dates in flight (groups, max_active_runs) \
                  never freed); when more, how many a rerun created again.",
        fix: "Unblock the dates that never started (a longer horizon, a failed date \
              rerun, more groups), or stop creating instances twice.",
    },
    Definition {
        name: "idempotent-writes",
        holds: "Every partition ends holding each instance's rows exactly as often as one \
                clean execution of that instance leaves them: an `insert` (append) run \
                twice, by a retry after the write or by a rerun, holds them twice.",
        witness: "The partition, the task and scheduled time, how many copies of its rows \
                  are there, and each execution that wrote them (attempt, write mode, time).",
        fix: "Make the write idempotent: `mode = \"overwrite\"` of the instance's own \
              partition (INSERT OVERWRITE), or delete the partition before appending.",
    },
    Definition {
        name: "partition-alignment",
        holds: "Every execution writes only partitions named by its instance's business \
                or logical date: `today()` and `now()` evaluated at the scheduled time. \
                An expression that reads the execution's clock (a backfill of last month \
                writing today's partition) breaks it.",
        witness: "The task and scheduled time, the partition it wrote and when it first \
                  ran, and the partitions its date names.",
        fix: "Name the partition from the business or logical date (`${bizdate}`, \
              `{{ ds }}`, `$[yyyyMMdd-1]`), not from the execution's clock.",
    },
    Definition {
        name: "complete-writes",
        holds: "Every instance that ended `succeeded` (dry-runs aside) wrote each \
                partition its date names, and no later write of the whole table replaced \
                the rows it left there.",
        witness: "The task and scheduled time and the partition never written, with why: \
                  set succeeded without running, set succeeded after executions that did \
                  not write, or its executions wrote elsewhere; or, for a table-level \
                  write, the instance whose rows are gone and the last write that \
                  replaced them.",
        fix: "Rerun instead of setting success; write each date's partition rather than \
              overwriting the whole table.",
    },
    Definition {
        name: "dependency-order",
        holds: "No instance starts before every upstream instance it is bound to has \
                succeeded (or dry-run).",
        witness: "The downstream instance and when it started; the upstream instance and \
                  when it succeeded, or that it never did.",
        fix: "Bind the instances as the scheduler does (the right upstream, dependency \
              cycle or offset), and do not set success or kill an upstream that \
              downstreams still read.",
    },
    Definition {
        name: "self-dependency-order",
        holds: "A self-dependent task's instances (per backfill, or of the recurring \
                schedule) start in scheduled order, each after the previous one succeeded \
                (or dry-ran).",
        witness: "The instance and when it started; the previous cycle and when it \
                  succeeded, or that it had not.",
        fix: "Run a self-dependent task's backfill in ascending order with one group, or \
              drop `self_dependency` if each cycle stands alone.",
    },
    Definition {
        name: "resource-bound",
        holds: "At no moment do the running instances of a resource group (counting each \
                instance's slots: Airflow `pool_slots`) or of a task group exceed its \
                slots.",
        witness: "When, the group, the slots in use and its slots, and the task that \
                  started.",
        fix: "The simulated schedulers start nothing past a group's free slots, so a \
              violation points at a rule of the profile, not at the model: report it \
              with the `check` command that shows it.",
    },
    Definition {
        name: "date-parallelism-bound",
        holds: "A backfill never has more dates in flight than its `groups` allow (per \
                workflow where it runs one backfill per workflow: DolphinScheduler, \
                Airflow). A date an operator reruns is not another date in flight.",
        witness: "When, the backfill (by its number in the scenario), the dates in flight, \
                  the date that started, and the groups allowed.",
        fix: "As for resource-bound: the bound is kept by the profile's rules, so report \
              a violation with the `check` command that shows it.",
    },
    Definition {
        name: "no-early-start",
        holds: "No instance starts before its time (its scheduled time, or when the \
                profile runs it: Airflow after its data interval), unless its backfill \
                chose `run_immediately`.",
        witness: "The instance, when it started and its time; for a backfill or rerun, \
                  the profile's `future_instances` rule.",
        fix: "Set `run_immediately = true` on the backfill if starting future dates now \
              is meant; else keep the backfill's range in the past.",
    },
    Definition {
        name: "retry-bound",
        holds: "An instance has at most `retry.times` + 1 executions since it was created \
                or last rerun (or set succeeded), and each retry starts at least \
                `retry.interval` after the failure before it.",
        witness: "The instance and the execution that is a try too many, or the retry with \
                  its gap after the failure and the interval.",
        fix: "As for resource-bound: retries follow the profile's rules, so report a \
              violation with the `check` command that shows it.",
    },
    Definition {
        name: "effective-period",
        holds: "No instance's date (its business date; else the local date of its \
                scheduled time) lies outside its task's `effective` period, both ends \
                included.",
        witness: "The instance, its date and the effective period.",
        fix: "Keep backfill ranges inside the task's effective period, or widen \
              `effective`.",
    },
    Definition {
        name: "termination",
        holds: "Every instance reaches a final state (succeeded, failed, killed, dry_run or \
                not_run) by the end of the scenario.",
        witness: "Each stuck instance, its state and what it waits for: an upstream, a \
                  date never started, a group, pool, task group or max_active_tasks that \
                  holds it, an unfreeze, the budget that stopped the run, or the horizon \
                  that came before its time, retry or end.",
        fix: "Resolve what it waits for: rerun or set success on the failed upstream, \
              unfreeze, add slots, or extend the scenario's `until`.",
    },
];

/// The definition of the property called `name`.
pub fn definition(name: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.name == name)
}

/// The closest property name to a misspelt one.
pub fn did_you_mean(name: &str) -> Option<&'static str> {
    // A name cut short (`idempotent`) is too far from its whole for an edit distance.
    let lower = name.to_ascii_lowercase();
    let mut starting = PROPERTIES.iter().filter(|p| p.starts_with(&lower));
    match (starting.next(), starting.next()) {
        (Some(p), None) if !lower.is_empty() => Some(p),
        _ => crate::model::diagnostic::did_you_mean(name, PROPERTIES),
    }
}

/// One definition as `check --explain` prints it.
pub fn explain(d: &Definition) -> String {
    format!(
        "{}\n\nHolds when: {}\n\nWitness: {}\n\nTo fix: {}\n",
        d.name, d.holds, d.witness, d.fix
    )
}

/// docs/properties.md: every definition, each under its name (an anchor to link to).
pub fn markdown() -> String {
    let mut s = String::from(
        "# Properties\n\n\
         <!-- Generated from src/observe/properties.rs; `schedsim check --explain NAME` \
         prints the same text. Do not edit by hand: tests/cli_habits.rs checks it. -->\n\n\
         `schedsim check` evaluates these 13 properties on every run; `explore` searches \
         fault schedules for a violation of them.\n",
    );
    for d in &DEFINITIONS {
        s.push_str(&format!(
            "\n## {}\n\n**Holds when:** {}\n\n**Witness:** {}\n\n**To fix:** {}\n",
            d.name, d.holds, d.witness, d.fix
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_cut_short_is_suggested_whole_when_one_property_starts_so() {
        assert_eq!(did_you_mean("idempotent"), Some("idempotent-writes"));
        assert_eq!(did_you_mean("Termin"), Some("termination"));
        // Ambiguous prefixes fall back to the edit distance.
        assert_eq!(did_you_mean("dependency-ordr"), Some("dependency-order"));
        assert_eq!(did_you_mean(""), None);
    }

    #[test]
    fn every_property_has_one_definition_in_check_order() {
        assert!(DEFINITIONS.iter().map(|d| d.name).eq(PROPERTIES));
    }

    #[test]
    fn a_misspelt_name_is_suggested() {
        assert_eq!(did_you_mean("idempotent-write"), Some("idempotent-writes"));
        assert_eq!(definition("idempotent-write"), None);
    }
}
