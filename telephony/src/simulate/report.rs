//! What a simulation measured: counters per hour, added up per day, per
//! month and in total, with the service level, average speed of answer,
//! abandonment and occupancy derived from them, and the SLA verdicts.
//!
//! Definitions (the same as the wallboard's): a call counts in the hour it
//! entered the first-level queue; its service level is the share of the
//! queued calls that were answered within the target time, over the calls
//! answered or abandoned (a caller who gave up counts as missed); the
//! second part of SLA.C.2 counts the calls that waited longer than the
//! longest acceptable wait, answered late or abandoned after it;
//! abandonment is over the same calls; ASA is the mean wait of the answered
//! calls; occupancy is the agents' handling time (conversation and
//! wrap-up) over their signed-in time, counted in the hour the call was
//! answered.

use super::model::{HOURS, SlaTargets};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Counters of one interval (or a sum of intervals).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Phone calls offered (in and out of service hours).
    pub calls: u64,
    /// Calls out of service hours (after-hours message).
    pub after_hours: u64,
    /// Voicemails left.
    pub voicemails: u64,
    /// Calls refused for lack of a free line.
    pub rejected_no_line: u64,
    /// Calls that entered a first-level queue.
    pub queued: u64,
    /// First-level calls answered.
    pub answered: u64,
    /// Answered within the target time (30 s).
    pub answered_in_target: u64,
    /// Calls that waited longer than the longest acceptable wait (90 s),
    /// answered late or abandoned after it.
    pub over_max: u64,
    /// Callers who hung up while waiting for the first level.
    pub abandoned: u64,
    /// Sum of the waits of the answered calls, seconds.
    pub wait_s: f64,
    /// The longest wait of an answered call, seconds.
    pub max_wait_s: f64,
    /// Calls transferred to the second level.
    pub l2_queued: u64,
    /// Of those, answered by the second level.
    pub l2_answered: u64,
    /// Answered by the second level within the target time.
    pub l2_in_target: u64,
    /// Hung up while waiting for the second level.
    pub l2_abandoned: u64,
    /// Sum of the second-level waits, seconds.
    pub l2_wait_s: f64,
    /// Offline requests that arrived (e-mail, web, fax, voicemail).
    pub offline_items: u64,
    /// Offline requests worked.
    pub offline_done: u64,
    /// Sum of the times from arrival to pick-up of the worked requests, s.
    pub offline_wait_s: f64,
    /// Handling time of first-level phone agents (conversation, wrap-up;
    /// blended agents' offline work too), s.
    pub busy_s: f64,
    /// Signed-in time of first-level phone agents (online and blended), s.
    pub staffed_s: f64,
    /// Handling time of second-level agents, s.
    pub l2_busy_s: f64,
    /// Signed-in time of second-level agents, s.
    pub l2_staffed_s: f64,
}

fn share(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl Metrics {
    /// Adds another interval's counters.
    pub fn add(&mut self, o: &Metrics) {
        self.calls += o.calls;
        self.after_hours += o.after_hours;
        self.voicemails += o.voicemails;
        self.rejected_no_line += o.rejected_no_line;
        self.queued += o.queued;
        self.answered += o.answered;
        self.answered_in_target += o.answered_in_target;
        self.over_max += o.over_max;
        self.abandoned += o.abandoned;
        self.wait_s += o.wait_s;
        self.max_wait_s = self.max_wait_s.max(o.max_wait_s);
        self.l2_queued += o.l2_queued;
        self.l2_answered += o.l2_answered;
        self.l2_in_target += o.l2_in_target;
        self.l2_abandoned += o.l2_abandoned;
        self.l2_wait_s += o.l2_wait_s;
        self.offline_items += o.offline_items;
        self.offline_done += o.offline_done;
        self.offline_wait_s += o.offline_wait_s;
        self.busy_s += o.busy_s;
        self.staffed_s += o.staffed_s;
        self.l2_busy_s += o.l2_busy_s;
        self.l2_staffed_s += o.l2_staffed_s;
    }

    /// Calls that left the first-level queue: answered or abandoned.
    pub fn settled(&self) -> u64 {
        self.answered + self.abandoned
    }

    /// Share answered within the target time, of the settled calls.
    pub fn service_level(&self) -> Option<f64> {
        share(self.answered_in_target, self.settled())
    }

    /// Share of the settled calls that waited no longer than the longest
    /// acceptable wait (answered in time, or hung up before it).
    pub fn within_max_share(&self) -> Option<f64> {
        share(self.settled().saturating_sub(self.over_max), self.settled())
    }

    /// Share abandoned, of the settled calls.
    pub fn abandon_share(&self) -> Option<f64> {
        share(self.abandoned, self.settled())
    }

    /// Average speed of answer, seconds.
    pub fn asa_s(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.wait_s / self.answered as f64)
    }

    /// First-level occupancy.
    pub fn occupancy(&self) -> Option<f64> {
        (self.staffed_s > 0.0).then(|| (self.busy_s / self.staffed_s).min(1.0))
    }

    /// Second-level service level.
    pub fn l2_service_level(&self) -> Option<f64> {
        share(self.l2_in_target, self.l2_answered + self.l2_abandoned)
    }

    /// Second-level occupancy.
    pub fn l2_occupancy(&self) -> Option<f64> {
        (self.l2_staffed_s > 0.0).then(|| (self.l2_busy_s / self.l2_staffed_s).min(1.0))
    }

    /// Mean time from arrival to pick-up of offline requests, seconds.
    pub fn offline_pickup_s(&self) -> Option<f64> {
        (self.offline_done > 0).then(|| self.offline_wait_s / self.offline_done as f64)
    }
}

