//! A draft as model TOML: a header comment (source, what was inferred, what was
//! dropped), then the model in the order of product.md's format.

use std::fmt::Write;

use super::{Draft, Report};
use crate::keyword::Keyword;

/// A TOML string literal.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Seconds as a duration text: `"1h30m"`, `"90s"` stays `"1m30s"`.
pub fn duration(mut secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let mut s = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            let _ = write!(s, "{}{unit}", secs / size);
            secs %= size;
        }
    }
    s
}

/// One comment line per line of `text`.
fn comment(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent}# {line}");
    }
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}...", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

pub fn model_text(d: &Draft, r: &Report) -> String {
    let mut o = String::new();
    comment(
        &mut o,
        "",
        &format!(
            "Imported by `schedsim import {}` from: {}",
            r.format,
            r.sources.join(", ")
        ),
    );
    for n in &r.notes {
        comment(&mut o, "", &format!("assumed: {n}"));
    }
    for w in &r.inferred {
        comment(
            &mut o,
            "",
            &format!(
                "inferred: {} writes {} {} ({}) from: {}",
                w.task,
                w.mode,
                match &w.partition {
                    Some(p) => format!("{}/{p}", w.table),
                    None => format!("{} (whole table)", w.table),
                },
                w.pattern,
                one_line(&w.statement, 160)
            ),
        );
    }
    for x in &r.dropped {
        comment(
            &mut o,
            "",
            &format!("dropped: {} ({}): {}", x.what, x.path, x.why),
        );
    }
    for u in &r.unclassified {
        comment(
            &mut o,
            "",
            &format!(
                "unclassified: {}: {} ({})",
                u.task,
                one_line(&u.statement, 160),
                u.reason
            ),
        );
    }
    if !r.no_sql.is_empty() {
        comment(
            &mut o,
            "",
            &format!(
                "no writes inferred (no SQL schedsim reads): {}",
                r.no_sql.join(", ")
            ),
        );
    }
    o.push('\n');
    let _ = writeln!(
        o,
        "[model]\nname = {}\nprofile = {}",
        q(&d.name),
        q(d.profile)
    );
    let _ = writeln!(o, "timezone = {}", q(&d.timezone));
    if let Some(v) = &d.profile_version {
        let _ = writeln!(o, "profile_version = {}", q(v));
    }
    if !d.rules.is_empty() {
        o.push_str("\n[rules]\n");
        for (k, v) in &d.rules {
            let _ = writeln!(o, "{k} = {v}");
        }
    }
    for (name, slots) in &d.groups {
        let _ = writeln!(
            o,
            "\n[[resource_group]]\nname = {}\nslots = {slots}",
            q(name)
        );
    }
    for w in &d.workflows {
        o.push('\n');
        for c in &w.comment {
            comment(&mut o, "", c);
        }
        let _ = writeln!(o, "[[workflow]]\nname = {}", q(&w.name));
        let tt = &w.timetable;
        if !tt.crons.is_empty() {
            let list: Vec<String> = tt.crons.iter().map(|c| q(c)).collect();
            let _ = writeln!(o, "cron = [{}]", list.join(", "));
        } else if let Some(c) = &w.cron {
            let _ = writeln!(o, "cron = {}", q(c));
        }
        for (key, value) in [
            ("schedule", &tt.schedule),
            ("interval", &tt.interval),
            ("start_date", &tt.start_date),
            ("end_date", &tt.end_date),
        ] {
            if let Some(v) = value {
                let _ = writeln!(o, "{key} = {}", q(v));
            }
        }
        if let Some(c) = tt.catchup {
            let _ = writeln!(o, "catchup = {c}");
        }
        if let Some(n) = w.max_active_runs {
            let _ = writeln!(o, "max_active_runs = {n}");
        }
        if let Some(n) = w.max_active_tasks {
            let _ = writeln!(o, "max_active_tasks = {n}");
        }
        if let Some(f) = w.failure_strategy {
            let _ = writeln!(o, "failure_strategy = {}", q(f));
        }
        if let Some(p) = w.priority {
            let _ = writeln!(o, "priority = {p}");
        }
        for t in &w.tasks {
            o.push('\n');
            for c in &t.comment {
                comment(&mut o, "  ", c);
            }
            let _ = writeln!(o, "  [[workflow.task]]\n  name = {}", q(&t.name));
            let mut kv = |k: &str, v: String| {
                let _ = writeln!(o, "  {k} = {v}");
            };
            if let Some(c) = &t.cron {
                kv("cron", q(c));
            }
            if !t.upstream.is_empty() {
                let ups: Vec<String> = t.upstream.iter().map(|u| q(u)).collect();
                kv("upstream", format!("[{}]", ups.join(", ")));
            }
            if let Some(g) = &t.resource_group {
                kv("resource_group", q(g));
            }
            if let Some(g) = &t.task_group {
                kv("task_group", q(g));
            }
            if let Some(n) = t.pool_slots {
                kv("pool_slots", n.to_string());
            }
            if let Some(p) = t.priority {
                kv("priority", p.to_string());
            }
            if let Some(p) = t.priority_weight {
                kv("priority_weight", p.to_string());
            }
            if t.self_dependency {
                kv("self_dependency", "true".into());
            }
            if t.empty {
                kv("empty", "true".into());
            }
            if let Some((from, to)) = &t.effective {
                kv(
                    "effective",
                    format!("{{ from = {}, to = {} }}", q(from), q(to)),
                );
            }
            if let Some(dur) = &t.duration {
                kv("duration", dur.clone());
            }
            if let Some(r) = &t.retry {
                let mut s = format!(
                    "{{ times = {}, interval = {}",
                    r.times,
                    q(&duration(r.interval))
                );
                if r.exponential {
                    s.push_str(", backoff = \"exponential\"");
                }
                if let Some(m) = r.max_interval {
                    let _ = write!(s, ", max_interval = {}", q(&duration(m)));
                }
                s.push_str(" }");
                kv("retry", s);
            }
            if let Some(t) = t.timeout {
                kv("timeout", q(&duration(t)));
            }
            if let Some(p) = t.fail_probability {
                kv("fail", format!("{{ probability = {p} }}"));
            }
            if !t.writes.is_empty() {
                let ws: Vec<String> = t
                    .writes
                    .iter()
                    .map(|w| match &w.partition {
                        Some(p) => format!(
                            "{{ table = {}, partition = {}, mode = {} }}",
                            q(&w.table),
                            q(p),
                            q(w.mode.word())
                        ),
                        None => {
                            format!("{{ table = {}, mode = {} }}", q(&w.table), q(w.mode.word()))
                        }
                    })
                    .collect();
                if ws.len() == 1 {
                    kv("writes", format!("[ {} ]", ws[0]));
                } else {
                    kv("writes", format!("[\n    {},\n  ]", ws.join(",\n    ")));
                }
            }
            if let Some(r) = t.depends_relation {
                kv("depends_relation", q(r));
            }
            if let Some(g) = &t.depends_groups {
                let g: Vec<String> = g.iter().map(|r| q(r)).collect();
                kv("depends_groups", format!("[{}]", g.join(", ")));
            }
            if let Some(c) = t.check_interval {
                kv("check_interval", q(&duration(c)));
            }
            if let Some(w) = t.failure_waiting {
                kv("failure_waiting", q(&duration(w)));
            }
            for d in &t.depends {
                let _ = writeln!(
                    o,
                    "\n    [[workflow.task.depends]]\n    workflow = {}",
                    q(&d.workflow)
                );
                if let Some(task) = &d.task {
                    let _ = writeln!(o, "    task = {}", q(task));
                }
                let _ = writeln!(
                    o,
                    "    cycle = {}\n    date_value = {}",
                    q(&d.cycle),
                    q(&d.date_value)
                );
                if let Some(g) = d.group {
                    let _ = writeln!(o, "    group = {g}");
                }
            }
        }
    }
    if let Some(s) = &d.scenario {
        // DolphinScheduler complements one workflow per command, Airflow backfills one
        // DAG per command: one backfill each (the engine would split one anyway,
        // `unit_scope = workflow`), so that the model says what runs.
        let each = d.profile != "dataworks" && s.targets.len() > 1;
        let groups: Vec<Vec<&String>> = if each {
            joined(d, &s.targets)
        } else {
            vec![s.targets.iter().collect()]
        };
        let joins = each && groups.len() < s.targets.len();
        let _ = writeln!(
            o,
            "\n# The default scenario of `schedsim import --check`: a backfill of every scheduled\n# workflow over three dates from the start of its schedule's effective period, the\n# dates in parallel (groups = 3) so that one date's failure hides none of the others.{}{}\n[[scenario]]\nname = {}\nstart = {}",
            match (each, d.profile) {
                (true, "airflow") => {
                    "\n# Airflow backfills one DAG per command (`airflow backfill create --dag-id`): one\n# backfill each, each with its own max_active_runs (groups)."
                }
                (true, _) => {
                    "\n# DolphinScheduler complements one workflow per command: one backfill each."
                }
                _ => "",
            },
            if joins {
                "\n# Workflows a cross-workflow upstream joins (an Airflow ExternalTaskSensor) are in one\n# backfill, which runs them together: a backfill binds only the upstreams it runs."
            } else {
                ""
            },
            q(&s.name),
            q(&s.start),
        );
        for targets in groups {
            let _ = writeln!(
                o,
                "\n  [[scenario.backfill]]\n  targets = [{}]\n  from = {}\n  to = {}\n  groups = 3",
                targets.iter().map(|t| q(t)).collect::<Vec<_>>().join(", "),
                q(&s.from),
                q(&s.to)
            );
            // Airflow refuses a backfill of a depends_on_past DAG with reprocess
            // behavior none (InvalidReprocessBehavior).
            let depends_on_past = d
                .workflows
                .iter()
                .any(|w| targets.contains(&&w.name) && w.tasks.iter().any(|t| t.self_dependency));
            if d.profile == "airflow" && depends_on_past {
                let _ = writeln!(
                    o,
                    "  # depends_on_past: Airflow requires a reprocess behavior other than none\n  reprocess = \"failed\""
                );
            }
        }
    }
    o
}

