//! The ticket board: an in-memory projection of every ticket's filter and
//! sort keys, derived from the graph (loaded at start, updated after each
//! committed write), so that lists with filters and working-time
//! countdowns answer in milliseconds over years of tickets. The graph
//! stays the source of truth: display fields are read from it for the
//! rows of the page shown.

use crate::sla::{Clocks, Deadlines};
use crate::ticket::{Channel, Desk, Priority, Ticket, TicketId, TicketState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Interned strings (offices, users, contacts, concepts): rows hold `u32`s.
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

/// "No value" in an interned column.
const NONE: u32 = u32::MAX;

impl Interner {
    fn intern(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return NONE };
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(NONE);
        self.names.push(s.into());
        self.ids.insert(s.into(), i);
        i
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    fn name(&self, i: u32) -> Option<&str> {
        self.names.get(i as usize).map(|s| &**s)
    }
}

/// The keys of one ticket.
#[derive(Debug, Clone, Copy)]
struct Row {
    id: TicketId,
    state: TicketState,
    channel: Channel,
    priority: Priority,
    office: u32,
    assignee: u32,
    opened_by: u32,
    contact: u32,
    concept: u32,
    received: DateTime<Utc>,
    taken: Option<DateTime<Utc>>,
    resolved: Option<DateTime<Utc>>,
    deadlines: Option<Deadlines>,
    version: u64,
}

impl Row {
    /// The deadline that matters now, for "most urgent first".
    fn next_due(&self) -> Option<DateTime<Utc>> {
        let d = self.deadlines?;
        if self.state.is_final() || self.state == TicketState::Incomplete {
            return None;
        }
        if self.taken.is_none() { Some(d.take_in_charge) } else { Some(d.resolve) }
    }

    /// Past a deadline: still open after it, or met it late.
    fn overdue(&self, now: DateTime<Utc>) -> bool {
        let Some(d) = self.deadlines else { return false };
        let taken = self.taken.or(self.resolved).unwrap_or(now);
        let resolved = self.resolved.unwrap_or(now);
        taken > d.take_in_charge || resolved > d.resolve
    }
}

/// Sort orders of ticket lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Most urgent deadline first, then oldest (the default for work queues).
    #[default]
    Urgency,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
}

/// Filters of ticket lists (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TicketFilter {
    /// Only these states.
    pub states: Vec<TicketState>,
    /// Only tickets not closed or rejected.
    pub open: bool,
    /// Only tickets held by this level.
    pub desk: Option<Desk>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only tickets forwarded to this office (code).
    pub office: Option<String>,
    /// Only tickets past a deadline (or that missed one).
    pub overdue: bool,
    /// Only tickets handled by this user.
    pub assignee: Option<String>,
    /// Only tickets opened by this user.
    pub opened_by: Option<String>,
    /// Only this requester (contact id).
    pub contact: Option<String>,
    /// Only this classification concept (IRI).
    pub concept: Option<String>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
    /// Order.
    pub sort: Sort,
    /// Rows to skip.
    pub offset: usize,
    /// Rows to return (default 50, at most 500).
    pub limit: usize,
}

/// A page of ticket ids, with the total matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardPage {
    /// Tickets matching the filter.
    pub total: usize,
    /// Ids of the page, in order.
    pub ids: Vec<TicketId>,
}

/// Open tickets in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateCount {
    /// State.
    pub state: TicketState,
    /// Tickets.
    pub count: usize,
}

/// Counts per state, level and overdue, for dashboards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardCounts {
    /// Open tickets per state (state identifier, count).
    pub by_state: Vec<StateCount>,
    /// Open tickets past a deadline.
    pub overdue: usize,
    /// Every ticket.
    pub total: usize,
}

/// The projection.
#[derive(Debug, Default)]
pub struct Board {
    rows: Vec<Row>,
    index: HashMap<TicketId, usize>,
    strings: Interner,
}

impl Board {
    /// Inserts or replaces a ticket's row unless the board already holds a
    /// newer version (writes commit in order, but their board updates may
    /// arrive out of order).
    pub(crate) fn upsert(&mut self, t: &Ticket, clocks: &Clocks) {
        let Ok(id) = TicketId::parse(&t.id) else { return };
        if let Some(&i) = self.index.get(&id)
            && self.rows[i].version >= t.version
        {
            return;
        }
        let resolved = match t.state {
            TicketState::Closed | TicketState::Rejected | TicketState::Incomplete => t.closed_at,
            _ => None,
        };
        let row = Row {
            id,
            state: t.state,
            channel: t.channel,
            priority: t.priority,
            office: self.strings.intern(t.office.as_deref()),
            assignee: self.strings.intern(t.assignee.as_deref()),
            opened_by: self.strings.intern(Some(&t.opened_by)),
            contact: self.strings.intern(t.contact.as_deref()),
            concept: self.strings.intern(t.concept.as_deref()),
            received: t.received_at,
            taken: t.taken_in_charge_at,
            resolved,
            deadlines: clocks.deadlines(t.channel, t.received_at),
            version: t.version,
        };
        match self.index.get(&id) {
            Some(&i) => self.rows[i] = row,
            None => {
                self.index.insert(id, self.rows.len());
                self.rows.push(row);
            }
        }
    }

