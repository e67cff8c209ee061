//! Mutation fuzzing of every example model through `validate`, `run` and `check`, in
//! process (issue 9's done-when): byte flips, line edits, extreme numbers, parameter
//! offsets, durations and dates at the calendar's ends. For every case: nothing
//! panics; a refusal at validation is located (each diagnostic inside the file, its
//! rendering names `file:line:column`); a model that validates runs every scenario
//! within the bounds (the instance limit) to a summary and a verdict, or is refused
//! with a message.

use proptest::prelude::*;
use schedsim::engine::Config;
use schedsim::model::{self, Model};
use schedsim::observe::summary::Identity;
use schedsim::observe::{Summary, observe};

const MODELS: [&str; 9] = [
    include_str!("../models/airflow-backoff-cap-and-deadlock.toml"),
    include_str!("../models/airflow-pool-depends-on-past.toml"),
    include_str!("../models/dataworks-backfill-today-partition.toml"),
    include_str!("../models/dataworks-mysql-to-maxcompute.toml"),
    include_str!("../models/dataworks-writes-under-retries-and-reruns.toml"),
    include_str!("../models/dolphinscheduler-3.3-parallel-complement.toml"),
    include_str!("../models/dolphinscheduler-complement-rerun.toml"),
    include_str!("../models/dolphinscheduler-rerun-vs-recover.toml"),
    include_str!("../models/dolphinscheduler-retry-backfill.toml"),
];

/// The bound a fuzzed run must stay within: more instances are refused up front.
const MAX_INSTANCES: u64 = 5_000;
/// The execution budget of each fuzzed run: a mutated retry count or failure
/// probability must stop at it with a finding, never hang the suite.
const MAX_EXECUTIONS: u64 = 50_000;

/// Numbers at the edges of every integer type and of the calendar.
const NUMBERS: [&str; 14] = [
    "0",
    "-1",
    "1",
    "24",
    "3652059",
    "7304485",
    "2147483647",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e308",
    "nan",
];

/// Offsets appended to a parameter's format: past jiff's spans, wrapping products and
/// sums, hours and minutes.
const OFFSETS: [&str; 12] = [
    "-7304485",
    "+2900000",
    "-20000",
    "-300000",
    "-175307617/24",
    "+10518456960/24/60",
    "-9223372036854775807-9223372036854775807",
    "-4294967296*4294967296",
    "+9223372036854775807",
    "-1-1/24-1/24/60",
    "*",
    "+1/25",
];

/// Durations from one second to past the calendar.
const DURATIONS: [&str; 7] = [
    "1s",
    "0s",
    "3000000d",
    "3652059d",
    "7304485d",
    "106751991167300d",
    "99999999999999999999s",
];

/// Dates at the calendar's ends (for a date), and times (for a date-time).
const DATES: [&str; 5] = [
    "9999-12-31",
    "9999-12-29",
    "0001-01-01",
    "1969-12-31",
    "3000-01-01",
];
const TIMES: [&str; 5] = [
    "9999-12-31T23:59:59",
    "9999-12-29T02:00:00",
    "0001-01-01T00:00:00",
    "1969-12-31T23:59:59",
    "2999-12-31T23:00:00",
];

