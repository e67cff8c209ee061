//! Queue keys: each task's workflow priority and effective priority by
//! `weight_rule` (Airflow's downstream/upstream sums over the dependency graph).

use super::*;

/// Each task's queue key, smaller first: its workflow's priority, then its effective
/// priority by `weight_rule`, each ordered by `priority_order`. The effective weight is
/// clamped to a 32-bit integer, the range of Airflow's `priority_weight` column
/// (Airflow's `db_safe_priority` clamps only a task's own weight; its
/// `PriorityWeightStrategy.get_weight` sums without clamping; priorities of the other
/// profiles never come near it).
pub(super) fn task_keys(model: &Model) -> Vec<i64> {
    let n = model.tasks.len();
    let own: Vec<i64> = model.tasks.iter().map(|t| t.priority).collect();
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, t) in model.tasks.iter().enumerate() {
        for u in &t.upstream {
            down[u.0 as usize].push(i);
            up[i].push(u.0 as usize);
        }
    }
    let reach = match model.rules.weight_rule {
        WeightRule::Absolute => vec![0; n],
        WeightRule::Downstream => reach_sums(&own, &down),
        WeightRule::Upstream => reach_sums(&own, &up),
    };
    (0..n)
        .map(|i| {
            let weight = i128::from(own[i]) + reach[i];
            let weight = weight.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i64;
            // The workflow's priority goes first (DolphinScheduler's dispatch order:
            // workflow-instance priority, then task priority, DS §4); other profiles
            // leave every workflow at the same priority.
            let workflow = i64::from(model.workflow(model.tasks[i].workflow).priority);
            let (workflow, weight) = match model.rules.priority_order {
                PriorityOrder::HigherFirst => (-workflow, -weight),
                PriorityOrder::LowerFirst => (workflow, weight),
            };
            (workflow << 32) + weight
        })
        .collect()
}

/// Per task, the sum of `own` over every task reachable along `next` (the dependency
/// graph, acyclic), each counted once, as Airflow sums `get_flat_relatives`. Successors
/// come first (reverse topological order), so a task with one successor adds that
/// successor and its sum, and a task whose whole reach is a tree (every task in it has
/// one predecessor) adds its successors and their sums: linear on chains, fan-ins and
/// trees. Only where paths rejoin does a task search its reach, stopping at trees.
pub(crate) fn reach_sums(own: &[i64], next: &[Vec<usize>]) -> Vec<i128> {
    let n = own.len();
    let mut preds = vec![0u32; n];
    for succ in next {
        for &s in succ {
            preds[s] += 1;
        }
    }
    // Kahn's algorithm: a topological order, without recursion.
    let mut left = preds.clone();
    let mut order: Vec<usize> = (0..n).filter(|&i| left[i] == 0).collect();
    let mut k = 0;
    while k < order.len() {
        for &s in &next[order[k]] {
            left[s] -= 1;
            if left[s] == 0 {
                order.push(s);
            }
        }
        k += 1;
    }
    let mut sum = vec![0i128; n];
    // Whether every task reachable from this one has exactly one predecessor.
    let mut tree = vec![false; n];
    let mut seen = vec![usize::MAX; n];
    let mut stack = Vec::new();
    for &x in order.iter().rev() {
        tree[x] = next[x].iter().all(|&s| preds[s] == 1 && tree[s]);
        sum[x] = if next[x].len() == 1 || tree[x] {
            next[x].iter().map(|&s| i128::from(own[s]) + sum[s]).sum()
        } else {
            let mut total = 0;
            stack.extend(next[x].iter().copied());
            while let Some(y) = stack.pop() {
                if std::mem::replace(&mut seen[y], x) == x {
                    continue;
                }
                total += i128::from(own[y]);
                if tree[y] {
                    // Only reachable through y: its reach is its sum.
                    total += sum[y];
                } else {
                    stack.extend(next[y].iter().copied());
                }
            }
            total
        };
    }
    sum
}

#[cfg(test)]
mod reach_tests {
    use super::reach_sums;
    use proptest::prelude::*;

    proptest! {
        /// On any acyclic graph (edges go from lower to higher index), the shortcuts
        /// give the same sums as a search from every task.
        #[test]
        fn reach_sums_equal_a_search_from_every_task(
            n in 1usize..24,
            edges in proptest::collection::vec((0usize..24, 0usize..24), 0..60),
            own in proptest::collection::vec(-5i64..100, 24),
        ) {
            let mut next = vec![Vec::new(); n];
            for (a, b) in edges {
                let (a, b) = (a % n, b % n);
                if a < b && !next[a].contains(&b) {
                    next[a].push(b);
                }
            }
            let own = &own[..n];
            let brute: Vec<i128> = (0..n)
                .map(|start| {
                    let mut seen = vec![false; n];
                    let mut stack = next[start].clone();
                    let mut sum = 0;
                    while let Some(x) = stack.pop() {
                        if !std::mem::replace(&mut seen[x], true) {
                            sum += i128::from(own[x]);
                            stack.extend(&next[x]);
                        }
                    }
                    sum
                })
                .collect();
            prop_assert_eq!(reach_sums(own, &next), brute);
        }
    }

    #[test]
    fn weight_rule_downstream_on_a_chain_of_40000_tasks_counts_each_later_task_once() {
        let n = 40_000;
        let next: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let sums = reach_sums(&vec![1; n], &next);
        assert!(
            sums.iter()
                .enumerate()
                .all(|(i, &s)| s == (n - 1 - i) as i128)
        );
    }
}
