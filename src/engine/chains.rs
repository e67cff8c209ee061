//! How a backfill's dates are cut into chains that run side by side (SEMANTICS.md,
//! backfill: dates in parallel; DW §6 rule 4, DS §1.4, AF §1).

use crate::rules::GroupSplit;

/// A chain: units (by position in the ordered date list) that run one after another,
/// with at most `cap` in flight (1, except for Airflow's sliding window).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSpec {
    pub units: Vec<u32>,
    pub cap: u32,
}

/// Whether the dates are sorted by `order` before the split. DolphinScheduler 3.3's
/// parallel complement (`chunks`, more than one date in parallel) does not sort:
/// `doParallelBackfillWorkflow` partitions the list as the schedule gives it.
pub fn sorts(groups: u32, how: GroupSplit) -> bool {
    !(how == GroupSplit::Chunks && groups != 1)
}

/// Splits `n` ordered dates for `groups` dates in parallel. `groups = 1` is serial
/// mode: one chain of every date, whatever the split (DS 3.3 serial mode hands the
/// whole list to one trigger). `groups = 0` is DolphinScheduler's parallel mode without
/// a parallelism, which counts as one per date (3.1.9/3.2.2 `createComplementCommandList`:
/// `expectedParallelismNumber` null or 0 → the number of dates).
pub fn split(n: u32, groups: u32, how: GroupSplit) -> Vec<ChainSpec> {
    if n == 0 {
        return Vec::new();
    }
    let groups = if groups == 0 { n } else { groups };
    let serial = |units: Vec<u32>| ChainSpec { units, cap: 1 };
    if groups == 1 {
        return vec![serial((0..n).collect())];
    }
    let k = n.min(groups);
    match how {
        GroupSplit::Contiguous => {
            // Balanced: the first n % k chains hold one date more (DS 3.1: 10 by 3 → 4/3/3).
            let (base, extra) = (n / k, n % k);
            let mut start = 0;
            (0..k)
                .map(|i| {
                    let len = base + u32::from(i < extra);
                    let c = serial((start..start + len).collect());
                    start += len;
                    c
                })
                .collect()
        }
        GroupSplit::RoundRobin => (0..k)
            .map(|i| serial((i..n).step_by(k as usize).collect()))
            .collect(),
        // DS 3.3 (#17831): chunks of size min(n, P), every chunk at once.
        GroupSplit::Chunks => (0..n)
            .step_by(k as usize)
            .map(|s| serial((s..(s + k).min(n)).collect()))
            .collect(),
        GroupSplit::Window => vec![ChainSpec {
            units: (0..n).collect(),
            cap: groups,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(c: &[ChainSpec]) -> Vec<Vec<u32>> {
        c.iter().map(|c| c.units.clone()).collect()
    }

    #[test]
    fn ds_3_1_contiguous_4_3_3() {
        assert_eq!(
            units(&split(10, 3, GroupSplit::Contiguous)),
            [vec![0, 1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]]
        );
    }

    #[test]
    fn ds_3_2_round_robin() {
        assert_eq!(
            units(&split(10, 3, GroupSplit::RoundRobin)),
            [vec![0, 3, 6, 9], vec![1, 4, 7], vec![2, 5, 8]]
        );
    }

    #[test]
    fn ds_3_3_chunks_of_three_all_at_once() {
        assert_eq!(
            units(&split(10, 3, GroupSplit::Chunks)),
            [vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8], vec![9]]
        );
    }

    #[test]
    fn ds_3_3_serial_backfill_delegate_is_one_chain() {
        // BackfillWorkflowExecutorDelegate.doSerialBackfillWorkflow: one trigger for the
        // whole list; the chunk bug (#17831) is doParallelBackfillWorkflow's alone.
        assert_eq!(units(&split(4, 1, GroupSplit::Chunks)), [vec![0, 1, 2, 3]]);
    }

    #[test]
    fn ds_3_1_9_execute_service_parallelism_zero_is_one_chain_per_date() {
        // 3.1.9 ExecutorServiceImpl.createComplementCommandList: `expectedParallelismNumber
        // != null && != 0` caps createCount, which otherwise is the number of dates.
        assert_eq!(
            units(&split(3, 0, GroupSplit::Contiguous)),
            [vec![0], vec![1], vec![2]]
        );
        assert_eq!(
            units(&split(3, 0, GroupSplit::RoundRobin)),
            [vec![0], vec![1], vec![2]]
        );
    }

    #[test]
    fn more_groups_than_dates_gives_one_chain_per_date() {
        assert_eq!(split(2, 5, GroupSplit::Contiguous).len(), 2);
        assert_eq!(split(2, 5, GroupSplit::RoundRobin).len(), 2);
        assert_eq!(units(&split(2, 5, GroupSplit::Chunks)), [vec![0, 1]]);
    }

    #[test]
    fn window_is_one_chain_with_the_cap() {
        assert_eq!(
            split(6, 2, GroupSplit::Window),
            [ChainSpec {
                units: (0..6).collect(),
                cap: 2
            }]
        );
    }
}
