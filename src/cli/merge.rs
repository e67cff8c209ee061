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
    /// their working directory, or on another machine). It must be the same file;
    /// the merged output's replay commands name it by this path.
    #[arg(long)]
    model: Option<PathBuf>,
}

/// Whether the shards ran with `--format json`.
fn json_of(header: &shard::Header) -> bool {
    header.args.iter().any(|a| a == "--format=json")
        || header.args.windows(2).any(|w| w == ["--format", "json"])
}

pub fn run(args: &Args) -> i32 {
    let parts = match shard::read_all(&args.files) {
        Ok(p) => p,
        Err(e) => {
            // The partials are not the shards of one run (one missing, cut short, of
            // another run or build): reported as the merged command reports errors
            // when the partials' headers say they ran under --format json; when they
            // disagree (a text partial and a JSON one), in text on stderr.
            let headers: Vec<shard::Header> = args
                .files
                .iter()
                .filter_map(|f| shard::header_of(f))
                .collect();
            let json = !headers.is_empty() && headers.iter().all(json_of);
            super::errors::init(json);
            return fail(&e);
        }
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
    super::errors::init(json_of(header));
    let argv = std::iter::once(header.command.clone()).chain(header.args.iter().cloned());
    match header.command.as_str() {
        "explore" => match recorded::<explore::Args>(argv, &args.model, |a| &mut a.model) {
            Ok(recorded) => explore::run_with(&recorded, Some(&parts)),
            Err(e) => fail(&e),
        },
        "whatif" => match recorded::<whatif::Args>(argv, &args.model, |a| &mut a.model) {
            Ok(recorded) => whatif::run_with(&recorded, Some(&parts)),
            Err(e) => fail(&e),
        },
        command @ ("run" | "check") => {
            match recorded::<run::Args>(argv, &args.model, |a| &mut a.model) {
                Ok(recorded) => run::merged(&recorded, command == "check", &parts),
                Err(e) => fail(&e),
            }
        }
        other => fail(&format!(
            "{}: the partials are of `{other}`, which merge does not know",
            parts[0].path.display()
        )),
    }
}

/// A command's arguments read back from a partial file's header (`argv` starts with
/// the command's name).
#[derive(Parser)]
struct Recorded<A: clap::Args> {
    #[command(flatten)]
    args: A,
}

/// The shards' arguments, with the model file `--model` names instead of theirs.
fn recorded<A: clap::Args>(
    argv: impl Iterator<Item = String>,
    model: &Option<PathBuf>,
    model_of: impl Fn(&mut A) -> &mut PathBuf,
) -> Result<A, String> {
    let mut args = Recorded::<A>::try_parse_from(argv)
        .map_err(|e| format!("the partials' arguments: {e}"))?
        .args;
    match model {
        Some(m) => *model_of(&mut args) = m.clone(),
        None => {
            let m = model_of(&mut args);
            if !m.exists() {
                return Err(format!(
                    "the shards ran on the model `{}`, which is not found from here (a relative path is read from the directory merge runs in): run merge where the shards ran, or give --model PATH",
                    m.display()
                ));
            }
        }
    }
    Ok(args)
}
