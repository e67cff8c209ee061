//! The `schedsim` binary: glue between the command line and the library.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
