//! The service calendar and working-time arithmetic (TEL-6, SLA.O.*).
//!
//! Service hours are given per weekday in local time (default: Monday to
//! Friday 08:00–19:00, Europe/Rome). Italian national holidays (with
//! Easter Monday computed, and 4 October from 2026, restored by law
//! 151/2025) and configurable local holidays are closed. Working time is
//! the time inside service hours: SLA clocks of offline requests run only
//! then, whatever the hour a request came in.

use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

/// The calendar as configured (`[calendar]` in `centralino.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone of the service hours.
    pub timezone: String,
    /// Opening intervals per weekday (`monday` .. `sunday`), as
    /// `"HH:MM-HH:MM"`; a day not listed is closed.
    pub hours: BTreeMap<String, Vec<String>>,
    /// Whether the Italian national holidays are closed.
    pub national_holidays: bool,
    /// Local holidays: `"MM-DD"` every year (a patron saint) or
    /// `"YYYY-MM-DD"` once.
    pub local_holidays: Vec<String>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        let weekday = vec!["08:00-19:00".to_owned()];
        let hours = ["monday", "tuesday", "wednesday", "thursday", "friday"].into_iter().map(|d| (d.to_owned(), weekday.clone())).collect();
        Self { timezone: "Europe/Rome".into(), hours, national_holidays: true, local_holidays: Vec::new() }
    }
}

/// A local holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LocalHoliday {
    Yearly { month: u32, day: u32 },
    Once(NaiveDate),
}

/// Opening intervals of one day, as instants.
pub type DayIntervals = Arc<[(DateTime<Utc>, DateTime<Utc>)]>;

/// The service calendar, validated. Cheap to clone: the per-day opening
/// intervals are computed once (time-zone arithmetic) and shared.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Tz,
    /// Opening intervals per weekday (Monday = 0), sorted, not overlapping.
    week: [Vec<(NaiveTime, NaiveTime)>; 7],
    national_holidays: bool,
    local: Vec<LocalHoliday>,
    days: Arc<RwLock<HashMap<NaiveDate, DayIntervals>>>,
}

impl Default for Calendar {
    fn default() -> Self {
        // The default configuration is valid by construction.
        Self::new(&CalendarConfig::default()).unwrap_or_else(|_| unreachable!("default calendar is valid"))
    }
}

const DAY_NAMES: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// At most this many days are scanned when adding working time; a
/// calendar open at least one hour a year never needs more.
const MAX_SCAN_DAYS: i64 = 366 * 20;

fn parse_time(field: &str, s: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| Error::invalid(field, format!("{s:?} is not a time HH:MM")))
}

impl Calendar {
    /// Validates a configuration.
    pub fn new(cfg: &CalendarConfig) -> Result<Self> {
        let tz: Tz =
            cfg.timezone.parse().map_err(|_| Error::invalid("calendar.timezone", format!("unknown time zone {:?}", cfg.timezone)))?;
        let mut week: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
        for (day, intervals) in &cfg.hours {
            let idx = DAY_NAMES.iter().position(|d| d.eq_ignore_ascii_case(day.trim())).ok_or_else(|| {
                Error::invalid(format!("calendar.hours.{day}"), format!("unknown weekday; use one of {}", DAY_NAMES.join(", ")))
            })?;
            let field = format!("calendar.hours.{day}");
            for iv in intervals {
                let (a, b) = iv.split_once('-').ok_or_else(|| Error::invalid(&field, format!("{iv:?} is not an interval HH:MM-HH:MM")))?;
                let (open, close) = (parse_time(&field, a)?, parse_time(&field, b)?);
                if close <= open {
                    return Err(Error::invalid(&field, format!("{iv:?} closes before it opens")));
                }
                week[idx].push((open, close));
            }
            week[idx].sort();
            if week[idx].windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(Error::invalid(&field, "intervals overlap"));
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(Error::invalid("calendar.hours", "the service is never open: give at least one interval"));
        }
        let mut local = Vec::new();
        for h in &cfg.local_holidays {
            let field = "calendar.local_holidays";
            let parsed = if let Ok(d) = NaiveDate::parse_from_str(h.trim(), "%Y-%m-%d") {
                LocalHoliday::Once(d)
            } else {
                let (m, d) =
                    h.trim().split_once('-').ok_or_else(|| Error::invalid(field, format!("{h:?} is neither MM-DD nor YYYY-MM-DD")))?;
                let (month, day) = (m.parse::<u32>().ok(), d.parse::<u32>().ok());
                match (month, day) {
                    // 2024 is a leap year: 29 February is accepted.
                    (Some(month), Some(day)) if NaiveDate::from_ymd_opt(2024, month, day).is_some() => LocalHoliday::Yearly { month, day },
                    _ => return Err(Error::invalid(field, format!("{h:?} is neither MM-DD nor YYYY-MM-DD"))),
                }
            };
            local.push(parsed);
        }
        Ok(Self { tz, week, national_holidays: cfg.national_holidays, local, days: Arc::default() })
    }

