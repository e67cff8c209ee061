//! The pieces every chart of the HTML pages is drawn with, so they share one look: a
//! time scale, a time axis whose ticks are local times of the model's zone, a legend,
//! step-function rows (slots in use over time), execution bars, and the inline script
//! that switches rows and zooms (no network).
//!
//! Charts are SVG with a label column of [`LABEL`] pixels and a plot of [`WIDTH`]
//! pixels. Everything in the plot is drawn in plot coordinates (0..[`WIDTH`]) inside a
//! `<g class="plot">`, so zooming is one transform the script sets; the axis is redrawn
//! by the script with the same tick rules as [`ticks`] (it reads the zone's offsets
//! from the page: [`Zone::offsets_json`]).

use std::fmt::Write;

use jiff::tz::TimeZone;

use crate::calendar::Instant;
use crate::calendar::schedule::offset_at;

/// Width of the label column, pixels.
pub const LABEL: f64 = 220.0;
/// Width of the plot, pixels.
pub const WIDTH: f64 = 1000.0;
/// Height of the axis above a chart's rows, pixels.
pub const AXIS: f64 = 30.0;

/// Text made safe inside HTML and SVG elements and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Instants `t0..t1` onto the plot's `0..WIDTH`.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub t0: Instant,
    pub t1: Instant,
}

impl Scale {
    /// The span of `t0..t1`, at least one second.
    pub fn new(t0: Instant, t1: Instant) -> Scale {
        Scale {
            t0,
            t1: t1.max(t0 + 1),
        }
    }

    /// Plot x of an instant.
    pub fn x(&self, t: Instant) -> f64 {
        (t - self.t0) as f64 / (self.t1 - self.t0) as f64 * WIDTH
    }
}

/// A zone's UTC offsets over a range: the offset at its start and every transition
/// up to its end, so the page's script computes local times as this file does.
pub struct Zone {
    /// (from this instant, offset seconds), in time order.
    offsets: Vec<(Instant, i64)>,
}

/// At most this many offset changes are listed (a DST zone has two a year; ranges
/// past 2,500 years show later ticks at the last offset listed).
const MAX_TRANSITIONS: usize = 5_000;

impl Zone {
    pub fn new(tz: &TimeZone, t0: Instant, t1: Instant) -> Zone {
        let mut offsets = vec![(Instant::MIN, i64::from(offset_at(tz, t0).seconds()))];
        if let Ok(from) = jiff::Timestamp::from_second(t0) {
            for tr in tz.following(from).take(MAX_TRANSITIONS) {
                let at = tr.timestamp().as_second();
                if at > t1 {
                    break;
                }
                offsets.push((at, i64::from(tr.offset().seconds())));
            }
        }
        Zone { offsets }
    }

    /// Offset seconds at an instant.
    pub fn offset(&self, t: Instant) -> i64 {
        let i = self.offsets.partition_point(|&(at, _)| at <= t);
        self.offsets[i.saturating_sub(1)].1
    }

    /// Civil seconds (since 1970-01-01T00:00 local) of an instant.
    pub fn local(&self, t: Instant) -> i64 {
        t + self.offset(t)
    }

    /// The instant of a civil time: in a fold, the one the offset at `near` leads
    /// to; in a gap (a civil time the clocks skip), the instant the clocks jump
    /// past it, read at the offset before the jump, as jiff's `compatible` does
    /// (02:30 on a spring-forward night is 03:30 of the summer offset).
    pub fn instant(&self, local: i64, near: Instant) -> Instant {
        let guess = local - self.offset(near);
        let t = local - self.offset(guess);
        if self.local(t) == local {
            return t;
        }
        // The two candidates are `local` less the offset before and after the
        // jump; the later one reads it at the offset before (the smaller).
        guess.max(t)
    }