/// One simulated day, hour by hour.
#[derive(Debug, Clone, Serialize)]
pub struct Day {
    /// The local date.
    pub date: NaiveDate,
    /// Whether it is a public holiday.
    pub holiday: bool,
    /// The 24 hours.
    pub hours: Vec<Metrics>,
}

impl Day {
    /// The day's total.
    pub fn total(&self) -> Metrics {
        let mut m = Metrics::default();
        for h in &self.hours {
            m.add(h);
        }
        m
    }
}

/// Whether a period met SLA.C.2 and SLA.C.3.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// SLA.C.2, first part: answered within the target time.
    pub answered_in_target: bool,
    /// SLA.C.2, second part: no longer wait than the longest acceptable.
    pub within_max: bool,
    /// SLA.C.3: abandoned.
    pub abandoned: bool,
}

impl Verdict {
    /// All three met.
    pub fn met(&self) -> bool {
        self.answered_in_target && self.within_max && self.abandoned
    }

    /// The verdict of some counters against the targets (no call: met).
    pub fn of(m: &Metrics, sla: &SlaTargets) -> Verdict {
        Verdict {
            answered_in_target: m.service_level().is_none_or(|v| v + 1e-12 >= sla.answer_share),
            within_max: m.within_max_share().is_none_or(|v| v + 1e-12 >= sla.max_wait_share),
            abandoned: m.abandon_share().is_none_or(|v| v <= sla.max_abandoned + 1e-12),
        }
    }
}

/// A month of the simulation (the SLA's reference period).
#[derive(Debug, Clone, Serialize)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    /// Days simulated in it.
    pub days: u32,
    /// Whether only part of the month was simulated (not an SLA period).
    pub partial: bool,
    /// Its counters.
    pub metrics: Metrics,
    /// Its verdict.
    pub verdict: Verdict,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The first simulated day.
    pub start: NaiveDate,
    /// Simulated days.
    pub days: Vec<Day>,
    /// The seed.
    pub seed: u64,
    /// The targets checked.
    pub sla: SlaTargets,
    /// Offline requests still waiting at the end.
    pub offline_backlog: u64,
    /// Events the engine processed (submitted and emitted).
    pub events: u64,
}

impl Report {
    /// Everything added up.
    pub fn total(&self) -> Metrics {
        let mut m = Metrics::default();
        for d in &self.days {
            for h in &d.hours {
                m.add(h);
            }
        }
        m
    }

    /// Per calendar month, with the SLA verdicts.
    pub fn months(&self) -> Vec<Month> {
        let mut out: Vec<Month> = Vec::new();
        let mut lengths: Vec<i64> = Vec::new();
        for d in &self.days {
            let key = format!("{:04}-{:02}", d.date.year(), d.date.month());
            if out.last().is_none_or(|m| m.month != key) {
                out.push(Month {
                    month: key,
                    days: 0,
                    partial: false,
                    metrics: Metrics::default(),
                    verdict: Verdict::of(&Metrics::default(), &self.sla),
                });
                lengths.push(days_in_month(d.date));
            }
            if let Some(m) = out.last_mut() {
                m.days += 1;
                m.metrics.add(&d.total());
            }
        }
        for (m, length) in out.iter_mut().zip(lengths) {
            m.verdict = Verdict::of(&m.metrics, &self.sla);
            m.partial = i64::from(m.days) < length;
        }
        out
    }

    /// Each hour of the day, added up over all simulated days.
    pub fn by_hour(&self) -> Vec<Metrics> {
        let mut out = vec![Metrics::default(); HOURS];
        for d in &self.days {
            for (h, m) in d.hours.iter().enumerate() {
                out[h].add(m);
            }
        }
        out
    }

