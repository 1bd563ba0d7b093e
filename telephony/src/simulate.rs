//! Traffic simulation on the real engine, in virtual time (TEL-8, §4.1.2).
//!
//! The simulator drives the telephony [`Engine`](crate::engine::Engine) —
//! the same code that runs live, fed the same CTI events — with simulated
//! callers and agents: arrivals by hour of day and day of week, handling
//! times, caller patience, transfers to the second level, voicemails out of
//! hours, e-mails, faxes and web requests, agents signing in and out with a
//! staffing plan. Only the clock is virtual. The events can be written to a
//! data directory (so reports run on them as on real traffic), and the
//! report gives the service level, average speed of answer, abandonment and
//! occupancy per hour, day and month, with the SLA.C.2 and SLA.C.3
//! verdicts. Deterministic for a given seed.
//!
//! * [`model`]: the traffic model and the staffing plan (TOML files);
//! * [`plan`]: the staffing the calculator recommends for a traffic model;
//! * [`report`]: what was measured.

mod driver;
pub mod model;
pub mod plan;
pub mod report;

pub use driver::Sink;
pub use model::{StaffingPlan, Traffic};
pub use plan::{Recommendation, recommend};
pub use report::{Metrics, Report};

use crate::config::TelephonyConfig;
use crate::error::Result;
use chrono::NaiveDate;

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same traffic on every machine and version.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Exponential with this mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Lognormal with this mean and coefficient of variation.
    pub fn lognormal(&mut self, mean: f64, cv: f64) -> f64 {
        let s2 = (1.0 + cv * cv).ln();
        let mu = mean.ln() - s2 / 2.0;
        (mu + s2.sqrt() * self.normal()).exp()
    }
}

/// When and how long to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimOptions {
    /// The first simulated day (local).
    pub start: NaiveDate,
    /// Days to simulate.
    pub days: u32,
    /// The seed of the random draws.
    pub seed: u64,
}

/// Simulates `opts.days` days of `traffic` handled by the agents of `plan`
/// on an engine with settings `cfg` (its queues, lines, wrap-up). Events
/// go to `sink`, one call per simulated day, when given.
pub fn simulate<'a>(
    cfg: TelephonyConfig,
    traffic: &'a Traffic,
    plan: &'a StaffingPlan,
    opts: SimOptions,
    sink: Option<Sink<'a>>,
) -> Result<Report> {
    driver::World::new(cfg, traffic, plan, opts, sink)?.run()
}

/// A stationary scenario: one rate, one staffing, around the clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Calls per hour.
    pub calls_per_hour: f64,
    /// Average handling time, seconds (exponential).
    pub aht_s: f64,
    /// Agents.
    pub agents: u32,
    /// Mean patience in seconds (exponential); `None`: nobody hangs up.
    pub patience_s: Option<f64>,
    /// Simulated days.
    pub days: u32,
    /// Seed.
    pub seed: u64,
}

