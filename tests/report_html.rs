//! The HTML report people look at (issue 10), end to end through the binary: the Gantt
//! chart's SVG structure (rows per task and per date, the axis in the model's zone,
//! the legend), every execution drawn as a bar or counted in a density band, the
//! slots-in-use rows of resource groups, pools and task groups, and witnesses grouped
//! by cause with links to their definitions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Output};

use quick_xml::events::{BytesStart, Event};
use schedsim::calendar::schedule::rfc3339;

fn schedsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Runs `schedsim run MODEL --report` and returns the page and the run's JSON summary.
fn report(model: &str, name: &str) -> (String, serde_json::Value) {
    let dir = std::env::temp_dir().join(format!("schedsim-report-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join(format!("{name}.html"));
    let out = schedsim(&[
        "run",
        model,
        "--format",
        "json",
        "--report",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    (html, serde_json::from_slice(&out.stdout).unwrap())
}

/// An element of an SVG: its name, attributes, text and children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split(' ').any(|x| x == class))
    }

    /// Every element below, depth first.
    fn all(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        for c in &self.children {
            out.push(c);
            out.extend(c.all());
        }
        out
    }

    fn find(&self, name: &str, class: &str) -> Vec<&Node> {
        self.all()
            .into_iter()
            .filter(|n| n.name == name && n.has_class(class))
            .collect()
    }
}

fn start(e: &BytesStart<'_>) -> Node {
    let mut n = Node {
        name: e.name().as_ref().to_string(),
        ..Node::default()
    };
    for a in e.attributes() {
        let a = a.unwrap();
        n.attrs.insert(
            a.key.as_ref().to_string(),
            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .unwrap()
                .into_owned(),
        );
    }
    n
}

/// Parses one SVG element (it must be well-formed XML).
fn parse(svg: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().expect("well-formed SVG") {
            Event::Start(e) => stack.push(start(&e)),
            Event::Empty(e) => {
                let n = start(&e);
                stack.last_mut().unwrap().children.push(n);
            }
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(n);
            }
            Event::Text(t) => {
                let s = t.into_inner();
                stack.last_mut().unwrap().text.push_str(&s);
            }
            Event::GeneralRef(r) => {
                let s = match &*r.into_inner() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    _ => "'",
                };
                stack.last_mut().unwrap().text.push_str(s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack
        .pop()
        .unwrap()
        .children
        .pop()
        .expect("one root element")
}

/// Every `<svg>` of the page, parsed.
fn svgs(html: &str) -> Vec<Node> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<svg") {
        let end = rest[at..].find("</svg>").expect("closed") + at + "</svg>".len();
        out.push(parse(&rest[at..end]));
        rest = &rest[end..];
    }
    out
}

const BAR_CLASSES: [&str; 6] = [
    "finished",
    "failed_before_write",
    "failed_after_write",
    "timeout",
    "stopped",
    "other",
];

fn charts<'a>(svgs: &'a [Node], view: &str) -> &'a Node {
    svgs.iter()
        .find(|s| s.has_class("chart") && s.attr("data-view") == Some(view))
        .unwrap_or_else(|| panic!("a chart of rows {view}"))
}

/// The bars of a chart (inside its plot) and the executions its density bands count.
fn bars_and_banded(chart: &Node) -> (Vec<&Node>, u64) {
    let plot = chart.find("g", "plot");
    assert_eq!(plot.len(), 1);
    let bars: Vec<&Node> = plot[0]
        .all()
        .into_iter()
        .filter(|n| n.name == "rect" && BAR_CLASSES.iter().any(|c| n.has_class(c)))
        .collect();
    let banded = plot[0]
        .find("rect", "dens")
        .iter()
        .map(|r| r.attr("data-n").unwrap().parse::<u64>().unwrap())
        .sum();
    (bars, banded)
}

const DS: &str = "models/dolphinscheduler-retry-backfill.toml";
const BIG: &str = "tests/report/hourly-backfill-20k.toml";

