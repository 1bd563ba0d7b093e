//! From a traffic model to a staffing plan, with the staffing calculator:
//! the calls expected in each hour of each kind of day, the first-level
//! agents that meet the SLA over the week (Erlang A with the callers'
//! patience, Erlang C without: first every hour on target, then agents
//! taken away where they matter least while the week keeps the target with
//! a margin and no hour falls below a floor), the second-level agents for the transferred calls, and enough
//! offline agent-hours for the day's e-mails, faxes, web requests and
//! voicemails.

use super::model::{DAY_KINDS, DayStaff, HOURS, StaffingPlan, Traffic};
use crate::error::{Error, Result};
use crate::staffing::{self, Interval, PlanOptions, Target};
use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::Serialize;

/// What the calculator advises for one hour of one kind of day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HourAdvice {
    /// Hour of the day (local).
    pub hour: usize,
    /// Share of the hour the phone service is open.
    pub open: f64,
    /// Expected calls in the open part of the hour.
    pub calls: f64,
    /// First-level agents.
    pub l1: u32,
    /// Expected first-level service level at the target time.
    pub service_level: f64,
    /// Expected average speed of answer, seconds.
    pub asa_s: f64,
    /// Expected occupancy.
    pub occupancy: f64,
    /// Expected abandonment (Erlang A).
    pub abandon_share: Option<f64>,
    /// Expected calls transferred to the second level.
    pub l2_calls: f64,
    /// Second-level agents.
    pub l2: u32,
    /// Offline agents.
    pub offline: u32,
}

/// A recommended plan with the figures behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// The plan, ready for `centralino simulate --staffing`.
    pub plan: StaffingPlan,
    /// Hour by hour, for `weekday`, `saturday` and `sunday`.
    pub advice: Vec<(String, Vec<HourAdvice>)>,
    /// Expected contacts on a weekday, all channels.
    pub weekday_contacts: f64,
    /// Agent-hours a week the plan staffs.
    pub weekly_agent_hours: u32,
    /// First-level agent-hours added after simulating the plan (see
    /// [`verify`]), as `(kind of day, hour)`.
    pub added_by_simulation: Vec<(String, usize)>,
}

/// Share of hour `h` inside the opening intervals of a day.
fn open_share(intervals: &[(NaiveTime, NaiveTime)], h: usize) -> f64 {
    let from = h as i64 * 3600;
    let to = from + 3600;
    let secs = |t: NaiveTime| i64::from(chrono::Timelike::num_seconds_from_midnight(&t));
    let covered: i64 = intervals
        .iter()
        .map(|(a, b)| {
            let (a, b) = (secs(*a), if secs(*b) == 0 { 86_400 } else { secs(*b) });
            (b.min(to) - a.max(from)).max(0)
        })
        .sum();
    covered.min(3600) as f64 / 3600.0
}

/// Target-utilisation of offline agents (they also have breaks).
const OFFLINE_OCCUPANCY: f64 = 0.85;

/// The plan keeps the week's expected service level this far above the
/// target, and its abandonment half as far below the cap.
const PLAN_MARGIN: f64 = 0.02;

/// No staffed hour is planned below this expected service level.
const HOUR_FLOOR: f64 = 0.80;

