//! `centralino bench crm`: three years of CRM data (env `TICKETS`, default
//! 600000; `CONTACTS`, default 200000) generated and loaded in bulk with
//! their paths, then: ingest throughput, board load time at start, ticket
//! lists with filters and working-time countdowns (p50/p99 over `QUERIES`,
//! default 2000, at the domain level, single thread), contact lookup by
//! phone (p50/p99), peak memory. `BENCH_DIR` keeps the data directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::bench::{Lcg, NAMES, SURNAMES, env_usize};
use chrono::{Duration, Utc};
use crm::{
    Channel, ContactInput, Crm, CrmConfig, Desk, HistoryBatch, Priority, ResolvedAt, Sort, Ticket, TicketEvent, TicketFilter, TicketId,
    TicketState,
};
use kb::{Actor, Kb, KbConfig, Office, Role};
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

const OFFICES: usize = 30;
const OPERATORS: usize = 40;
const TOPICS: &[&str] = &[
    "scadenza bollo auto",
    "esenzione ticket sanitario",
    "contributo affitto",
    "bando giovani agricoltori",
    "abbonamento trasporto studenti",
    "tirocinio garanzia giovani",
    "rimborso tassa",
    "prenotazione visita",
    "certificato residenza",
    "graduatoria concorso",
];

fn contact_id(n: usize) -> String {
    format!("{:016x}", 0xc0_0000_0000_0000_u64 + n as u64)
}

fn phone(n: usize) -> String {
    format!("+3933{:08}", n)
}

/// A generated ticket with a plausible path, received at `received`.
fn generate(
    n: usize,
    year: i32,
    number: u32,
    received: chrono::DateTime<Utc>,
    contacts: usize,
    now: chrono::DateTime<Utc>,
    rng: &mut Lcg,
) -> (Ticket, Vec<TicketEvent>) {
    let channel = match rng.next() % 20 {
        0..=13 => Channel::Phone,
        14..=16 => Channel::Email,
        17 => Channel::Fax,
        18 => Channel::Voicemail,
        _ => Channel::WebForm,
    };
    let op = |rng: &mut Lcg| format!("op{:02}", rng.next() % OPERATORS);
    let office = format!("UFF{:02}", rng.next() % OFFICES);
    let age = now - received;
    let opener = op(rng);
    let mut events = vec![TicketEvent {
        at: received,
        actor: opener.clone(),
        kind: "open".into(),
        from: None,
        to: Some(if channel == Channel::Phone { TicketState::AtL1 } else { TicketState::New }),
        comment: None,
        office: None,
        suggested_office: None,
    }];
    let mut at = received;
    let mut step = |events: &mut Vec<TicketEvent>,
                    kind: &str,
                    from: TicketState,
                    to: TicketState,
                    mins: i64,
                    office: Option<String>,
                    actor: String| {
        at += Duration::minutes(mins);
        events.push(TicketEvent {
            at,
            actor,
            kind: kind.into(),
            from: Some(from),
            to: Some(to),
            comment: None,
            office,
            suggested_office: None,
        });
    };
    // Recent tickets are still open at various points of the path.
    let open = age < Duration::days(4) && rng.next() % 3 > 0;
    let escalate = rng.next() % 5 == 0;
    let mut state = events[0].to.unwrap_or(TicketState::AtL1);
    let mut taken = (channel == Channel::Phone).then_some(received);
    let mut assignee = (channel == Channel::Phone).then(|| opener.clone());
    let mut ticket_office = None;
    let mut resolved = None;
    if channel != Channel::Phone && !(open && rng.next() % 2 == 0) {
        step(&mut events, "take_in_charge", TicketState::New, TicketState::AtL1, 30 + (rng.next() % 400) as i64, None, op(rng));
        state = TicketState::AtL1;
        taken = events.last().map(|e| e.at);
        assignee = Some(events.last().unwrap().actor.clone());
    }
    if state == TicketState::AtL1 && escalate {
        step(&mut events, "assign_to_l2", TicketState::AtL1, TicketState::L2Inbox, 5, None, assignee.clone().unwrap_or_default());
        state = TicketState::L2Inbox;
        if !(open && rng.next() % 2 == 0) {
            let l2 = format!("l2op{:02}", rng.next() % 10);
            step(&mut events, "take", TicketState::L2Inbox, TicketState::AtL2, 60, None, l2.clone());
            state = TicketState::AtL2;
            assignee = Some(l2.clone());
            if rng.next() % 2 == 0 {
                step(&mut events, "forward_to_office", TicketState::AtL2, TicketState::AtOffice, 30, Some(office.clone()), l2.clone());
                state = TicketState::AtOffice;
                ticket_office = Some(office.clone());
                if !(open && rng.next() % 2 == 0) {
                    step(
                        &mut events,
                        "office_answer",
                        TicketState::AtOffice,
                        TicketState::OfficeAnswered,
                        600,
                        None,
                        format!("staff-{office}"),
                    );
                    state = TicketState::OfficeAnswered;
                    resolved = Some(ResolvedAt::Office);
                }
            } else {
                resolved = Some(ResolvedAt::L2);
            }
        }
    } else if state == TicketState::AtL1 {
        resolved = Some(ResolvedAt::L1);
    }
    let mut closed_at = None;
    let mut answer = None;
    if !open && (state == TicketState::AtL1 || state == TicketState::AtL2 || state == TicketState::OfficeAnswered) {
        step(&mut events, "close", state, TicketState::Closed, 5 + (rng.next() % 60) as i64, None, assignee.clone().unwrap_or_default());
        state = TicketState::Closed;
        closed_at = events.last().map(|e| e.at);
        answer = Some("Risposta fornita al cittadino.".to_owned());
    } else {
        resolved = None;
    }
    let topic = TOPICS[rng.next() % TOPICS.len()];
    let t = Ticket {
        id: TicketId { year, number }.to_string(),
        channel,
        state,
        priority: if rng.next() % 25 == 0 { Priority::High } else { Priority::Normal },
        level: None,
        concept: None,
        description: format!("{topic} (richiesta {n})"),
        contact: Some(contact_id(rng.next() % contacts)),
        related_contacts: Vec::new(),
        related: Vec::new(),
        received_at: received,
        taken_in_charge_at: taken,
        closed_at,
        answer,
        resolved_at: resolved,
        first_contact_resolution: resolved == Some(ResolvedAt::L1) && channel == Channel::Phone,
        incomplete: false,
        data_requests: 0,
        office: ticket_office,
        assignee,
        opened_by: opener,
        items: Vec::new(),
        version: events.len() as u64,
    };
    (t, events)
}

