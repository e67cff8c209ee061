//! A FlowSpec node's and workflow's scheduling strategy (`strategy`,
//! SpecScheduleStrategy) and `instanceMode`: what is read, and each setting schedsim
//! has no place for, said.

use serde_json::Value;

use super::json::Obj;
use super::{ImportError, Report};

/// `instanceMode`: T+1 (the default) or Immediately, which only says when a deployed
/// node's first instances are generated (said: the default scenario backfills).
pub(super) fn instance_mode(
    o: &Obj<'_>,
    whose: &str,
    report: &mut Report,
) -> Result<(), ImportError> {
    match o.opt_str("instanceMode")? {
        None | Some("T+1") => Ok(()),
        Some("Immediately") => {
            report.notes.push(format!(
                "{whose}: instanceMode Immediately ({}) makes instances right after deployment rather than from the next day; the default scenario is a backfill, which it does not change",
                o.at("instanceMode")
            ));
            Ok(())
        }
        Some(other) => Err(o.err(
            "instanceMode",
            format!("unknown instanceMode `{other}`: expected T+1 or Immediately"),
        )),
    }
}

/// The scheduling fields SpecNode and SpecScheduleStrategy share.
const SHARED: [&str; 6] = [
    "priority",
    "timeout",
    "instanceMode",
    "rerunMode",
    "rerunTimes",
    "rerunInterval",
];

/// A node's `strategy` (SpecScheduleStrategy): its fields SpecNode also has are read
/// where the node does not set them (said), and set on both with other values the
/// node's own is read (said); `failureStrategy` and `ignoreBranchConditionSkip` have
/// no node meaning schedsim models (said).
pub(super) fn node_strategy(
    n: &Obj<'_>,
    st: &Obj<'_>,
    qualified: &str,
    report: &mut Report,
) -> Result<(), ImportError> {
    let mut read = Vec::new();
    for key in SHARED {
        match (n.opt(key), st.opt(key)) {
            (None, Some(_)) => read.push(key),
            (Some(own), Some(other)) if own != other => report.drop(
                st.at(key),
                format!("{qualified}: strategy.{key} {other}"),
                format!("the node's own {key} ({own}) is read: SpecNode has both and the spec says neither wins"),
            ),
            _ => {}
        }
    }
    if !read.is_empty() {
        report.notes.push(format!(
            "{qualified}: {} read from its strategy ({}): the node does not set them",
            read.join(", "),
            st.path
        ));
    }
    strategy_extras(st, qualified, report)
}

/// `failureStrategy` Break and `ignoreBranchConditionSkip` of a strategy: said.
fn strategy_extras(st: &Obj<'_>, whose: &str, report: &mut Report) -> Result<(), ImportError> {
    match st.opt_str("failureStrategy")? {
        None | Some("Continue") => {}
        Some("Break") => report.drop(
            st.at("failureStrategy"),
            format!("{whose}: failureStrategy Break"),
            "Break ends the rest of the workflow when a node fails (dataworks-spec's DolphinScheduler converter writes it for failureStrategy END); the dataworks profile has no failure strategy: the other branches run on",
        ),
        Some(other) => {
            return Err(st.err(
                "failureStrategy",
                format!("unknown failureStrategy `{other}`: expected Continue or Break"),
            ));
        }
    }
    if st.opt("ignoreBranchConditionSkip") == Some(&Value::Bool(true)) {
        report.drop(
            st.at("ignoreBranchConditionSkip"),
            format!("{whose}: ignoreBranchConditionSkip"),
            "schedsim models no branch conditions: every branch runs",
        );
    }
    Ok(())
}

/// A workflow's `strategy` (SpecWorkflow.strategy): the workflow's own settings
/// (dataworks-spec's DolphinScheduler converter fills it from the workflow's timeout
/// and failure strategy), not its nodes' defaults: nothing in dataworks-spec gives it
/// to the nodes, and the dataworks profile has no workflow-level timeout, reruns or
/// priority. Each setting is said.
pub(super) fn workflow_strategy(
    st: &Obj<'_>,
    workflow: &str,
    report: &mut Report,
) -> Result<(), ImportError> {
    let whose = format!("workflow {workflow}");
    for key in ["timeout", "rerunTimes", "priority"] {
        if let Some(v) = st.opt_int(key)?.filter(|v| *v > 0) {
            report.drop(
                st.at(key),
                format!("{whose}: strategy.{key} {v}"),
                "a workflow's own setting: the dataworks profile has none for a workflow, and the spec does not give it to the nodes (each node's own is read)",
            );
        }
    }
    if let Some(v) = st.opt_int("rerunInterval")?.filter(|v| *v > 0)
        && st.opt_int("rerunTimes")?.is_some_and(|t| t > 0)
    {
        report.drop(
            st.at("rerunInterval"),
            format!("{whose}: strategy.rerunInterval {v}"),
            "goes with the workflow's rerunTimes (above)",
        );
    }
    match st.opt_str("rerunMode")? {
        None | Some("Allowed") => {}
        Some(m) => report.drop(
            st.at("rerunMode"),
            format!("{whose}: strategy.rerunMode {m}"),
            "it limits manual reruns of the workflow; schedsim's scenarios decide the reruns",
        ),
    }
    instance_mode(st, &whose, report)?;
    strategy_extras(st, &whose, report)
}
