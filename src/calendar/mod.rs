//! The calendar: cron dialects, time zones and DST, the dates of an instance, and
//! scheduling parameters. Everything here is a pure function of the model and virtual
//! times; nothing reads the wall clock.

pub mod cron;
pub mod params;
pub mod schedule;

pub use cron::{CronError, CronExpr};
pub use schedule::{Fire, Instant, Schedule, Tick};
