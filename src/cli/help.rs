//! What `--help` says beyond the derive: each command's exit codes (an after-help
//! line), and the help of the flags every command shares (`--format`). The parser,
//! the completions and the help all come from [`command`].

use clap::{Command, CommandFactory};

use super::Cli;

const BAD_INPUT: &str = "2 bad input or usage";

/// Each command's exit codes, in words: `Exit codes: 0 ..., 1 ..., 2 ...`.
fn exit_codes(name: &str) -> String {
    let (ok, violation): (&str, Option<&str>) = match name {
        "validate" => ("every model is valid", None),
        "run" => (
            "the scenario ran (violated properties are printed, not an error)",
            None,
        ),
        "check" => ("every property holds", Some("a property does not hold")),
        "explore" => (
            "no case violated a property",
            Some("a violation was found (its shrunk schedule and replay are printed)"),
        ),
        "verify" => (
            "the run matches the golden file",
            Some("it differs (the first divergence is printed)"),
        ),
        "diff" => ("the two runs are identical", Some("they differ")),
        "test" => (
            "every scenario matches its golden",
            Some("a scenario differs from its golden"),
        ),
        "import" => (
            "the model was written",
            Some("--check found hazards, or a property that does not hold"),
        ),
        "merge" => (
            "as the merged command's own 0 (the unsharded run's exit code)",
            Some("as the merged command's own 1"),
        ),
        _ => ("success", None),
    };
    let stopped = match name {
        "run" | "check" | "explore" | "whatif" | "record" | "verify" | "diff" | "test"
        | "merge" => ", or a run stopped at a budget (--max-executions)",
        _ => "",
    };
    match violation {
        Some(v) => format!("Exit codes: 0 {ok}, 1 {v}, {BAD_INPUT}{stopped}."),
        None => format!("Exit codes: 0 {ok}, {BAD_INPUT}{stopped}."),
    }
}

/// Flags many commands share, and their help where a command gives none.
const SHARED: [(&str, &str); 2] = [
    (
        "format",
        "Text for people, or one JSON document on stdout for tools.",
    ),
    (
        "max_instances",
        "Refuse scenarios that would create more instances than this.",
    ),
];

/// The command line: the derive's definition with every command's exit codes and the
/// shared flags' help.
pub fn command() -> Command {
    Cli::command()
        .after_help("Exit codes: 0 success, 1 a property does not hold (or a run differs), 2 bad input or usage. `schedsim COMMAND --help` says what each means for a command.")
        .mut_subcommands(|sc| {
            let codes = exit_codes(sc.get_name());
            SHARED.iter().fold(sc.after_help(codes), |sc, &(id, help)| {
                if sc.get_arguments().any(|a| a.get_id() == id) {
                    sc.mut_arg(id, |a| if a.get_help().is_none() { a.help(help) } else { a })
                } else {
                    sc
                }
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every argument of every command, nested ones too, with its command's path.
    fn arguments(cmd: &Command, path: &str, out: &mut Vec<(String, String, bool)>) {
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let described = a
                .get_help()
                .or(a.get_long_help())
                .is_some_and(|h| !h.to_string().trim().is_empty());
            out.push((path.to_string(), id.to_string(), described));
        }
        for sc in cmd.get_subcommands() {
            arguments(sc, &format!("{path} {}", sc.get_name()), out);
        }
    }

    #[test]
    fn every_flag_of_every_command_is_described_in_help() {
        let mut all = Vec::new();
        arguments(&command(), "schedsim", &mut all);
        assert!(all.len() > 50, "the walk reaches the subcommands");
        let blank: Vec<String> = all
            .iter()
            .filter(|(_, _, described)| !described)
            .map(|(cmd, id, _)| format!("{cmd} --{id}"))
            .collect();
        assert!(blank.is_empty(), "arguments without help: {blank:?}");
    }

    #[test]
    fn every_command_states_its_exit_codes() {
        let cmd = command();
        let mut names = 0;
        for sc in cmd.get_subcommands() {
            let after = sc
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                after.starts_with("Exit codes: 0 ") && after.contains(BAD_INPUT),
                "{}: {after:?}",
                sc.get_name()
            );
            names += 1;
        }
        assert!(names >= 14);
    }
}
