//! `centralino staffing --contacts-per-year` and `centralino simulate`: the
//! command-line side of dimensioning (files in, tables out, events into a
//! data directory).

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use std::path::Path;
use telephony::simulate::{self, SimOptions, StaffingPlan, Traffic};

/// Reads a traffic model file, or the tender's defaults.
pub fn traffic(path: Option<&Path>, contacts_per_year: Option<f64>) -> Result<Traffic> {
    let mut t = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read the traffic model {}", p.display()))?;
            Traffic::from_toml(&text).with_context(|| format!("traffic model {}", p.display()))?
        }
        None => Traffic::default(),
    };
    if let Some(n) = contacts_per_year {
        t.contacts_per_year = n;
    }
    t.validate().context("traffic model")?;
    Ok(t)
}

/// The recommended plan for a traffic model, checked by simulation, as
/// text tables; written to `out` as TOML when given.
pub fn recommend(traffic: &Traffic, cfg: &telephony::TelephonyConfig, start: NaiveDate, out: Option<&Path>, json: bool) -> Result<()> {
    let mut rec = simulate::recommend(traffic, cfg.wrap_up_s, start)?;
    simulate::plan::verify(&mut rec, traffic, cfg, start, 1)?;
    if let Some(path) = out {
        let note = format!(
            "Piano di presidio raccomandato da `centralino staffing` per {:.0} contatti l'anno (a partire dal {start}).\n\
             Operatori collegati per ora del giorno (ora locale): l1 = primo livello in linea, l2 = secondo livello,\n\
             offline = lavorazioni e-mail/fax/web/segreteria, blended = primo livello misto.",
            traffic.contacts_per_year
        );
        std::fs::write(path, rec.plan.to_toml(&note)).with_context(|| format!("cannot write the plan {}", path.display()))?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rec)?);
        return Ok(());
    }
    println!(
        "Contacts a year: {:.0}; on a weekday about {:.0}. Targets: {:.0} % answered within {:.0} s, at most {:.0} % abandoned.",
        traffic.contacts_per_year,
        rec.weekday_contacts,
        traffic.sla.answer_share * 100.0,
        traffic.sla.answer_within_s,
        traffic.sla.max_abandoned * 100.0
    );
    for (kind, hours) in &rec.advice {
        if hours.iter().all(|a| a.l1 + a.l2 + a.offline == 0) {
            println!("\n{kind}: closed, nobody staffed");
            continue;
        }
        println!("\n{kind}\nhour\tcalls\tL1\tSL\tASA s\toccupancy\tabandoned\tL2\toffline");
        for a in hours.iter().filter(|a| a.l1 + a.l2 + a.offline > 0 || a.calls > 0.0) {
            println!(
                "{:02}:00\t{:.1}\t{}\t{:.1} %\t{:.1}\t{:.0} %\t{}\t{}\t{}",
                a.hour,
                a.calls,
                a.l1,
                a.service_level * 100.0,
                a.asa_s,
                a.occupancy * 100.0,
                a.abandon_share.map_or("-".to_owned(), |x| format!("{:.1} %", x * 100.0)),
                a.l2,
                a.offline
            );
        }
    }
    println!("\nagent-hours a week: {}", rec.weekly_agent_hours);
    if !rec.added_by_simulation.is_empty() {
        let added: Vec<String> = rec.added_by_simulation.iter().map(|(k, h)| format!("{k} {h:02}:00")).collect();
        println!("added after simulating four weeks on the engine: {}", added.join(", "));
    }
    if let Some(p) = out {
        println!("plan written to {} (use it with `centralino simulate --staffing {}`)", p.display(), p.display());
    }
    Ok(())
}

/// The file that marks a data directory as holding simulated traffic.
pub const SIMULATION_MARKER: &str = "SIMULATED-TRAFFIC.txt";

/// What `centralino simulate` was asked.
pub struct SimulateArgs<'a> {
    pub days: u32,
    pub contacts_per_year: Option<f64>,
    pub staffing: Option<&'a Path>,
    pub traffic: Option<&'a Path>,
    pub seed: u64,
    pub start: NaiveDate,
    pub json: bool,
}

