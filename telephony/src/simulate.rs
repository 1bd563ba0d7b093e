//! Traffic simulation on the real engine, in virtual time (issue #8, in
//! progress): calls arrive as a Poisson process with an hourly rate, wait
//! in the engine's queues, are routed by the engine to the agents staffed
//! for the hour, are handled for an exponentially distributed time and
//! may give up after an exponentially distributed patience. The engine is
//! the same code that runs live ([`Engine::submit`], [`Engine::tick`]);
//! only the clock is virtual. Deterministic for a given seed.

use crate::config::TelephonyConfig;
use crate::engine::Engine;
use crate::error::Result;
use crate::model::{AgentStatus, CtiEvent, EventKind, Skill, WorkMode};
use chrono::{DateTime, Duration, Utc};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

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
}

/// A stationary scenario: one rate, one staffing, for `hours`.
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
    /// Simulated hours.
    pub hours: u32,
    /// Seed.
    pub seed: u64,
}

/// What a simulation measured.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    /// Calls that entered the queue.
    pub queued: u64,
    /// Answered.
    pub answered: u64,
    /// Abandoned while waiting.
    pub abandoned: u64,
    /// Share of queued calls answered within the target seconds.
    pub service_level: f64,
    /// Average speed of answer, seconds.
    pub asa_s: f64,
    /// Share of agent time spent handling.
    pub occupancy: f64,
    /// Share abandoned of the queued.
    pub abandon_share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Next {
    Arrival,
    End(u64),
    GiveUp(u64),
}

