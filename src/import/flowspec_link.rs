//! A FlowSpec node's upstreams: its workflow's `dependencies` (or `spec.flow`) entries
//! and its own `inputs.nodeOutputs`, each matched to the node of the export that has
//! that id or declares that output (`outputs.nodeOutputs`), as dataworks-spec's
//! `DataWorksNodeInputOutputAdapter.getInputList` reads them: the inputs first, then
//! the Normal depends. Cross-cycle types are read from their type alone, as
//! `DataWorksNodeAdapter.getDependentType` does.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::flowspec::{Flow, id_of, item};
use super::json::{self, Obj};
use super::{ImportError, Report};

/// What a dependency names: a node id, a node output, or nothing (a cross-cycle
/// dependency on the node's own previous cycle, or its children's, needs no target).
#[derive(Clone, PartialEq)]
pub(super) enum Target {
    Id(String),
    Output(String),
    Nothing,
}

impl Target {
    /// The id or output as written (empty for none).
    fn shown(&self) -> &str {
        match self {
            Target::Id(s) | Target::Output(s) => s,
            Target::Nothing => "",
        }
    }
}

/// The dependency types of `SpecDepend.type` (dataworks-spec's `DependencyType`), and
/// an entry of the node's `inputs.nodeOutputs` (a same-cycle upstream, as Normal).
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Normal,
    Input,
    OnSelf,
    OnChildren,
    OnOtherNode,
}

const KINDS: [(&str, Kind); 4] = [
    ("Normal", Kind::Normal),
    ("CrossCycleDependsOnSelf", Kind::OnSelf),
    ("CrossCycleDependsOnChildren", Kind::OnChildren),
    ("CrossCycleDependsOnOtherNode", Kind::OnOtherNode),
];

/// One `depends` entry or one input: its JSON path, its target, its type.
pub(super) struct Depend {
    pub path: String,
    pub target: Target,
    pub kind: Kind,
}

/// A workflow's dependency entries (`dep_key`: `flow` or `dependencies`): the node
/// each is for (one of `ids`) and what it depends on.
pub(super) fn read_deps(
    o: &Obj<'_>,
    dep_key: &str,
    ids: &HashSet<String>,
) -> Result<Vec<(String, Vec<Depend>)>, ImportError> {
    let mut deps = Vec::new();
    for (path, v) in o.list(dep_key)? {
        let d = item(o.file, v, path)?;
        let id = id_of(d.req("nodeId")?).ok_or_else(|| d.err("nodeId", "expected a node id"))?;
        if !ids.contains(&id) {
            return Err(d.err("nodeId", format!("no node with id {id} in this spec")));
        }
        let mut on = Vec::new();
        for (path, v) in d.list("depends")? {
            on.push(depend(&item(o.file, v, path)?)?);
        }
        deps.push((id, on));
    }
    Ok(deps)
}

/// One `depends` entry. Its type first: a self- or children dependency needs no
/// target (dataworks-spec's own tests build a `CROSS_CYCLE_SELF` SpecDepend with
/// nothing else); a Normal or OtherNode one names a node id or an output.
fn depend(x: &Obj<'_>) -> Result<Depend, ImportError> {
    let word = x.opt_str("type")?.unwrap_or("Normal");
    let Some(&(_, kind)) = KINDS.iter().find(|(w, _)| *w == word) else {
        return Err(x.err(
            "type",
            format!(
                "unknown dependency type `{word}`: expected Normal, CrossCycleDependsOnSelf, CrossCycleDependsOnChildren or CrossCycleDependsOnOtherNode"
            ),
        ));
    };
    let target = match (x.opt("nodeId"), x.opt("output")) {
        (Some(n), _) => Target::Id(id_of(n).ok_or_else(|| x.err("nodeId", "expected a node id"))?),
        (None, Some(Value::String(s))) if !s.trim().is_empty() => Target::Output(s.clone()),
        (None, Some(Value::Object(m))) if m.get("data").and_then(Value::as_str).is_some() => {
            Target::Output(m["data"].as_str().unwrap_or_default().to_string())
        }
        (None, Some(v)) => {
            return Err(x.err(
                "output",
                format!(
                    "expected an output name or an object with its `data`, found {}",
                    json::kind(v)
                ),
            ));
        }
        (None, None) => Target::Nothing,
    };
    if target == Target::Nothing && matches!(kind, Kind::Normal | Kind::OnOtherNode) {
        return Err(ImportError {
            file: x.file.to_string(),
            path: x.path.clone(),
            message: format!("a {word} dependency names neither a nodeId nor an output"),
        });
    }
    Ok(Depend {
        path: x.path.clone(),
        target,
        kind,
    })
}