/// The 20,127-execution run's page, made once for the tests that read it.
fn big() -> &'static (String, serde_json::Value) {
    static PAGE: std::sync::OnceLock<(String, serde_json::Value)> = std::sync::OnceLock::new();
    PAGE.get_or_init(|| report(BIG, "big"))
}

#[test]
fn the_chart_has_rows_per_task_and_per_date_a_switch_and_an_inline_script() {
    let (html, _) = report(DS, "views");
    let svgs = svgs(&html);
    let model = schedsim::model::load_file(std::path::Path::new(DS)).unwrap();
    let labels = |chart: &Node| -> Vec<String> {
        chart
            .find("text", "rowlabel")
            .iter()
            .map(|t| t.text.trim_end_matches(" ▦").to_string())
            .collect()
    };
    let tasks: Vec<String> = model.tasks.iter().map(|t| t.name.clone()).collect();
    assert_eq!(labels(charts(&svgs, "task")), tasks);
    // One row per date that ran, in order: the complement's ten dates.
    let dates = labels(charts(&svgs, "date"));
    assert_eq!(dates.len(), 10, "{dates:?}");
    assert!(dates.windows(2).all(|w| w[0] < w[1]));
    // The switch: a button per view; only the first view shows at first.
    for view in ["task", "date"] {
        assert!(html.contains(&format!("<button data-view=\"{view}\"")));
    }
    assert_eq!(charts(&svgs, "task").attr("style"), None);
    assert_eq!(charts(&svgs, "date").attr("style"), Some("display:none"));
    assert!(html.contains("<button data-zoom=\"in\">"));
    assert!(html.contains("<script>") && html.contains("function ticks("));
    // Still self-contained: nothing is fetched.
    assert!(!html.contains("src=") && !html.contains("href=\"http"));
}

#[test]
fn the_axis_ticks_are_round_local_times_of_the_model_zone() {
    let (html, _) = report(DS, "axis");
    let svgs = svgs(&html);
    let model = schedsim::model::load_file(std::path::Path::new(DS)).unwrap();
    let chart = charts(&svgs, "task");
    let axis = chart.find("g", "axis");
    assert_eq!(axis.len(), 1);
    let ticks: Vec<(i64, &str)> = axis[0]
        .children
        .iter()
        .filter(|n| n.name == "text" && n.attr("data-t").is_some())
        .map(|n| (n.attr("data-t").unwrap().parse().unwrap(), n.text.as_str()))
        .collect();
    assert!(ticks.len() >= 4, "{ticks:?}");
    assert!(ticks.windows(2).all(|w| w[0].0 < w[1].0));
    let gaps: BTreeSet<i64> = ticks.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert_eq!(gaps.len(), 1, "evenly spaced: {gaps:?}");
    for (t, label) in &ticks {
        // Asia/Shanghai: the label is the local hh:mm, on a round step.
        let local = rfc3339(&model.timezone, *t);
        assert_eq!(&local[11..16], *label, "{local}");
        assert_eq!(t.rem_euclid(*gaps.first().unwrap()), 0);
    }
    // The first tick names its date below its time.
    let first_date = axis[0].find("text", "ctx");
    assert_eq!(
        first_date[0].text,
        rfc3339(&model.timezone, ticks[0].0)[..10]
    );
    // The page names the zone.
    assert!(html.contains("times are local to the model's zone Asia/Shanghai"));
}