/// Runs a stationary scenario (Erlang's assumptions: Poisson arrivals,
/// exponential handling, no wrap-up, no ring time, no transfers) through
/// the engine, open around the clock, and measures the service level at
/// `target_s` seconds.
pub fn run_stationary(s: &Scenario, target_s: f64) -> Result<Report> {
    let mut hours = std::collections::BTreeMap::new();
    for d in ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] {
        // HH:MM hours: the minute before midnight is closed (its calls hear
        // the after-hours message and hang up, outside the measure).
        hours.insert(d.to_owned(), vec!["00:00-23:59".to_owned()]);
    }
    let calendar = crm::CalendarConfig { hours, national_holidays: false, timezone: "UTC".into(), ..crm::CalendarConfig::default() };
    let flat = vec![1.0; model::HOURS];
    let traffic = Traffic {
        contacts_per_year: s.calls_per_hour * 24.0 * 365.0,
        channels: model::ChannelShares { phone: 1.0, email: 0.0, web: 0.0, fax: 0.0 },
        days: model::DayWeights {
            monday: 1.0,
            tuesday: 1.0,
            wednesday: 1.0,
            thursday: 1.0,
            friday: 1.0,
            saturday: 1.0,
            sunday: 1.0,
            holiday: 1.0,
        },
        phone_hourly: model::HourlyProfile { weekday: flat.clone(), saturday: flat.clone(), sunday: flat.clone() },
        offline_hourly: model::HourlyProfile { weekday: flat.clone(), saturday: flat.clone(), sunday: flat.clone() },
        phone_aht_s: s.aht_s,
        handling: model::Handling::Exponential,
        patience_s: s.patience_s.unwrap_or(0.0),
        l2_share: 0.0,
        ring_s: 0.0,
        voicemail_share: 0.0,
        sla: model::SlaTargets { answer_within_s: target_s, max_wait_s: target_s.max(90.0), ..model::SlaTargets::default() },
        calendar,
        ..Traffic::default()
    };
    let all_day = vec![s.agents; model::HOURS];
    let staff = model::DayStaff { l1: all_day, ..model::DayStaff::default() };
    let plan = StaffingPlan {
        days: [("weekday", &staff), ("saturday", &staff), ("sunday", &staff)].into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect(),
    };
    let cfg = TelephonyConfig {
        wrap_up_s: 0,
        lines: 1_000_000,
        ring_timeout_s: 1_000_000,
        reorder_window_s: 1_000_000,
        ..TelephonyConfig::default()
    };
    let start = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap_or_default();
    simulate(cfg, &traffic, &plan, SimOptions { start, days: s.days, seed: s.seed }, None)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::staffing;

    #[test]
    fn a_stationary_simulation_agrees_with_erlang_c_within_two_points() {
        // 200 calls an hour, AHT 180 s: 10 Erlang; 14 agents, nobody hangs up.
        let s = Scenario { calls_per_hour: 200.0, aht_s: 180.0, agents: 14, patience_s: None, days: 30, seed: 7 };
        let out = run_stationary(&s, 20.0).unwrap().total();
        let erlang = staffing::service_level(14, 10.0, 180.0, 20.0);
        let sl = out.service_level().unwrap();
        println!(
            "{} calls: simulated service level {sl:.4}, Erlang C {erlang:.4}; ASA {:.2} s (Erlang C {:.2}); occupancy {:.4}",
            out.queued,
            out.asa_s().unwrap(),
            staffing::asa(14, 10.0, 180.0),
            out.occupancy().unwrap()
        );
        assert!(out.queued > 140_000, "{out:?}");
        assert!((sl - erlang).abs() < 0.02, "simulated {sl:.4}, Erlang C {erlang:.4}");
        assert!((out.occupancy().unwrap() - 10.0 / 14.0).abs() < 0.02, "{out:?}");
        assert_eq!(out.abandoned, 0);
        // Deterministic for a seed.
        let json = |r: &Report| serde_json::to_string(r).unwrap();
        let short = Scenario { days: 1, ..s };
        assert_eq!(json(&run_stationary(&short, 20.0).unwrap()), json(&run_stationary(&short, 20.0).unwrap()));
        assert_ne!(json(&run_stationary(&short, 20.0).unwrap()), json(&run_stationary(&Scenario { seed: 8, ..short }, 20.0).unwrap()));
    }

    #[test]
    fn callers_who_give_up_are_counted_and_one_agent_short_fails_the_target() {
        let s = Scenario { calls_per_hour: 200.0, aht_s: 180.0, agents: 11, patience_s: Some(60.0), days: 4, seed: 3 };
        let short = run_stationary(&s, 30.0).unwrap().total();
        let full = run_stationary(&Scenario { agents: 15, ..s }, 30.0).unwrap().total();
        assert!(short.abandon_share().unwrap() > 0.05, "{short:?}");
        assert!(full.abandon_share() < short.abandon_share() && full.service_level() > short.service_level(), "{full:?} vs {short:?}");
        // Erlang A agrees with the simulation with patience too.
        let a = staffing::erlang_a(11, 10.0, 180.0, 60.0, 30.0).unwrap();
        assert!((short.abandon_share().unwrap() - a.abandon_probability).abs() < 0.02, "{short:?} vs {a:?}");
    }

    #[test]
    fn lognormal_draws_have_the_asked_mean() {
        let mut r = Rng::new(1);
        let n = 200_000;
        let mean = (0..n).map(|_| r.lognormal(120.0, 0.8)).sum::<f64>() / f64::from(n);
        assert!((mean - 120.0).abs() < 1.5, "{mean}");
    }
}
