//! The schedsim model of the performance targets' chained hourly backfill (issue 15),
//! the same scenario as the floor and the SimPy peer: DataWorks-style, `dates` business
//! dates from 2025-01-01 in `groups` contiguous balanced chains; per date `chains`
//! chains of `chain_len` hourly tasks (24 instances each), task k of a chain at hour h
//! waiting for task k-1 at hour h; one resource group of `slots`; every instance
//! `minutes` long; with `writes`, every task overwriting the partition
//! `dt=${bizdate}/hh=$[hh24]` of a table of its own (the store then compares each of
//! the instances' partitions with a clean run). Shared by `benches/engine.rs`, `benches/scale.rs` and
//! `examples/backfill_model.rs`.

/// The model's TOML text.
pub fn backfill_model(
    dates: u32,
    chains: u32,
    chain_len: u32,
    groups: u32,
    slots: u32,
    minutes: u32,
    writes: bool,
) -> String {
    let mut s = format!(
        "[model]\nname = \"backfill\"\nprofile = \"dataworks\"\ntimezone = \"UTC\"\n\n\
         [[resource_group]]\nname = \"default\"\nslots = {slots}\n\n\
         [[workflow]]\nname = \"w\"\ncron = \"00 00 * * * ?\"\n"
    );
    for c in 0..chains {
        for k in 0..chain_len {
            s += &format!(
                "\n  [[workflow.task]]\n  name = \"c{c}_{k}\"\n  duration = \"{minutes}m\"\n"
            );
            if k > 0 {
                s += &format!("  upstream = [\"c{c}_{}\"]\n", k - 1);
            }
            if writes {
                s += &format!(
                    "  writes = [ {{ table = \"c{c}_{k}\", partition = \"dt=${{bizdate}}/hh=$[hh24]\", mode = \"overwrite\" }} ]\n"
                );
            }
        }
    }
    s += &format!(
        "\n[[scenario]]\nname = \"backfill\"\nstart = \"2025-01-01T00:00:00\"\n\n  \
         [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-01-01\"\n  to = \"{}\"\n  \
         groups = {groups}\n  order = \"asc\"\n  run_immediately = true\n",
        last_date(dates)
    );
    s
}

/// 2025-01-01 plus `dates - 1` days, as `YYYY-MM-DD` (proleptic Gregorian).
fn last_date(dates: u32) -> String {
    // Days since 0000-03-01 → civil date (Howard Hinnant's algorithm).
    let days_from_civil = |y: i64, m: i64, d: i64| {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy
    };
    let z = days_from_civil(2025, 1, 1) + i64::from(dates.max(1)) - 1;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