/// The plan the calculator recommends for a traffic model, for the year
/// starting on `start` (the holidays of that year set the daily volumes)
/// with the engine's wrap-up time.
pub fn recommend(traffic: &Traffic, wrap_up_s: u64, start: NaiveDate) -> Result<Recommendation> {
    traffic.validate()?;
    let cal = crm::Calendar::new(&traffic.calendar)?;
    let year = traffic.year_weight(start, |d| cal.holiday(d).is_some());
    let phone_year = traffic.contacts_per_year * traffic.phone_share();
    let offline_year = traffic.contacts_per_year - phone_year;
    let sla = &traffic.sla;
    let calc = |e: staffing::StaffingError| Error::invalid("staffing", e.to_string());
    let l1 = level_options(traffic, traffic.phone_aht_s, wrap_up_s)?;
    let l2 = level_options(traffic, traffic.l2_aht_s, wrap_up_s)?;
    let d = &traffic.days;
    let kinds: [(&str, Vec<(Weekday, f64)>); 3] = [
        (
            "weekday",
            vec![
                (Weekday::Mon, d.monday),
                (Weekday::Tue, d.tuesday),
                (Weekday::Wed, d.wednesday),
                (Weekday::Thu, d.thursday),
                (Weekday::Fri, d.friday),
            ],
        ),
        ("saturday", vec![(Weekday::Sat, d.saturday)]),
        ("sunday", vec![(Weekday::Sun, d.sunday)]),
    ];
    let mut kinds_out: Vec<(&str, f64, Vec<HourAdvice>, f64)> = Vec::new();
    let mut weekday_contacts = 0.0;
    for (kind, days) in kinds {
        debug_assert!(DAY_KINDS.contains(&kind));
        let shape = traffic.phone_hourly.of_kind(kind);
        let sum: f64 = shape.iter().sum();
        // The busiest day of the kind sets the staffing of every hour.
        let mut hours: Vec<HourAdvice> = (0..HOURS)
            .map(|hour| HourAdvice {
                hour,
                open: 0.0,
                calls: 0.0,
                l1: 0,
                service_level: 1.0,
                asa_s: 0.0,
                occupancy: 0.0,
                abandon_share: None,
                l2_calls: 0.0,
                l2: 0,
                offline: 0,
            })
            .collect();
        let mut offline_work_s: f64 = 0.0;
        let per_week = days.len() as f64;
        for (weekday, weight) in days {
            let share = if year > 0.0 { weight / year } else { 0.0 };
            if kind == "weekday" {
                weekday_contacts = f64::max(weekday_contacts, traffic.contacts_per_year * share);
            }
            let day_calls = phone_year * share;
            let intervals = cal.hours_of(weekday);
            let profile: Vec<Interval> = (0..HOURS)
                .map(|h| {
                    let open = open_share(&intervals, h);
                    let calls = if sum > 0.0 { day_calls * shape[h] / sum * open } else { 0.0 };
                    Interval::new(format!("{h:02}"), calls)
                })
                .collect();
            let l1_main = staffing::plan(&profile, &l1).map_err(calc)?;
            let l2_profile: Vec<Interval> = l1_main
                .iter()
                .map(|p| Interval::new(p.label.clone(), p.calls * (1.0 - p.abandon_share.unwrap_or(0.0)) * traffic.l2_share))
                .collect();
            let l2_main = staffing::plan(&l2_profile, &l2).map_err(calc)?;
            // Voicemails: calls out of hours that leave a message.
            let after_hours: f64 =
                (0..HOURS).map(|h| if sum > 0.0 { day_calls * shape[h] / sum * (1.0 - open_share(&intervals, h)) } else { 0.0 }).sum();
            let offline_items = offline_year * share + after_hours * traffic.voicemail_share;
            offline_work_s = offline_work_s.max(offline_items * traffic.offline_aht_s);
            for h in 0..HOURS {
                let (m, l2) = (&l1_main[h], &l2_main[h]);
                let a = &mut hours[h];
                a.open = a.open.max(open_share(&intervals, h));
                if m.agents >= a.l1 {
                    a.calls = m.calls;
                    a.l1 = m.agents;
                }
                a.l2_calls = a.l2_calls.max(l2.calls);
                // Second-level agents only when the service is open.
                a.l2 = a.l2.max(if a.open > 0.0 && l2.calls > 0.0 { l2.agents.max(1) } else { 0 });
            }
        }
        kinds_out.push((kind, per_week, hours, offline_work_s));
    }
    // The SLA is measured over the month, not in every hour: take away
    // agents where it costs least while the week as a whole keeps the
    // target with a margin, and no hour falls below the floor.
    let figures = |calls: f64, agents: u32| l1_figures(&l1, calls, agents);
    let total_calls: f64 = kinds_out.iter().map(|(_, w, hours, _)| w * hours.iter().map(|a| a.calls).sum::<f64>()).sum();
    let aggregate = |kinds: &[(&str, f64, Vec<HourAdvice>, f64)]| -> (f64, f64) {
        let (mut on_time, mut abandoned) = (0.0, 0.0);
        for (_, w, hours, _) in kinds {
            for a in hours {
                let f = figures(a.calls, a.l1);
                on_time += w * a.calls * f.service_level;
                abandoned += w * a.calls * f.abandon_share.unwrap_or(0.0);
            }
        }
        if total_calls > 0.0 { (on_time / total_calls, abandoned / total_calls) } else { (1.0, 0.0) }
    };
    loop {
        let mut best: Option<(f64, usize, usize)> = None;
        for (k, (_, w, hours, _)) in kinds_out.iter().enumerate() {
            for (h, a) in hours.iter().enumerate() {
                if a.l1 <= 1 || a.calls <= 0.0 {
                    continue;
                }
                let (now, fewer) = (figures(a.calls, a.l1), figures(a.calls, a.l1 - 1));
                if fewer.service_level < HOUR_FLOOR || fewer.abandon_share.unwrap_or(0.0) > sla.max_abandoned * 2.0 {
                    continue;
                }
                let loss = w * a.calls * (now.service_level - fewer.service_level);
                if best.is_none_or(|(l, _, _)| loss < l) {
                    best = Some((loss, k, h));
                }
            }
        }
        let Some((_, k, h)) = best else { break };
        kinds_out[k].2[h].l1 -= 1;
        let (sl, ab) = aggregate(&kinds_out);
        if sl < sla.answer_share + PLAN_MARGIN || ab > sla.max_abandoned - PLAN_MARGIN / 2.0 {
            kinds_out[k].2[h].l1 += 1;
            break;
        }
    }
    let mut plan = StaffingPlan::default();
    let mut advice = Vec::new();
    let mut weekly = 0u32;
    for (kind, per_week, mut hours, offline_work_s) in kinds_out {
        for a in &mut hours {
            a.set_figures(&figures(a.calls, a.l1));
        }
        // Offline agent-hours, spread from the opening hour on.
        let open_hours: Vec<usize> = (0..HOURS).filter(|&h| hours[h].open > 0.0).collect();
        let needed = (offline_work_s / 3600.0 / OFFLINE_OCCUPANCY).ceil() as u32;
        if !open_hours.is_empty() {
            for i in 0..needed as usize {
                let h = open_hours[i % open_hours.len()];
                hours[h].offline += 1;
            }
        }
        let staff = DayStaff {
            l1: hours.iter().map(|a| a.l1).collect(),
            l2: hours.iter().map(|a| a.l2).collect(),
            offline: hours.iter().map(|a| a.offline).collect(),
            blended: Vec::new(),
        };
        let per_day: u32 = hours.iter().map(|a| a.l1 + a.l2 + a.offline).sum();
        weekly += per_day * per_week as u32;
        plan.days.insert(kind.to_owned(), staff);
        advice.push((kind.to_owned(), hours));
    }
    Ok(Recommendation { plan, advice, weekday_contacts, weekly_agent_hours: weekly, added_by_simulation: Vec::new() })
}