#[test]
fn the_legend_explains_every_colour_the_charts_use() {
    let svgs = svgs(&big().0);
    let legend = svgs.iter().find(|s| s.has_class("legend")).unwrap();
    let keys: BTreeSet<&str> = legend
        .find("g", "key")
        .iter()
        .map(|k| k.attr("data-class").unwrap())
        .collect();
    for class in BAR_CLASSES.iter().chain(&["dens", "dfail", "occ", "cap"]) {
        assert!(keys.contains(class), "no legend entry for {class}");
    }
    // Every class drawn in a plot has its entry, with a sample of that class and words.
    for chart in svgs.iter().filter(|s| s.has_class("chart")) {
        for n in chart.find("g", "plot")[0].all() {
            if let (Some(class), false) = (n.attr("class"), n.name == "g") {
                assert!(keys.contains(class), "{class} is drawn but not explained");
            }
        }
    }
    for k in legend.find("g", "key") {
        let class = k.attr("data-class").unwrap();
        assert!(k.children.iter().any(|c| c.has_class(class)));
        assert!(
            k.children
                .iter()
                .any(|c| c.name == "text" && c.text.len() > 10)
        );
    }
}

#[test]
fn every_execution_is_a_bar_or_counted_in_a_density_band() {
    for model in [DS, BIG] {
        let (html, json) = if model == BIG {
            big().clone()
        } else {
            report(model, "small")
        };
        let executions = json["executions"].as_u64().unwrap();
        let svgs = svgs(&html);
        for view in ["task", "date"] {
            let (bars, banded) = bars_and_banded(charts(&svgs, view));
            assert_eq!(
                bars.len() as u64 + banded,
                executions,
                "{model} rows per {view}"
            );
            assert!(bars.len() <= schedsim::observe::report::MAX_BARS);
            if model == BIG {
                assert!(banded > 0, "{view}: 20,000 executions are aggregated");
                assert!(!bars.is_empty(), "{view}: the quieter rows stay bars");
            } else {
                assert_eq!(banded, 0, "a small run draws every bar");
            }
        }
        if model == BIG {
            assert_eq!(executions, 20_127);
            // The page says what it aggregated, and at what resolution.
            assert!(
                html.contains("aggregated into density bands at a resolution of 30m"),
                "{}",
                &html[html.find("Rows per task").unwrap()..][..400]
            );
        }
    }
}

#[test]
fn bars_are_labelled_when_there_is_room() {
    let (html, _) = report(DS, "labels");
    let svgs = svgs(&html);
    for view in ["task", "date"] {
        let chart = charts(&svgs, view);
        let labels = chart.find("g", "bl")[0].find_texts();
        let (bars, _) = bars_and_banded(chart);
        assert_eq!(labels.len(), bars.len(), "one label per bar, for zooming");
        for (bar, label) in bars.iter().zip(&labels) {
            let width: f64 = bar.attr("width").unwrap().parse().unwrap();
            let fits = width >= label.text.chars().count() as f64 * 6.1 + 4.0;
            assert_eq!(
                label.attr("visibility"),
                Some(if fits { "visible" } else { "hidden" }),
                "{label:?}"
            );
            if view == "date" {
                // Rows per date name the task; rows per task the scheduled time.
                assert!(label.text.starts_with("etl."), "{}", label.text);
            } else {
                assert!(label.text.starts_with("03-"), "{}", label.text);
            }
        }
        if view == "task" {
            assert!(
                labels
                    .iter()
                    .any(|l| l.attr("visibility") == Some("visible"))
            );
        }
    }
}

trait Texts {
    fn find_texts(&self) -> Vec<&Node>;
}

impl Texts for Node {
    fn find_texts(&self) -> Vec<&Node> {
        self.children.iter().filter(|n| n.name == "text").collect()
    }
}