    /// The calendar's time zone.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The name of the holiday on `date`, if it is one.
    pub fn holiday(&self, date: NaiveDate) -> Option<&'static str> {
        if self.national_holidays
            && let Some(name) = italian_holiday(date)
        {
            return Some(name);
        }
        self.local
            .iter()
            .any(|h| match *h {
                LocalHoliday::Yearly { month, day } => date.month() == month && date.day() == day,
                LocalHoliday::Once(d) => d == date,
            })
            .then_some("festività locale")
    }

    /// The opening intervals of a local date, as instants (empty on
    /// holidays and closed days). Daylight-saving gaps move a boundary to
    /// the first valid instant.
    pub fn intervals(&self, date: NaiveDate) -> DayIntervals {
        if let Some(d) = self.days.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(&date) {
            return d.clone();
        }
        let computed: DayIntervals = if self.holiday(date).is_some() {
            Arc::new([])
        } else {
            let day = &self.week[date.weekday().num_days_from_monday() as usize];
            day.iter().filter_map(|&(a, b)| Some((self.instant(date, a)?, self.instant(date, b)?))).collect()
        };
        let mut days = self.days.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        // A bounded memo: 40 years of days at most.
        if days.len() > 15_000 {
            days.clear();
        }
        days.insert(date, computed.clone());
        computed
    }

    fn instant(&self, date: NaiveDate, t: NaiveTime) -> Option<DateTime<Utc>> {
        let local = date.and_time(t);
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(x) => Some(x.with_timezone(&Utc)),
            chrono::LocalResult::Ambiguous(x, _) => Some(x.with_timezone(&Utc)),
            chrono::LocalResult::None => {
                // A time in the spring-forward gap: one hour later exists.
                self.tz.from_local_datetime(&(local + Duration::hours(1))).earliest().map(|x| x.with_timezone(&Utc))
            }
        }
    }

    /// The local date of an instant.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Whether the service is open at `t`.
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        self.intervals(self.local_date(t)).iter().any(|&(a, b)| a <= t && t < b)
    }

    /// Whether `date` has service hours.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !self.intervals(date).is_empty()
    }

    /// The instant `amount` of working time after `start`. A start outside
    /// service hours counts from the next opening.
    pub fn add_working(&self, start: DateTime<Utc>, amount: Duration) -> DateTime<Utc> {
        let mut left = amount.max(Duration::zero());
        let mut date = self.local_date(start);
        for _ in 0..MAX_SCAN_DAYS {
            for &(a, b) in self.intervals(date).iter() {
                let from = a.max(start);
                if from >= b {
                    continue;
                }
                let available = b - from;
                if left <= available {
                    return from + left;
                }
                left -= available;
            }
            date = date.succ_opt().unwrap_or(date);
        }
        // Unreachable with a validated calendar (open every week).
        start + amount
    }

    /// The working time between two instants (zero when `to` ≤ `from`).
    pub fn working_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let mut total = Duration::zero();
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        while date <= last {
            for &(a, b) in self.intervals(date).iter() {
                let (s, e) = (a.max(from), b.min(to));
                if e > s {
                    total += e - s;
                }
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        total
    }

    /// The first opening of the first working day strictly after the local
    /// date of `t` (the voicemail rule: "within the first 4 working hours
    /// of the first working day after the message").
    pub fn first_opening_after_day_of(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let mut date = self.local_date(t);
        for _ in 0..MAX_SCAN_DAYS {
            date = date.succ_opt().unwrap_or(date);
            if let Some(&(a, _)) = self.intervals(date).first() {
                return a;
            }
        }
        t
    }

    /// The service hours of a weekday as text, for pages and IVR messages.
    pub fn hours_of(&self, day: Weekday) -> Vec<(NaiveTime, NaiveTime)> {
        self.week[day.num_days_from_monday() as usize].clone()
    }
}

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm,
/// Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// The Italian national holiday on `date`, if any.
pub fn italian_holiday(date: NaiveDate) -> Option<&'static str> {
    let name = match (date.month(), date.day()) {
        (1, 1) => "Capodanno",
        (1, 6) => "Epifania",
        (4, 25) => "Festa della Liberazione",
        (5, 1) => "Festa del Lavoro",
        (6, 2) => "Festa della Repubblica",
        (8, 15) => "Ferragosto",
        // Restored as a national holiday from 2026 (legge 151/2025).
        (10, 4) if date.year() >= 2026 => "San Francesco d'Assisi",
        (11, 1) => "Ognissanti",
        (12, 8) => "Immacolata Concezione",
        (12, 25) => "Natale",
        (12, 26) => "Santo Stefano",
        _ => {
            let easter = easter_sunday(date.year());
            if date == easter {
                return Some("Pasqua");
            }
            if easter.succ_opt() == Some(date) {
                return Some("Lunedì dell'Angelo");
            }
            return None;
        }
    };
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rome(cal: &Calendar, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        let local = NaiveDate::from_ymd_opt(y, m, d).and_then(|x| x.and_hms_opt(h, min, 0)).unwrap_or_default();
        cal.timezone().from_local_datetime(&local).earliest().map(|x| x.with_timezone(&Utc)).unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn easter_dates_match_the_published_tables() {
        for (y, m, d) in [(2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2027, 3, 28), (2028, 4, 16), (2038, 4, 25), (2285, 3, 22)] {
            assert_eq!(easter_sunday(y), date(y, m, d), "{y}");
        }
    }

    #[test]
    fn national_holidays_include_easter_monday_and_4_october_from_2026() {
        assert_eq!(italian_holiday(date(2026, 4, 6)), Some("Lunedì dell'Angelo"));
        assert_eq!(italian_holiday(date(2025, 4, 21)), Some("Lunedì dell'Angelo"));
        assert_eq!(italian_holiday(date(2026, 4, 7)), None);
        assert_eq!(italian_holiday(date(2026, 10, 4)), Some("San Francesco d'Assisi"));
        assert_eq!(italian_holiday(date(2025, 10, 4)), None);
        assert_eq!(italian_holiday(date(2026, 12, 26)), Some("Santo Stefano"));
    }

    #[test]
    fn adding_working_hours_crosses_the_weekend() {
        let cal = Calendar::default();
        // Friday 27 November 2026, 17:00 + 4 h: 2 h on Friday, 2 h on Monday.
        let due = cal.add_working(rome(&cal, 2026, 11, 27, 17, 0), Duration::hours(4));
        assert_eq!(due, rome(&cal, 2026, 11, 30, 10, 0));
        // Saturday night counts from Monday's opening.
        let due = cal.add_working(rome(&cal, 2026, 11, 28, 23, 30), Duration::hours(4));
        assert_eq!(due, rome(&cal, 2026, 11, 30, 12, 0));
    }

    #[test]
    fn adding_working_hours_skips_easter_monday() {
        let cal = Calendar::default();
        // Thursday 2 April 2026 18:00 + 24 h: 1 h Thu, 11 h Fri 3 April,
        // (weekend, Easter Monday 6 April closed) 11 h Tue 7 April, 1 h Wed.
        let due = cal.add_working(rome(&cal, 2026, 4, 2, 18, 0), Duration::hours(24));
        assert_eq!(due, rome(&cal, 2026, 4, 8, 9, 0));
    }

    #[test]
    fn adding_working_hours_across_the_year_end() {
        let cal = Calendar::default();
        // Wednesday 23 Dec 2026 15:00 + 48 h: 4 h Wed 23, 11 h Thu 24,
        // 25 and 26 holidays + weekend, 11 h Mon 28, 11 h Tue 29, 11 h Wed 30
        // (= 48 h at 19:00 of the 30th).
        let due = cal.add_working(rome(&cal, 2026, 12, 23, 15, 0), Duration::hours(48));
        assert_eq!(due, rome(&cal, 2026, 12, 30, 19, 0));
        // One more hour: Thursday 31, then 1 January is closed.
        let due = cal.add_working(rome(&cal, 2026, 12, 23, 15, 0), Duration::hours(60));
        assert_eq!(due, rome(&cal, 2027, 1, 4, 9, 0));
    }

    #[test]
    fn working_time_between_two_instants() {
        let cal = Calendar::default();
        let a = rome(&cal, 2026, 11, 27, 17, 0);
        let b = rome(&cal, 2026, 11, 30, 10, 0);
        assert_eq!(cal.working_between(a, b), Duration::hours(4));
        assert_eq!(cal.working_between(b, a), Duration::zero());
        // A whole week, with no holiday: 5 × 11 h.
        assert_eq!(cal.working_between(rome(&cal, 2026, 11, 16, 0, 0), rome(&cal, 2026, 11, 23, 0, 0)), Duration::hours(55));
        // Easter week 2026: Monday closed.
        assert_eq!(cal.working_between(rome(&cal, 2026, 4, 6, 0, 0), rome(&cal, 2026, 4, 13, 0, 0)), Duration::hours(44));
    }

    #[test]
    fn daylight_saving_days_keep_local_opening_hours() {
        let cal = Calendar::default();
        // Monday 30 March 2026 is after the switch to summer time: still 11 h.
        assert_eq!(cal.working_between(rome(&cal, 2026, 3, 30, 0, 0), rome(&cal, 2026, 3, 31, 0, 0)), Duration::hours(11));
        let open = cal.intervals(date(2026, 3, 30))[0].0;
        assert_eq!(open.to_rfc3339(), "2026-03-30T06:00:00+00:00");
        let open = cal.intervals(date(2026, 3, 27))[0].0;
        assert_eq!(open.to_rfc3339(), "2026-03-27T07:00:00+00:00");
    }

    #[test]
    fn voicemail_rule_uses_the_first_working_day_after_the_message() {
        let cal = Calendar::default();
        // Left on Friday 24 April 2026 at 21:00: Saturday 25 (Liberazione)
        // and Sunday closed, so Monday 27 April from 08:00, due at 12:00.
        let left = rome(&cal, 2026, 4, 24, 21, 0);
        let start = cal.first_opening_after_day_of(left);
        assert_eq!(start, rome(&cal, 2026, 4, 27, 8, 0));
        assert_eq!(cal.add_working(start, Duration::hours(4)), rome(&cal, 2026, 4, 27, 12, 0));
        // Left on Thursday 31 Dec 2026 at 10:00: Friday 1 January closed,
        // then the weekend: Monday 4 January.
        assert_eq!(cal.first_opening_after_day_of(rome(&cal, 2026, 12, 31, 10, 0)), rome(&cal, 2027, 1, 4, 8, 0));
    }

    #[test]
    fn local_holidays_and_custom_hours() {
        let mut cfg = CalendarConfig::default();
        // San Giorgio, patron of Campobasso, and a one-off closure.
        cfg.local_holidays = vec!["04-23".into(), "2026-12-24".into()];
        cfg.hours.insert("saturday".into(), vec!["08:00-13:00".into()]);
        let cal = Calendar::new(&cfg).unwrap_or_default();
        assert!(cal.holiday(date(2027, 4, 23)).is_some());
        assert!(cal.holiday(date(2026, 12, 24)).is_some());
        assert!(cal.holiday(date(2027, 12, 24)).is_none());
        assert!(cal.is_working_day(date(2026, 11, 28)), "Saturday morning is open");
        // Friday 27 Nov 18:00 + 3 h: 1 h Friday, 2 h Saturday morning.
        assert_eq!(cal.add_working(rome(&cal, 2026, 11, 27, 18, 0), Duration::hours(3)), rome(&cal, 2026, 11, 28, 10, 0));
    }

    #[test]
    fn bad_configurations_are_refused_with_the_field() {
        let mut cfg = CalendarConfig::default();
        cfg.hours.insert("funday".into(), vec![]);
        assert!(Calendar::new(&cfg).err().map(|e| e.to_string()).unwrap_or_default().contains("funday"));
        let mut cfg = CalendarConfig::default();
        cfg.hours.insert("monday".into(), vec!["19:00-08:00".into()]);
        assert!(Calendar::new(&cfg).is_err());
        let cfg = CalendarConfig { hours: BTreeMap::new(), ..CalendarConfig::default() };
        assert!(Calendar::new(&cfg).err().map(|e| e.to_string()).unwrap_or_default().contains("never open"));
        let cfg = CalendarConfig { local_holidays: vec!["31-31".into()], ..CalendarConfig::default() };
        assert!(Calendar::new(&cfg).is_err());
        let cfg = CalendarConfig { timezone: "Mars/Olympus".into(), ..CalendarConfig::default() };
        assert!(Calendar::new(&cfg).is_err());
    }
}
