//! Which upstream instances of one unit an instance waits for: DataWorks' rule table
//! by cycle combination (DW §5.1, §5.2). With equal counts (every same-workflow
//! dependency of DolphinScheduler and Airflow) it pairs instances one to one.

use super::PlannedInstance;

/// Calls `edge(d, u)` for each binding of downstream instance `d` to upstream `u`,
/// both indices into the slices, which hold one task's instances of one unit in time
/// order.
pub(super) fn cross_cycle(
    down: &[PlannedInstance],
    down_self: bool,
    up: &[PlannedInstance],
    up_self: bool,
    mut edge: impl FnMut(u32, u32),
) {
    let (n, m) = (down.len(), up.len());
    if n == 0 || m == 0 {
        return;
    }
    if n == m {
        // Same number per day: one to one by position, whatever the clock times.
        (0..n as u32).for_each(|k| edge(k, k));
    } else if n == 1 && !up_self {
        // Daily on hourly/minutely: every upstream instance of the day.
        (0..m as u32).for_each(|u| edge(0, u));
    } else if m == 1 && down_self {
        // Hourly (self-dependent) on daily: only the first waits; the rest chain.
        edge(0, 0);
    } else if m > n && !up_self {
        // Hourly on minutely: the upstream instances since the previous downstream
        // one, up to its own time (decided: (previous, own]; the first takes every
        // earlier one); none there → the closest rule.
        let mut u = 0;
        for (k, d) in down.iter().enumerate() {
            let from = u;
            while u < m && up[u].scheduled <= d.scheduled {
                edge(k as u32, u as u32);
                u += 1;
            }
            if u == from {
                edge(k as u32, closest(up, d) as u32);
            }
        }
    } else {
        for (k, d) in down.iter().enumerate() {
            edge(k as u32, closest(up, d) as u32);
        }
    }
}

/// The upstream instance closest to but not later than `d`; the first when none is
/// earlier (DW §5.1 edge rule).
fn closest(up: &[PlannedInstance], d: &PlannedInstance) -> usize {
    up.partition_point(|u| u.scheduled <= d.scheduled)
        .saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskId;
    use crate::plan::Kind;

    fn at(times: &[i64]) -> Vec<PlannedInstance> {
        times
            .iter()
            .map(|&t| PlannedInstance {
                task: TaskId(0),
                scheduled: t * 60,
                run_after: t * 60,
                kind: Kind::Run,
            })
            .collect()
    }

    fn edges(down: &[i64], down_self: bool, up: &[i64], up_self: bool) -> Vec<(i64, i64)> {
        let (d, u) = (at(down), at(up));
        let mut out = Vec::new();
        cross_cycle(&d, down_self, &u, up_self, |a, b| {
            out.push((d[a as usize].scheduled / 60, u[b as usize].scheduled / 60))
        });
        out
    }

    fn hours(from: i64, to: i64, step: i64) -> Vec<i64> {
        (from..=to).step_by(step as usize).collect()
    }

    #[test]
    fn case_12_daily_on_hourly_waits_for_the_whole_day() {
        let e = edges(&[360], false, &hours(0, 23 * 60, 60), false);
        assert_eq!(e.len(), 24);
        assert_eq!(e.last(), Some(&(360, 23 * 60)));
    }

    #[test]
    fn case_13_daily_on_self_dependent_hourly_waits_for_the_closest_earlier() {
        assert_eq!(
            edges(&[360], false, &hours(0, 23 * 60, 60), true),
            [(360, 360)]
        );
    }

    #[test]
    fn case_14_no_earlier_upstream_binds_the_first_of_the_day() {
        assert_eq!(
            edges(&[30], false, &hours(60, 23 * 60, 60), true),
            [(30, 60)]
        );
    }

    #[test]
    fn case_16_half_hourly_on_hourly_share_the_closest_earlier() {
        let e = edges(&hours(0, 90, 30), false, &hours(0, 60, 60), false);
        assert_eq!(e, [(0, 0), (30, 0), (60, 60), (90, 60)]);
    }

    #[test]
    fn x5_equal_counts_pair_by_position_not_by_clock() {
        let e = edges(
            &hours(30, 23 * 60 + 30, 60),
            false,
            &hours(0, 23 * 60, 60),
            false,
        );
        assert_eq!(e.len(), 24);
        assert!(e.iter().all(|(d, u)| d - u == 30));
    }

    #[test]
    fn hourly_on_daily_all_wait_unless_self_dependent() {
        let day = [7 * 60];
        let hourly = [0, 8 * 60, 16 * 60];
        assert_eq!(edges(&hourly, false, &day, false).len(), 3);
        assert_eq!(edges(&hourly, true, &day, false), [(0, 420)]);
    }

    #[test]
    fn hourly_on_quarter_hourly_takes_the_quarters_since_the_previous_hour() {
        let e = edges(&hours(0, 120, 60), false, &hours(0, 135, 15), false);
        let of = |h: i64| {
            e.iter()
                .filter(|x| x.0 == h)
                .map(|x| x.1)
                .collect::<Vec<_>>()
        };
        assert_eq!(of(0), [0]);
        assert_eq!(of(60), [15, 30, 45, 60]);
        assert_eq!(of(120), [75, 90, 105, 120]);
    }

    #[test]
    fn minutely_on_hourly_both_self_dependent_bind_the_closest_earlier() {
        let e = edges(&hours(0, 90, 30), true, &hours(0, 60, 60), true);
        assert_eq!(e, [(0, 0), (30, 0), (60, 60), (90, 60)]);
    }
}
