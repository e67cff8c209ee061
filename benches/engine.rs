//! product.md's performance targets, measured (never asserted):
//!
//! - `year_backfill_876k`: a DataWorks backfill of 100 hourly tasks over 365 business
//!   dates (876,000 instances, each bound to an upstream instance, taking a slot, and
//!   drawing a random failure with retries), planned and simulated end to end with
//!   resource metrics.
//! - `year_backfill_876k_checked`: the same with every observer of `schedsim run`
//!   and `check` (metrics, data store, property recorder) and all 13 properties
//!   evaluated.
//! - `year_backfill_876k_writes_checked`: the same, every instance also writing a
//!   partition (evaluated from its date), the store comparing each with a clean run.
//! - `decade_backfill_10m_checked`: 100 hourly tasks over 4,168 business dates
//!   (10,003,200 instances), checked likewise.
//! - `floor_binary_heap`: a bare binary-heap event loop doing as many events as that
//!   simulation emits: the floor the engine is compared against.
//! - group `backfill_876k` (issue 15's target): `check_end_to_end` loads the chained
//!   hourly backfill's model text (`backfill/model.rs`: 365 dates, 10 chains of 10
//!   hourly tasks, 5 date groups, 50 slots, 10 minutes; 876,000 instances), runs it
//!   with every observer (windowed, as `check` runs it), evaluates the 13 properties and renders `check`'s text;
//!   `floor` is the hand-specialised loop of the same backfill (`backfill/floor.rs`).
//!
//! Run: `cargo bench --bench engine` (`-- backfill_876k` for issue 15's pair only).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use schedsim::engine::{self, Config, Sink};
use schedsim::model::{Model, load_str};
use schedsim::observe::summary::Identity;
use schedsim::observe::{self, Reads, Summary};

#[path = "backfill/floor.rs"]
mod backfill_floor;
#[path = "backfill/model.rs"]
mod backfill_model;

/// `tasks` hourly DataWorks tasks in a chain, backfilled over `dates` business dates.
pub fn hourly_chain(tasks: usize, from: &str, to: &str) -> String {
    chain(tasks, from, to, "")
}

/// The same, each task writing its own table, partitioned by business date and hour.
pub fn hourly_chain_writing(tasks: usize, from: &str, to: &str) -> String {
    chain(
        tasks,
        from,
        to,
        "  writes = [ { table = \"t\", partition = \"dt=${bizdate}/hh=$[hh24]\", mode = \"overwrite\" } ]\n",
    )
}

fn chain(tasks: usize, from: &str, to: &str, writes: &str) -> String {
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
        s += writes;
    }
    s += &format!(
        "\n[[scenario]]\nname = \"year\"\nstart = \"2026-01-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"{from}\"\n  to = \"{to}\"\n  groups = 10\n  run_immediately = true\n"
    );
    s
}

/// Instances simulated and events through the engine's queue.
fn simulate(model: &Model, sink: &mut impl Sink) -> (usize, u64) {
    let config = Config::new(0, 50_000_000);
    let engine =
        engine::simulate(model, &model.scenarios[0], config, sink).expect("the bench model plans");
    (engine.instances.len(), engine.queued_events())
}

/// The floor: `events` pushes and pops through a binary heap holding `in_flight`
/// instances at a time (each handler pushes its instance's next event), as the
/// engine's loop does at its leanest.
fn floor(events: u64, in_flight: u32) -> u64 {
    let instances = in_flight;
    let mut heap = BinaryHeap::with_capacity(instances as usize);
    let mut seq = 0u64;
    for i in 0..instances {
        seq += 1;
        heap.push(Reverse((i64::from(i % 24) * 3600, seq, i, 0u32)));
    }
    let mut done = 0u64;
    let mut sum = 0u64;
    while let Some(Reverse((t, _, i, step))) = heap.pop() {
        done += 1;
        sum = sum.wrapping_add(u64::from(i) ^ t as u64);
        if done + (heap.len() as u64) < events {
            seq += 1;
            heap.push(Reverse((t + 300, seq, i, step + 1)));
        }
    }
    sum
}