#[test]
fn group_pool_and_task_group_rows_show_their_slots_in_use() {
    // A worker group and a task group (DolphinScheduler), a pool with a pool_slots = 2
    // task (Airflow): each row's peak is the one the run's metrics count.
    for (model, name) in [
        (DS, "occ-ds"),
        ("models/airflow-pool-depends-on-past.toml", "occ-af"),
    ] {
        let (html, json) = report(model, name);
        let svgs = svgs(&html);
        let occ = svgs.iter().find(|s| s.has_class("occupancy")).unwrap();
        let rows = occ.find("path", "occ");
        let groups = json["resource_groups"].as_array().unwrap();
        assert_eq!(rows.len(), groups.len());
        for (row, g) in rows.iter().zip(groups) {
            assert_eq!(row.attr("data-group"), g["name"].as_str());
            assert_eq!(
                row.attr("data-peak").unwrap().parse::<u64>().unwrap(),
                g["peak_running"].as_u64().unwrap(),
                "{model} {}",
                g["name"]
            );
            assert_eq!(
                row.attr("data-slots").unwrap().parse::<u64>().unwrap(),
                g["slots"].as_u64().unwrap()
            );
        }
        let labels: Vec<&str> = occ
            .find("text", "rowlabel")
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        if model == DS {
            assert!(
                labels.contains(&"task group, peak 2 of 2 slots"),
                "{labels:?}"
            );
        } else {
            // Each execution of the pool_slots = 2 task holds two of the pool's slots.
            assert!(labels.contains(&"pool, peak 2 of 4 slots"), "{labels:?}");
        }
    }
}

