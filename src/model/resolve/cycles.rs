//! Dependency cycles: petgraph's iterative Kosaraju strongly connected components,
//! each cycle named task by task from its smallest task.

use petgraph::graphmap::DiGraphMap;

use super::*;

impl Resolver<'_> {
    /// Every dependency cycle, each named task by task.
    pub(super) fn cycles(&mut self, tasks: &[Task], edges: &[(TaskId, TaskId, Range<usize>)]) {
        let mut graph: DiGraphMap<u32, ()> = DiGraphMap::new();
        for (from, to, _) in edges {
            graph.add_edge(from.0, to.0, ());
        }
        // Kosaraju's algorithm in petgraph is iterative (its depth-first searches keep
        // their own stacks); Tarjan's there is recursive and overflows the thread's
        // stack on a long chain of tasks.
        let mut components: Vec<Vec<u32>> = petgraph::algo::kosaraju_scc(&graph)
            .into_iter()
            .filter(|c| c.len() > 1 || graph.contains_edge(c[0], c[0]))
            .collect();
        for c in &mut components {
            c.sort_unstable();
        }
        components.sort();
        // The first upstream entry that makes each edge, to point at it.
        let mut spans: BTreeMap<(u32, u32), Range<usize>> = BTreeMap::new();
        if !components.is_empty() {
            for (from, to, span) in edges {
                spans.entry((from.0, to.0)).or_insert_with(|| span.clone());
            }
        }
        for component in components {
            let cycle = cycle_through(&graph, &component);
            let names: Vec<&str> = cycle
                .iter()
                .map(|t| tasks[*t as usize].name.as_str())
                .collect();
            let edge_span = |from: u32, to: u32| spans.get(&(from, to)).cloned().unwrap_or(0..0);
            let mut d = Diagnostic::new(
                edge_span(cycle[0], cycle[1]),
                format!("dependency cycle: {}", names.join(" → ")),
                format!("{} waits for {}", names[1], names[0]),
            )
            .help("every task on a cycle waits for itself, so none of them can ever run: remove one of these upstream entries");
            for pair in cycle.windows(2).skip(1) {
                d = d.related(
                    edge_span(pair[0], pair[1]),
                    format!(
                        "{} waits for {}",
                        tasks[pair[1] as usize].name, tasks[pair[0] as usize].name
                    ),
                );
            }
            self.err(d);
        }
    }
}

/// The shortest cycle through the smallest node of a strongly connected component,
/// following edges inside it; returned closed (first = last).
fn cycle_through(graph: &DiGraphMap<u32, ()>, component: &[u32]) -> Vec<u32> {
    let start = component[0];
    if graph.contains_edge(start, start) {
        return vec![start, start];
    }
    // Breadth-first from start inside the component, back to start: the shortest cycle.
    let mut parent: BTreeMap<u32, u32> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        let mut next: Vec<u32> = graph
            .neighbors(n)
            .filter(|m| component.binary_search(m).is_ok())
            .collect();
        next.sort_unstable();
        for m in next {
            if m == start {
                let mut path = vec![start];
                let mut cur = n;
                while cur != start {
                    path.push(cur);
                    cur = parent[&cur];
                }
                path.push(start);
                path.reverse();
                return path;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = parent.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    vec![start, start]
}