/// A node's `inputs` or `outputs`: `{ nodeOutputs: [...] }` or a list of artifacts;
/// each NodeOutput's name (`data`, or the string itself) with its path.
pub(super) fn node_outputs(n: &Obj<'_>, key: &str) -> Result<Vec<(String, String)>, ImportError> {
    let Some(v) = n.opt(key) else {
        return Ok(Vec::new());
    };
    let items: Vec<(String, &Value)> = match v {
        Value::Object(m) => m
            .get("nodeOutputs")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .enumerate()
                    .map(|(i, x)| (format!("{}.nodeOutputs[{i}]", n.at(key)), x))
                    .collect()
            })
            .unwrap_or_default(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .filter(|(_, x)| {
                x.get("artifactType")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "NodeOutput")
            })
            .map(|(i, x)| (format!("{}[{i}]", n.at(key)), x))
            .collect(),
        v => {
            return Err(n.err(
                key,
                format!("expected an object or a list, found {}", json::kind(v)),
            ));
        }
    };
    Ok(items
        .into_iter()
        .filter_map(|(path, x)| match x {
            Value::String(s) => Some((path, s.clone())),
            Value::Object(m) => m
                .get("data")
                .and_then(Value::as_str)
                .map(|s| (path, s.to_string())),
            _ => None,
        })
        .filter(|(_, s)| !s.trim().is_empty())
        .collect())
}

