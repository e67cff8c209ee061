//! Command-line parsing and output. Exit codes: 0 success, 1 a property does not hold,
//! 2 bad input or usage.

#[macro_use]
mod out;

mod color;
mod completions;
mod cron;
mod diff;
mod errors;
mod explain;
mod explore;
mod golden;
mod help;
mod import;
mod instances;
mod merge;
mod output;
mod progress;
mod run;
mod scenarios;
mod schema;
mod seeds;
mod sweep_shard;
mod test;
mod validate;
mod whatif;
mod whatif_seeds;

use clap::{FromArgMatches, Parser, Subcommand, ValueEnum};

/// Deterministic virtual-clock simulator and verifier of data-pipeline scheduling
/// (DataWorks, DolphinScheduler, Airflow).
#[derive(Parser)]
#[command(name = "schedsim", version = version(), about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Highlight verdicts (FAIL, ok): `auto` on a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    color: color::Choice,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check models; every problem is reported, not just the first.
    Validate(validate::Args),
    /// Every fire time of a cron expression in a range, both ends included.
    Cron(cron::Args),
    /// The instances a backfill of a range would create.
    Instances(instances::Args),
    /// Simulate a scenario: print a summary, write the trace.
    Run(run::Args),
    /// Simulate a scenario and evaluate every property; exit 1 if one does not hold.
    Check(explain::CheckArgs),
    /// Search schedules of faults, operator actions and stretched durations for
    /// property violations; shrink each; print the command that replays it.
    Explore(explore::Args),
    /// Run a backfill under every combination of varied knobs and compare them.
    Whatif(whatif::Args),
    /// Combine the partial files of a run split with `--shard K/N` into the output
    /// of the run without it.
    Merge(merge::Args),
    /// Write a scenario's trace as a golden file for regression tests.
    Record(golden::RecordArgs),
    /// Run a golden file's scenario and seed again; print what differs, by meaning.
    Verify(golden::VerifyArgs),
    /// Compare two runs by meaning: instances added, removed and changed, timing
    /// shifts, partitions and verdicts that changed; exit 1 unless identical.
    Diff(diff::Args),
    /// Run every scenario of every model in a directory against its golden record.
    Test(test::Args),
    /// Print the JSON Schema of the model format.
    Schema,
    /// A model from a scheduler's export, with writes inferred from its SQL.
    Import(import::Args),
    /// List a model's scenarios: backfills, recurring schedule, faults, operations.
    Scenarios(scenarios::Args),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions(completions::Args),
}

/// `schedsim 0.1.0 (commit abc1234, tzdb 2025b)`: what `--version` prints.
fn version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{} (commit {}, tzdb {})",
            env!("CARGO_PKG_VERSION"),
            env!("SCHEDSIM_COMMIT"),
            schedsim::model::tzdb_version()
        )
    });
    VERSION.as_str()
}

/// Output for people, or one JSON document on stdout for tools.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

pub const EXIT_OK: i32 = 0;
pub const EXIT_VIOLATION: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;

/// product.md: ranges that would create more instances than this are refused.
pub const DEFAULT_MAX_INSTANCES: u64 = 50_000_000;

/// More threads than this is a typo, not a machine: each is an operating-system
/// thread, and thousands take longer to start than the work they share.
pub const MAX_THREADS: usize = 1024;

/// `--threads N`: 0 (every core) to [`MAX_THREADS`].
pub fn threads_arg(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n <= MAX_THREADS => Ok(n),
        _ => Err(format!(
            "expected 0 (every core) to {MAX_THREADS} threads, found `{text}`"
        )),
    }
}

/// Prints a usage or input error and returns exit code 2.
pub fn fail(message: &str) -> i32 {
    errors::error(message);
    EXIT_BAD_INPUT
}

pub fn main() -> i32 {
    let cli = match help::command().try_get_matches().and_then(|m| {
        let format = m
            .subcommand()
            .and_then(|(_, sub)| sub.try_get_one::<Format>("format").ok().flatten().copied());
        errors::init(format == Some(Format::Json));
        Cli::from_arg_matches(&m)
    }) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
            let _ = e.print();
            return code;
        }
    };
    color::init(cli.color);
    let code = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Cron(args) => cron::run(&args),
        Command::Instances(args) => instances::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Check(args) => match (args.explain, &args.run) {
            (Some(name), None) => explain::run(&name),
            (Some(_), Some(_)) => fail("`check --explain` takes a property name and nothing else"),
            (None, run) => run.as_ref().map_or(EXIT_BAD_INPUT, run::check),
        },
        Command::Explore(args) => explore::run(&args),
        Command::Whatif(args) => whatif::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Record(args) => golden::record(&args),
        Command::Verify(args) => golden::verify(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Schema => schema::run(),
        Command::Import(args) => import::run(&args),
        Command::Scenarios(args) => scenarios::run(&args),
        Command::Completions(args) => completions::run(&args),
    };
    out::finish(code)
}

/// "1 fault", "2 faults".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