    /// Points rows at another requester (contact merge).
    pub(crate) fn set_contact(&mut self, ids: &[TicketId], contact: &str) {
        let c = self.strings.intern(Some(contact));
        for id in ids {
            if let Some(&i) = self.index.get(id) {
                self.rows[i].contact = c;
            }
        }
    }

    /// Number of tickets.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The version the board holds for a ticket.
    pub fn version(&self, id: TicketId) -> Option<u64> {
        self.index.get(&id).map(|&i| self.rows[i].version)
    }

    /// The office a ticket is forwarded to (code), for access checks.
    pub fn office_of(&self, id: TicketId) -> Option<&str> {
        self.index.get(&id).and_then(|&i| self.strings.name(self.rows[i].office))
    }

    /// A page of tickets matching `f`, as seen at `now`.
    pub fn list(&self, f: &TicketFilter, now: DateTime<Utc>) -> BoardPage {
        // A filter on a value no ticket has matches nothing.
        let lookup = |v: &Option<String>| -> Option<Option<u32>> { v.as_ref().map(|s| self.strings.get(s)) };
        let (office, assignee, opened_by, contact, concept) =
            (lookup(&f.office), lookup(&f.assignee), lookup(&f.opened_by), lookup(&f.contact), lookup(&f.concept));
        if [office, assignee, opened_by, contact, concept].iter().any(|x| matches!(x, Some(None))) {
            return BoardPage { total: 0, ids: Vec::new() };
        }
        let want = |col: u32, v: Option<Option<u32>>| v.is_none_or(|x| x == Some(col));
        let mut hits: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| {
                (f.states.is_empty() || f.states.contains(&r.state))
                    && (!f.open || !r.state.is_final())
                    && f.desk.is_none_or(|d| r.state.desk() == d)
                    && f.channel.is_none_or(|c| r.channel == c)
                    && want(r.office, office)
                    && want(r.assignee, assignee)
                    && want(r.opened_by, opened_by)
                    && want(r.contact, contact)
                    && want(r.concept, concept)
                    && f.from.is_none_or(|t| r.received >= t)
                    && f.to.is_none_or(|t| r.received < t)
                    && (!f.overdue || r.overdue(now))
            })
            .collect();
        let total = hits.len();
        let limit = if f.limit == 0 { 50 } else { f.limit.min(500) };
        let wanted = (f.offset + limit).min(total);
        let key = |r: &Row| match f.sort {
            // High priority first, then the earliest due, then the oldest.
            Sort::Urgency => {
                (u8::from(r.priority != Priority::High), r.next_due().map_or(i64::MAX, |d| d.timestamp()), r.received.timestamp())
            }
            Sort::Newest => (0, -r.received.timestamp(), -i64::from(r.id.number)),
            Sort::Oldest => (0, r.received.timestamp(), i64::from(r.id.number)),
        };
        // Only the rows up to the page's end need ordering.
        if wanted > 0 && wanted < total {
            hits.select_nth_unstable_by_key(wanted - 1, |r| key(r));
            hits.truncate(wanted);
        }
        hits.sort_by_key(|r| key(r));
        let ids = hits.into_iter().skip(f.offset).take(limit).map(|r| r.id).collect();
        BoardPage { total, ids }
    }

    /// Open tickets per state, and how many are overdue.
    pub fn counts(&self, office: Option<&str>, now: DateTime<Utc>) -> BoardCounts {
        let office = office.map(|o| self.strings.get(o));
        let mut by: HashMap<TicketState, usize> = HashMap::new();
        let mut overdue = 0;
        let mut total = 0;
        for r in self.rows.iter().filter(|r| office.is_none_or(|o| o == Some(r.office))) {
            total += 1;
            if !r.state.is_final() {
                *by.entry(r.state).or_default() += 1;
                if r.overdue(now) {
                    overdue += 1;
                }
            }
        }
        let by_state = TicketState::ALL.iter().filter_map(|s| by.get(s).map(|n| StateCount { state: *s, count: *n })).collect();
        BoardCounts { by_state, overdue, total }
    }

    /// Approximate heap size, for the benchmark's report.
    pub fn approx_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.index.capacity() * (std::mem::size_of::<(TicketId, usize)>() + 8)
            + self.strings.names.iter().map(|s| s.len() * 2 + 48).sum::<usize>()
    }
}

/// The board saved at a clean shutdown (`crm-board.bin` in the data
/// directory), so that the next start need not rebuild it from the graph.
/// It is used only when its CRM write generation and its clock settings
/// match, and it is deleted when read: after a crash there is none, and the
/// board is rebuilt.
pub(crate) mod snapshot {
    use super::{Board, Deadlines, Interner, Row};
    use crate::ticket::{Channel, Priority, TicketId, TicketState};
    use chrono::{DateTime, Utc};
    use std::io::{Read, Write};

