//! Prints the schedsim model of the performance targets' chained hourly backfill, with
//! the floor's and the SimPy peer's arguments (issue 15; `../shared/bench/README`):
//!
//! `cargo run --release --example backfill_model -- DATES CHAINS CHAIN_LEN GROUPS SLOTS MINUTES [writes] > m.toml`
//!
//! `365 10 10 5 50 10` is the 876,000-instance year (`365 10 10 5 50 10 writes`: every
//! instance also writing a partition); `4168 10 10 5 50 10` is
//! 10,003,200 instances; `4168 10 100 5 50 10` is 100,032,000.

#[path = "../benches/backfill/model.rs"]
mod backfill_model;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let writes = args.last().is_some_and(|a| a == "writes");
    if writes {
        args.pop();
    }
    let args: Vec<u32> = args
        .iter()
        .map(|a| a.parse().unwrap_or_else(|_| usage()))
        .collect();
    let [dates, chains, chain_len, groups, slots, minutes] = args[..] else {
        usage()
    };
    print!(
        "{}",
        backfill_model::backfill_model(dates, chains, chain_len, groups, slots, minutes, writes)
    );
}

fn usage() -> ! {
    eprintln!("usage: backfill_model DATES CHAINS CHAIN_LEN GROUPS SLOTS MINUTES [writes]");
    std::process::exit(2)
}