/// The calculator's options for one level: its handling time with the
/// ring time and the engine's wrap-up, the target (the ring time is part
/// of the caller's wait), the callers' patience (Erlang A; Erlang C
/// without) and the abandonment cap.
fn level_options(traffic: &Traffic, aht_s: f64, wrap_up_s: u64) -> Result<PlanOptions> {
    let sla = &traffic.sla;
    let patience = (traffic.patience_s > 0.0).then_some(traffic.patience_s);
    let within = (sla.answer_within_s - traffic.ring_s).max(1.0);
    Ok(PlanOptions {
        interval_s: 3600.0,
        aht_s: aht_s + wrap_up_s as f64 + traffic.ring_s,
        target: Target::new(sla.answer_share, within).map_err(|e| Error::invalid("staffing", e.to_string()))?,
        max_abandon_share: patience.and((sla.max_abandoned > 0.0 && sla.max_abandoned < 1.0).then_some(sla.max_abandoned)),
        patience_s: patience,
    })
}

/// The expected first-level figures of `agents` for `calls` in an hour
/// (an hour the calculator cannot evaluate counts as lost).
fn l1_figures(options: &PlanOptions, calls: f64, agents: u32) -> staffing::IntervalPlan {
    staffing::evaluate(&Interval::new("", calls), agents, options).unwrap_or(staffing::IntervalPlan {
        label: String::new(),
        calls,
        traffic_erlangs: 0.0,
        agents,
        service_level: 0.0,
        wait_probability: 1.0,
        asa_s: f64::INFINITY,
        occupancy: 1.0,
        abandon_share: options.patience_s.map(|_| 1.0),
    })
}

impl HourAdvice {
    fn set_figures(&mut self, f: &staffing::IntervalPlan) {
        self.service_level = f.service_level;
        self.asa_s = f.asa_s;
        self.occupancy = f.occupancy;
        self.abandon_share = f.abandon_share;
    }
}

/// Days simulated by [`verify`] for each seed.
const VERIFY_DAYS: u32 = 28;

/// How far above the targets the simulated weeks must be (a quarter of
/// it for the longest-wait clause, half of it below the abandonment cap).
const VERIFY_MARGIN: f64 = 0.01;

/// Simulation rounds [`verify`] may take.
const VERIFY_ROUNDS: usize = 20;