/// Runs a simulation; with `store`, the events go into that data
/// directory's `telephony` graph (whole simulated days per transaction),
/// provided it holds no real telephony events.
pub fn simulate(args: &SimulateArgs<'_>, cfg: &telephony::TelephonyConfig, store: Option<(&Path, &kb::Kb, &crm::Crm)>) -> Result<()> {
    let traffic = traffic(args.traffic, args.contacts_per_year)?;
    let plan = match args.staffing {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read the staffing plan {}", p.display()))?;
            StaffingPlan::from_toml(&text).with_context(|| format!("staffing plan {}", p.display()))?
        }
        None => {
            let mut rec = simulate::recommend(&traffic, cfg.wrap_up_s, args.start)?;
            simulate::plan::verify(&mut rec, &traffic, cfg, args.start, args.seed.wrapping_add(1000))?;
            if !args.json {
                println!("no --staffing: simulating the plan `centralino staffing --contacts-per-year` recommends");
            }
            rec.plan
        }
    };
    let opts = SimOptions { start: args.start, days: args.days, seed: args.seed };
    let started = std::time::Instant::now();
    let report = match store {
        None => simulate::simulate(cfg.clone(), &traffic, &plan, opts, None)?,
        Some((dir, kb, crm)) => {
            // Simulated traffic never mixes with real traffic: a data
            // directory takes simulated events only when it has no
            // telephony events yet, or only simulated ones (its marker).
            let marker = dir.join(SIMULATION_MARKER);
            let g = kb.graph(kb::Graph::Telephony);
            let has_events = kb
                .store()
                .quads_for_pattern(None, Some(kb::rdf::nn(ontologies::vocab::cc::EVENT_TYPE)), None, Some(g.into()))
                .next()
                .is_some();
            if has_events && !marker.exists() {
                bail!(
                    "{} holds telephony events that are not from a simulation: simulate into a separate data directory \
                     (nothing was written)",
                    dir.display()
                );
            }
            std::fs::write(&marker, "This data directory holds simulated telephony traffic (centralino simulate).\n")
                .with_context(|| format!("cannot write {}", marker.display()))?;
            let last = args.start + chrono::Duration::days(i64::from(args.days.saturating_sub(1)));
            for day in [args.start, last] {
                if !telephony::store::events_of_days(kb, &[day])?.is_empty() {
                    bail!(
                        "the data directory already has telephony events on {day}: simulate into a new data directory \
                         or choose another --start (nothing was written)"
                    );
                }
            }
            let mut writer = EventWriter::new(kb, crm, &traffic)?;
            let report = {
                let mut sink = |events: Vec<telephony::CtiEvent>| writer.push(events);
                simulate::simulate(cfg.clone(), &traffic, &plan, opts, Some(&mut sink))?
            };
            writer.finish()?;
            report
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
        println!(
            "\n{} engine events in {elapsed:.1} s{}",
            report.events,
            if store.is_some() { ", written to the data directory's telephony graph" } else { "" }
        );
        println!(
            "{}",
            if report.met() {
                "SLA.C.2 and SLA.C.3 met (in every whole month simulated)"
            } else {
                "SLA.C.2 or SLA.C.3 NOT met (in at least one whole month simulated)"
            }
        );
    }
    Ok(())
}

/// Stores simulated events in the `telephony` graph as the service stores
/// real ones, in bulk loads of whole simulated days of at least
/// [`EventWriter::BATCH`] events (fewer, larger loads are much faster).
pub struct EventWriter<'a> {
    kb: &'a kb::Kb,
    crm: &'a crm::Crm,
    cal: crm::Calendar,
    buffer: Vec<telephony::CtiEvent>,
    /// Events stored so far.
    pub written: u64,
}

impl<'a> EventWriter<'a> {
    /// Events gathered before a bulk load.
    pub const BATCH: usize = 100_000;

    pub fn new(kb: &'a kb::Kb, crm: &'a crm::Crm, traffic: &Traffic) -> Result<Self> {
        Ok(EventWriter { kb, crm, cal: crm::Calendar::new(&traffic.calendar)?, buffer: Vec::new(), written: 0 })
    }

    /// Takes a simulated day's events; stores them once enough are waiting.
    pub fn push(&mut self, events: Vec<telephony::CtiEvent>) -> telephony::Result<()> {
        self.buffer.extend(events);
        if self.buffer.len() >= Self::BATCH { self.store() } else { Ok(()) }
    }

    /// Stores what is left.
    pub fn finish(&mut self) -> telephony::Result<()> {
        self.store()
    }

    fn store(&mut self) -> telephony::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let events = std::mem::take(&mut self.buffer);
        telephony::store::store_events(self.kb, self.crm, &self.cal, &events)?;
        self.written += events.len() as u64;
        Ok(())
    }
}
