//! Tests of the staffing calculator: published reference cases, Erlang A
//! against a simulation and the queue equations, the planner, the parsers.

use super::*;
use std::collections::VecDeque;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

// Reference case: 100 calls per 30 min, AHT 180 s → 10 Erlang.
const REF_CALLS: f64 = 100.0;
const REF_INTERVAL: f64 = 1800.0;
const REF_AHT: f64 = 180.0;

#[test]
fn reference_case_erlang_c() {
    let a = traffic_erlangs(REF_CALLS, REF_INTERVAL, REF_AHT);
    assert!(close(a, 10.0, 1e-12), "traffic {a}");
    let c = erlang_c(14, a);
    let sl = service_level(14, a, REF_AHT, 20.0);
    let w = asa(14, a, REF_AHT);
    let occ = occupancy(14, a);
    assert!(close(c, 0.174, 0.0005), "wait probability {c}");
    assert!(close(sl, 0.888, 0.0005), "service level {sl}");
    assert!(close(w, 7.8, 0.05), "ASA {w}");
    assert!(close(occ, 0.714, 0.0005), "occupancy {occ}");
    // tighter regression values
    assert!(close(c, 0.174_13, 0.000_01), "wait probability {c}");
    assert!(close(sl, 0.888_35, 0.000_01), "service level {sl}");
    assert!(close(w, 7.836, 0.001), "ASA {w}");
    // one agent fewer: 79.56 %, just short of 80/20
    assert!(close(service_level(13, a, REF_AHT, 20.0), 0.795_6, 0.000_1));
}

#[test]
fn reference_case_planner() {
    let profile = vec![Interval::new("08:00", REF_CALLS)];
    let mut options = PlanOptions::new(REF_AHT, Target::parse("80/20").unwrap());
    options.interval_s = REF_INTERVAL;
    let plans = plan(&profile, &options).unwrap();
    assert_eq!(plans.len(), 1);
    let p = &plans[0];
    assert_eq!(p.label, "08:00");
    assert!(close(p.traffic_erlangs, 10.0, 1e-12));
    // 14 agents are needed: 13 give 79.56 %, 14 give 88.8 %.
    assert_eq!(p.agents, 14);
    assert!(service_level(13, 10.0, REF_AHT, 20.0) < 0.8);
    assert!(close(p.service_level, 0.888, 0.0005));
    assert!(close(p.wait_probability, 0.174, 0.0005));
    assert!(close(p.asa_s, 7.8, 0.05));
    assert!(close(p.occupancy, 0.714, 0.0005));
    assert_eq!(p.abandon_share, None);
    // 79/20 is met by 13 agents, 90/20 needs 15 (94.1 %).
    options.target = Target::parse("79/20").unwrap();
    assert_eq!(plan(&profile, &options).unwrap()[0].agents, 13);
    options.target = Target::parse("90/20").unwrap();
    assert_eq!(plan(&profile, &options).unwrap()[0].agents, 15);
}

#[test]
fn unstable_queue_has_no_nan() {
    for agents in [0_u32, 5, 10] {
        assert_eq!(erlang_c(agents, 10.0), 1.0);
        assert_eq!(service_level(agents, 10.0, 180.0, 20.0), 0.0);
        assert_eq!(asa(agents, 10.0, 180.0), f64::INFINITY);
        assert_eq!(occupancy(agents, 10.0), 1.0);
    }
    assert_eq!(erlang_c(0, 0.0), 0.0);
    assert_eq!(service_level(0, 0.0, 180.0, 20.0), 1.0);
    assert_eq!(asa(0, 0.0, 180.0), 0.0);
    assert_eq!(occupancy(0, 0.0), 0.0);
    assert!(erlang_c(3, -1.0).is_nan());
    assert!(service_level(3, 1.0, 0.0, 20.0).is_nan());
}

#[test]
fn erlang_b_small_values() {
    // B(1, 1) = 1/2, B(2, 1) = 1/5
    assert!(close(erlang_b(1, 1.0), 0.5, 1e-15));
    assert!(close(erlang_b(2, 1.0), 0.2, 1e-15));
    assert_eq!(erlang_b(0, 3.0), 1.0);
    assert_eq!(erlang_b(4, 0.0), 0.0);
}

