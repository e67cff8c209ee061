//! Prints the schedsim model of the performance targets' chained hourly backfill, with
//! the floor's and the SimPy peer's arguments (issue 15; `../shared/bench/README`):
//!
//! `cargo run --release --example backfill_model -- DATES CHAINS CHAIN_LEN GROUPS SLOTS MINUTES > m.toml`
//!
//! `365 10 10 5 50 10` is the 876,000-instance year; `4168 10 10 5 50 10` is
//! 10,003,200 instances; `4168 10 100 5 50 10` is 100,032,000.

#[path = "../benches/backfill/model.rs"]
mod backfill_model;

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap_or_else(|_| usage()))
        .collect();
    let [dates, chains, chain_len, groups, slots, minutes] = args[..] else {
        usage()
    };
    print!(
        "{}",
        backfill_model::backfill_model(dates, chains, chain_len, groups, slots, minutes)
    );
}

fn usage() -> ! {
    eprintln!("usage: backfill_model DATES CHAINS CHAIN_LEN GROUPS SLOTS MINUTES");
    std::process::exit(2)
}
