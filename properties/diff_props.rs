//! Properties of the semantic diff over random models: no false changes. A run
//! diffed with itself, or with the run of a model that differs only in its name and
//! comments, is identical; a run whose model changes one task's duration differs
//! exactly in that task's instances and their downstream.

use std::collections::BTreeSet;

use proptest::prelude::*;
use schedsim::diff::{self, Verdict};
use schedsim::engine::Config;

/// A random DataWorks workflow: `durations.len()` daily tasks at 01:00, each with
/// upstreams among the tasks before it, slots for all, run recurring for three days
/// (each day's work ends long before the next day's starts).
#[derive(Clone, Debug)]
struct Shape {
    durations: Vec<u32>,
    /// For each task, bit k set: task k (k < i) is an upstream.
    upstreams: Vec<u32>,
    profile: usize,
}

fn shape() -> impl Strategy<Value = Shape> {
    (2usize..7)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(1u32..120, n),
                proptest::collection::vec(any::<u32>(), n),
                0usize..2,
            )
        })
        .prop_map(|(durations, bits, profile)| Shape {
            upstreams: bits
                .iter()
                .enumerate()
                .map(|(i, b)| b & ((1u32 << i) - 1))
                .collect(),
            durations,
            profile,
        })
}

fn model_text(s: &Shape, name: &str, comment: &str) -> String {
    let (profile, cron) = [("dataworks", "00 00 01 * * ?"), ("airflow", "0 1 * * *")][s.profile];
    let mut t = format!(
        "# {comment}\n[model]\nname = \"{name}\"\nprofile = \"{profile}\"\ntimezone = \"Asia/Shanghai\"\n\n[[resource_group]]\nname = \"default\"\nslots = 100\n\n[[workflow]]\nname = \"w\"\n"
    );
    if profile == "airflow" {
        t += &format!("cron = \"{cron}\"\n");
    }
    for (i, d) in s.durations.iter().enumerate() {
        let ups: Vec<String> = (0..i)
            .filter(|k| s.upstreams[i] & (1 << k) != 0)
            .map(|k| format!("\"t{k}\""))
            .collect();
        t += &format!(
            "\n  # task {i}\n  [[workflow.task]]\n  name = \"t{i}\"\n  duration = \"{d}m\"\n"
        );
        if profile == "dataworks" {
            t += &format!("  cron = \"{cron}\"\n");
        }
        if !ups.is_empty() {
            t += &format!("  upstream = [{}]\n", ups.join(", "));
        }
    }
    t += "\n[[scenario]]\nname = \"days\"\nstart = \"2025-03-10T00:00:00\"\nuntil = \"2025-03-13T00:00:00\"\nrecurring = true\n";
    t
}

fn run(text: &str) -> diff::Run {
    let m = schedsim::model::load_str("random.toml", text)
        .unwrap_or_else(|d| panic!("{}\n{text}", d.render()));
    let hash = schedsim::model::model_hash(text.as_bytes());
    diff::simulate(&m, &m.scenarios[0], Config::new(0, 1_000_000), &hash, None).unwrap()
}

/// Task `t` and everything downstream of it.
fn downstream(s: &Shape, t: usize) -> BTreeSet<String> {
    let mut set = BTreeSet::from([t]);
    for i in t + 1..s.durations.len() {
        if set.iter().any(|&k| s.upstreams[i] & (1 << k) != 0) {
            set.insert(i);
        }
    }
    set.into_iter().map(|i| format!("w.t{i}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_run_diffed_with_itself_is_identical(s in shape()) {
        let a = run(&model_text(&s, "m", "one"));
        let d = diff::diff(&a, "a", &a, "a");
        prop_assert_eq!(d.verdict, Verdict::Identical);
        prop_assert!(d.changed.is_empty() && d.only_a.is_empty() && d.only_b.is_empty());
    }

    #[test]
    fn models_differing_only_in_name_and_comments_give_identical_runs(s in shape()) {
        let a = run(&model_text(&s, "first", "one comment"));
        let b = run(&model_text(&s, "second name", "another comment, longer"));
        let d = diff::diff(&a, "a", &b, "b");
        prop_assert_eq!(d.verdict, Verdict::Identical, "{}", diff::text::render(&d, true));
        // The header says the hashes differ; the results do not.
        prop_assert_eq!(d.header.len(), 1);
    }

    #[test]
    fn one_changed_duration_changes_that_task_and_its_downstream_only(
        s in shape(),
        pick in any::<prop::sample::Index>(),
        extra in 1u32..60,
    ) {
        let t = pick.index(s.durations.len());
        let mut changed = s.clone();
        changed.durations[t] += extra;
        let a = run(&model_text(&s, "m", "c"));
        let b = run(&model_text(&changed, "m", "c"));
        let d = diff::diff(&a, "a", &b, "b");
        let reach = downstream(&s, t);
        let touched: BTreeSet<String> = d.changed.iter().map(|c| d.changed.task(c).to_string()).collect();
        prop_assert!(touched.is_subset(&reach), "{touched:?} not within {reach:?}");
        // The task's own instances all end later.
        let name = format!("w.t{t}");
        let own = d.changed.iter().filter(|c| d.changed.task(c) == name).count();
        let ran = a.instances.iter().filter(|i| a.tasks[i.task as usize] == name && i.end.is_some()).count();
        prop_assert!(ran > 0);
        prop_assert_eq!(own, ran);
        prop_assert!(d.changed.iter().all(|c| !c.outcome()));
        prop_assert_eq!(d.verdict, Verdict::Timing);
    }
}