#[test]
fn large_traffic_is_finite() {
    let a = 300.0;
    for agents in [250_u32, 300, 301, 310, 320, 350, 1000, 100_000] {
        let c = erlang_c(agents, a);
        let sl = service_level(agents, a, 180.0, 20.0);
        let w = asa(agents, a, 180.0);
        assert!(c.is_finite() && (0.0..=1.0).contains(&c), "C({agents}) = {c}");
        assert!(sl.is_finite() && (0.0..=1.0).contains(&sl), "SL({agents}) = {sl}");
        assert!(!w.is_nan(), "ASA({agents}) = {w}");
    }
    assert!(erlang_c(320, a) > 0.0 && erlang_c(320, a) < 1.0);
    let ea = erlang_a(320, a, 180.0, 120.0, 20.0).unwrap();
    assert!(ea.wait_probability.is_finite() && ea.service_level.is_finite());
    let ea = erlang_a(280, a, 180.0, 120.0, 20.0).unwrap();
    assert!(ea.abandon_probability > 0.0 && ea.asa_s.is_finite());
    // Planner at 300 Erlang: 5400 calls/h × 200 s / 3600 s.
    let mut options = PlanOptions::new(200.0, Target::parse("80/20").unwrap());
    let plans = plan(&[Interval::new("peak", 5400.0)], &options).unwrap();
    let p = &plans[0];
    assert!(close(p.traffic_erlangs, 300.0, 1e-9));
    assert!(p.agents > 300 && p.agents < 340, "agents {}", p.agents);
    assert!(p.service_level >= 0.8);
    assert!(service_level(p.agents - 1, 300.0, 200.0, 20.0) < 0.8);
    options.patience_s = Some(120.0);
    options.max_abandon_share = Some(0.03);
    let p = &plan(&[Interval::new("peak", 5400.0)], &options).unwrap()[0];
    assert!(p.service_level >= 0.8 && p.abandon_share.unwrap() <= 0.03);
    assert!(p.asa_s.is_finite());
}

#[test]
fn service_level_is_monotone_in_agents() {
    let mut prev_c = -1.0;
    let mut prev_a = -1.0;
    let mut prev_ab = 2.0;
    for agents in 0..40 {
        let sl = service_level(agents, 10.0, 180.0, 20.0);
        assert!(sl >= prev_c, "Erlang C SL drops at {agents}");
        prev_c = sl;
        let ea = erlang_a(agents, 10.0, 180.0, 90.0, 20.0).unwrap();
        assert!(ea.service_level >= prev_a, "Erlang A SL drops at {agents}");
        assert!(ea.abandon_probability <= prev_ab, "abandonment rises at {agents}");
        prev_a = ea.service_level;
        prev_ab = ea.abandon_probability;
    }
    assert!(prev_c > 0.999_999 && prev_a > 0.999_999);
}

#[test]
fn erlang_a_converges_to_erlang_c() {
    for (agents, a, t) in [(14_u32, 10.0, 20.0), (11, 10.0, 30.0), (320, 300.0, 20.0), (3, 1.5, 0.0)] {
        let ea = erlang_a(agents, a, 180.0, 1e9, t).unwrap();
        let c = erlang_c(agents, a);
        let sl = service_level(agents, a, 180.0, t);
        let w = asa(agents, a, 180.0);
        assert!(close(ea.wait_probability, c, 1e-6), "{agents}: {} vs {c}", ea.wait_probability);
        assert!(close(ea.service_level, sl, 1e-6), "{agents}: {} vs {sl}", ea.service_level);
        assert!(close(ea.asa_s, w, 1e-4 * w.max(1.0)), "{agents}: {} vs {w}", ea.asa_s);
        assert!(ea.abandon_probability < 1e-6);
        assert!(close(ea.occupancy, occupancy(agents, a), 1e-6));
    }
    // Infinite patience is exactly Erlang C.
    let ea = erlang_a(14, 10.0, 180.0, f64::INFINITY, 20.0).unwrap();
    assert_eq!(ea.wait_probability, erlang_c(14, 10.0));
}

#[test]
fn erlang_a_finite_patience_waits_less() {
    let c = erlang_c(14, 10.0);
    let ea = erlang_a(14, 10.0, 180.0, 120.0, 20.0).unwrap();
    assert!(ea.wait_probability < c, "{} vs {c}", ea.wait_probability);
    assert!(ea.abandon_probability > 0.0 && ea.abandon_probability < ea.wait_probability);
    assert!(ea.asa_s < asa(14, 10.0, 180.0));
    // Shorter patience, less waiting, more abandonment.
    let eb = erlang_a(14, 10.0, 180.0, 30.0, 20.0).unwrap();
    assert!(eb.wait_probability < ea.wait_probability);
    assert!(eb.abandon_probability > ea.abandon_probability);
}

