//! `schedsim merge PARTIAL... [--model PATH]`: combines the partial files of a run
//! split with `--shard K/N` (`explore`, `whatif`, `run --seeds`, `check --seeds`)
//! into exactly the output (and exit code, and `--html`/`--report` file) of the run
//! without `--shard`. The partials must be the N shards of one run (same command, arguments,
//! model and schedsim version; each shard once, each complete); the model file is
//! loaded again, from the path the shards were given or from `--model`, and must be
//! the same file (its hash is checked).

use std::path::PathBuf;

use clap::Parser;
use schedsim::shard;

use super::{explore, fail, run, whatif};

#[derive(clap::Args)]
pub struct Args {
    /// The partial files written by `--shard K/N` (JSON Lines), in any order.
    #[arg(required = true, value_name = "PARTIAL")]
    files: Vec<PathBuf>,
    /// The model file, when it is not where the shards found it (a path relative to
    /// their working directory, or on another machine). It must be the same file.
    #[arg(long)]
    model: Option<PathBuf>,
}

pub fn run(args: &Args) -> i32 {
    let parts = match shard::read_all(&args.files) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let header = &parts[0].header;
    if header.version != env!("CARGO_PKG_VERSION") {
        return fail(&format!(
            "the partials were written by schedsim {}, this is {}: merge them with the version that wrote them",
            header.version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    // From here on, an error is reported as the merged command reports it: also as a
    // JSON document on stdout under --format json.
    let json = header.args.iter().any(|a| a == "--format=json")
        || header.args.windows(2).any(|w| w == ["--format", "json"]);
    super::errors::init(json);
    let argv = std::iter::once(header.command.clone()).chain(header.args.iter().cloned());
    match header.command.as_str() {
        "explore" => {
            let mut recorded = match explore::Recorded::try_parse_from(argv) {
                Ok(r) => r,
                Err(e) => return fail(&format!("the partials' arguments: {e}")),
            };
            if let Some(m) = &args.model {
                *recorded.model() = m.clone();
            }
            explore::run_with(&recorded.args, Some(&parts))
        }
        "whatif" => {
            let mut recorded = match whatif::Recorded::try_parse_from(argv) {
                Ok(r) => r,
                Err(e) => return fail(&format!("the partials' arguments: {e}")),
            };
            if let Some(m) = &args.model {
                *recorded.model() = m.clone();
            }
            whatif::run_with(&recorded.args, Some(&parts))
        }
        command @ ("run" | "check") => {
            let mut recorded = match run::Recorded::try_parse_from(argv) {
                Ok(r) => r,
                Err(e) => return fail(&format!("the partials' arguments: {e}")),
            };
            if let Some(m) = &args.model {
                *recorded.model() = m.clone();
            }
            run::merged(&recorded.args, command == "check", &parts)
        }
        other => fail(&format!(
            "{}: the partials are of `{other}`, which merge does not know",
            parts[0].path.display()
        )),
    }
}
