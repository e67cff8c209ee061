//! `expect:NAME` verdicts agree with an independent reading of the run's trace, for
//! random models of every profile: a `ready_by` expectation holds exactly when every
//! instance of its task first succeeded (or dry-ran) by `ready_by` on the day of its
//! run time (the next day's when it is due later than `ready_by`), and the number of
//! misses in the witness is the number of such instances; a `makespan_at_most`
//! expectation holds exactly when the trace's first start to last end fits.

use std::collections::BTreeMap;

use proptest::prelude::*;
use schedsim::engine::Config;
use schedsim::model::load_str;
use schedsim::observe::observe;

#[derive(Clone, Debug)]
struct Spec {
    profile: usize,
    slots: u32,
    /// Per task: upstream (indices below it), duration bounds in minutes, fail %.
    tasks: Vec<(Vec<usize>, u32, u32, u32, u32)>,
    hour: u32,
    ready: (u32, u32),
    judged: usize,
    backfill: bool,
    makespan_minutes: u32,
    seed: u64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0usize..3,
        1u32..4,
        proptest::collection::vec(
            (
                proptest::collection::vec(0usize..6, 0..3),
                5u32..120,
                0u32..180,
                prop_oneof![Just(0u32), 1u32..40],
                0u32..3,
            ),
            1..6,
        ),
        0u32..24,
        (0u32..24, 0u32..60),
        0usize..6,
        any::<bool>(),
        30u32..1500,
        0u64..1000,
    )
        .prop_map(
            |(profile, slots, tasks, hour, ready, judged, backfill, makespan_minutes, seed)| Spec {
                profile,
                slots,
                tasks,
                hour,
                ready,
                judged,
                backfill,
                makespan_minutes,
                seed,
            },
        )
}