/// Runs a stationary scenario through the engine, open around the clock,
/// and measures the service level at `target_s` seconds.
pub fn run_stationary(s: &Scenario, target_s: f64) -> Result<Outcome> {
    let mut hours = std::collections::BTreeMap::new();
    for d in ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] {
        hours.insert(d.to_owned(), vec!["00:00-23:59".to_owned()]);
    }
    let cal = crm::Calendar::new(&crm::CalendarConfig { hours, national_holidays: false, ..crm::CalendarConfig::default() })?;
    let cfg = TelephonyConfig {
        wrap_up_s: 0,
        lines: 1_000_000,
        ring_timeout_s: 1_000_000,
        reorder_window_s: 1_000_000,
        ..TelephonyConfig::default()
    };
    let mut engine = Engine::new(cfg, cal)?;
    let start: DateTime<Utc> = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
    let at = |secs: f64| start + Duration::milliseconds((secs * 1000.0).round() as i64);
    let mut rng = Rng::new(s.seed);
    let mut n = 0u64;
    let mut id = || {
        n += 1;
        format!("s{n}")
    };
    for a in 0..s.agents {
        let mut e = CtiEvent::new(id(), EventKind::AgentState, start).agent(format!("a{a}"));
        e.state = Some(AgentStatus::Ready);
        e.skills = Some(vec![Skill::L1]);
        e.work_mode = Some(WorkMode::Online);
        engine.submit(e, start);
    }
    let horizon = f64::from(s.hours) * 3600.0;
    let mean_gap = 3600.0 / s.calls_per_hour;
    let mut heap: BinaryHeap<Reverse<(u64, Next)>> = BinaryHeap::new();
    let key = |t: f64| (t * 1000.0).round() as u64;
    heap.push(Reverse((key(rng.exponential(mean_gap)), Next::Arrival)));
    let mut queued_at: HashMap<u64, f64> = HashMap::new();
    let mut call_seq = 0u64;
    let (mut queued, mut answered, mut abandoned, mut within) = (0u64, 0u64, 0u64, 0u64);
    let (mut wait_sum, mut busy_s) = (0.0f64, 0.0f64);
    while let Some(Reverse((k, next))) = heap.pop() {
        let t = k as f64 / 1000.0;
        if t > horizon && matches!(next, Next::Arrival) {
            continue;
        }
        let now = at(t);
        let mut routed = Vec::new();
        match next {
            Next::Arrival => {
                call_seq += 1;
                let c = call_seq;
                heap.push(Reverse((key(t + rng.exponential(mean_gap)), Next::Arrival)));
                let sub = engine.submit(CtiEvent::new(id(), EventKind::Offered, now).call(format!("c{c}")), now);
                // The minute before midnight is out of service (HH:MM hours): those calls are not queued.
                if !sub.events.iter().any(|e| e.kind == EventKind::Queued) {
                    continue;
                }
                queued += 1;
                queued_at.insert(c, t);
                routed.extend(sub.events.into_iter().filter(|e| e.kind == EventKind::Routed));
                if let Some(p) = s.patience_s {
                    heap.push(Reverse((key(t + rng.exponential(p)), Next::GiveUp(c))));
                }
            }
            Next::GiveUp(c) => {
                if queued_at.remove(&c).is_some() {
                    abandoned += 1;
                    let sub = engine.submit(CtiEvent::new(id(), EventKind::Abandoned, now).call(format!("c{c}")), now);
                    routed.extend(sub.events.into_iter().filter(|e| e.kind == EventKind::Routed));
                }
            }
            Next::End(c) => {
                let sub = engine.submit(CtiEvent::new(id(), EventKind::Ended, now).call(format!("c{c}")), now);
                routed.extend(sub.events.into_iter().filter(|e| e.kind == EventKind::Routed));
            }
        }
        // Every contact the engine routed is answered at once and handled.
        while let Some(r) = routed.pop() {
            let call = r.call.clone().unwrap_or_default();
            let c: u64 = call[1..].parse().unwrap_or(0);
            let Some(q) = queued_at.remove(&c) else { continue };
            let sub =
                engine.submit(CtiEvent::new(id(), EventKind::Answered, now).call(call).agent(r.agent.clone().unwrap_or_default()), now);
            routed.extend(sub.events.into_iter().filter(|e| e.kind == EventKind::Routed));
            answered += 1;
            let wait = t - q;
            wait_sum += wait;
            if wait < target_s {
                within += 1;
            }
            let handle = rng.exponential(s.aht_s);
            if t < horizon {
                busy_s += handle.min(horizon - t);
            }
            heap.push(Reverse((key(t + handle), Next::End(c))));
        }
    }
    let share = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(Outcome {
        queued,
        answered,
        abandoned,
        service_level: share(within, queued),
        asa_s: if answered == 0 { 0.0 } else { wait_sum / answered as f64 },
        occupancy: busy_s / (horizon * f64::from(s.agents.max(1))),
        abandon_share: share(abandoned, queued),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staffing;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_stationary_simulation_agrees_with_erlang_c_within_two_points() {
        // 200 calls an hour, AHT 180 s: 10 Erlang; 14 agents, nobody hangs up.
        let s = Scenario { calls_per_hour: 200.0, aht_s: 180.0, agents: 14, patience_s: None, hours: 400, seed: 7 };
        let out = run_stationary(&s, 20.0).unwrap();
        let erlang = staffing::service_level(14, 10.0, 180.0, 20.0);
        println!(
            "{} calls: simulated service level {:.4}, Erlang C {:.4}; ASA {:.2} s; occupancy {:.4}",
            out.queued, out.service_level, erlang, out.asa_s, out.occupancy
        );
        assert!((out.service_level - erlang).abs() < 0.02, "simulated {:.4}, Erlang C {:.4}", out.service_level, erlang);
        assert!((out.occupancy - 10.0 / 14.0).abs() < 0.02, "{out:?}");
        assert_eq!(out.abandoned, 0);
        // Deterministic for a seed.
        assert_eq!(
            run_stationary(&Scenario { hours: 20, ..s.clone() }, 20.0).unwrap(),
            run_stationary(&Scenario { hours: 20, ..s }, 20.0).unwrap()
        );
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn callers_who_give_up_are_counted_and_one_agent_short_fails_the_target() {
        let s = Scenario { calls_per_hour: 200.0, aht_s: 180.0, agents: 11, patience_s: Some(60.0), hours: 100, seed: 3 };
        let short = run_stationary(&s, 30.0).unwrap();
        let full = run_stationary(&Scenario { agents: 15, ..s }, 30.0).unwrap();
        assert!(short.abandon_share > 0.05, "{short:?}");
        assert!(full.abandon_share < short.abandon_share && full.service_level > short.service_level, "{full:?} vs {short:?}");
    }
}
