//! The semantic diff at scale (issue 14): two runs of the 876,000-instance backfill of
//! `benches/engine.rs` (100 hourly DataWorks tasks over 365 business dates, a 1 %
//! failure draw with retries), under seeds 0 and 1, so that thousands of retries and
//! their downstream move.
//!
//! - `run_876k_collected`: one run with every observer and the diff's collector.
//! - `diff_876k`: matching and comparing the two finished runs.
//! - `diff_876k_text`: the same, rendered as text.
//!
//! Run: `cargo bench --bench diff`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use schedsim::diff::{self, Run};
use schedsim::engine::Config;
use schedsim::model::{Model, load_str};

/// The model of `benches/engine.rs`: `tasks` hourly tasks in a chain, backfilled.
fn hourly_chain(tasks: usize, from: &str, to: &str) -> String {
    let mut s = String::from(
        "[model]\nname = \"bench\"\nprofile = \"dataworks\"\ntimezone = \"Asia/Shanghai\"\n\n[[resource_group]]\nname = \"etl\"\nslots = 200\n\n[[workflow]]\nname = \"w\"\n",
    );
    for k in 0..tasks {
        s += &format!(
            "  [[workflow.task]]\n  name = \"t{k:03}\"\n  cron = \"00 00 00-23/1 * * ?\"\n  resource_group = \"etl\"\n  duration = \"5m\"\n  retry = {{ times = 3, interval = \"2m\" }}\n  fail = {{ probability = 0.01 }}\n"
        );
        if k > 0 {
            s += &format!("  upstream = [\"t{:03}\"]\n", k - 1);
        }
    }
    s += &format!(
        "\n[[scenario]]\nname = \"year\"\nstart = \"2026-01-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"{from}\"\n  to = \"{to}\"\n  groups = 10\n  run_immediately = true\n"
    );
    s
}

fn run(model: &Model, seed: u64) -> Run {
    let config = Config::new(seed, 50_000_000);
    diff::simulate(model, &model.scenarios[0], config, "bench", None)
        .expect("the bench model plans")
}

fn benches(c: &mut Criterion) {
    let model = load_str("bench.toml", &hourly_chain(100, "2025-01-01", "2025-12-31"))
        .unwrap_or_else(|d| panic!("{}", d.render()));
    let (a, b) = (run(&model, 0), run(&model, 1));
    assert_eq!((a.instances.len(), b.instances.len()), (876_000, 876_000));
    let d = diff::diff(&a, "seed 0", &b, "seed 1");
    eprintln!(
        "diff of seeds 0 and 1: {}; {} instances changed",
        diff::text::verdict_line(&d),
        d.changed.len()
    );
    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    group.bench_function("run_876k_collected", |bench| {
        bench.iter(|| black_box(run(&model, 0).instances.len()))
    });
    group.bench_function("diff_876k", |bench| {
        bench.iter(|| black_box(diff::diff(&a, "seed 0", &b, "seed 1").changed.len()))
    });
    group.bench_function("diff_876k_text", |bench| {
        bench.iter(|| {
            let d = diff::diff(&a, "seed 0", &b, "seed 1");
            black_box(diff::text::render(&d, false).len())
        })
    });
    group.finish();
}

criterion_group!(diff_benches, benches);
criterion_main!(diff_benches);