fn text(s: &Spec) -> String {
    let profile = ["dataworks", "dolphinscheduler", "airflow"][s.profile];
    let h = s.hour;
    let cron = [
        format!("00 00 {h:02} * * ?"),
        format!("0 0 {h} * * ? *"),
        format!("0 {h} * * *"),
    ][s.profile]
        .clone();
    let mut t = format!(
        "[model]\nname = \"e\"\nprofile = \"{profile}\"\ntimezone = \"UTC\"\n\n[[resource_group]]\nname = \"g\"\nslots = {}\n\n[[workflow]]\nname = \"w\"\n",
        s.slots
    );
    if s.profile != 0 {
        t += &format!("cron = \"{cron}\"\n");
    }
    for (k, (ups, lo, extra, fail, retries)) in s.tasks.iter().enumerate() {
        t += &format!("  [[workflow.task]]\n  name = \"t{k}\"\n  resource_group = \"g\"\n");
        if s.profile == 0 {
            t += &format!("  cron = \"{cron}\"\n");
        }
        let ups: std::collections::BTreeSet<String> = ups
            .iter()
            .filter(|&&u| u < k)
            .map(|u| format!("\"t{u}\""))
            .collect();
        if !ups.is_empty() {
            t += &format!(
                "  upstream = [{}]\n",
                ups.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
        t += &format!(
            "  duration = {{ uniform = [\"{lo}m\", \"{}m\"] }}\n",
            lo + extra
        );
        if *fail > 0 {
            t += &format!("  fail = {{ probability = 0.{fail:02} }}\n");
        }
        if *retries > 0 {
            t += &format!("  retry = {{ times = {retries}, interval = \"5m\" }}\n");
        }
    }
    t += "\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\nuntil = \"2025-03-12T23:59:00\"\nrecurring = true\n";
    if s.backfill {
        let from = format!("2025-03-01T{h:02}:00:00");
        let to = format!("2025-03-02T{h:02}:00:00");
        let (from, to) = if s.profile == 0 {
            ("2025-03-01".to_string(), "2025-03-02".to_string())
        } else {
            (from, to)
        };
        t += &format!(
            "  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"{from}\"\n  to = \"{to}\"\n"
        );
    }
    let judged = s.judged % s.tasks.len();
    t += &format!(
        "\n[[expect]]\nname = \"ready\"\ntask = \"w.t{judged}\"\nready_by = \"{:02}:{:02}\"\n",
        s.ready.0, s.ready.1
    );
    t += &format!(
        "\n[[expect]]\nname = \"short\"\nmakespan_at_most = \"{}m\"\n",
        s.makespan_minutes
    );
    t
}

fn time(v: &serde_json::Value) -> jiff::Timestamp {
    v.as_str().unwrap().parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn expectation_verdicts_agree_with_the_trace(s in spec()) {
        let source = text(&s);
        let model = load_str("e.toml", &source).unwrap_or_else(|d| panic!("{source}\n{d:?}"));
        let scenario = &model.scenarios[0];
        let (engine, findings, trace) =
            observe(&model, scenario, Config::new(s.seed, 1_000_000), Some(Vec::new())).unwrap();
        let trace = String::from_utf8(trace.unwrap().unwrap()).unwrap();
        // Dates that never started (a failure ends a DataWorks chain, say) are not in
        // the trace; each is a miss of every expectation.
        let never = engine.units.iter().filter(|u| u.created.is_none()).count();
        let judged = format!("w.t{}", s.judged % s.tasks.len());
        // Per instance of the judged task: its scheduled time and the first time it
        // succeeded or dry-ran; every execution's start and end for the makespan.
        let mut ready: BTreeMap<u64, (jiff::Timestamp, Option<jiff::Timestamp>)> = BTreeMap::new();
        let (mut first, mut last) = (None::<jiff::Timestamp>, None::<jiff::Timestamp>);
        for line in trace.lines().skip(1) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let Some(id) = v.get("instance").and_then(|i| i.as_u64()) else { continue };
            let at = time(&v["time"]);
            if v["to"] == "running" {
                first = Some(first.map_or(at, |f| f.min(at)));
            }
            if v["from"] == "running" {
                last = Some(last.map_or(at, |l| l.max(at)));
            }
            if v["task"] != judged.as_str() {
                continue;
            }
            let entry = ready.entry(id).or_insert((time(&v["scheduled"]), None));
            if (v["to"] == "succeeded" || v["to"] == "dry_run") && entry.1.is_none() {
                entry.1 = Some(at);
            }
        }
        // Under each profile's default timetable an instance may first run at its
        // scheduled time; the deadline is ready_by that day, or the next when later.
        let by = jiff::civil::time(s.ready.0 as i8, s.ready.1 as i8, 0, 0);
        let misses = ready
            .values()
            .filter(|(scheduled, at)| {
                let local = scheduled.to_zoned(jiff::tz::TimeZone::UTC).datetime();
                let same = local.date().to_datetime(by);
                let deadline = if local <= same { same } else { local.date().tomorrow().unwrap().to_datetime(by) };
                let deadline = deadline.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
                at.is_none_or(|t| t > deadline)
            })
            .count();
        // Instances the trace shows: the engine created exactly those of the task.
        let created = engine.instances.iter().filter(|i| model.task(i.task).name == judged).count();
        prop_assert_eq!(ready.len(), created);
        let verdict = |name: &str| findings.properties.iter().find(|p| p.name == name).cloned().unwrap();
        let r = verdict("expect:ready");
        prop_assert_eq!(r.holds, misses + never == 0, "{}", source);
        prop_assert_eq!(r.witness.map_or(0, |w| w.count), misses + never);
        let unfinished = engine.instances.iter().any(|i| !i.state.is_final());
        let fits = match (first, last) {
            (Some(a), Some(b)) => (b.as_second() - a.as_second()) <= i64::from(s.makespan_minutes) * 60,
            _ => true,
        };
        prop_assert_eq!(verdict("expect:short").holds, fits && !unfinished && never == 0, "{}", source);
    }
}