/// The targets in backfills of their own, but those a cross-workflow upstream joins
/// (an Airflow ExternalTaskSensor's) in one: a backfill binds only what it runs, and
/// the engine runs such workflows together (`unit_scope = workflow`).
pub(super) fn joined<'a>(d: &Draft, targets: &'a [String]) -> Vec<Vec<&'a String>> {
    let index = |name: &str| targets.iter().position(|t| t == name);
    // Union-find over the targets.
    let mut root: Vec<usize> = (0..targets.len()).collect();
    fn find(root: &mut [usize], mut i: usize) -> usize {
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    for w in &d.workflows {
        let Some(a) = index(&w.name) else { continue };
        for t in &w.tasks {
            for u in &t.upstream {
                if let Some(b) = u.split_once('.').and_then(|(other, _)| index(other)) {
                    let (ra, rb) = (find(&mut root, a), find(&mut root, b));
                    root[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    let mut out: Vec<Vec<&String>> = Vec::new();
    let mut first: Vec<Option<usize>> = vec![None; targets.len()];
    for (i, t) in targets.iter().enumerate() {
        let r = find(&mut root, i);
        match first[r] {
            Some(k) => out[k].push(t),
            None => {
                first[r] = Some(out.len());
                out.push(vec![t]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_in_largest_units() {
        assert_eq!(super::duration(90), "1m30s");
        assert_eq!(super::duration(5400), "1h30m");
        assert_eq!(super::duration(86_400 + 1), "1d1s");
    }
}