/// Stationary distribution of the M/M/N+M birth-death chain, summed
/// directly (independent of the closed per-state formulas).
fn brute_force_erlang_a(n: u32, a: f64, aht: f64, patience: f64) -> (f64, f64) {
    let lambda = a / aht;
    let mu = 1.0 / aht;
    let theta = 1.0 / patience;
    let mut weights = vec![1.0_f64];
    let mut w = 1.0;
    for j in 1..(n as usize + 4000) {
        let out = if j <= n as usize { j as f64 * mu } else { f64::from(n) * mu + (j - n as usize) as f64 * theta };
        w *= lambda / out;
        weights.push(w);
    }
    let total: f64 = weights.iter().sum();
    let p_wait: f64 = weights[n as usize..].iter().sum::<f64>() / total;
    let mean_queue: f64 = weights[n as usize..].iter().enumerate().map(|(q, w)| q as f64 * w).sum::<f64>() / total;
    (p_wait, theta * mean_queue / lambda)
}

#[test]
fn erlang_a_matches_birth_death_chain() {
    for (n, a, patience) in [(14_u32, 10.0, 120.0), (8, 10.0, 60.0), (3, 5.0, 300.0), (30, 28.0, 200.0)] {
        let ea = erlang_a(n, a, 180.0, patience, 20.0).unwrap();
        let (pw, pab) = brute_force_erlang_a(n, a, 180.0, patience);
        assert!(close(ea.wait_probability, pw, 1e-10), "{n}/{a}: {} vs {pw}", ea.wait_probability);
        assert!(close(ea.abandon_probability, pab, 1e-10), "{n}/{a}: {} vs {pab}", ea.abandon_probability);
        // Flow balance: answered traffic = busy agents.
        let answered = a * (1.0 - ea.abandon_probability);
        assert!(close(ea.occupancy * f64::from(n), answered, 1e-9));
    }
}

struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn exp(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }
}

/// Simulated (P(wait), P(abandon), answered within t, ASA).
fn simulate(n: u32, a: f64, aht: f64, patience: f64, t: f64, arrivals: u64) -> (f64, f64, f64, f64) {
    let lambda = a / aht;
    let mu = 1.0 / aht;
    let theta = 1.0 / patience;
    let warmup = arrivals / 10;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut time = 0.0;
    let mut busy = 0_u32;
    let mut queue: VecDeque<(f64, bool)> = VecDeque::new();
    let mut arrived = 0_u64;
    let (mut counted, mut waited, mut abandoned, mut within, mut answered) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut wait_sum = 0.0;
    while arrived < arrivals + warmup {
        let r_arr = lambda;
        let r_srv = f64::from(busy) * mu;
        let r_ab = queue.len() as f64 * theta;
        let total = r_arr + r_srv + r_ab;
        time += rng.exp(total);
        let pick = rng.uniform() * total;
        if pick < r_arr {
            arrived += 1;
            let count = arrived > warmup;
            if count {
                counted += 1.0;
            }
            if busy < n {
                busy += 1;
                if count {
                    within += 1.0;
                    answered += 1.0;
                }
            } else {
                if count {
                    waited += 1.0;
                }
                queue.push_back((time, count));
            }
        } else if pick < r_arr + r_srv {
            if let Some((at, count)) = queue.pop_front() {
                let w = time - at;
                if count {
                    answered += 1.0;
                    wait_sum += w;
                    if w <= t {
                        within += 1.0;
                    }
                }
            } else {
                busy -= 1;
            }
        } else if !queue.is_empty() {
            let idx = ((rng.uniform() * queue.len() as f64) as usize).min(queue.len() - 1);
            if let Some((_, count)) = queue.remove(idx)
                && count
            {
                abandoned += 1.0;
            }
        }
    }
    (waited / counted, abandoned / counted, within / counted, wait_sum / answered)
}

#[test]
fn erlang_a_matches_simulation() {
    for (n, a, patience) in [(14_u32, 10.0, 120.0), (9, 10.0, 60.0)] {
        let ea = erlang_a(n, a, 180.0, patience, 20.0).unwrap();
        let (pw, pab, sl, w) = simulate(n, a, 180.0, patience, 20.0, 400_000);
        assert!(close(ea.wait_probability, pw, 0.01), "{n}: P(wait) {} vs sim {pw}", ea.wait_probability);
        assert!(close(ea.abandon_probability, pab, 0.01), "{n}: P(ab) {} vs sim {pab}", ea.abandon_probability);
        assert!(close(ea.service_level, sl, 0.01), "{n}: SL {} vs sim {sl}", ea.service_level);
        assert!(close(ea.asa_s, w, 0.05 * w), "{n}: ASA {} vs sim {w}", ea.asa_s);
    }
}