/// A node id, and a node output's name, names one node of DataWorks: the same one
/// in two workflows of the input (two files exporting one node, or two specs of one
/// workflow) is refused with both places, since dependencies on it could only go to
/// one of them.
pub(super) fn one_node_each(flows: &[Flow]) -> Result<(), ImportError> {
    let mut ids: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    let mut outputs: BTreeMap<&str, (&str, &str, &str)> = BTreeMap::new();
    for f in flows {
        for n in &f.nodes {
            if let Some((file, path)) = ids.insert(&n.id, (&f.file, &n.path)) {
                return Err(ImportError {
                    file: f.file.clone(),
                    path: format!("{}.id", n.path),
                    message: format!(
                        "node id {} is also the node at {file}: {path}: a DataWorks node id names one node, and the dependencies on it could go to only one of the two; import each node from one file",
                        n.id
                    ),
                });
            }
            for o in &n.outputs {
                match outputs.insert(o, (&n.id, &f.file, &n.path)) {
                    Some((id, file, path)) if id != n.id => {
                        return Err(ImportError {
                            file: f.file.clone(),
                            path: format!("{}.outputs", n.path),
                            message: format!(
                                "output {o} of node {} is also an output of node {id} at {file}: {path}: a dependency on it could go to only one of the two",
                                n.id
                            ),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Each kept node's dependencies and inputs into upstream names and its
/// self-dependency; what names no kept node of the input is said.
pub(super) fn link(flows: &mut [Flow], report: &mut Report) {
    // (flow index, node index) of every node, by id and by output.
    let mut by_id: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut by_output: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (fi, f) in flows.iter().enumerate() {
        for (ni, n) in f.nodes.iter().enumerate() {
            by_id.insert(n.id.clone(), (fi, ni));
            for o in &n.outputs {
                by_output.insert(o.clone(), (fi, ni));
            }
        }
    }
    let names: Vec<Vec<(String, bool)>> = flows
        .iter()
        .map(|f| {
            f.nodes
                .iter()
                .map(|n| (n.task.name.clone(), n.kept))
                .collect()
        })
        .collect();
    let flow_names: Vec<String> = flows.iter().map(|f| f.name.clone()).collect();
    for fi in 0..flows.len() {
        // Each node's entries in the order of the dependencies, its inputs after them.
        let mut on: Vec<(usize, Vec<Depend>)> = Vec::new();
        for (id, deps) in std::mem::take(&mut flows[fi].deps) {
            if let Some(&(_, ni)) = by_id.get(&id).filter(|(f, _)| *f == fi) {
                on.push((ni, deps));
            }
        }
        for (ni, node) in flows[fi].nodes.iter_mut().enumerate() {
            let inputs: Vec<Depend> = std::mem::take(&mut node.inputs)
                .into_iter()
                .map(|(path, output)| Depend {
                    path,
                    target: Target::Output(output),
                    kind: Kind::Input,
                })
                // An input its dependencies name too is said once, at the dependency.
                .filter(|i| {
                    !on.iter().any(|(n, deps)| {
                        *n == ni
                            && deps
                                .iter()
                                .any(|d| d.kind == Kind::Normal && d.target == i.target)
                    })
                })
                .collect();
            if !inputs.is_empty() {
                on.push((ni, inputs));
            }
        }
        for (ni, deps) in on {
            if !flows[fi].nodes[ni].kept {
                continue;
            }
            let me = format!("{}.{}", flow_names[fi], flows[fi].nodes[ni].task.name);
            let task = &mut flows[fi].nodes[ni].task;
            for Depend { path, target, kind } in deps {
                let found = match &target {
                    Target::Id(i) => by_id.get(i).copied(),
                    Target::Output(o) => by_output.get(o).copied(),
                    Target::Nothing => None,
                }
                .filter(|(f, n)| names[*f][*n].1);
                let shown = target.shown();
                match kind {
                    Kind::OnSelf => {
                        task.self_dependency = true;
                        if target != Target::Nothing && found != Some((fi, ni)) {
                            report.notes.push(format!(
                                "{me}: its CrossCycleDependsOnSelf ({path}) names {shown}, not this node: read as its own self-dependency (DataWorks reads only the type)"
                            ));
                        }
                        continue;
                    }
                    Kind::OnChildren => {
                        let on = if shown.is_empty() {
                            String::new()
                        } else {
                            format!(" on {shown}")
                        };
                        report.drop(
                            path,
                            format!("{me}: CrossCycleDependsOnChildren{on}"),
                            OTHER_CYCLE,
                        );
                        continue;
                    }
                    _ => {}
                }
                let Some((tf, tn)) = found else {
                    let what = if kind == Kind::Input {
                        format!("{me}: input {shown}")
                    } else {
                        format!("{me}: dependency on {shown}")
                    };
                    report.drop(
                        path,
                        what,
                        "the node it names is not in the input (or is not scheduled)",
                    );
                    continue;
                };
                let up_name = if tf == fi {
                    names[tf][tn].0.clone()
                } else {
                    format!("{}.{}", flow_names[tf], names[tf][tn].0)
                };
                match kind {
                    Kind::Normal | Kind::Input if (tf, tn) == (fi, ni) => {
                        task.self_dependency = true;
                        let what = if kind == Kind::Input {
                            format!("an input ({path}) that is its own output")
                        } else {
                            "a Normal dependency on itself".into()
                        };
                        report
                            .notes
                            .push(format!("{me}: {what} is read as a self-dependency"));
                    }
                    Kind::Normal | Kind::Input => {
                        if !task.upstream.contains(&up_name) {
                            task.upstream.push(up_name);
                        }
                    }
                    _ => report.drop(
                        path,
                        format!("{me}: CrossCycleDependsOnOtherNode on {shown}"),
                        OTHER_CYCLE,
                    ),
                }
            }
        }
    }
}

const OTHER_CYCLE: &str = "schedsim has no dependency on another node's previous cycle (only on the node's own: CrossCycleDependsOnSelf)";
