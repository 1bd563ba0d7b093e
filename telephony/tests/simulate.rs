//! Dimensioning (TEL-8, §4.1.2): the staffing the calculator recommends for
//! the tender's volume meets SLA.C.2 and SLA.C.3 when a month of traffic is
//! run through the real engine; one operator fewer in the peak hours fails.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use telephony::TelephonyConfig;
use telephony::simulate::{self, SimOptions, StaffingPlan, Traffic, recommend};
use telephony::{CtiEvent, EventKind, Source};

fn march() -> SimOptions {
    SimOptions { start: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(), days: 31, seed: 42 }
}

/// The calculator's plan for the tender's volume, checked by simulating
/// February (other days, other seeds than the month of the tests).
fn tender_plan() -> StaffingPlan {
    let cfg = TelephonyConfig::default();
    let traffic = Traffic::default();
    let feb = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
    let mut rec = recommend(&traffic, cfg.wrap_up_s, feb).unwrap();
    simulate::plan::verify(&mut rec, &traffic, &cfg, feb, 1).unwrap();
    println!("added by simulation: {:?}", rec.added_by_simulation);
    rec.plan
}

#[test]
fn the_calculators_plan_meets_the_sla_over_a_month_of_tender_traffic() {
    let traffic = Traffic::default();
    let plan = tender_plan();
    let report = simulate::simulate(TelephonyConfig::default(), &traffic, &plan, march(), None).unwrap();
    println!("{}", report.to_text());
    let months = report.months();
    assert_eq!(months.len(), 1);
    let m = &months[0];
    assert_eq!(m.month, "2027-03");
    // 200,000 contacts a year: about 17,000 in a month, 85 % by phone.
    let total = report.total();
    assert!((12_000..17_000).contains(&total.calls), "{total:?}");
    assert!(total.offline_items > 1_500, "{total:?}");
    assert!(total.after_hours > 0 && total.voicemails > 0, "{total:?}");
    assert!(total.l2_queued > 800 && total.l2_answered > 0, "{total:?}");
    assert!(m.verdict.met(), "{:?} {:?}", m.verdict, m.metrics);
    assert!(m.metrics.service_level().unwrap() >= 0.90);
    assert!(m.metrics.abandon_share().unwrap() <= 0.05);
    // Offline requests are worked, none lost.
    assert!(total.offline_done + report.offline_backlog == total.offline_items, "{total:?} backlog {}", report.offline_backlog);
    assert!(report.offline_backlog < 100, "backlog {}", report.offline_backlog);
    // Agents were busy a sensible share of their time.
    let occ = total.occupancy().unwrap();
    assert!((0.3..0.95).contains(&occ), "occupancy {occ}");
    // A Saturday is open in the morning only, a Sunday is closed.
    let sat = report.days.iter().find(|d| d.date == NaiveDate::from_ymd_opt(2027, 3, 6).unwrap()).unwrap();
    assert!(sat.hours[10].queued > 0 && sat.hours[16].queued == 0);
    let sun = report.days.iter().find(|d| d.date == NaiveDate::from_ymd_opt(2027, 3, 7).unwrap()).unwrap().total();
    assert_eq!(sun.queued, 0);
    assert!(sun.after_hours > 0 || sun.calls == 0);
}

#[test]
fn one_operator_short_in_the_peak_hours_fails_the_sla() {
    let traffic = Traffic::default();
    let full = tender_plan();
    let mut plan = full.clone();
    // The peak hours: those with at least 80 % of the busiest hour's calls
    // (the morning, 9 to 13, on a weekday).
    let shape = &traffic.phone_hourly.weekday;
    let top = shape.iter().copied().fold(0.0, f64::max);
    let peak: Vec<usize> = (0..24).filter(|h| shape[*h] >= 0.8 * top).collect();
    assert_eq!(peak, vec![9, 10, 11, 12]);
    let weekday = plan.days.get_mut("weekday").unwrap();
    for h in &peak {
        weekday.l1[*h] -= 1;
    }
    let short = simulate::simulate(TelephonyConfig::default(), &traffic, &plan, march(), None).unwrap();
    println!("{}", short.to_text());
    let m = &short.months()[0];
    // Visibly: both parts of SLA.C.2 fail over the month.
    assert!(!m.verdict.answered_in_target && !m.verdict.within_max, "{:?} {:?}", m.verdict, m.metrics);
    assert!(m.metrics.service_level().unwrap() < 0.895, "{:?}", m.metrics);
    assert!(!short.met());
    // The peak hours are where it fails: against the full plan on the same
    // traffic, their service level drops below the target.
    let at_peak = |r: &simulate::Report| {
        let mut m = simulate::Metrics::default();
        for (h, x) in r.by_hour().iter().enumerate() {
            if peak.contains(&h) {
                m.add(x);
            }
        }
        m.service_level().unwrap()
    };
    let with_full = simulate::simulate(TelephonyConfig::default(), &traffic, &full, march(), None).unwrap();
    let (short_peak, full_peak) = (at_peak(&short), at_peak(&with_full));
    println!("peak hours: service level {full_peak:.3} with the plan, {short_peak:.3} one operator short");
    assert!(full_peak >= 0.9 && short_peak < 0.9 && full_peak - short_peak > 0.03, "{full_peak} vs {short_peak}");
}

