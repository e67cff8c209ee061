//! `--color auto|always|never`: whether `check`'s verdicts are highlighted (FAIL in
//! red, ok in green). `auto` colours only a terminal, and never when `NO_COLOR` is set
//! to a non-empty value (https://no-color.org); `always` and `never` override both.
//! Colour is added here, on the text the library wrote, so the library's text (and
//! every snapshot of it) stays plain.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Choice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always colour, even into a pipe or a file.
    Always,
    /// Never colour.
    Never,
}

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Decides, once, whether this run colours its output.
pub fn init(choice: Choice) {
    let on = match choice {
        Choice::Always => true,
        Choice::Never => false,
        Choice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    ENABLED.store(on, Ordering::Relaxed);
}

const RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

/// `check`'s text with each verdict's mark (a line starting `FAIL ` or `ok   `)
/// highlighted when colour is on; unchanged otherwise.
pub fn verdicts(text: &str) -> String {
    if !ENABLED.load(Ordering::Relaxed) {
        return text.to_string();
    }
    let mut s = String::with_capacity(text.len() + 256);
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("FAIL ") {
            s.push_str(&format!("{RED}FAIL{RESET} {rest}"));
        } else if let Some(rest) = line.strip_prefix("ok   ") {
            s.push_str(&format!("{GREEN}ok{RESET}   {rest}"));
        } else {
            s.push_str(line);
        }
    }
    s
}