#[test]
fn witnesses_are_grouped_by_cause_and_link_to_their_definitions() {
    let model = "models/dolphinscheduler-complement-rerun.toml";
    let out = schedsim(&["check", model, "--scenario", "rerun-one-date"]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out.stdout);
    assert!(
        t.contains(
            "     - 3 alike: daily.aggregate scheduled 2025-03-03T01:00:00+08:00: 2 instances"
        ),
        "{t}"
    );
    assert!(
        t.contains("       also 2025-03-04T01:00:00+08:00, 2025-03-05T01:00:00+08:00\n"),
        "{t}"
    );
    assert!(t.contains("     definition: schedsim check --explain unique-logical-instance\n"));
    // JSON keeps every line.
    let out = schedsim(&[
        "check",
        model,
        "--scenario",
        "rerun-one-date",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &json["properties"][0];
    assert_eq!(p["name"], "unique-logical-instance");
    assert_eq!(p["witness"]["details"].as_array().unwrap().len(), 3);
    // The HTML report groups alike and links each property to its definition.
    let dir = std::env::temp_dir().join(format!("schedsim-report-wit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("w.html");
    let out = schedsim(&[
        "check",
        model,
        "--scenario",
        "rerun-one-date",
        "--report",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let html = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(html.contains("<b class=\"alike\">3 alike:</b> daily.aggregate scheduled"));
    for name in schedsim::observe::PROPERTIES {
        assert!(html.contains(&format!("<a href=\"#{name}\">{name}</a>")));
        assert!(html.contains(&format!("<dt id=\"{name}\">")));
    }
}

/// The chart's structure for a small run, as an outline: which SVGs, their rows,
/// ticks, and bars per colour.
#[test]
fn a_small_report_has_this_structure() {
    let (html, _) = report(DS, "outline");
    let mut outline = String::new();
    for s in svgs(&html) {
        let class = s.attr("class").unwrap_or("");
        outline.push_str(&format!(
            "svg {class} {}\n",
            s.attr("data-view").unwrap_or("")
        ));
        for a in s.find("g", "axis") {
            let labels: Vec<&str> = a
                .children
                .iter()
                .filter(|n| n.name == "text")
                .map(|n| n.text.as_str())
                .collect();
            outline.push_str(&format!("  ticks: {}\n", labels.join(" | ")));
        }
        let rows: Vec<&str> = s
            .find("text", "rowlabel")
            .iter()
            .map(|n| n.text.as_str())
            .collect();
        if !rows.is_empty() {
            outline.push_str(&format!("  rows: {}\n", rows.join(" | ")));
        }
        if s.has_class("chart") && !s.find("g", "plot").is_empty() {
            let mut by: BTreeMap<String, usize> = BTreeMap::new();
            for n in s.find("g", "plot")[0].all() {
                if let Some(c) = n.attr("class") {
                    *by.entry(format!("{} {c}", n.name)).or_default() += 1;
                }
            }
            outline.push_str(&format!("  drawn: {by:?}\n"));
        }
        if s.has_class("legend") {
            let keys: Vec<&str> = s
                .find("g", "key")
                .iter()
                .map(|k| k.attr("data-class").unwrap())
                .collect();
            outline.push_str(&format!("  keys: {}\n", keys.join(" ")));
        }
    }
    insta::assert_snapshot!(outline);
}

/// A run a budget stopped leaves executions without an end: the page says how many
/// it could not draw, so bars and that count still add up to every execution.
#[test]
fn a_run_stopped_early_says_which_executions_it_cannot_draw() {
    let dir = std::env::temp_dir().join(format!("schedsim-report-stop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stop.html");
    let out = schedsim(&[
        "run",
        DS,
        "--max-executions",
        "5",
        "--report",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "a stopped run exits 2");
    let html = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let svgs = svgs(&html);
    let (bars, banded) = bars_and_banded(charts(&svgs, "task"));
    assert_eq!((bars.len(), banded), (3, 0));
    assert!(html.contains(
        "<p>2 executions were still running when the run ended (it stopped early): they have no end and are not drawn.</p>"
    ));
}

/// Issue 11: the single-run report answers "when is this date done": one row per
/// backfill date or run of `dates`, from its start to its end.
#[test]
fn the_report_charts_when_each_date_started_and_finished() {
    let (html, json) = report("models/dolphinscheduler-retry-backfill.toml", "dates");
    let dates = json["dates"].as_array().unwrap();
    assert!(!dates.is_empty());
    let start = html
        .find("<svg class=\"dates-chart\"")
        .expect("the dates chart");
    let chart = &html[start..start + html[start..].find("</svg>").unwrap()];
    assert_eq!(
        chart.matches("<g class=\"row\">").count(),
        dates.len(),
        "{chart}"
    );
    for d in dates {
        let tip = format!(
            "{}: started {}, ended {}",
            d["date"].as_str().unwrap(),
            d["start"].as_str().unwrap_or("never"),
            d["end"].as_str().unwrap_or("never")
        );
        assert!(chart.contains(&tip), "{tip} not in the chart");
    }
}

/// A backfill of two DAGs runs as one backfill per DAG (`unit_scope = workflow`):
/// the per-date rows tell the two DAGs' runs at one time apart, where both shared
/// one row labelled with the bare time.
#[test]
fn per_date_rows_tell_two_dags_runs_at_one_time_apart() {
    let dir = std::env::temp_dir().join(format!("schedsim-report-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("two-dags.toml");
    std::fs::write(
        &model,
        "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"UTC\"\n\n\
         [[workflow]]\nname = \"hourly\"\ncron = \"0 * * * *\"\n  [[workflow.task]]\n  name = \"load\"\n  duration = \"10m\"\n\n\
         [[workflow]]\nname = \"daily\"\ncron = \"0 0 * * *\"\n  [[workflow.task]]\n  name = \"agg\"\n  duration = \"3h\"\n\n\
         [[scenario]]\nname = \"s\"\nstart = \"2025-03-12T00:00:00\"\n\
         \n  [[scenario.backfill]]\n  targets = [\"hourly\", \"daily\"]\n  from = \"2025-03-10T00:00:00\"\n  to = \"2025-03-10T01:00:00\"\n",
    )
    .unwrap();
    let (html, _) = report(model.to_str().unwrap(), "split");
    let svgs = svgs(&html);
    let rows: Vec<String> = charts(&svgs, "date")
        .find("text", "rowlabel")
        .iter()
        .map(|t| t.text.clone())
        .collect();
    assert_eq!(
        rows,
        [
            "2025-03-10T00:00:00+00:00 (hourly)",
            "2025-03-10T00:00:00+00:00 (daily)",
            "2025-03-10T01:00:00+00:00 (hourly)",
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