    /// Whether the SLA was met: in every whole month simulated, or over the
    /// whole simulation when it covers no whole month.
    pub fn met(&self) -> bool {
        let months = self.months();
        if months.iter().any(|m| !m.partial) {
            months.iter().filter(|m| !m.partial).all(|m| m.verdict.met())
        } else {
            Verdict::of(&self.total(), &self.sla).met()
        }
    }

    /// The report as text tables: summary and verdicts per month, then one
    /// line per day and one per hour of the day.
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let total = self.total();
        let last = self.days.last().map_or(self.start, |d| d.date);
        o.push_str(&format!(
            "Simulated {} to {} ({} days, seed {}): {} calls, {} offline requests, {} engine events\n",
            self.start,
            last,
            self.days.len(),
            self.seed,
            total.calls,
            total.offline_items,
            self.events
        ));
        let s = &self.sla;
        o.push_str(&format!(
            "Targets: SLA.C.2 answered within {:.0} s ≥ {}, within {:.0} s ≥ {}; SLA.C.3 abandoned ≤ {}\n\n",
            s.answer_within_s,
            pct(Some(s.answer_share)),
            s.max_wait_s,
            pct(Some(s.max_wait_share)),
            pct(Some(s.max_abandoned))
        ));
        o.push_str("Month     days   calls  queued  ≤target   ≤max    abandoned  ASA s  occup.  max wait  verdict\n");
        for m in self.months() {
            let x = &m.metrics;
            let v = &m.verdict;
            let mark = |ok: bool| if ok { "" } else { "!" };
            o.push_str(&format!(
                "{:<8} {:>5} {:>7} {:>7} {:>7}{:1} {:>7}{:1} {:>9}{:1} {:>6} {:>7} {:>8.0}s  {}\n",
                m.month,
                m.days,
                x.calls,
                x.queued,
                pct(x.service_level()),
                mark(v.answered_in_target),
                pct(x.within_max_share()),
                mark(v.within_max),
                pct(x.abandon_share()),
                mark(v.abandoned),
                num(x.asa_s()),
                pct(x.occupancy()),
                x.max_wait_s,
                match (v.met(), m.partial) {
                    (true, false) => "SLA met",
                    (false, false) => "SLA NOT met",
                    (true, true) => "met (partial month)",
                    (false, true) => "not met (partial month)",
                }
            ));
        }
        o.push_str(&format!(
            "\nSecond level: {} transferred, service level {}, abandoned {}, occupancy {}. Offline: {} requests, {} worked, mean pick-up {} min, {} still waiting at the end.\n",
            total.l2_queued,
            pct(total.l2_service_level()),
            pct(share(total.l2_abandoned, total.l2_answered + total.l2_abandoned)),
            pct(total.l2_occupancy()),
            total.offline_items,
            total.offline_done,
            num(total.offline_pickup_s().map(|s| s / 60.0)),
            self.offline_backlog
        ));
        o.push_str("\nDay             calls  queued  ≤target   ≤max  abandoned  ASA s  occup.  L2 SL  offline\n");
        for d in &self.days {
            let x = d.total();
            o.push_str(&format!(
                "{} {}{} {:>6} {} {:>6} {:>8}\n",
                d.date,
                weekday_it(d.date),
                if d.holiday { "*" } else { " " },
                x.calls,
                sla_columns(&x),
                pct(x.l2_service_level()),
                x.offline_items
            ));
        }
        o.push_str("(* public holiday)\n\nHour   calls  queued  ≤target   ≤max  abandoned  ASA s  occup.  agents (mean L1)\n");
        let days = self.days.len().max(1) as f64;
        for (h, x) in self.by_hour().iter().enumerate() {
            if x.calls == 0 && x.staffed_s == 0.0 {
                continue;
            }
            o.push_str(&format!("{h:02}:00 {:>7} {} {:>8.1}\n", x.calls, sla_columns(x), x.staffed_s / 3600.0 / days));
        }
        o
    }
}

/// The number of days of the month of `d`.
fn days_in_month(d: NaiveDate) -> i64 {
    let first = d.with_day(1).unwrap_or(d);
    first.checked_add_months(chrono::Months::new(1)).map_or(31, |next| (next - first).num_days())
}

/// The columns a day's and an hour's line share: queued, within the
/// target, within the longest wait, abandoned, ASA, occupancy.
fn sla_columns(x: &Metrics) -> String {
    format!(
        "{:>7} {:>8} {:>6} {:>10} {:>6} {:>7}",
        x.queued,
        pct(x.service_level()),
        pct(x.within_max_share()),
        pct(x.abandon_share()),
        num(x.asa_s()),
        pct(x.occupancy())
    )
}

/// A share as a percentage with one decimal, `-` when undefined.
pub fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"))
}

fn weekday_it(d: NaiveDate) -> &'static str {
    ["lun", "mar", "mer", "gio", "ven", "sab", "dom"][d.weekday().num_days_from_monday() as usize]
}
