//! What the registry holds: announcements, their versions and kinds, the
//! time bands of welcome announcements, and what a caller heard.

use crate::error::{Error, Result};
use crate::wav::WavInfo;
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// When the IVR plays an announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementKind {
    /// Greets every caller (optionally only in a time band).
    Welcome,
    /// Played while a caller waits for a free operator.
    Queue,
    /// Outside service hours: the service's days and hours, and the offer
    /// to leave a voicemail.
    AfterHours,
    /// Music while a caller is on hold.
    MusicOnHold,
    /// Anything else the IVR flows use.
    Other,
}

impl AnnouncementKind {
    /// Every kind, in display order.
    pub const ALL: [AnnouncementKind; 5] = [
        AnnouncementKind::Welcome,
        AnnouncementKind::Queue,
        AnnouncementKind::AfterHours,
        AnnouncementKind::MusicOnHold,
        AnnouncementKind::Other,
    ];

    /// `welcome`, `queue`, `after_hours`, `music_on_hold` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnnouncementKind::Welcome => "welcome",
            AnnouncementKind::Queue => "queue",
            AnnouncementKind::AfterHours => "after_hours",
            AnnouncementKind::MusicOnHold => "music_on_hold",
            AnnouncementKind::Other => "other",
        }
    }
}

impl fmt::Display for AnnouncementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AnnouncementKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        AnnouncementKind::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or_else(|| {
            Error::invalid("kind", format!("unknown kind {s:?}: {}", AnnouncementKind::ALL.map(AnnouncementKind::as_str).join(", ")))
        })
    }
}

/// Days of the week as stored and shown (`mon` ... `sun`), Monday first.
const DAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "mon", "lun"),
    (Weekday::Tue, "tue", "mar"),
    (Weekday::Wed, "wed", "mer"),
    (Weekday::Thu, "thu", "gio"),
    (Weekday::Fri, "fri", "ven"),
    (Weekday::Sat, "sat", "sab"),
    (Weekday::Sun, "sun", "dom"),
];

/// Minutes in a day: a band may end at `24:00`.
const DAY_MINUTES: u16 = 24 * 60;

/// When a welcome announcement applies: some days of the week, from one
/// local time (included) to another (excluded), within the day (a band
/// does not cross midnight: two announcements cover a night). Always
/// valid once built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BandFields", into = "BandFields")]
pub struct TimeBand {
    /// Monday first, no duplicates, not empty.
    days: Vec<Weekday>,
    /// Minutes after midnight, `from < to <= 1440`.
    from: u16,
    to: u16,
}

/// A time band as written in JSON: `{"days": ["mon", "tue"], "from": "08:00", "to": "13:00"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandFields {
    /// Days of the week: `mon` ... `sun` (or Italian `lun` ... `dom`).
    pub days: Vec<String>,
    /// Local start time, `HH:MM`.
    pub from: String,
    /// Local end time (excluded), `HH:MM`, up to `24:00`.
    pub to: String,
}

impl TryFrom<BandFields> for TimeBand {
    type Error = Error;

    fn try_from(b: BandFields) -> Result<Self> {
        TimeBand::parse(&b.days, &b.from, &b.to)
    }
}

impl From<TimeBand> for BandFields {
    fn from(b: TimeBand) -> Self {
        BandFields { days: b.day_names().into_iter().map(str::to_owned).collect(), from: b.from_hhmm(), to: b.to_hhmm() }
    }
}

/// Parses `HH:MM` into minutes after midnight (`24:00` allowed when `end`).
fn parse_hhmm(field: &str, s: &str, end: bool) -> Result<u16> {
    let bad = || Error::invalid(field, format!("{s:?} is not a time HH:MM (00:00 to {})", if end { "24:00" } else { "23:59" }));
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let minutes = h * 60 + m;
    if m >= 60 || minutes > DAY_MINUTES || (minutes == DAY_MINUTES && !end) {
        return Err(bad());
    }
    Ok(minutes)
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl TimeBand {
    /// A band on `days` from `from` to `to` (minutes after midnight).
    pub fn new(days: impl IntoIterator<Item = Weekday>, from_minutes: u16, to_minutes: u16) -> Result<Self> {
        let mut days: Vec<Weekday> = days.into_iter().collect();
        days.sort_by_key(Weekday::num_days_from_monday);
        days.dedup();
        if days.is_empty() {
            return Err(Error::invalid("band", "choose at least one day of the week"));
        }
        if to_minutes > DAY_MINUTES || from_minutes >= DAY_MINUTES {
            return Err(Error::invalid("band", "times must lie within the day (00:00 to 24:00)"));
        }
        if from_minutes >= to_minutes {
            return Err(Error::invalid(
                "band",
                format!(
                    "the band starts at {} and ends at {}: the start must come before the end (a band cannot cross midnight: use two announcements)",
                    hhmm(from_minutes),
                    hhmm(to_minutes)
                ),
            ));
        }
        Ok(Self { days, from: from_minutes, to: to_minutes })
    }

    /// Parses days (`mon` ... `sun`, or `lun` ... `dom`; also several in
    /// one string separated by commas or spaces) and two `HH:MM` times.
    pub fn parse(days: &[impl AsRef<str>], from: &str, to: &str) -> Result<Self> {
        let mut parsed = Vec::new();
        for d in days.iter().flat_map(|d| d.as_ref().split([',', ' ']).map(str::trim).filter(|t| !t.is_empty()).collect::<Vec<_>>()) {
            let lower = d.to_lowercase();
            let day = DAYS
                .iter()
                .find(|(_, en, it)| *en == lower || *it == lower)
                .map(|(w, _, _)| *w)
                .ok_or_else(|| Error::invalid("band", format!("{d:?} is not a day of the week: mon, tue, wed, thu, fri, sat, sun")))?;
            parsed.push(day);
        }
        TimeBand::new(parsed, parse_hhmm("band from", from, false)?, parse_hhmm("band to", to, true)?)
    }

    /// The days, Monday first.
    pub fn days(&self) -> &[Weekday] {
        &self.days
    }

    /// The days as stored: `mon` ... `sun`.
    pub fn day_names(&self) -> Vec<&'static str> {
        self.days.iter().filter_map(|d| DAYS.iter().find(|(w, _, _)| w == d).map(|(_, en, _)| *en)).collect()
    }

    /// Start, minutes after midnight (included).
    pub fn from_minutes(&self) -> u16 {
        self.from
    }

    /// End, minutes after midnight (excluded).
    pub fn to_minutes(&self) -> u16 {
        self.to
    }

    /// Start as `HH:MM`.
    pub fn from_hhmm(&self) -> String {
        hhmm(self.from)
    }

    /// End as `HH:MM` (`24:00` for the end of the day).
    pub fn to_hhmm(&self) -> String {
        hhmm(self.to)
    }

    /// Whether a local date and time falls in the band.
    pub fn contains(&self, local: NaiveDateTime) -> bool {
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.days.contains(&local.weekday()) && self.from <= minute && minute < self.to
    }
}

