//! Prints a model the size of a large DataWorks tenant (`docs/performance.md`, "models
//! of 100,000 tasks"): `workflows` workflows of `tasks` daily tasks each, every task
//! at a minute between 00:00 and 05:59, waiting for up to 3 earlier tasks of its
//! workflow (and, one task in 20, a task of an earlier workflow), in one of 10
//! resource groups of 200 slots, writing a partition of its own table; a recurring
//! scenario of two days and a backfill of `dates` business dates downstream of
//! `wf0.t0`. The same arguments give the same model (a fixed linear congruential
//! sequence):
//!
//! `cargo run --release --example tenant_model -- 100 1000 10 > tenant.toml`

use std::fmt::Write as _;

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap_or_else(|_| usage()))
        .collect();
    let [workflows, tasks, dates] = args[..] else {
        usage()
    };
    if workflows == 0 || tasks == 0 || !(1..=31).contains(&dates) {
        usage()
    }
    // Knuth's MMIX linear congruential generator: the high bits.
    let mut state: u64 = 7;
    let mut below = |n: u32| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) % u64::from(n)) as u32
    };
    let mut s = String::from(
        "[model]\nname = \"tenant\"\nprofile = \"dataworks\"\ntimezone = \"Asia/Shanghai\"\n",
    );
    for g in 0..10 {
        write!(s, "\n[[resource_group]]\nname = \"rg{g}\"\nslots = 200\n").unwrap();
    }
    for f in 0..workflows {
        write!(s, "\n[[workflow]]\nname = \"wf{f}\"\n").unwrap();
        for t in 0..tasks {
            let (h, m) = (below(6), below(60));
            write!(
                s,
                "\n  [[workflow.task]]\n  name = \"t{t}\"\n  cron = \"00 {m:02} {h:02} * * ?\"\n"
            )
            .unwrap();
            let mut upstream = Vec::new();
            if t > 0 {
                for _ in 0..below(4) {
                    upstream.push(format!("t{}", below(t)));
                }
            }
            if f > 0 && below(20) == 0 {
                upstream.push(format!("wf{}.t{}", below(f), below(tasks)));
            }
            upstream.sort();
            upstream.dedup();
            if !upstream.is_empty() {
                let quoted: Vec<String> = upstream.iter().map(|u| format!("\"{u}\"")).collect();
                writeln!(s, "  upstream = [{}]", quoted.join(", ")).unwrap();
            }
            let (lo, hi) = (1 + below(5), 6 + below(25));
            write!(
                s,
                "  resource_group = \"rg{}\"\n  duration = {{ uniform = [\"{lo}m\", \"{hi}m\"] }}\n  \
                 writes = [ {{ table = \"wf{f}_t{t}\", partition = \"dt=${{bizdate}}\", mode = \"overwrite\" }} ]\n",
                below(10)
            )
            .unwrap();
        }
    }
    write!(
        s,
        "\n[[scenario]]\nname = \"nightly\"\nstart = \"2025-03-10T00:00:00\"\nuntil = \"2025-03-12T00:00:00\"\nrecurring = true\n\
         \n[[scenario]]\nname = \"backfill\"\nstart = \"2025-03-10T09:00:00\"\n\n  [[scenario.backfill]]\n  \
         targets = [\"wf0.t0\"]\n  downstream = true\n  from = \"2025-01-01\"\n  to = \"2025-01-{dates:02}\"\n  groups = 3\n"
    )
    .unwrap();
    print!("{s}");
}

fn usage() -> ! {
    eprintln!("usage: tenant_model WORKFLOWS TASKS_PER_WORKFLOW DATES (DATES 1 to 31)");
    std::process::exit(2)
}