    /// A local time as people read it: `2025-03-10 09:00:00`.
    pub fn format(&self, t: Instant) -> String {
        let local = self.local(t);
        let (day, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(day);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }

    /// `[[from, offset], ...]` for the page's script.
    pub fn offsets_json(&self) -> String {
        let parts: Vec<String> = self
            .offsets
            .iter()
            .map(|(at, off)| format!("[{at},{off}]"))
            .collect();
        format!("[{}]", parts.join(","))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of days since 1970-01-01: (year, month 1-12, day 1-31).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A tick spacing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Secs(i64),
    Days(i64),
    Months(i64),
    Years(i64),
}

impl Step {
    /// About how long it is, seconds.
    pub fn seconds(self) -> i64 {
        match self {
            Step::Secs(s) => s,
            Step::Days(d) => d * 86_400,
            Step::Months(m) => m * 2_629_746,
            Step::Years(y) => y * 31_556_952,
        }
    }

    /// In words: "15 min", "1 h", "1 day".
    pub fn words(self) -> String {
        let unit =
            |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match self {
            Step::Secs(s) if s < 60 => unit(s, "second", "seconds"),
            Step::Secs(s) if s < 3600 => unit(s / 60, "minute", "minutes"),
            Step::Secs(s) => unit(s / 3600, "hour", "hours"),
            Step::Days(d) if d % 7 == 0 => unit(d / 7, "week", "weeks"),
            Step::Days(d) => unit(d, "day", "days"),
            Step::Months(m) => unit(m, "month", "months"),
            Step::Years(y) => unit(y, "year", "years"),
        }
    }
}

/// Tick spacings, finest first. The page's script holds the same list.
pub const STEPS: [Step; 36] = [
    Step::Secs(1),
    Step::Secs(5),
    Step::Secs(10),
    Step::Secs(15),
    Step::Secs(30),
    Step::Secs(60),
    Step::Secs(120),
    Step::Secs(300),
    Step::Secs(600),
    Step::Secs(900),
    Step::Secs(1800),
    Step::Secs(3600),
    Step::Secs(7200),
    Step::Secs(10_800),
    Step::Secs(21_600),
    Step::Secs(43_200),
    Step::Days(1),
    Step::Days(2),
    Step::Days(7),
    Step::Days(14),
    Step::Months(1),
    Step::Months(2),
    Step::Months(3),
    Step::Months(6),
    Step::Years(1),
    Step::Years(2),
    Step::Years(5),
    Step::Years(10),
    Step::Years(20),
    Step::Years(50),
    Step::Years(100),
    Step::Years(200),
    Step::Years(500),
    Step::Years(1000),
    Step::Years(2000),
    Step::Years(5000),
];

/// The finest step that puts at most `most` steps in `span` seconds.
pub fn step_for(span: i64, most: i64) -> Step {
    STEPS
        .into_iter()
        .find(|s| span / s.seconds() < most.max(1))
        .unwrap_or(Step::Years(5000))
}

/// One tick of an axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tick {
    pub at: Instant,
    /// The local time (or date, month, year) at the tick.
    pub label: String,
    /// The larger unit, on the first tick and where it changes (the date under
    /// times of day, the year under dates and months).
    pub context: Option<String>,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The ticks between `a` and `b` (instants) at about one per 100 pixels of `width`,
/// at round local times of the zone: minutes, hours, midnights, firsts of months,
/// New Years.
pub fn ticks(zone: &Zone, a: Instant, b: Instant, width: f64) -> (Step, Vec<Tick>) {
    let step = step_for(b - a, (width / 100.0) as i64);
    let (la, lb) = (zone.local(a), zone.local(b));
    let mut locals = Vec::new();
    match step {
        Step::Secs(s) => {
            let mut l = la.div_euclid(s) * s + if la.rem_euclid(s) == 0 { 0 } else { s };
            while l <= lb {
                locals.push(l);
                l += s;
            }
        }
        Step::Days(d) => {
            let mut day = la.div_euclid(86_400) + i64::from(la.rem_euclid(86_400) != 0);
            while day * 86_400 <= lb {
                let keep = match d {
                    1 => true,
                    2 => day.rem_euclid(2) == 0,
                    // Mondays (1970-01-01 was a Thursday).
                    _ => (day + 3).rem_euclid(d) == 0,
                };
                if keep {
                    locals.push(day * 86_400);
                }
                day += 1;
            }
        }
        Step::Months(_) | Step::Years(_) => {
            let (mut y, mut m, _) = civil_from_days(la.div_euclid(86_400));
            loop {
                let l = days_from_civil(y, m, 1) * 86_400;
                if l > lb {
                    break;
                }
                let keep = match step {
                    Step::Months(n) => (m - 1) % n == 0,
                    Step::Years(n) => m == 1 && y.rem_euclid(n) == 0,
                    _ => false,
                };
                if keep && l >= la {
                    locals.push(l);
                }
                if let Step::Years(n) = step
                    && m == 1
                {
                    // Straight to the next January that may be kept.
                    y += n - y.rem_euclid(n);
                    continue;
                }
                m += 1;
                if m == 13 {
                    (y, m) = (y + 1, 1);
                }
            }
        }
    }
    let mut out: Vec<Tick> = Vec::with_capacity(locals.len());
    let mut last_context = None;
    for l in locals {
        let at = zone.instant(l, a);
        if out.last().is_some_and(|t| t.at >= at) {
            continue;
        }
        let local = zone.local(at);
        let (day, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(day);
        let (label, context) = match step {
            Step::Secs(s) => (
                if s < 60 {
                    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
                } else {
                    format!("{:02}:{:02}", secs / 3600, secs / 60 % 60)
                },
                Some(format!("{y:04}-{m:02}-{d:02}")),
            ),
            Step::Days(_) => (format!("{m:02}-{d:02}"), Some(format!("{y:04}"))),
            Step::Months(_) => (
                MONTHS[(m - 1) as usize].to_string(),
                Some(format!("{y:04}")),
            ),
            Step::Years(_) => (format!("{y}"), None),
        };
        let context = if context == last_context {
            None
        } else {
            last_context.clone_from(&context);
            context
        };
        out.push(Tick { at, label, context });
    }
    (step, out)
}

/// Writes an axis at the top of a chart `height` high: a grid line and a label per
/// tick. The page's script redraws the same group when zoomed.
pub fn axis(h: &mut String, scale: &Scale, zone: &Zone, height: f64) {
    let (_, ticks) = ticks(zone, scale.t0, scale.t1, WIDTH);
    let _ = write!(h, "<g class=\"axis\" data-h=\"{height}\">");
    for t in &ticks {
        let x = LABEL + scale.x(t.at);
        let _ = write!(
            h,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{height}\"/><text x=\"{:.1}\" y=\"12\" data-t=\"{}\">{}</text>",
            AXIS - 4.0,
            x + 2.0,
            t.at,
            escape(&t.label)
        );
        if let Some(c) = &t.context {
            let _ = write!(
                h,
                "<text class=\"ctx\" x=\"{:.1}\" y=\"24\">{}</text>",
                x + 2.0,
                escape(c)
            );
        }
    }
    h.push_str("</g>\n");
}

/// One entry of a legend.
pub enum Key<'a> {
    /// A filled box of a CSS class.
    Swatch(&'a str, &'a str),
    /// A line of a CSS class (a step row, a capacity).
    Line(&'a str, &'a str),
}

/// A legend: its entries in two columns (one when there are five or fewer), each
/// with its colour sample.
pub fn legend(h: &mut String, keys: &[Key<'_>]) {
    let per_column = if keys.len() > 5 {
        keys.len().div_ceil(2)
    } else {
        keys.len()
    };
    let height = per_column as f64 * 18.0 + 4.0;
    let _ = write!(
        h,
        "<svg class=\"legend\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\">",
        LABEL + WIDTH
    );
    for (i, k) in keys.iter().enumerate() {
        let x = (i / per_column) as f64 * 560.0 + 2.0;
        let y = (i % per_column) as f64 * 18.0 + 2.0;
        let text = match k {
            Key::Swatch(class, text) => {
                let _ = write!(
                    h,
                    "<g class=\"key\" data-class=\"{class}\"><rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"28\" height=\"12\"/>"
                );
                text
            }
            Key::Line(class, text) => {
                let _ = write!(
                    h,
                    "<g class=\"key\" data-class=\"{class}\"><line class=\"{class}\" x1=\"{x}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>",
                    x + 28.0,
                    y + 6.0,
                    y + 6.0
                );
                text
            }
        };
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{}\">{}</text></g>",
            x + 36.0,
            y + 11.0,
            escape(text)
        );
    }
    h.push_str("</svg>\n");
}

/// The path of a step function `points` (instant, value, in time order) in a row
/// from `top` to `top + height`, `most` at the top; ends at `end`. Plot coordinates.
pub fn step_path(
    points: &[(Instant, u32)],
    scale: &Scale,
    top: f64,
    height: f64,
    most: u32,
    end: Instant,
) -> String {
    let y = |v: u32| top + height - f64::from(v) / f64::from(most.max(1)) * height;
    let mut d = format!("M0 {:.1}", y(0));
    for &(t, v) in points {
        let _ = write!(d, "H{:.2}V{:.1}", scale.x(t), y(v));
    }
    let _ = write!(d, "H{:.2}", scale.x(end));
    d
}

/// One execution's bar of a Gantt chart, `row` high at `y`, from `x0` to `x1` (at
/// least half a pixel wide), with `tip` as its tooltip; `class` colours it.
pub fn bar(h: &mut String, class: &str, (x0, x1): (f64, f64), y: f64, row: f64, tip: &str) {
    let _ = writeln!(
        h,
        "<rect class=\"{class}\" x=\"{x0:.2}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"{}\"><title>{}</title></rect>",
        (x1 - x0).max(0.5),
        row - 2.0,
        escape(tip)
    );
}

/// The look shared by every page.
pub const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td:first-child{white-space:nowrap}.ok{color:#17692e}.fail{color:#b00020;font-weight:bold}\
pre{background:#f7f7f7;padding:.8em;overflow:auto}svg text{font:11px sans-serif}\
.finished{fill:#3a8f4f}.failed_before_write{fill:#e0912f}.failed_after_write{fill:#b00020}\
.timeout{fill:#7b4ea3}.stopped{fill:#8a8a8a}.other{fill:#555}\
.axis line{stroke:#e4e4e4}.axis text{fill:#444}.axis .ctx{font-weight:bold}\
.sep{stroke:#ccc}.rowlabel{fill:#222}.bl text{font-size:10px;fill:#fff;pointer-events:none}\
.dens{fill:#2b5c8a}.dfail{fill:#b00020}\
.occ{fill:#9cc3e6;fill-opacity:.55;stroke:#2b5c8a;stroke-width:1.2}.cap{stroke:#b00020;stroke-dasharray:4 3}\
.key line.occ{stroke-width:3}.chart{display:block;user-select:none}\
.controls button{margin:0 .2em .4em 0}.controls button.on{font-weight:bold;background:#dde8f3}.zoomed{margin-right:.5em}";

/// The script of a chart section: row switch (buttons `data-view`), zoom (buttons
/// `data-zoom`, Ctrl+wheel at the pointer, drag to pan; `#rows=date&zoom=0.2,0.3` in
/// the address opens a view and a part of the run). It redraws the axis with the
/// rules of [`ticks`] from the offsets in `data-off`.
pub const SCRIPT: &str = r#"(function(){
var root=document.getElementById('gantt');if(!root)return;
var L=+root.dataset.l,W=+root.dataset.w,T0=+root.dataset.t0,T1=+root.dataset.t1,OFF=JSON.parse(root.dataset.off);
var v0=0,v1=W,NS='http://www.w3.org/2000/svg';
var STEPS=[[0,1],[0,5],[0,10],[0,15],[0,30],[0,60],[0,120],[0,300],[0,600],[0,900],[0,1800],[0,3600],[0,7200],[0,10800],[0,21600],[0,43200],[1,1],[1,2],[1,7],[1,14],[2,1],[2,2],[2,3],[2,6],[3,1],[3,2],[3,5],[3,10],[3,20],[3,50],[3,100],[3,200],[3,500],[3,1000],[3,2000],[3,5000]];
var MON=['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec'];
function secs(s){return s[0]==0?s[1]:s[0]==1?s[1]*86400:s[0]==2?s[1]*2629746:s[1]*31556952;}
function off(t){var lo=0,hi=OFF.length;while(lo<hi){var m=(lo+hi)>>1;if(OFF[m][0]<=t)lo=m+1;else hi=m;}return OFF[Math.max(lo-1,0)][1];}
function loc(t){return t+off(t);}
function inst(l,near){var g=l-off(near),t=l-off(g);return loc(t)==l?t:Math.max(g,t);}
function civ(days){var d=new Date(days*864e5);return [d.getUTCFullYear(),d.getUTCMonth()+1,d.getUTCDate()];}
function dfc(y,m){var d=new Date(0);d.setUTCFullYear(y,m-1,1);d.setUTCHours(0,0,0,0);return Math.round(d.getTime()/864e5);}
function p2(n){return (n<10?'0':'')+n;}
function fl(a,b){return Math.floor(a/b);}
function ticks(a,b,width){
 var most=Math.max(1,Math.floor(width/100)),st=STEPS[STEPS.length-1];
 for(var i=0;i<STEPS.length;i++){if(Math.floor((b-a)/secs(STEPS[i]))<most){st=STEPS[i];break;}}
 var la=loc(a),lb=loc(b),ls=[],k=st[0],n=st[1];
 if(k==0){var l=fl(la,n)*n+((la%n+n)%n==0?0:n);for(;l<=lb;l+=n)ls.push(l);}
 else if(k==1){var day=fl(la,86400)+(((la%86400)+86400)%86400!=0?1:0);for(;day*86400<=lb;day++){var keep=n==1?true:n==2?((day%2)+2)%2==0:(((day+3)%n)+n)%n==0;if(keep)ls.push(day*86400);}}
 else{var c=civ(fl(la,86400)),y=c[0],m=c[1];for(var g=0;g<100000;g++){var l2=dfc(y,m)*86400;if(l2>lb)break;var kp=k==2?(m-1)%n==0:(m==1&&((y%n)+n)%n==0);if(kp&&l2>=la)ls.push(l2);if(k==3&&m==1){y+=n-((y%n)+n)%n;continue;}m++;if(m==13){y++;m=1;}}}
 var out=[],last=null;
 for(var j=0;j<ls.length;j++){var at=inst(ls[j],a);if(out.length&&out[out.length-1].at>=at)continue;var lc=loc(at),dd=fl(lc,86400),s=lc-dd*86400,cv=civ(dd),lab,ctx=null;
  if(k==0){lab=p2(fl(s,3600))+':'+p2(fl(s,60)%60)+(n<60?':'+p2(s%60):'');ctx=cv[0]+'-'+p2(cv[1])+'-'+p2(cv[2]);}
  else if(k==1){lab=p2(cv[1])+'-'+p2(cv[2]);ctx=''+cv[0];}else if(k==2){lab=MON[cv[1]-1];ctx=''+cv[0];}else lab=''+cv[0];
  if(ctx===last)ctx=null;else last=ctx;out.push({at:at,label:lab,ctx:ctx});}
 return out;}
function el(name,attrs,text){var e=document.createElementNS(NS,name);for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!=null)e.textContent=text;return e;}
function draw(){
 var k=W/(v1-v0),a=T0+(T1-T0)*v0/W,b=T0+(T1-T0)*v1/W,tk=ticks(Math.ceil(a),Math.floor(b),W);
 root.querySelectorAll('svg.chart').forEach(function(svg){
  var plot=svg.querySelector('g.plot');if(plot)plot.setAttribute('transform','translate('+(L-v0*k)+',0) scale('+k+',1)');
  svg.querySelectorAll('g.bl text').forEach(function(t){var x0=L+(+t.dataset.a-v0)*k,x1=x0+(+t.dataset.w)*k,a0=Math.max(x0,L),a1=Math.min(x1,L+W);t.setAttribute('x',(a0+2).toFixed(1));t.setAttribute('visibility',a1-a0>=t.textContent.length*6.1+4?'visible':'hidden');});
  var ax=svg.querySelector('g.axis');if(!ax)return;var h=+ax.dataset.h;while(ax.firstChild)ax.removeChild(ax.firstChild);
  tk.forEach(function(t){var x=L+(t.at-T0)/(T1-T0)*W*k-v0*k;ax.appendChild(el('line',{x1:x.toFixed(1),x2:x.toFixed(1),y1:26,y2:h}));ax.appendChild(el('text',{x:(x+2).toFixed(1),y:12,'data-t':t.at},t.label));if(t.ctx!=null)ax.appendChild(el('text',{'class':'ctx',x:(x+2).toFixed(1),y:24},t.ctx));});
 });
 var z=root.querySelector('.zoomed');if(z)z.textContent=k>1.0001?'zoomed '+k.toFixed(1)+'×':'';
}
function zoomAt(c,f){var w=(v1-v0)/f;w=Math.min(W,Math.max(w,W*60/Math.max(60,T1-T0)));var n0=c-(c-v0)*w/(v1-v0);n0=Math.max(0,Math.min(W-w,n0));v0=n0;v1=n0+w;draw();}
root.querySelectorAll('button[data-view]').forEach(function(b){b.addEventListener('click',function(){root.querySelectorAll('.view').forEach(function(s){s.style.display=s.dataset.view==b.dataset.view?'':'none';});root.querySelectorAll('button[data-view]').forEach(function(o){o.classList.toggle('on',o==b);});});});
root.querySelectorAll('button[data-zoom]').forEach(function(b){b.addEventListener('click',function(){var z=b.dataset.zoom,c=(v0+v1)/2,w=v1-v0;if(z=='in')zoomAt(c,2);else if(z=='out')zoomAt(c,0.5);else if(z=='left'){var d=Math.min(v0,w/2);v0-=d;v1-=d;draw();}else if(z=='right'){var e=Math.min(W-v1,w/2);v0+=e;v1+=e;draw();}else{v0=0;v1=W;draw();}});});
function px(svg,ev){var r=svg.getBoundingClientRect();return v0+(ev.clientX-r.left-L)/W*(v1-v0);}
root.querySelectorAll('svg.chart').forEach(function(svg){
 svg.addEventListener('wheel',function(ev){if(!(ev.ctrlKey||ev.metaKey))return;ev.preventDefault();zoomAt(Math.max(0,Math.min(W,px(svg,ev))),ev.deltaY<0?1.5:1/1.5);},{passive:false});
 var drag=null;svg.addEventListener('mousedown',function(ev){drag={x:ev.clientX,v0:v0,v1:v1};});
 window.addEventListener('mousemove',function(ev){if(!drag)return;var d=(ev.clientX-drag.x)/W*(drag.v1-drag.v0),w=drag.v1-drag.v0;v0=Math.max(0,Math.min(W-w,drag.v0-d));v1=v0+w;draw();});
 window.addEventListener('mouseup',function(){drag=null;});
});
var hv=/rows=(\w+)/.exec(location.hash);if(hv){var hb=root.querySelector('button[data-view="'+hv[1]+'"]');if(hb)hb.click();}
var hz=/zoom=([\d.]+),([\d.]+)/.exec(location.hash);if(hz&&+hz[1]<+hz[2]&&+hz[2]<=1){v0=+hz[1]*W;v1=+hz[2]*W;draw();}
})();"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::schedule::local_to_instant;

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn civil_days_round_trip() {
        for z in [-800_000, -1, 0, 59, 60, 11_016, 20_147, 2_900_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(civil_from_days(20_147), (2025, 2, 28));
    }

    #[test]
    fn ticks_are_round_local_times_of_the_zone() {
        let tz = zone("Asia/Shanghai");
        let at = |s: &str| local_to_instant(&tz, s.parse().unwrap());
        let (a, b) = (at("2025-03-10T09:07:00"), at("2025-03-10T17:40:00"));
        let z = Zone::new(&tz, a, b);
        let (step, t) = ticks(&z, a, b, WIDTH);
        assert_eq!(step, Step::Secs(3600));
        assert_eq!(t[0].at, at("2025-03-10T10:00:00"));
        assert_eq!(t[0].label, "10:00");
        assert_eq!(t[0].context.as_deref(), Some("2025-03-10"));
        assert_eq!(t.last().unwrap().label, "17:00");
        assert!(t[1..].iter().all(|t| t.context.is_none()));
    }

    #[test]
    fn ticks_follow_dst_and_span_months_and_years() {
        let tz = zone("Europe/Berlin");
        let at = |s: &str| local_to_instant(&tz, s.parse().unwrap());
        // Across the spring-forward night: every tick stays on a local midnight.
        let (a, b) = (at("2025-03-25T00:00:00"), at("2025-04-03T00:00:00"));
        let z = Zone::new(&tz, a, b);
        let (step, t) = ticks(&z, a, b, WIDTH);
        assert_eq!(step, Step::Days(1));
        assert!(t.iter().all(|t| z.local(t.at) % 86_400 == 0));
        assert_eq!(t[6].at - t[5].at, 23 * 3600, "the short day");
        // Years: Januaries.
        let (a, b) = (at("2025-02-01T00:00:00"), at("2031-06-01T00:00:00"));
        let (step, t) = ticks(&Zone::new(&tz, a, b), a, b, WIDTH);
        assert_eq!(step, Step::Years(1));
        assert_eq!(t[0].label, "2026");
        assert_eq!(t.len(), 6);
        let (a, b) = (at("2025-02-01T00:00:00"), at("2081-06-01T00:00:00"));
        let (step, t) = ticks(&Zone::new(&tz, a, b), a, b, WIDTH);
        assert_eq!(step, Step::Years(10));
        assert_eq!(
            t.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(),
            ["2030", "2040", "2050", "2060", "2070", "2080"]
        );
    }

    #[test]
    fn a_tick_in_a_spring_forward_gap_is_not_placed_before_the_range() {
        // Found by the property below: from 01:30:01 CET on Berlin's 2011
        // spring-forward night, the first half-hourly tick is 02:00, which the clocks
        // skip; it was read at the summer offset, as 01:00 CET, before the range.
        let tz = zone("Europe/Berlin");
        let (a, b) = (1_301_185_801, 1_301_194_844);
        let z = Zone::new(&tz, a, b);
        let (step, t) = ticks(&z, a, b, WIDTH);
        assert_eq!(step, Step::Secs(1800));
        assert_eq!(t[0].at, 1_301_187_600, "the instant of the jump");
        assert_eq!(t[0].label, "03:00");
        assert_eq!(
            z.instant(2 * 3600 + 30 * 60 + 15_060 * 86_400, a),
            1_301_189_400
        );
        assert!(t.iter().all(|t| a <= t.at && t.at <= b));
    }

    proptest::proptest! {
        /// Whatever the zone and range: ticks increase inside the range, at most about
        /// one per 100 pixels, and each label is the zone's local time at its tick.
        #[test]
        fn ticks_are_ordered_bounded_and_labelled_in_local_time(
            zone_at in 0usize..5,
            a in 0i64..4_102_444_800,
            span_exp in 0u32..34,
            frac in 1i64..1000,
        ) {
            let names = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"];
            let tz = zone(names[zone_at]);
            let span = ((1i64 << span_exp) * frac / 1000).max(1);
            let b = a + span;
            let z = Zone::new(&tz, a, b);
            let (step, t) = ticks(&z, a, b, WIDTH);
            proptest::prop_assert!(t.len() as i64 <= (WIDTH / 100.0) as i64 + 1, "{step:?} {}", t.len());
            proptest::prop_assert!(t.windows(2).all(|w| w[0].at < w[1].at));
            for tick in &t {
                proptest::prop_assert!(a <= tick.at && tick.at <= b + 7200, "{tick:?} {a} {b}");
                let local = crate::calendar::schedule::rfc3339(&tz, tick.at);
                let want = match step {
                    Step::Secs(s) if s < 60 => local[11..19].to_string(),
                    Step::Secs(_) => local[11..16].to_string(),
                    Step::Days(_) => local[5..10].to_string(),
                    Step::Months(_) => MONTHS[local[5..7].parse::<usize>().unwrap() - 1].to_string(),
                    Step::Years(_) => local[..4].trim_start_matches('0').to_string(),
                };
                proptest::prop_assert_eq!(&tick.label, &want);
            }
        }
    }

    #[test]
    fn a_step_path_ends_where_asked() {
        let s = Scale::new(0, 100);
        let d = step_path(&[(10, 2), (50, 0)], &s, 0.0, 10.0, 2, 100);
        assert_eq!(d, "M0 10.0H100.00V0.0H500.00V10.0H1000.00");
    }
}