#[test]
fn erlang_a_head_skip_matches_full_sum() {
    // Fewer agents than Erlang and huge patience: the terms peak ~56 000
    // states out, so the head skip is used.
    let full = erlang_a_checked(9, 10.0, 180.0, 1e7, 20.0, false).unwrap();
    let skip = erlang_a_checked(9, 10.0, 180.0, 1e7, 20.0, true).unwrap();
    assert!(close(full.wait_probability, skip.wait_probability, 1e-9));
    assert!(close(full.abandon_probability, skip.abandon_probability, 1e-9));
    assert!(close(full.service_level, skip.service_level, 1e-9));
    assert!(close(full.asa_s, skip.asa_s, 1e-6 * full.asa_s));
    // Overloaded, no real abandonment: 90 % answered, nearly all wait.
    assert!(close(skip.abandon_probability, 0.1, 1e-3));
    assert!(skip.wait_probability > 0.999);
    // Patience 1e9 s with fewer agents than Erlang stays finite.
    let ea = erlang_a(9, 10.0, 180.0, 1e9, 20.0).unwrap();
    assert!(close(ea.abandon_probability, 0.1, 1e-4));
    assert!(ea.service_level < 1e-3 && ea.asa_s.is_finite() && ea.asa_s > 1e6);
}

#[test]
fn erlang_a_edge_cases() {
    let zero = erlang_a(0, 0.0, 180.0, 60.0, 20.0).unwrap();
    assert_eq!(zero.service_level, 1.0);
    let none = erlang_a(0, 5.0, 180.0, 60.0, 20.0).unwrap();
    assert_eq!(none.abandon_probability, 1.0);
    assert_eq!(none.asa_s, f64::INFINITY);
    let many = erlang_a(10_000, 5.0, 180.0, 60.0, 20.0).unwrap();
    assert_eq!(many.wait_probability, 0.0);
    let t0 = erlang_a(14, 10.0, 180.0, 120.0, 0.0).unwrap();
    assert!(close(t0.service_level, 1.0 - t0.wait_probability, 1e-12));
    assert!(erlang_a(14, 10.0, 180.0, 0.0, 20.0).is_err());
    assert!(erlang_a(14, 10.0, 180.0, f64::NAN, 20.0).is_err());
    assert!(erlang_a(14, -1.0, 180.0, 60.0, 20.0).is_err());
    assert!(erlang_a(14, 10.0, 0.0, 60.0, 20.0).is_err());
}

#[test]
fn planner_with_patience_and_cap() {
    let profile = vec![Interval::new("08:00", 0.0), Interval::new("08:30", REF_CALLS), Interval::new("09:00", 250.0)];
    let mut options = PlanOptions::new(REF_AHT, Target::parse("80/20").unwrap());
    options.interval_s = REF_INTERVAL;
    options.patience_s = Some(120.0);
    options.max_abandon_share = Some(0.02);
    let plans = plan(&profile, &options).unwrap();
    assert_eq!(plans[0].agents, 0);
    assert_eq!(plans[0].abandon_share, Some(0.0));
    assert_eq!(plans[0].service_level, 1.0);
    for p in &plans[1..] {
        let ab = p.abandon_share.unwrap();
        assert!(p.service_level >= 0.8 && ab <= 0.02, "{p:?}");
        let fewer = erlang_a(p.agents - 1, p.traffic_erlangs, REF_AHT, 120.0, 20.0).unwrap();
        assert!(fewer.service_level < 0.8 || fewer.abandon_probability > 0.02, "{p:?}");
    }
    // Without a cap, patience makes the same target cheaper or equal.
    options.max_abandon_share = None;
    let relaxed = plan(&profile, &options).unwrap();
    assert!(relaxed[1].agents <= plans[1].agents);
    // Patience 1e9 reproduces the Erlang C plan.
    options.patience_s = Some(1e9);
    let almost_c = plan(&profile, &options).unwrap();
    assert_eq!(almost_c[1].agents, 14);
}

#[test]
fn planner_rejects_bad_options() {
    let profile = vec![Interval::new("08:00", 10.0)];
    let mut options = PlanOptions::new(180.0, Target { share: 0.8, within_s: 20.0 });
    options.max_abandon_share = Some(0.05);
    let err = plan(&profile, &options).unwrap_err().to_string();
    assert!(err.contains("needs a patience"), "{err}");
    options.max_abandon_share = None;
    options.aht_s = 0.0;
    assert!(plan(&profile, &options).unwrap_err().to_string().contains("AHT 0"));
    options.aht_s = 180.0;
    options.target.share = 1.0;
    assert!(plan(&profile, &options).is_err());
    options.target.share = 0.8;
    let err = plan(&[Interval::new("09:00", -3.0)], &options).unwrap_err().to_string();
    assert!(err.contains("\"09:00\"") && err.contains("-3"), "{err}");
    assert_eq!(plan(&[], &options).unwrap(), vec![]);
}

