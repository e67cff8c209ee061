//! Idempotence of writes under any generated sequence of retries, reruns and
//! backfills (issue 5): overwrite and merge writes keyed by the scheduled date always
//! end as one clean run; insert writes do exactly when every logical instance's write
//! landed at most once.

use std::collections::BTreeMap;

use proptest::prelude::*;
use schedsim::engine::Config;
use schedsim::model::load_str;
use schedsim::observe::observe;

#[derive(Clone, Debug)]
struct Spec {
    profile: usize,
    tasks: usize,
    retries: u32,
    fail: u32,
    backfills: Vec<(u32, u32, u32)>,
    faults: Vec<(usize, u32, Vec<u32>, bool)>,
    operations: Vec<(u32, usize, usize, u32)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0usize..3,
        1usize..4,
        0u32..3,
        0u32..40,
        proptest::collection::vec((0u32..5, 0u32..4, 1u32..3), 1..3),
        proptest::collection::vec(
            (
                0usize..3,
                0u32..8,
                proptest::collection::vec(1u32..4, 1..3),
                any::<bool>(),
            ),
            0..4,
        ),
        proptest::collection::vec((1u32..40, 0usize..5, 0usize..3, 0u32..8), 0..4),
    )
        .prop_map(
            |(profile, tasks, retries, fail, backfills, faults, operations)| Spec {
                profile,
                tasks,
                retries,
                fail,
                backfills,
                faults,
                operations,
            },
        )
}

/// A chain of daily tasks, each writing its own table keyed by the instance's date.
fn text(s: &Spec, mode: &str) -> String {
    let profile = ["dataworks", "dolphinscheduler", "airflow"][s.profile];
    let (cron, partition) = match s.profile {
        0 => ("00 00 02 * * ?", "dt=${bizdate}"),
        1 => ("0 0 2 * * ? *", "dt=$[yyyyMMdd-1]"),
        _ => ("0 2 * * *", "ds={{ ds }}"),
    };
    let mut t = format!(
        "[model]\nname = \"w\"\nprofile = \"{profile}\"\ntimezone = \"Asia/Shanghai\"\n\n[[workflow]]\nname = \"w\"\n"
    );
    if s.profile != 0 {
        t += &format!("cron = \"{cron}\"\n");
    }
    for k in 0..s.tasks {
        t += &format!("  [[workflow.task]]\n  name = \"t{k}\"\n  duration = \"10m\"\n");
        if s.profile == 0 {
            t += &format!("  cron = \"{cron}\"\n");
        }
        if k > 0 {
            t += &format!("  upstream = [\"t{}\"]\n", k - 1);
        }
        if s.retries > 0 {
            t += &format!("  retry = {{ times = {}, interval = \"5m\" }}\n", s.retries);
        }
        if s.fail > 0 {
            t += &format!(
                "  fail = {{ probability = {}, after_write = 0.5 }}\n",
                f64::from(s.fail) / 100.0
            );
        }
        t += &format!(
            "  writes = [ {{ table = \"t{k}\", partition = \"{partition}\", mode = \"{mode}\" }} ]\n"
        );
    }
    let day = |d: u32| jiff::civil::date(2025, 3, 1) + jiff::Span::new().days(i64::from(d));
    t += "\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-20T00:00:00\"\n";
    let mut submitted = Vec::new();
    for &(from, len, at) in &s.backfills {
        // Airflow refuses a second backfill of the DAG submitted at the same time
        // (AlreadyRunningBackfill); one submitted later while the first runs is left
        // out by the run.
        if s.profile == 2 && submitted.contains(&at) {
            continue;
        }
        submitted.push(at);
        let (a, b) = (day(from), day(from + len));
        let (a, b) = if s.profile == 0 {
            (a.to_string(), b.to_string())
        } else {
            (format!("{a}T02:00:00"), format!("{b}T02:00:00"))
        };
        t += &format!(
            "  [[scenario.backfill]]\n  at = \"2025-03-20T{:02}:00:00\"\n  targets = [\"w\"]\n  from = \"{a}\"\n  to = \"{b}\"\n",
            at * 3
        );
    }
    // The scheduled time of date d, as faults and operations name it.
    let scheduled = |d: u32| {
        let offset = if s.profile == 0 { 1 } else { 0 };
        format!("{}T02:00:00", day(d + offset))
    };
    let mut faulted = Vec::new();
    for (k, d, attempts, after) in &s.faults {
        let k = k % s.tasks;
        // One fault per instance: an attempt failed in both phases is refused.
        if faulted.contains(&(k, *d)) {
            continue;
        }
        faulted.push((k, *d));
        let mut attempts: Vec<u32> = attempts
            .iter()
            .copied()
            .filter(|&a| a <= s.retries + 1)
            .collect();
        attempts.sort_unstable();
        attempts.dedup();
        if attempts.is_empty() {
            attempts.push(1);
        }
        let list: Vec<String> = attempts.iter().map(u32::to_string).collect();
        t += &format!(
            "  [[scenario.fault]]\n  task = \"w.t{k}\"\n  scheduled = \"{}\"\n  attempts = [{}]\n  phase = \"{}\"\n",
            scheduled(*d),
            list.join(", "),
            if *after {
                "after_write"
            } else {
                "before_write"
            }
        );
    }
    let kinds = [
        "rerun",
        "rerun_failed",
        "rerun_downstream",
        "set_success",
        "kill",
    ];
    for &(hour, kind, k, d) in &s.operations {
        t += &format!(
            "  [[scenario.operation]]\n  at = \"2025-03-{:02}T{:02}:00:00\"\n  kind = \"{}\"\n  task = \"w.t{}\"\n  scheduled = \"{}\"\n",
            20 + hour / 24,
            hour % 24,
            kinds[kind],
            k % s.tasks,
            scheduled(d)
        );
    }
    t
}

fn idempotent(source: &str, seed: u64) -> (bool, BTreeMap<String, usize>) {
    let m = load_str("w.toml", source).unwrap_or_else(|d| panic!("{}\n{source}", d.render()));
    let config = Config::new(seed, 100_000);
    let (e, f, _) = observe::<Vec<u8>>(&m, &m.scenarios[0], config, None).unwrap();
    let holds = f
        .properties
        .iter()
        .find(|p| p.name == "idempotent-writes")
        .unwrap()
        .holds;
    // Landed writes per logical instance (task, scheduled).
    let mut landed: BTreeMap<String, usize> = BTreeMap::new();
    for p in &f.partitions {
        for w in &p.writes {
            let i = &e.instances[w.instance as usize];
            *landed
                .entry(format!("{} {}", m.task(i.task).name, i.scheduled))
                .or_default() += 1;
        }
    }
    (holds, landed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn overwrite_and_merge_keyed_by_date_are_idempotent(s in spec(), seed in 0u64..100, merge in any::<bool>()) {
        let source = text(&s, if merge { "merge" } else { "overwrite" });
        let (holds, _) = idempotent(&source, seed);
        prop_assert!(holds, "{source}");
    }

    #[test]
    fn insert_is_idempotent_exactly_when_each_write_landed_once(s in spec(), seed in 0u64..100) {
        let source = text(&s, "insert");
        let (holds, landed) = idempotent(&source, seed);
        let once = landed.values().all(|&n| n <= 1);
        prop_assert_eq!(holds, once, "{:?}\n{}", landed, source);
    }
}
