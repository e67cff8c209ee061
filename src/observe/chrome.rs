//! A Chrome trace-event file (JSON) of a simulation, which opens in Perfetto
//! (ui.perfetto.dev) and chrome://tracing: one process per resource group, one thread
//! per slot it uses (named `GROUP slot N` by `thread_name` metadata), one bar per
//! execution and slot it holds (a task with `pool_slots = 2` draws on two slot rows,
//! `args.slot` saying which of its slots), named by task and scheduled time, coloured
//! by how it ended. Timestamps
//! are the simulated instants themselves (microseconds since the Unix epoch), so the
//! viewer shows the scenario's real times.
//!
//! Bars are written as executions end, so the file streams; lanes are the lowest slots
//! free when an execution starts, so no two bars of a lane overlap.

use std::io::{self, Write};

use crate::calendar::Instant;
use crate::calendar::schedule::rfc3339;
use crate::engine::{Event, Reason, Sink, State};
use crate::model::Model;
use crate::observe::lanes::Lanes;

pub struct ChromeTrace<'m, W: Write> {
    out: W,
    model: &'m Model,
    lanes: Lanes,
    /// Per group: how many of its lanes have their `thread_name` written.
    named: Vec<u32>,
    wrote_any: bool,
    error: Option<io::Error>,
}

impl<'m, W: Write> ChromeTrace<'m, W> {
    /// Starts the file: the array opens, and each group is named.
    pub fn new(out: W, model: &'m Model) -> Self {
        let mut t = ChromeTrace {
            out,
            model,
            lanes: Lanes::new(model.groups.len()),
            named: vec![0; model.groups.len()],
            wrote_any: false,
            error: None,
        };
        t.raw("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n".into());
        for (g, group) in model.groups.iter().enumerate() {
            let name = serde_json::to_string(&format!("{} ({} slots)", group.name, group.slots))
                .expect("a string serialises");
            t.record(format!(
                "{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{g},\"args\":{{\"name\":{name}}}}}"
            ));
        }
        t
    }

    /// Closes the array and flushes; the first write error if any.
    pub fn finish(mut self) -> io::Result<W> {
        self.raw("\n]}\n".into());
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn raw(&mut self, text: String) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.error = Some(e);
        }
    }

    fn record(&mut self, json: String) {
        let sep = if self.wrote_any { ",\n" } else { "" };
        self.wrote_any = true;
        self.raw(format!("{sep}{json}"));
    }

    /// The trace's timestamp of an instant: microseconds since the Unix epoch (the
    /// calendar's range, ±10,000 years, fits an i64 of them).
    fn micros(t: Instant) -> i64 {
        t * 1_000_000
    }

    /// Names the lanes of group `g` used for the first time.
    fn name_new_lanes(&mut self, g: usize) {
        let used = self.lanes.used(g);
        while self.named[g] < used {
            let lane = self.named[g];
            self.named[g] += 1;
            let name =
                serde_json::to_string(&format!("{} slot {}", self.model.groups[g].name, lane + 1))
                    .expect("a string serialises");
            self.record(format!(
                "{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{g},\"tid\":{lane},\"args\":{{\"name\":{name}}}}}"
            ));
        }
    }
}

impl<W: Write> Sink for ChromeTrace<'_, W> {
    fn event(&mut self, e: &Event<'_>) {
        let g = e.group().0 as usize;
        if e.to == State::Running {
            self.lanes.start(e.instance, g, e.slots(), e.time);
            self.name_new_lanes(g);
            return;
        }
        if e.from != State::Running {
            return;
        }
        let (start, lanes) = self.lanes.end(e.instance, g);
        let model = self.model;
        let task = &model.task(e.task()).name;
        let scheduled = rfc3339(&model.timezone, e.scheduled());
        let name =
            serde_json::to_string(&format!("{task} {scheduled}")).expect("a string serialises");
        let colour = match e.reason {
            Reason::Finished => "good",
            Reason::FailedAfterWrite => "terrible",
            Reason::Timeout | Reason::Killed | Reason::WorkflowEnded => "black",
            _ => "bad",
        };
        let (ts, end) = (Self::micros(start), Self::micros(e.time));
        let held = lanes.len();
        for (n, lane) in lanes.into_iter().enumerate() {
            self.record(format!(
                "{{\"ph\":\"X\",\"name\":{name},\"cat\":\"{}\",\"pid\":{g},\"tid\":{lane},\"ts\":{ts},\"dur\":{},\"cname\":\"{colour}\",\"args\":{{\"attempt\":{},\"ended\":\"{}\",\"state\":\"{}\",\"slot\":\"{} of {held}\"}}}}",
                e.to.word(),
                end - ts,
                e.attempt(),
                e.reason.word(),
                e.to.profile_name(model.profile, false),
                n + 1,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, Config};
    use crate::model::load_str;

    #[test]
    fn bars_never_overlap_in_a_lane_and_the_file_is_json() {
        let m = load_str(
            "m.toml",
            "[model]\nname = \"m\"\nprofile = \"dataworks\"\n[[resource_group]]\nname = \"g\"\nslots = 3\n[[workflow]]\nname = \"w\"\n  [[workflow.task]]\n  name = \"h\"\n  cron = \"00 00 00-23/1 * * ?\"\n  resource_group = \"g\"\n  duration = { uniform = [\"5m\", \"50m\"] }\n  fail = { probability = 0.2 }\n  retry = { times = 2, interval = \"1m\" }\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-02\"\n",
        )
        .unwrap();
        let mut trace = ChromeTrace::new(Vec::new(), &m);
        let config = Config::new(3, 1000);
        let e = engine::simulate(&m, &m.scenarios[0], config, &mut trace).unwrap();
        let executions: u32 = e.instances.iter().map(|i| i.attempts).sum();
        let bytes = trace.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
        let bars: Vec<&serde_json::Value> = v["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] == "X")
            .collect();
        assert_eq!(bars.len(), executions as usize, "one bar per execution");
        assert!(executions > 24);
        let mut by_lane: std::collections::BTreeMap<i64, Vec<(i64, i64)>> = Default::default();
        for b in &bars {
            let (ts, dur) = (b["ts"].as_i64().unwrap(), b["dur"].as_i64().unwrap());
            by_lane
                .entry(b["tid"].as_i64().unwrap())
                .or_default()
                .push((ts, ts + dur));
        }
        assert!(by_lane.len() <= 3, "no more lanes than slots");
        for spans in by_lane.values_mut() {
            spans.sort_unstable();
            assert!(
                spans.windows(2).all(|w| w[0].1 <= w[1].0),
                "overlap in a lane"
            );
        }
        assert!(
            bars.iter().any(|b| b["cname"] == "bad"),
            "failed tries show"
        );
        // Every lane a bar uses is named, once, after its group.
        let names: Vec<(i64, String)> = v["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
            .map(|e| {
                (
                    e["tid"].as_i64().unwrap(),
                    e["args"]["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let lanes: Vec<i64> = by_lane.keys().copied().collect();
        assert_eq!(
            names,
            lanes
                .iter()
                .map(|&l| (l, format!("g slot {}", l + 1)))
                .collect::<Vec<_>>()
        );
        // Real times: the first bar starts at the scenario's start, 2025-03-10 UTC.
        let first = bars.iter().map(|b| b["ts"].as_i64().unwrap()).min();
        assert_eq!(first, Some(1_741_564_800 * 1_000_000));
    }
}