#[test]
fn target_parsing() {
    assert_eq!(Target::parse("90/30").unwrap(), Target { share: 0.9, within_s: 30.0 });
    assert_eq!(Target::parse(" 80% / 20s ").unwrap(), Target { share: 0.8, within_s: 20.0 });
    assert_eq!("80,5/20".parse::<Target>().unwrap(), Target { share: 0.805, within_s: 20.0 });
    assert_eq!(Target::parse("90/30").unwrap().to_string(), "90/30");
    let err = |s: &str| Target::parse(s).unwrap_err().to_string();
    assert!(err("90").contains("SHARE/SECONDS"), "{}", err("90"));
    assert!(err("abc/30").contains("share \"abc\" is not a number"), "{}", err("abc/30"));
    assert!(err("90/x").contains("seconds \"x\" is not a number"), "{}", err("90/x"));
    assert!(err("0.9/30").contains("looks like a fraction"), "{}", err("0.9/30"));
    assert!(err("100/30").contains("below 100"), "{}", err("100/30"));
    assert!(err("90/-5").contains("negative"), "{}", err("90/-5"));
    assert!(Target::new(0.8, 20.0).is_ok());
    assert!(Target::new(80.0, 20.0).is_err());
}

#[test]
fn profile_parsing() {
    let text = "\u{feff}# forecast\ninterval;calls\n\n08:00;12,5\n\"08:30\";20 # peak\n09:00;0;\n";
    let p = parse_profile(text).unwrap();
    assert_eq!(p, vec![Interval::new("08:00", 12.5), Interval::new("08:30", 20.0), Interval::new("09:00", 0.0)]);
    let p = parse_profile("08:00,10\r\n08:30,12.5\r\n").unwrap();
    assert_eq!(p[1], Interval::new("08:30", 12.5));
    let p = parse_profile("label\tcalls\n08:00\t7,5\n").unwrap();
    assert_eq!(p, vec![Interval::new("08:00", 7.5)]);
}

#[test]
fn profile_errors() {
    let err = |s: &str| parse_profile(s).unwrap_err().to_string();
    assert_eq!(err("label,calls\n08:00,10\n08:30,abc\n"), "line 3: calls \"abc\" is not a number");
    assert!(err("08:00,12,5\n").starts_with("line 1: expected 2 fields"), "{}", err("08:00,12,5\n"));
    assert!(err("08:00,12,5\n").contains("separate the fields with ';'"));
    assert!(err("08:00;10\n08:30\n").starts_with("line 2: expected label and calls separated by ';'"));
    assert_eq!(err("08:00;-4\n"), "line 1: calls -4 must not be negative");
    assert_eq!(err("08:00,10\n,5\n"), "line 2: label is empty");
    assert!(err("08:00,1.5e3x\n").contains("is not a number"));
    assert_eq!(err("08:00;1\n08:30;NaN\n"), "line 2: calls \"NaN\" is not a number");
    assert!(err("# nothing\n\n").contains("no intervals"));
    assert!(matches!(parse_profile("a,b\nc,d"), Err(StaffingError::Parse { line: 2, .. })));
}

#[test]
fn calls_argument() {
    assert_eq!(parse_calls_arg("120").unwrap(), CallsArg::Calls(120.0));
    assert_eq!(parse_calls_arg(" 12,5 ").unwrap(), CallsArg::Calls(12.5));
    assert_eq!(parse_calls_arg("0").unwrap(), CallsArg::Calls(0.0));
    assert_eq!(parse_calls_arg("calls.csv").unwrap(), CallsArg::Path("calls.csv".into()));
    assert_eq!(parse_calls_arg("./2024.csv").unwrap(), CallsArg::Path("./2024.csv".into()));
    assert_eq!(parse_calls_arg("2024-01.csv").unwrap(), CallsArg::Path("2024-01.csv".into()));
    assert_eq!(parse_calls_arg("inf").unwrap(), CallsArg::Path("inf".into()));
    assert!(parse_calls_arg("-5").unwrap_err().to_string().contains("negative"));
    assert!(parse_calls_arg("1,000").unwrap_err().to_string().contains("ambiguous"));
    assert!(parse_calls_arg("  ").is_err());
}
