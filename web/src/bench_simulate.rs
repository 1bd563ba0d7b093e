//! `centralino bench simulate`: the performance target of the dimensioning
//! issue: one simulated year of the tender's 200,000 contacts through the
//! real telephony engine in under 30 s without writing events; then the
//! same year with every event written to a fresh data directory (whole
//! simulated days per bulk load), as `centralino simulate --data-dir`
//! does. Peak resident memory is reported after each part (the second
//! includes the first). `CONTACTS` (default 200000), `DAYS` (default 365).

use crate::bench::{env_usize, peak_rss_mib};
use kb::{Kb, KbConfig};
use std::time::Instant;
use telephony::TelephonyConfig;
use telephony::simulate::{self, SimOptions, Traffic};

pub fn simulate_bench() -> Result<(), Box<dyn std::error::Error>> {
    let contacts = env_usize("CONTACTS", 200_000) as f64;
    let days = env_usize("DAYS", 365) as u32;
    let traffic = Traffic { contacts_per_year: contacts, ..Traffic::default() };
    let cfg = TelephonyConfig::default();
    let start = chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap_or_default();
    let plan_started = Instant::now();
    let mut rec = simulate::recommend(&traffic, cfg.wrap_up_s, start)?;
    simulate::plan::verify(&mut rec, &traffic, &cfg, start, 1)?;
    println!(
        "plan: {} agent-hours a week for {contacts:.0} contacts a year, recommended and checked by simulation in {:.2} s",
        rec.weekly_agent_hours,
        plan_started.elapsed().as_secs_f64()
    );
    let opts = SimOptions { start, days, seed: 7 };

    let started = Instant::now();
    let report = simulate::simulate(cfg.clone(), &traffic, &rec.plan, opts, None)?;
    let secs = started.elapsed().as_secs_f64();
    let total = report.total();
    println!(
        "in memory: {days} days, {} contacts ({} calls, {} offline requests), {} engine events in {secs:.2} s ({:.0} events/s); peak resident memory {:.0} MiB",
        total.calls + total.offline_items,
        total.calls,
        total.offline_items,
        report.events,
        report.events as f64 / secs,
        peak_rss_mib()
    );
    let months = report.months();
    let met = months.iter().filter(|m| !m.partial && m.verdict.met()).count();
    println!("  SLA met in {met} of {} whole months", months.iter().filter(|m| !m.partial).count());

    let dir = tempfile::tempdir()?;
    let kb = Kb::open(dir.path(), KbConfig::default())?;
    let crm = crm::Crm::open(kb.clone(), &crm::CrmConfig::default())?;
    let started = Instant::now();
    let mut writer = crate::dimension::EventWriter::new(&kb, &crm, &traffic).map_err(|e| e.to_string())?;
    {
        let mut sink = |events: Vec<telephony::CtiEvent>| writer.push(events);
        simulate::simulate(cfg, &traffic, &rec.plan, opts, Some(&mut sink))?;
    }
    writer.finish()?;
    let written = writer.written;
    let secs = started.elapsed().as_secs_f64();
    let size: u64 = walk_size(dir.path());
    println!(
        "written: the same year, {written} events stored in {secs:.1} s ({:.0} events/s), store {:.0} MiB on disk; peak resident memory {:.0} MiB",
        written as f64 / secs,
        size as f64 / 1024.0 / 1024.0,
        peak_rss_mib()
    );
    Ok(())
}

fn walk_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() { walk_size(&path) } else { e.metadata().map_or(0, |m| m.len()) }
                })
                .sum()
        })
        .unwrap_or(0)
}
