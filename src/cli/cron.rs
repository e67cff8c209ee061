//! `schedsim cron EXPR --profile P [--tz TZ] --from T --to T`: every fire time in the
//! range, both ends included, following the profile's dialect and DST rules.

use schedsim::calendar::schedule::{local_to_instant, rfc3339};
use schedsim::calendar::{CronExpr, Schedule};
use schedsim::keyword::Keyword;
use schedsim::model;
use schedsim::rules::{DsVersion, Profile, Rules};

use super::{EXIT_BAD_INPUT, EXIT_OK, Format, fail};

#[derive(clap::Args)]
pub struct Args {
    /// The cron expression, in the profile's dialect.
    expr: String,
    /// dataworks | dolphinscheduler | airflow.
    #[arg(long)]
    profile: String,
    /// IANA time zone of the schedule.
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// First local time of the range, included (a date: its midnight).
    #[arg(long)]
    from: String,
    /// Last local time of the range, included. A date is its midnight, as Airflow's
    /// --to-date: the fires later that day are left out, with a note naming the first.
    #[arg(long)]
    to: String,
    /// Refuse ranges with more fires than this.
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Bytes of output written at once.
const BLOCK: usize = 1 << 16;

pub fn run(args: &Args) -> i32 {
    let Some(profile) = Profile::from_word(&args.profile) else {
        return fail(&format!(
            "unknown profile `{}`: expected {}",
            args.profile,
            Profile::expected()
        ));
    };
    let rules = Rules::preset(profile, DsVersion::V3_2);
    let expr = match CronExpr::parse(&args.expr, rules.cron_dialect) {
        Ok(e) => e,
        Err(e) => {
            let pad = " ".repeat(e.range.start);
            let marks = "^".repeat(e.range.len().max(1));
            let message = format!("invalid {profile} cron expression: {}", e.message);
            super::errors::error_shown(
                &format!(
                    "error: {message}\n  {}\n  {pad}{marks} {}",
                    args.expr, e.expected
                ),
                &format!("{message} ({})", e.expected),
            );
            return EXIT_BAD_INPUT;
        }
    };
    let tz = match model::tzdb().get(&args.tz) {
        Ok(tz) if tz.iana_name() == Some(args.tz.as_str()) => tz,
        _ => {
            return fail(&format!(
                "unknown time zone `{}` (tzdb {})",
                args.tz,
                model::tzdb_version()
            ));
        }
    };
    let (from, to) = match (model::parse_bound(&args.from), model::parse_bound(&args.to)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) => return fail(&format!("--from: {e}")),
        (_, Err(e)) => return fail(&format!("--to: {e}")),
    };
    // By the instants they start at: a date and a date-time do not order by kind.
    if to.start() < from.start() {
        return fail("--to comes before --from");
    }
    for (what, bound) in [("--from", from), ("--to", to)] {
        if let Some(note) = schedsim::calendar::schedule::bound_note(&tz, what, bound.start()) {
            errln!("note: {note}");
        }
    }
    let estimate = expr.max_fires_between(from.start().date(), to.start().date());
    if estimate > args.max_instances {
        return fail(&format!(
            "the range holds up to {estimate} fire times, more than --max-instances {}",
            args.max_instances
        ));
    }
    let schedule = Schedule {
        expr,
        tz: tz.clone(),
        gap: rules.dst_gap,
        fold: rules.dst_fold,
        stepping: rules.cron_stepping,
    };
    let (first, last) = (
        local_to_instant(&tz, from.start()),
        local_to_instant(&tz, to.start()),
    );
    let fires = schedule.fires(first, last);
    // A date-only --to is its midnight, as everywhere: say what of that day is left out.
    // On stderr in both formats: stdout keeps the JSON array of the contract.
    if let Some(note) = schedule.expr.note() {
        errln!("note: {note}");
    }
    if let Some(next) = schedule.aligned_past(first) {
        errln!(
            "note: --from {} is a fire time, left out as Airflow leaves it out: \
             CronMixin._align_to_next keeps a bound only when the fire it finds before the \
             next one is the bound, and across this daylight-saving change it is not; a \
             backfill or catch-up from this bound starts at {}",
            rfc3339(&tz, first),
            rfc3339(&tz, next)
        );
    }
    if let model::DateOrTime::Date(day) = to
        && let Some(f) = schedule.first_after_midnight(day)
    {
        errln!(
            "note: --to {day} is a date, read as its midnight {day}T00:00:00: the fires later \
             that day are left out, the first {} (give --to {day}T23:59:59 to include the day)",
            rfc3339(&tz, f.at)
        );
    }
    // Streamed as the fires come, a block at a time: a range of millions of fires
    // never sits in memory, and a closed pipe (`| head`) stops the listing.
    let json = args.format == Format::Json;
    let mut block = String::with_capacity(BLOCK + 64);
    if json {
        block.push('[');
    }
    let mut listed = 0u64;
    for f in fires {
        // RFC 3339 times hold no character a JSON string escapes.
        match (json, listed) {
            (true, 0) => block.push_str("\n  \""),
            (true, _) => block.push_str(",\n  \""),
            (false, _) => {}
        }
        block.push_str(&rfc3339(&tz, f.at));
        block.push(if json { '"' } else { '\n' });
        listed += 1;
        if block.len() >= BLOCK {
            out!("{block}");
            block.clear();
            if super::out::failed() {
                break;
            }
        }
    }
    if json {
        block.push_str(if listed == 0 { "]\n" } else { "\n]\n" });
    }
    out!("{block}");
    if listed == 0 && !super::out::failed() {
        errln!(
            "note: `{}` does not fire from {} to {}: nothing to list",
            args.expr,
            rfc3339(&tz, first),
            rfc3339(&tz, last)
        );
    }
    EXIT_OK
}
