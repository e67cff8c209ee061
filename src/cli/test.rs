//! `schedsim test [DIR] [--bless] [--junit FILE]`: the golden suite. One line per
//! scenario (and under it what the run noted of itself), a summary, then each
//! failure with its semantic diff (cargo-nextest's layout). Exit 0 when every
//! scenario matches its golden, 1 on a difference or a missing golden (without
//! `--bless`), 2 on bad input (no such directory, a model or a golden that cannot be
//! read).

use std::path::PathBuf;

use schedsim::golden::{self, Outcome};

use super::output::Outputs;
use super::{EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, fail};

#[derive(clap::Args)]
pub struct Args {
    /// The directory of models; goldens are in its `goldens/MODEL/SCENARIO.jsonl`.
    #[arg(default_value = "models")]
    dir: PathBuf,
    /// Write the golden of every scenario that is new or differs (review the change,
    /// like `cargo insta accept`).
    #[arg(long)]
    bless: bool,
    /// Also write a JUnit XML report here, for CI systems.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
}

pub fn run(args: &Args) -> i32 {
    let models = match golden::models(&args.dir) {
        Ok(m) => m,
        Err(e) => return fail(&e),
    };
    if models.is_empty() {
        return fail(&format!(
            "{}: no model (*.toml) to test",
            args.dir.display()
        ));
    }
    // The report never names a model or a golden of the suite.
    let mut outputs = Outputs::new();
    for path in models.iter().chain(&golden::goldens(&args.dir)) {
        outputs.input(path);
    }
    let junit = match args.junit.as_ref().map(|p| outputs.open("--junit", p)) {
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => return fail(&e),
        None => None,
    };
    outln!(
        "    Starting {} models in {}",
        models.len(),
        args.dir.display()
    );
    let mut results = Vec::new();
    let bar = super::progress::Progress::new("models", false);
    for (done, path) in models.iter().enumerate() {
        bar.update(done, models.len());
        let cases = golden::check_model(path, args.bless, args.max_instances);
        bar.clear();
        for (case, outcome) in cases {
            print_case(&case, &outcome);
            results.push((case, outcome));
        }
    }
    // Goldens of models the directory no longer has.
    for (case, outcome) in golden::orphans(&args.dir, &models, args.bless) {
        print_case(&case, &outcome);
        results.push((case, outcome));
    }
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|(_, o)| f(o)).count();
    let passed = count(Outcome::passed);
    let new = count(|o| matches!(o, Outcome::New));
    let stale = count(|o| matches!(o, Outcome::Stale(_)));
    let failed = count(|o| matches!(o, Outcome::Fail(_)));
    let errors = count(|o| matches!(o, Outcome::Error(_)));
    let blessed = count(|o| matches!(o, Outcome::Blessed(_)));
    outln!("------------");
    let noted = results.iter().filter(|(c, _)| !c.notes.is_empty()).count();
    outln!(
        "{:>12} {} scenarios: {passed} passed ({blessed} blessed), {failed} failed, {new} new, {stale} stale, {errors} errors{}",
        "Summary",
        results.len(),
        match noted {
            0 => String::new(),
            n => format!("; {n} with notes"),
        }
    );
    let failures: Vec<_> = results.iter().filter(|(_, o)| !o.passed()).collect();
    if !failures.is_empty() {
        outln!("\nFAILURES:");
        for (case, outcome) in &failures {
            outln!(
                "\n--- {} :: {} ({})",
                case.model,
                case.scenario,
                case.golden.display()
            );
            out!("{}", outcome.detail(&args.dir));
        }
    }
    if let (Some(f), Some(path)) = (junit, &args.junit) {
        let xml = golden::junit(&results, &args.dir);
        if let Err(e) = outputs.write_and_commit(f, "--junit", path, xml.as_bytes()) {
            return fail(&e);
        }
    }
    if errors > 0 {
        EXIT_BAD_INPUT
    } else if failures.is_empty() {
        EXIT_OK
    } else {
        EXIT_VIOLATION
    }
}

/// A case's one-line status, and under it what its run noted of itself.
fn print_case(case: &golden::Case, outcome: &Outcome) {
    let extra = match outcome {
        Outcome::Header(changes) => format!(" (same results; {})", changes.join(", ")),
        Outcome::Blessed(why) => format!(" ({why})"),
        Outcome::Fail(d) => format!(" ({})", d.verdict.word()),
        _ => String::new(),
    };
    outln!(
        "{:>12} {} :: {}{extra}",
        outcome.word(),
        case.model,
        case.scenario
    );
    // A failure's diff says what the fresh run noted (`B: …`).
    if !matches!(outcome, Outcome::Fail(_)) {
        for note in &case.notes {
            outln!("{:>12} note: {note}", "");
        }
    }
}
