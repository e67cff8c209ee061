//! `schedsim check --explain [PROPERTY]`: the definition of a property (what holds,
//! what a witness shows, how to fix it), or the list of properties without a name.

use schedsim::observe::properties::{self, DEFINITIONS};

use super::{EXIT_OK, fail, run};

#[derive(clap::Args)]
#[command(mut_arg("model", |a| a.required(false).required_unless_present("explain")))]
pub struct CheckArgs {
    /// Print the definition of PROPERTY (what holds, what a witness shows, how to fix
    /// it) and exit; without a name, list the properties.
    #[arg(long, value_name = "PROPERTY", num_args = 0..=1, default_missing_value = "")]
    pub explain: Option<String>,
    #[command(flatten)]
    pub run: Option<run::Args>,
}

pub fn run(name: &str) -> i32 {
    if name.is_empty() {
        for d in &DEFINITIONS {
            outln!(
                "{:<24} {}",
                d.name,
                d.holds.split(". ").next().unwrap_or(d.holds)
            );
        }
        outln!();
        outln!("`schedsim check --explain NAME` prints one in full; docs/properties.md has all.");
        return EXIT_OK;
    }
    match properties::definition(name) {
        Some(d) => {
            out!("{}", properties::explain(d));
            EXIT_OK
        }
        None if name.starts_with("expect:") => fail(&format!(
            "`{name}` is one of a model's [[expect]] entries, not one of the 13 properties: its definition is in the model, and `check MODEL` prints it under the verdict"
        )),
        None => {
            let hint = properties::did_you_mean(name)
                .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
            fail(&format!(
                "unknown property `{name}`{hint}; `schedsim check --explain` lists them"
            ))
        }
    }
}