#[test]
fn the_same_seed_gives_the_same_events_and_they_are_those_of_real_traffic() {
    let traffic = Traffic::default();
    let plan = tender_plan();
    let opts = SimOptions { days: 2, ..march() };
    let run = || {
        let mut events: Vec<CtiEvent> = Vec::new();
        let mut days = 0;
        let mut sink = |batch: Vec<CtiEvent>| {
            days += 1;
            events.extend(batch);
            Ok(())
        };
        let report = simulate::simulate(TelephonyConfig::default(), &traffic, &plan, opts, Some(&mut sink)).unwrap();
        (report, events, days)
    };
    let (a, ev_a, days) = run();
    let (b, ev_b, _) = run();
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
    assert_eq!(ev_a, ev_b);
    assert_eq!(days, 2, "one batch a day");
    assert_eq!(ev_a.len() as u64, a.events);
    let other = simulate::simulate(TelephonyConfig::default(), &traffic, &plan, SimOptions { seed: 43, ..opts }, None).unwrap();
    assert_ne!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&other).unwrap());
    // The simulated PBX and consoles send what real ones send; the engine
    // answers with its own events; sequence numbers are strictly increasing.
    for kind in
        [EventKind::Offered, EventKind::Answered, EventKind::Ended, EventKind::AgentState, EventKind::WorkOffered, EventKind::WorkDone]
    {
        assert!(ev_a.iter().any(|e| e.kind == kind && e.source == Source::Simulation), "{kind:?}");
    }
    for kind in [EventKind::IvrWelcome, EventKind::Queued, EventKind::Routed, EventKind::IvrAfterHours] {
        assert!(ev_a.iter().any(|e| e.kind == kind && e.source == Source::Engine), "{kind:?}");
    }
    assert!(ev_a.iter().any(|e| e.kind == EventKind::Transferred));
    assert!(ev_a.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(ev_a.iter().all(|e| e.id.starts_with("sim42-") || e.id.starts_with("engine-")));
    // Nothing the simulated world sent was refused or flagged as odd.
    assert!(
        ev_a.iter().filter(|e| e.source == Source::Simulation).all(|e| e.flags.is_empty()),
        "{:?}",
        ev_a.iter().find(|e| !e.flags.is_empty())
    );
}

#[test]
fn blended_agents_take_calls_and_offline_work() {
    // Everyone blended: the same agents answer the phone and work the
    // e-mails, voicemails and web requests in between (phone first).
    let traffic = Traffic::default();
    let mut plan = tender_plan();
    for day in plan.days.values_mut() {
        let (l1, offline) = (day.l1.clone(), day.offline.clone());
        day.blended = l1.iter().zip(offline.iter().chain(std::iter::repeat(&0))).map(|(a, b)| a + b).collect();
        day.l1 = vec![0; 24];
        day.offline = vec![0; 24];
    }
    let opts = SimOptions { days: 7, ..march() };
    let r = simulate::simulate(TelephonyConfig::default(), &traffic, &plan, opts, None).unwrap();
    let t = r.total();
    assert!(t.answered > 2_500 && t.offline_done > 400, "{t:?}");
    assert!(t.service_level().unwrap() > 0.8, "{t:?}");
    // Their offline work counts in the first level's occupancy.
    let phone_only = t.answered as f64 * (120.0 + 15.0) / t.staffed_s;
    assert!(t.occupancy().unwrap() > phone_only, "{:?} vs {phone_only}", t.occupancy());
}

#[test]
fn bad_inputs_are_named() {
    let plan = tender_plan();
    let e =
        simulate::simulate(TelephonyConfig::default(), &Traffic::default(), &plan, SimOptions { days: 0, ..march() }, None).unwrap_err();
    assert!(e.to_string().contains("days"), "{e}");
    let bad = Traffic { l2_share: 1.5, ..Traffic::default() };
    let e = simulate::simulate(TelephonyConfig::default(), &bad, &plan, march(), None).unwrap_err();
    assert!(e.to_string().contains("l2_share"), "{e}");
}