/// Checks a recommendation by simulating four weeks from `start` on the
/// real engine with two seeds, with a margin over the targets; while a simulated month misses the SLA
/// (Erlang's models leave out wrap-up, ring time, staffing changes at the
/// hour and the handling-time distribution), adds a first-level agent to
/// the hour of the kind of day that lost the most calls to the failing
/// clause, and tries again.
pub fn verify(
    rec: &mut Recommendation,
    traffic: &Traffic,
    cfg: &crate::config::TelephonyConfig,
    start: NaiveDate,
    seed: u64,
) -> Result<()> {
    for _ in 0..VERIFY_ROUNDS {
        let mut misses: std::collections::BTreeMap<(String, usize), f64> = std::collections::BTreeMap::new();
        let mut met = true;
        for s in [seed, seed.wrapping_add(1)] {
            let opts = super::SimOptions { start, days: VERIFY_DAYS, seed: s };
            let report = super::simulate(cfg.clone(), traffic, &rec.plan, opts, None)?;
            let total = report.total();
            // With a margin: a month is a sample, and the plan should meet
            // the SLA in every month, not on average.
            let strict = super::model::SlaTargets {
                answer_share: (traffic.sla.answer_share + VERIFY_MARGIN).min(1.0),
                max_wait_share: (traffic.sla.max_wait_share + VERIFY_MARGIN / 4.0).min(1.0),
                max_abandoned: (traffic.sla.max_abandoned - VERIFY_MARGIN / 2.0).max(0.0),
                ..traffic.sla.clone()
            };
            let v = super::report::Verdict::of(&total, &strict);
            if v.met() {
                continue;
            }
            met = false;
            for d in &report.days {
                let kind = super::model::day_kind(d.date, d.holiday).to_owned();
                for (h, m) in d.hours.iter().enumerate() {
                    let mut lost = 0.0;
                    if !v.answered_in_target {
                        lost += (m.settled() - m.answered_in_target) as f64;
                    }
                    if !v.within_max {
                        lost += m.over_max as f64 * 10.0;
                    }
                    if !v.abandoned {
                        lost += m.abandoned as f64;
                    }
                    *misses.entry((kind.clone(), h)).or_default() += lost;
                }
            }
        }
        if met {
            return Ok(());
        }
        let Some(((kind, h), _)) = misses.into_iter().filter(|(_, n)| *n > 0.0).max_by(|a, b| a.1.total_cmp(&b.1)) else {
            return Ok(());
        };
        if let Some(day) = rec.plan.days.get_mut(&kind) {
            if day.l1.len() < HOURS {
                day.l1.resize(HOURS, 0);
            }
            day.l1[h] += 1;
        }
        if let Some((_, hours)) = rec.advice.iter_mut().find(|(k, _)| *k == kind) {
            let a = &mut hours[h];
            a.l1 += 1;
            a.set_figures(&l1_figures(&level_options(traffic, traffic.phone_aht_s, cfg.wrap_up_s)?, a.calls, a.l1));
        }
        rec.weekly_agent_hours += if kind == "weekday" { 5 } else { 1 };
        rec.added_by_simulation.push((kind, h));
    }
    Err(Error::invalid(
        "staffing",
        format!("the simulated month still misses the SLA after {VERIFY_ROUNDS} added agent-hours: check the traffic model"),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_tender_volume_gives_a_plan_for_the_opening_hours() {
        let t = Traffic::default();
        let r = recommend(&t, 15, NaiveDate::from_ymd_opt(2027, 1, 4).unwrap()).unwrap();
        let wd = &r.plan.days["weekday"];
        // Closed at night, staffed from 8 to 20, more at the morning peak.
        assert_eq!(wd.at("l1", 3), 0);
        assert_eq!(wd.at("l1", 20), 0);
        assert!((8..20).all(|h| wd.at("l1", h) >= 1), "{wd:?}");
        assert!(wd.at("l1", 10) > wd.at("l1", 14), "{wd:?}");
        let sat = &r.plan.days["saturday"];
        assert!(sat.at("l1", 10) >= 1 && sat.at("l1", 15) == 0, "{sat:?}");
        assert!(r.plan.days["sunday"].l1.iter().all(|n| *n == 0));
        assert!(wd.offline.iter().sum::<u32>() >= 1);
        // About 800 contacts on a weekday for 200,000 a year.
        assert!((600.0..1000.0).contains(&r.weekday_contacts), "{}", r.weekday_contacts);
        // No hour below the floor; the week above the target.
        let (mut calls, mut on_time) = (0.0, 0.0);
        for (kind, hours) in &r.advice {
            let w = if kind == "weekday" { 5.0 } else { 1.0 };
            for a in hours.iter().filter(|a| a.calls > 0.0) {
                assert!(a.service_level >= HOUR_FLOOR, "{a:?}");
                calls += w * a.calls;
                on_time += w * a.calls * a.service_level;
            }
        }
        assert!(on_time / calls >= 0.9 + PLAN_MARGIN, "{}", on_time / calls);
    }

    #[test]
    fn open_shares_cover_partial_hours() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let iv = [(t(8, 30), t(14, 0))];
        assert_eq!(open_share(&iv, 7), 0.0);
        assert_eq!(open_share(&iv, 8), 0.5);
        assert_eq!(open_share(&iv, 13), 1.0);
        assert_eq!(open_share(&iv, 14), 0.0);
    }
}
