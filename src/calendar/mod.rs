//! The calendar: cron dialects, time zones and DST, the dates of an instance, and
//! scheduling parameters. Everything here is a pure function of the model and virtual
//! times; nothing reads the wall clock.

pub mod cron;
pub mod dependent;
pub mod params;
pub mod schedule;
pub mod timetable;

pub use cron::{CronError, CronExpr};
pub use schedule::{Fire, Instant, Schedule, Tick};

/// The last second the calendar holds (9999-12-30T22:00:00Z, jiff's last timestamp,
/// the last one that is a date of year 9999 or earlier in every time zone).
pub const LAST_INSTANT: Instant = 253_402_207_200;

/// The calendar's length in seconds, from year -9999 to 9999: no duration longer
/// than this can be represented between two of its instants.
pub const CALENDAR_SECONDS: u64 = LAST_INSTANT.abs_diff(FIRST_INSTANT);

/// The first second the calendar holds (jiff's first timestamp, -009999-01-02T01:59:59Z).
pub const FIRST_INSTANT: Instant = -377_705_023_201;