/// The CRM at scale.
pub fn crm_scale() -> Result<(), Box<dyn std::error::Error>> {
    let tickets = env_usize("TICKETS", 600_000);
    let contacts = env_usize("CONTACTS", 200_000).max(1);
    let queries = env_usize("QUERIES", 2_000);
    let kept = std::env::var_os("BENCH_DIR").map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir()?;
    let dir = kept.clone().unwrap_or_else(|| tmp.path().to_owned());
    let kb = Kb::open(&dir, KbConfig::default())?;
    let admin = Actor::new("admin", [Role::Admin]);
    for i in 0..OFFICES {
        kb.upsert_office(&admin, &Office { code: format!("UFF{i:02}"), name: format!("Ufficio {i}"), ..Default::default() })?;
    }
    let crm = Crm::open(kb.clone(), &CrmConfig::default())?;
    println!("bench crm: {tickets} tickets over three years, {contacts} contacts, data in {}", dir.display());

    // Generation and bulk ingest, in batches.
    let now = Utc::now();
    let start = now - Duration::days(3 * 365);
    let span = (now - start).num_seconds() as f64;
    let mut rng = Lcg(42);
    let mut numbers: std::collections::HashMap<i32, u32> = std::collections::HashMap::new();
    let batch_size = 20_000;
    let t0 = Instant::now();
    let mut quads = 0usize;
    let mut gen_secs = 0.0;
    let mut events_total = 0usize;
    let mut next_contact = 0usize;
    for b in 0..tickets.div_ceil(batch_size) {
        let g0 = Instant::now();
        let mut batch = HistoryBatch::default();
        let per_batch_contacts = contacts.div_ceil(tickets.div_ceil(batch_size));
        for _ in 0..per_batch_contacts {
            if next_contact >= contacts {
                break;
            }
            let n = next_contact;
            next_contact += 1;
            batch.contacts.push((
                contact_id(n),
                ContactInput {
                    given_name: NAMES[n % NAMES.len()].into(),
                    family_name: SURNAMES[(n / NAMES.len()) % SURNAMES.len()].into(),
                    phones: vec![phone(n)],
                    emails: if n % 3 == 0 { vec![format!("c{n}@example.it")] } else { Vec::new() },
                    ..Default::default()
                },
            ));
        }
        for i in (b * batch_size)..((b + 1) * batch_size).min(tickets) {
            // Tickets in time order, evenly spread over the three years.
            let received = start + Duration::seconds((span * i as f64 / tickets as f64) as i64);
            let year = TicketId::year_of(received);
            let number = numbers.entry(year).or_default();
            *number += 1;
            // Contacts of this batch or earlier ones only.
            let known = next_contact.max(1);
            let t = generate(i, year, *number, received, known, now, &mut rng);
            events_total += t.1.len();
            batch.tickets.push(t);
        }
        gen_secs += g0.elapsed().as_secs_f64();
        quads += crm.import_history(&admin, &batch)?;
        if b % 5 == 4 {
            let done = ((b + 1) * batch_size).min(tickets);
            eprintln!("  {done} tickets loaded ({:.0} tickets/s)", done as f64 / t0.elapsed().as_secs_f64());
        }
    }
    let ingest = t0.elapsed().as_secs_f64();
    println!(
        "ingest: {tickets} tickets, {events_total} transitions, {contacts} contacts, {quads} quads in {ingest:.1} s: {:.0} tickets/s, {:.0} quads/s (generation {gen_secs:.1} s of it)",
        tickets as f64 / ingest,
        quads as f64 / ingest
    );
    drop(crm);

    // A restart: the board is rebuilt from the graph.
    let t1 = Instant::now();
    let crm = Crm::open(kb.clone(), &CrmConfig::default())?;
    println!(
        "board load at start: {} tickets in {:.1} s (board ≈ {:.0} MiB)",
        crm.board().len(),
        t1.elapsed().as_secs_f64(),
        crm.board().approx_bytes() as f64 / 1048576.0
    );
    // A clean stop saves the board; the next start restores it.
    let t2 = Instant::now();
    crm.save_board()?;
    let saved = t2.elapsed().as_secs_f64();
    let size = std::fs::metadata(dir.join("crm-board.bin")).map(|m| m.len()).unwrap_or(0);
    drop(crm);
    let t3 = Instant::now();
    let crm = Crm::open(kb.clone(), &CrmConfig::default())?;
    println!(
        "board saved at a clean stop in {saved:.2} s ({:.0} MiB), restored at the next start in {:.2} s ({} tickets)",
        size as f64 / 1048576.0,
        t3.elapsed().as_secs_f64(),
        crm.board().len()
    );

    // Ticket lists, the mix operators, L2, offices and supervisors use.
    let supervisor = Actor::new("supervisor", [Role::Supervisor]);
    let mut rng = Lcg(7);
    let mut lat = Vec::with_capacity(queries);
    let mut kinds: std::collections::BTreeMap<&str, Vec<f64>> = std::collections::BTreeMap::new();
    for q in 0..queries {
        let (name, f) = match q % 8 {
            0 => ("open queue (urgency)", TicketFilter { open: true, ..Default::default() }),
            1 => ("L2 inbox", TicketFilter { open: true, desk: Some(Desk::L2), ..Default::default() }),
            2 => ("overdue open", TicketFilter { open: true, overdue: true, ..Default::default() }),
            3 => {
                ("office inbox", TicketFilter { office: Some(format!("UFF{:02}", rng.next() % OFFICES)), open: true, ..Default::default() })
            }
            4 => ("e-mail, newest", TicketFilter { channel: Some(Channel::Email), sort: Sort::Newest, ..Default::default() }),
            5 => (
                "mine (operator)",
                TicketFilter { assignee: Some(format!("op{:02}", rng.next() % OPERATORS)), sort: Sort::Newest, ..Default::default() },
            ),
            6 => (
                "contact history",
                TicketFilter { contact: Some(contact_id(rng.next() % contacts)), sort: Sort::Newest, ..Default::default() },
            ),
            _ => {
                let from = start + Duration::days((rng.next() % 1000) as i64);
                (
                    "closed in a week",
                    TicketFilter {
                        states: vec![TicketState::Closed],
                        from: Some(from),
                        to: Some(from + Duration::days(7)),
                        ..Default::default()
                    },
                )
            }
        };
        let t = Instant::now();
        let listing = crm.list_tickets(&supervisor, &f)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        std::hint::black_box(listing);
        lat.push(ms);
        kinds.entry(name).or_default().push(ms);
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "ticket lists (50 rows with clocks): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {queries}",
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat[lat.len() - 1]
    );
    for (k, mut v) in kinds {
        v.sort_by(f64::total_cmp);
        println!("  {k:<20} p50 {:>7.2} ms  p99 {:>7.2} ms", pct(&v, 0.5), pct(&v, 0.99));
    }

    // Contact lookup by phone, in the formats operators type.
    let operator = Actor::new("op00", [Role::OperatorL1]);
    let mut lat = Vec::with_capacity(queries);
    for q in 0..queries {
        let n = rng.next() % contacts;
        let typed = if q % 2 == 0 { format!("33{:08}", n) } else { format!("+39 33{:08}", n) };
        let t = Instant::now();
        let found = crm.find_by_phone(&operator, &typed)?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(found.len(), 1, "{typed}");
    }
    lat.sort_by(f64::total_cmp);
    println!("contact lookup by phone: p50 {:.3} ms, p99 {:.3} ms over {queries}", pct(&lat, 0.5), pct(&lat, 0.99));
    println!("peak memory (VmHWM): {:.0} MiB", peak_rss_mib());
    if kept.is_none() {
        drop(crm);
        drop(kb);
    }
    Ok(())
}
