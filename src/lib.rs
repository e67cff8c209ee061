//! schedsim: a deterministic, virtual-clock simulator and verifier of data-pipeline
//! scheduling semantics (DataWorks, Apache DolphinScheduler, Apache Airflow).
//!
//! Data flows one way: [`model`] (parse, validate, diagnostics) → calendar → plan →
//! engine → observers. See ARCHITECTURE.md for the codemap and the invariants.

pub mod calendar;
pub mod diff;
pub mod engine;
pub mod explore;
pub mod golden;
pub mod import;
pub mod keyword;
pub mod minimize;
pub mod model;
pub mod observe;
pub mod plan;
pub mod rules;
pub mod seeds;
pub mod seeds_part;
pub mod shard;
pub mod whatif;
pub mod window;