#[derive(Clone, Debug)]
enum Mutation {
    FlipByte {
        at: usize,
        bit: u8,
    },
    DeleteLine {
        line: usize,
    },
    DuplicateLine {
        line: usize,
    },
    SwapLines {
        a: usize,
        b: usize,
    },
    /// The `nth` integer in the file becomes an extreme one.
    Number {
        nth: usize,
        with: usize,
    },
    /// The `nth` parameter (`$[...]`, `${...}`) gets an offset.
    Offset {
        nth: usize,
        with: usize,
    },
    /// The `nth` duration string becomes an extreme one.
    Duration {
        nth: usize,
        with: usize,
    },
    /// The `nth` date (or date-time) becomes one at the calendar's ends, of its kind.
    Date {
        nth: usize,
        with: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Edits that keep the file a model are weighted up, so that most cases run.
    prop_oneof![
        1 => (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipByte { at, bit }),
        1 => any::<usize>().prop_map(|line| Mutation::DeleteLine { line }),
        1 => any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        3 => (any::<usize>(), 0..NUMBERS.len()).prop_map(|(nth, with)| Mutation::Number { nth, with }),
        3 => (any::<usize>(), 0..OFFSETS.len()).prop_map(|(nth, with)| Mutation::Offset { nth, with }),
        3 => (any::<usize>(), 0..DURATIONS.len())
            .prop_map(|(nth, with)| Mutation::Duration { nth, with }),
        3 => (any::<usize>(), 0..DATES.len()).prop_map(|(nth, with)| Mutation::Date { nth, with }),
    ]
}

/// Byte ranges of the maximal runs of `is` characters.
fn runs(s: &str, is: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is(b[i]) {
            let start = i;
            while i < b.len() && is(b[i]) {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Byte ranges of the contents of the double-quoted strings that `pick` accepts.
fn strings(s: &str, pick: impl Fn(&str) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = s[rest..].find('"') {
        let start = rest + open + 1;
        let Some(len) = s[start..].find(['"', '\n']) else {
            break;
        };
        let end = start + len;
        if pick(&s[start..end]) {
            out.push((start, end));
        }
        rest = end + 1;
    }
    out
}

fn replace_nth(s: &mut String, ranges: &[(usize, usize)], nth: usize, with: &str) {
    if !ranges.is_empty() {
        let (a, b) = ranges[nth % ranges.len()];
        s.replace_range(a..b, with);
    }
}

fn edit_lines(s: &mut String, edit: impl FnOnce(&mut Vec<&str>)) {
    let mut lines: Vec<&str> = s.lines().collect();
    if !lines.is_empty() {
        edit(&mut lines);
    }
    *s = lines.join("\n");
}

fn apply(source: &str, m: &Mutation) -> String {
    let mut s = source.to_string();
    match *m {
        Mutation::FlipByte { at, bit } => {
            let mut bytes = s.into_bytes();
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] ^= 1 << bit;
            }
            s = String::from_utf8_lossy(&bytes).into_owned();
        }
        Mutation::DeleteLine { line } => edit_lines(&mut s, |l| {
            l.remove(line % l.len());
        }),
        Mutation::DuplicateLine { line } => edit_lines(&mut s, |l| {
            let i = line % l.len();
            l.insert(i, l[i]);
        }),
        Mutation::SwapLines { a, b } => edit_lines(&mut s, |l| {
            let n = l.len();
            l.swap(a % n, b % n);
        }),
        Mutation::Number { nth, with } => {
            let numbers = runs(&s, |c| c.is_ascii_digit());
            replace_nth(&mut s, &numbers, nth, NUMBERS[with]);
        }
        Mutation::Offset { nth, with } => {
            let closes: Vec<(usize, usize)> = s
                .match_indices("$[")
                .chain(s.match_indices("${"))
                .filter_map(|(i, open)| {
                    let close = if open == "$[" { ']' } else { '}' };
                    s[i..].find(close).map(|j| (i + j, i + j))
                })
                .collect();
            replace_nth(&mut s, &closes, nth, OFFSETS[with]);
        }
        Mutation::Duration { nth, with } => {
            let durations = strings(&s, |t| {
                !t.is_empty()
                    && t.ends_with(['s', 'm', 'h', 'd'])
                    && t.bytes()
                        .all(|c| c.is_ascii_digit() || b"smhd".contains(&c))
            });
            replace_nth(&mut s, &durations, nth, DURATIONS[with]);
        }
        Mutation::Date { nth, with } => {
            let dates = strings(&s, |t| {
                t.len() >= 10
                    && t.as_bytes()[4] == b'-'
                    && t[..4].bytes().all(|c| c.is_ascii_digit())
            });
            if !dates.is_empty() {
                let (a, b) = dates[nth % dates.len()];
                let with = if s[a..b].contains('T') {
                    TIMES[with]
                } else {
                    DATES[with]
                };
                s.replace_range(a..b, with);
            }
        }
    }
    s
}

/// `validate`: a refusal is located; an accepted model is run.
fn validate(source: &str) -> Option<Model> {
    match model::load_str("fuzz.toml", source) {
        Ok(m) => Some(m),
        Err(d) => {
            assert!(!d.diagnostics.is_empty(), "a refusal says why");
            for diag in &d.diagnostics {
                assert!(
                    diag.span.start <= diag.span.end && diag.span.end <= source.len() + 1,
                    "span {:?} outside a file of {} bytes: {}",
                    diag.span,
                    source.len(),
                    diag.message
                );
            }
            let rendered = d.render();
            for j in d.to_json() {
                assert!(j.line >= 1 && j.column >= 1);
                let at = format!("fuzz.toml:{}:{}: ", j.line, j.column);
                assert!(rendered.contains(&at), "{at} not in {rendered}");
            }
            None
        }
    }
}

/// `run` and `check` of every scenario, within the instance bound.
fn run_and_check(m: &Model) {
    for scenario in &m.scenarios {
        let config = Config {
            seed: 7,
            max_instances: MAX_INSTANCES,
            max_executions: MAX_EXECUTIONS,
        };
        match observe::<Vec<u8>>(m, scenario, config, Some(Vec::new())) {
            Ok((engine, findings, trace)) => {
                assert!(
                    engine.instances.len() as u64 <= MAX_INSTANCES,
                    "{} instances past the bound of {MAX_INSTANCES}",
                    engine.instances.len()
                );
                let trace = trace
                    .expect("a trace was asked for")
                    .expect("writes to memory");
                let lines = trace.iter().filter(|&&b| b == b'\n').count();
                assert!(
                    lines >= engine.instances.len(),
                    "every instance is in the trace"
                );
                let summary = Summary::new(
                    &engine,
                    findings,
                    Identity {
                        scenario: &scenario.name,
                        seed: 7,
                        model_hash: String::new(),
                    },
                    true,
                );
                assert!(!summary.text().is_empty());
                assert!(!summary.check_text().is_empty());
                serde_json::to_string(&summary).expect("the summary serialises");
            }
            Err(e) => {
                let message = e.to_string();
                assert!(!message.is_empty(), "a refused run says why");
                assert!(!message.contains("<failed"), "{message}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_example_models_validate_run_and_check_without_panic(
        model in 0..MODELS.len(),
        mutations in proptest::collection::vec(mutation(), 1..3),
    ) {
        let mut source = MODELS[model].to_string();
        for m in &mutations {
            source = apply(&source, m);
        }
        if let Some(m) = validate(&source) {
            run_and_check(&m);
        }
    }
}

#[test]
fn every_mutation_kind_finds_something_to_change_in_every_model() {
    let kinds = [
        Mutation::Number { nth: 3, with: 9 },
        Mutation::Duration { nth: 1, with: 2 },
        Mutation::Date { nth: 0, with: 0 },
    ];
    for (i, source) in MODELS.iter().enumerate() {
        for k in &kinds {
            assert_ne!(
                apply(source, k),
                *source,
                "model {i}: {k:?} changed nothing"
            );
        }
    }
    // Parameters: every model that writes has some.
    let with_params = MODELS
        .iter()
        .filter(|s| s.contains("$[") || s.contains("${"))
        .count();
    assert!(with_params >= 5, "{with_params}");
    let changed = MODELS
        .iter()
        .filter(|s| apply(s, &Mutation::Offset { nth: 0, with: 1 }) != **s)
        .count();
    assert_eq!(changed, with_params);
}