    const MAGIC: &[u8; 8] = b"CCBOARD1";

    fn time(t: DateTime<Utc>) -> i64 {
        t.timestamp_micros()
    }

    fn from_time(v: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_micros(v)
    }

    fn opt(t: Option<DateTime<Utc>>) -> i64 {
        t.map_or(i64::MIN, time)
    }

    /// FNV-1a: a fingerprint stable across builds (unlike `DefaultHasher`).
    pub(crate) fn fingerprint(text: &str) -> u64 {
        text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    }

    pub(crate) fn write(board: &Board, generation: u64, fingerprint: u64, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(MAGIC)?;
        out.write_all(&generation.to_le_bytes())?;
        out.write_all(&fingerprint.to_le_bytes())?;
        out.write_all(&(board.strings.names.len() as u64).to_le_bytes())?;
        for n in &board.strings.names {
            out.write_all(&(n.len() as u32).to_le_bytes())?;
            out.write_all(n.as_bytes())?;
        }
        out.write_all(&(board.rows.len() as u64).to_le_bytes())?;
        for r in &board.rows {
            out.write_all(&r.id.year.to_le_bytes())?;
            out.write_all(&r.id.number.to_le_bytes())?;
            let pos = |all: &[TicketState], s: TicketState| all.iter().position(|x| *x == s).unwrap_or(0) as u8;
            out.write_all(&[
                pos(&TicketState::ALL, r.state),
                Channel::ALL.iter().position(|c| *c == r.channel).unwrap_or(0) as u8,
                match r.priority {
                    Priority::High => 0,
                    Priority::Normal => 1,
                    Priority::Low => 2,
                },
            ])?;
            for v in [r.office, r.assignee, r.opened_by, r.contact, r.concept] {
                out.write_all(&v.to_le_bytes())?;
            }
            let d = r.deadlines;
            for v in [
                time(r.received),
                opt(r.taken),
                opt(r.resolved),
                opt(d.map(|d| d.take_in_charge)),
                opt(d.map(|d| d.resolve)),
                opt(d.map(|d| d.resolve_all)),
            ] {
                out.write_all(&v.to_le_bytes())?;
            }
            out.write_all(&r.version.to_le_bytes())?;
        }
        Ok(())
    }

    fn u64_of(input: &mut impl Read) -> std::io::Result<u64> {
        let mut b = [0u8; 8];
        input.read_exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn u32_of(input: &mut impl Read) -> std::io::Result<u32> {
        let mut b = [0u8; 4];
        input.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn bad(what: &str) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
    }

    /// Reads a snapshot; `Ok(None)` when its generation or settings differ.
    pub(crate) fn read(input: &mut impl Read, generation: u64, fingerprint: u64) -> std::io::Result<Option<Board>> {
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic)?;
        if &magic != MAGIC {
            return Err(bad("not a board snapshot"));
        }
        if u64_of(input)? != generation || u64_of(input)? != fingerprint {
            return Ok(None);
        }
        let mut strings = Interner::default();
        let n = u64_of(input)?;
        for _ in 0..n {
            let len = u32_of(input)? as usize;
            let mut buf = vec![0u8; len];
            input.read_exact(&mut buf)?;
            let s = String::from_utf8(buf).map_err(|_| bad("string"))?;
            strings.intern(Some(&s));
        }
        let n = u64_of(input)? as usize;
        let mut board = Board { rows: Vec::with_capacity(n), index: std::collections::HashMap::with_capacity(n), strings };
        for _ in 0..n {
            let year = u32_of(input)? as i32;
            let number = u32_of(input)?;
            let mut k = [0u8; 3];
            input.read_exact(&mut k)?;
            let mut ids = [0u32; 5];
            for v in &mut ids {
                *v = u32_of(input)?;
            }
            let mut t = [0i64; 6];
            for v in &mut t {
                *v = u64_of(input)? as i64;
            }
            let version = u64_of(input)?;
            let when = |v: i64| if v == i64::MIN { None } else { from_time(v) };
            let deadlines = match (when(t[3]), when(t[4]), when(t[5])) {
                (Some(take_in_charge), Some(resolve), Some(resolve_all)) => Some(Deadlines { take_in_charge, resolve, resolve_all }),
                _ => None,
            };
            let row = Row {
                id: TicketId { year, number },
                state: *TicketState::ALL.get(k[0] as usize).ok_or_else(|| bad("state"))?,
                channel: *Channel::ALL.get(k[1] as usize).ok_or_else(|| bad("channel"))?,
                priority: [Priority::High, Priority::Normal, Priority::Low].get(k[2] as usize).copied().ok_or_else(|| bad("priority"))?,
                office: ids[0],
                assignee: ids[1],
                opened_by: ids[2],
                contact: ids[3],
                concept: ids[4],
                received: when(t[0]).ok_or_else(|| bad("time"))?,
                taken: when(t[1]),
                resolved: when(t[2]),
                deadlines,
                version,
            };
            board.index.insert(row.id, board.rows.len());
            board.rows.push(row);
        }
        Ok(Some(board))
    }
}