impl fmt::Display for TimeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}–{}", self.day_names().join(","), self.from_hhmm(), self.to_hhmm())
    }
}

/// One uploaded recording of an announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnouncementVersion {
    /// 1, 2, ... within the announcement (never reused).
    pub number: u32,
    /// SHA-256 of the WAV file (hex).
    pub sha256: String,
    /// Size of the WAV file in bytes.
    pub size: u64,
    /// What the file holds.
    pub info: WavInfo,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// An announcement of the IVR with its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Announcement {
    /// Slug: `a-z`, `0-9`, `-` (e.g. `benvenuto-mattina`).
    pub name: String,
    /// Title for people.
    pub title: String,
    /// When the IVR plays it.
    pub kind: AnnouncementKind,
    /// For a welcome announcement: when it applies (`None`: the default).
    pub band: Option<TimeBand>,
    /// The number of the version the IVR plays.
    pub active: u32,
    /// The highest version number allocated so far.
    pub last_version: u32,
    /// The versions, oldest first.
    pub versions: Vec<AnnouncementVersion>,
}

impl Announcement {
    /// The version the IVR plays.
    pub fn active_version(&self) -> Option<&AnnouncementVersion> {
        self.versions.iter().find(|v| v.number == self.active)
    }
}

/// Which announcement a caller heard: what the IVR engine records.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Heard {
    /// The announcement's name.
    pub name: String,
    /// The version played.
    pub version: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, min, 0)).unwrap_or_default()
    }

    #[test]
    fn bands_parse_in_english_or_italian_and_contain_their_hours() {
        let b = TimeBand::parse(&["mon,tue", "wed thu", "ven"], "08:00", "13:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.day_names(), ["mon", "tue", "wed", "thu", "fri"]);
        assert_eq!(b.to_string(), "mon,tue,wed,thu,fri 08:00–13:00");
        // Monday 2 March 2026.
        assert!(b.contains(at(2026, 3, 2, 8, 0)));
        assert!(b.contains(at(2026, 3, 2, 12, 59)));
        assert!(!b.contains(at(2026, 3, 2, 13, 0)), "the end is excluded");
        assert!(!b.contains(at(2026, 3, 2, 7, 59)));
        assert!(!b.contains(at(2026, 3, 7, 9, 0)), "Saturday");
        let all_day = TimeBand::parse(&["sun"], "0:00", "24:00").unwrap_or_else(|e| panic!("{e}"));
        assert!(all_day.contains(at(2026, 3, 1, 23, 59)));
    }

    #[test]
    fn bad_bands_are_refused_with_the_reason() {
        let err = |d: &[&str], f: &str, t: &str| TimeBand::parse(d, f, t).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(&[], "08:00", "13:00").contains("at least one day"));
        assert!(err(&["monday"], "08:00", "13:00").contains("\"monday\" is not a day"));
        assert!(err(&["mon"], "8", "13:00").contains("not a time HH:MM"));
        assert!(err(&["mon"], "08:60", "13:00").contains("not a time"));
        assert!(err(&["mon"], "24:00", "24:00").contains("not a time"));
        assert!(err(&["mon"], "08:00", "24:01").contains("not a time"));
        assert!(err(&["mon"], "20:00", "08:00").contains("cannot cross midnight"));
        assert!(err(&["mon"], "08:00", "08:00").contains("start must come before the end"));
        assert!(err(&["mon"], "-1:00", "08:00").contains("not a time"));
    }

    #[test]
    fn bands_and_kinds_round_trip_through_json() {
        let b = TimeBand::parse(&["sat", "sun"], "09:30", "12:00").unwrap_or_else(|e| panic!("{e}"));
        let json = serde_json::to_string(&b).unwrap_or_default();
        assert_eq!(json, r#"{"days":["sat","sun"],"from":"09:30","to":"12:00"}"#);
        assert_eq!(serde_json::from_str::<TimeBand>(&json).ok(), Some(b));
        assert!(serde_json::from_str::<TimeBand>(r#"{"days":["sat"],"from":"12:00","to":"09:00"}"#).is_err());
        assert_eq!(serde_json::to_string(&AnnouncementKind::AfterHours).unwrap_or_default(), "\"after_hours\"");
        assert_eq!("music_on_hold".parse::<AnnouncementKind>().ok(), Some(AnnouncementKind::MusicOnHold));
        assert!("jingle".parse::<AnnouncementKind>().is_err());
    }
}