/// Issue 15's pairs: `check` and `run` on the 876,000-instance chained backfill, from
/// the model's text to the printed text, against the floor of the same backfill.
fn backfill_876k(c: &mut Criterion) {
    let text = backfill_model::backfill_model(365, 10, 10, 5, 50, 10, false);
    // As `schedsim check` (verdicts alone) and `schedsim run` (figures too) run it:
    // windowed when nothing needs every instance.
    let simulate = |reads: Reads| {
        let model = load_str("backfill.toml", &text).unwrap_or_else(|d| panic!("{}", d.render()));
        let scenario = &model.scenarios[0];
        let memory = observe::memory(&model, scenario, false);
        let (engine, findings, _) = observe::observe_in::<Vec<u8>>(
            &model,
            scenario,
            Config::new(0, 50_000_000),
            memory,
            reads,
            None,
            &mut (),
        )
        .expect("the backfill plans");
        let id = Identity {
            scenario: &scenario.name,
            seed: 0,
            model_hash: String::new(),
        };
        let summary = Summary::new(&engine, findings, id, false);
        match reads {
            Reads::Verdicts => summary.check_text(),
            Reads::Figures => summary.text() + &observe::dates::text(&engine),
        }
    };
    let check = || simulate(Reads::Verdicts);
    let run = || simulate(Reads::Figures);
    let verdicts = check();
    assert!(verdicts.contains("13 of 13 properties hold"), "{verdicts}");
    let figures = run();
    assert!(
        figures.contains("instances: 876000 (876000 succeeded)"),
        "{figures}"
    );
    assert_eq!(
        backfill_floor::floor(365, 10, 10, 5, 50, 10),
        (10_512_000, 876_000)
    );
    let mut group = c.benchmark_group("backfill_876k");
    group.sample_size(10);
    group.bench_function("check_end_to_end", |b| b.iter(|| black_box(check())));
    group.bench_function("run_end_to_end", |b| b.iter(|| black_box(run())));
    group.bench_function("floor", |b| {
        b.iter(|| black_box(backfill_floor::floor(365, 10, 10, 5, 50, 10)))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let model = load_str("bench.toml", &hourly_chain(100, "2025-01-01", "2025-12-31"))
        .unwrap_or_else(|d| panic!("{}", d.render()));
    let (instances, events) = simulate(&model, &mut ());
    assert_eq!(instances, 876_000);
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.bench_function("year_backfill_876k", |b| {
        b.iter(|| {
            let mut figures = observe::waits::Waits::new(&model);
            black_box(simulate(&model, &mut figures))
        })
    });
    // 10 groups of business dates × 2,400 instances a date are in flight at most.
    group.bench_function("floor_binary_heap", |b| {
        b.iter(|| black_box(floor(events, 24_000)))
    });
    group.bench_function("year_backfill_876k_checked", |b| {
        b.iter(|| black_box(checked(&model)))
    });
    let writing = load_str(
        "bench.toml",
        &hourly_chain_writing(100, "2025-01-01", "2025-12-31"),
    )
    .unwrap_or_else(|d| panic!("{}", d.render()));
    group.bench_function("year_backfill_876k_writes_checked", |b| {
        b.iter(|| black_box(checked(&writing)))
    });
    let decade = load_str("bench.toml", &hourly_chain(100, "2025-01-01", "2036-05-30"))
        .unwrap_or_else(|d| panic!("{}", d.render()));
    group.bench_function("decade_backfill_10m_checked", |b| {
        b.iter(|| black_box(checked(&decade)))
    });
    group.finish();
}

/// Simulates with every observer and evaluates the properties; returns how many hold.
fn checked(model: &Model) -> usize {
    let config = Config::new(0, 50_000_000);
    let (_, findings, _) = observe::observe::<Vec<u8>>(model, &model.scenarios[0], config, None)
        .expect("the bench model plans");
    findings.properties.iter().filter(|p| p.holds).count()
}

criterion_group!(engine_benches, backfill_876k, benches);
criterion_main!(engine_benches);
