//! The text of generated models, shared by the property tests that generate models of
//! every profile (`engine_props`, `waits_props`, `window`): DataWorks tasks carry their
//! own cron in one workflow `w`; elsewhere each task `t{k}` has a workflow `w{k}` of its
//! own, so bindings cross workflows (and cycles) in every profile. Each test adds what
//! it varies (retries, failures, limits, faults, scenarios) around these pieces.

/// The profiles, by index.
pub const PROFILES: [&str; 3] = ["dataworks", "dolphinscheduler", "airflow"];

/// Every 6 hours, daily at 02:30, hourly: in each profile's dialect.
pub const CRONS: [[&str; 3]; 3] = [
    [
        "00 00 00-23/6 * * ?",
        "00 30 02 * * ?",
        "00 00 00-23/1 * * ?",
    ],
    ["0 0 */6 * * ? *", "0 30 2 * * ? *", "0 0 * * * ? *"],
    ["0 */6 * * *", "30 2 * * *", "0 * * * *"],
];

/// `[model]` (profile, zone, then `extra` lines) and one resource group `g{i}` per
/// entry of `slots`.
pub fn header(profile: usize, extra: &str, slots: &[u32]) -> String {
    let mut t = format!(
        "[model]\nname = \"p\"\nprofile = \"{}\"\ntimezone = \"Asia/Shanghai\"\n{extra}",
        PROFILES[profile]
    );
    for (g, slots) in slots.iter().enumerate() {
        t += &format!("\n[[resource_group]]\nname = \"g{g}\"\nslots = {slots}\n");
    }
    t
}

/// How task `k` is named in an upstream list.
pub fn task_name(profile: usize, k: usize) -> String {
    if profile == 0 {
        format!("w.t{k}")
    } else {
        format!("w{k}.t{k}")
    }
}

/// The workflow task `k` opens, if any: DataWorks' one workflow before the first task,
/// elsewhere task `k`'s own with its cron. The caller may add workflow keys after it.
pub fn workflow(profile: usize, k: usize, schedule: usize) -> String {
    match (profile, k) {
        (0, 0) => "\n[[workflow]]\nname = \"w\"\n".to_string(),
        (0, _) => String::new(),
        _ => format!(
            "\n[[workflow]]\nname = \"w{k}\"\ncron = \"{}\"\n",
            CRONS[profile][schedule]
        ),
    }
}

/// Task `k`'s table, its cron under DataWorks, and its upstream: those of `upstream`
/// before it, each once, in name order.
pub fn task_head(profile: usize, k: usize, schedule: usize, upstream: &[usize]) -> String {
    let mut t = format!("  [[workflow.task]]\n  name = \"t{k}\"\n");
    if profile == 0 {
        t += &format!("  cron = \"{}\"\n", CRONS[0][schedule]);
    }
    let ups: std::collections::BTreeSet<String> = upstream
        .iter()
        .filter(|&&u| u < k)
        .map(|&u| format!("\"{}\"", task_name(profile, u)))
        .collect();
    if !ups.is_empty() {
        t += &format!(
            "  upstream = [{}]\n",
            ups.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    t
}

/// A duration uniform over `a` to `a + b` minutes.
pub fn duration(a: u32, b: u32) -> String {
    format!("  duration = {{ uniform = [\"{a}m\", \"{}m\"] }}\n", a + b)
}

/// A backfill's `targets` value over `tasks` tasks.
pub fn targets(profile: usize, tasks: usize) -> String {
    let targets: Vec<String> = if profile == 0 {
        vec!["\"w\"".into()]
    } else {
        (0..tasks).map(|k| format!("\"w{k}\"")).collect()
    };
    targets.join(", ")
}

/// A backfill's `from` and `to` over the dates `first..=last`: business dates under
/// DataWorks, the days' first and last minute elsewhere.
pub fn range(
    profile: usize,
    first: jiff::civil::Date,
    last: jiff::civil::Date,
) -> (String, String) {
    if profile == 0 {
        (format!("{first}"), format!("{last}"))
    } else {
        (format!("{first}T00:00:00"), format!("{last}T23:59:00"))
    }
}
