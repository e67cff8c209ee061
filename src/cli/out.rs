//! Standard output for every command. `println!` panics when stdout fails (a closed
//! pipe, a full disk); commands print with [`outln!`] and [`out!`] instead, which keep
//! the first error and skip what follows, and [`finish`] turns it into the exit code:
//! a closed pipe (`schedsim cron ... | head -1`) ends quietly with the command's own
//! code, as ripgrep does, since the reader has all it wanted; any other failure (a
//! full disk) is an error, exit 2. Standard error is written with [`errln!`] and
//! [`err!`], which drop what cannot be written: a closed stderr (`2>&1 | head -1`)
//! loses the message, never the command. `clippy::print_stdout` and
//! `clippy::print_stderr` are denied in the binary, so no command can print around
//! this.

use std::cell::RefCell;
use std::io::{self, Write};

thread_local! {
    static FAILED: RefCell<Option<io::Error>> = const { RefCell::new(None) };
    static PRINTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether anything was written to stdout yet.
pub fn printed() -> bool {
    PRINTED.get()
}

/// Whether a write to stdout failed (a closed pipe): what follows is not written, so
/// a long listing can stop.
pub fn failed() -> bool {
    FAILED.with_borrow(Option::is_some)
}

/// Writes to stdout unless an earlier write failed; keeps the first error.
pub fn print(args: std::fmt::Arguments<'_>) {
    PRINTED.set(true);
    FAILED.with_borrow_mut(|failed| {
        if failed.is_none()
            && let Err(e) = io::stdout().lock().write_fmt(args)
        {
            *failed = Some(e);
        }
    });
}

/// Flushes stdout and returns the exit code to end with: `code`, unless writing
/// failed for another reason than a closed pipe (then 2, with a message).
pub fn finish(code: i32) -> i32 {
    let error = FAILED
        .with_borrow_mut(Option::take)
        .or_else(|| io::stdout().flush().err());
    match error {
        None => code,
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => code,
        Some(e) => {
            print_err(format_args!("error: writing to standard output: {e}\n"));
            super::EXIT_BAD_INPUT
        }
    }
}

/// `println!` that reports errors through [`finish`] instead of panicking.
macro_rules! outln {
    () => {
        $crate::cli::out::print(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that reports errors through [`finish`] instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::print(format_args!($($arg)*))
    };
}

/// Writes to stderr; what cannot be written (a closed pipe) is dropped.
pub fn print_err(args: std::fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// `eprintln!` that never panics ([`print_err`]).
macro_rules! errln {
    () => {
        $crate::cli::out::print_err(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::print_err(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` that never panics ([`print_err`]).
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::cli::out::print_err(format_args!($($arg)*))
    };
}
