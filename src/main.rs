//! The `schedsim` binary: glue between the command line and the library.

// Commands print through `cli::out`, which reports a failed stdout instead of panicking.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;

fn main() {
    std::process::exit(cli::main());
}
