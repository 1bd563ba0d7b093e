//! SLA clocks of offline requests (SLA.O.1–3): taken in charge within 4
//! working hours (for voicemail: within the first 4 working hours of the
//! first working day after the message), resolved within 24 and 48 hours
//! (working hours by default). Phone requests are served live and have
//! the telephony SLAs instead.

use crate::calendar::Calendar;
use crate::ticket::Channel;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The clock settings (`[sla]` in `centralino.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaConfig {
    /// Hours to take an offline request in charge (SLA.O.1).
    pub take_in_charge_hours: u32,
    /// Hours to resolve an offline request: the 80 % target (SLA.O.2).
    pub resolve_hours: u32,
    /// Hours to resolve every offline request (SLA.O.3).
    pub resolve_all_hours: u32,
    /// Whether resolution hours are working hours of the service calendar
    /// (`true`, the tender's reading) or calendar hours.
    pub resolve_in_working_hours: bool,
}

impl Default for SlaConfig {
    fn default() -> Self {
        Self { take_in_charge_hours: 4, resolve_hours: 24, resolve_all_hours: 48, resolve_in_working_hours: true }
    }
}

/// The deadlines of one offline request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadlines {
    /// To be taken in charge by.
    pub take_in_charge: DateTime<Utc>,
    /// To be resolved by (80 % target).
    pub resolve: DateTime<Utc>,
    /// To be resolved by (every request).
    pub resolve_all: DateTime<Utc>,
}

/// One clock as shown in lists: due time, and either the working time
/// left or by how much it was missed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clock {
    /// Which clock: `take_in_charge`, `resolve`, `resolve_all`.
    pub name: &'static str,
    /// Due.
    pub due: DateTime<Utc>,
    /// When it was met (taken in charge, resolved), if it was.
    pub met_at: Option<DateTime<Utc>>,
    /// Working seconds left (negative: overdue by that much); `None` once met.
    pub remaining_secs: Option<i64>,
    /// Missed: met late, or still open past the due time.
    pub breached: bool,
}

impl Clock {
    /// "2 h 15 min" left or "scaduta da 1 h 5 min", for pages.
    pub fn countdown(&self) -> String {
        match self.remaining_secs {
            None if self.breached => "rispettata in ritardo".into(),
            None => "rispettata".into(),
            Some(s) if s >= 0 => format!("mancano {}", hm(s)),
            Some(s) => format!("scaduta da {}", hm(-s)),
        }
    }
}

fn hm(secs: i64) -> String {
    let (h, m) = (secs / 3600, (secs % 3600) / 60);
    if h > 0 { format!("{h} h {m:02} min") } else { format!("{m} min") }
}

/// Clock arithmetic over the service calendar.
#[derive(Debug, Clone)]
pub struct Clocks {
    calendar: Calendar,
    config: SlaConfig,
}

impl Clocks {
    /// Clocks over a calendar.
    pub fn new(calendar: Calendar, config: SlaConfig) -> Self {
        Self { calendar, config }
    }

    /// The calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The settings.
    pub fn config(&self) -> &SlaConfig {
        &self.config
    }

    /// The deadlines of a request received at `received` on `channel`
    /// (`None` for phone requests).
    pub fn deadlines(&self, channel: Channel, received: DateTime<Utc>) -> Option<Deadlines> {
        if !channel.is_offline() {
            return None;
        }
        let cal = &self.calendar;
        let take = Duration::hours(i64::from(self.config.take_in_charge_hours));
        let take_in_charge = if channel == Channel::Voicemail {
            cal.add_working(cal.first_opening_after_day_of(received), take)
        } else {
            cal.add_working(received, take)
        };
        let resolve_by = |hours: u32| {
            let d = Duration::hours(i64::from(hours));
            if self.config.resolve_in_working_hours { cal.add_working(received, d) } else { received + d }
        };
        Some(Deadlines {
            take_in_charge,
            resolve: resolve_by(self.config.resolve_hours),
            resolve_all: resolve_by(self.config.resolve_all_hours),
        })
    }

    /// The three clocks of a request, as seen at `now`.
    pub fn clocks(&self, d: &Deadlines, taken: Option<DateTime<Utc>>, resolved: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Vec<Clock> {
        [("take_in_charge", d.take_in_charge, taken), ("resolve", d.resolve, resolved), ("resolve_all", d.resolve_all, resolved)]
            .into_iter()
            .map(|(name, due, met)| self.clock(name, due, met, now))
            .collect()
    }

    fn clock(&self, name: &'static str, due: DateTime<Utc>, met_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Clock {
        match met_at {
            Some(m) => Clock { name, due, met_at, remaining_secs: None, breached: m > due },
            None => {
                let remaining = if now <= due {
                    self.calendar.working_between(now, due).num_seconds()
                } else {
                    -self.calendar.working_between(due, now).num_seconds().max(1)
                };
                Clock { name, due, met_at: None, remaining_secs: Some(remaining), breached: now > due }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn rome(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        let local = NaiveDate::from_ymd_opt(y, m, d).and_then(|x| x.and_hms_opt(h, min, 0)).unwrap_or_default();
        chrono_tz::Europe::Rome.from_local_datetime(&local).earliest().map(|x| x.with_timezone(&Utc)).unwrap_or_default()
    }

    fn clocks() -> Clocks {
        Clocks::new(Calendar::default(), SlaConfig::default())
    }

    #[test]
    fn an_email_on_friday_evening_is_due_monday() {
        // Friday 27 November 2026 at 20:30 (after hours).
        let d = clocks().deadlines(Channel::Email, rome(2026, 11, 27, 20, 30));
        let d = d.map(|d| (d.take_in_charge, d.resolve, d.resolve_all));
        // 4 h from Monday 08:00; 24 h = Mon 11 + Tue 11 + Wed 2; 48 h = ... + Thu 11 + Fri 4.
        assert_eq!(d, Some((rome(2026, 11, 30, 12, 0), rome(2026, 12, 2, 10, 0), rome(2026, 12, 4, 12, 0))));
    }

    #[test]
    fn a_voicemail_counts_from_the_next_working_day_even_during_hours() {
        // Left Tuesday 1 December 2026 at 10:00: due Wednesday 12:00.
        let d = clocks().deadlines(Channel::Voicemail, rome(2026, 12, 1, 10, 0));
        assert_eq!(d.map(|d| d.take_in_charge), Some(rome(2026, 12, 2, 12, 0)));
        // Left Monday 7 December 2026 evening: 8 December is a holiday.
        let d = clocks().deadlines(Channel::Voicemail, rome(2026, 12, 7, 21, 0));
        assert_eq!(d.map(|d| d.take_in_charge), Some(rome(2026, 12, 9, 12, 0)));
    }

    #[test]
    fn phone_requests_have_no_offline_clock() {
        assert_eq!(clocks().deadlines(Channel::Phone, rome(2026, 12, 1, 10, 0)), None);
    }

    #[test]
    fn calendar_hours_when_configured() {
        let c = Clocks::new(Calendar::default(), SlaConfig { resolve_in_working_hours: false, ..SlaConfig::default() });
        let d = c.deadlines(Channel::Fax, rome(2026, 11, 27, 20, 30));
        assert_eq!(d.map(|d| d.resolve), Some(rome(2026, 11, 28, 20, 30)));
    }

    #[test]
    fn countdowns_count_working_time_and_flag_breaches() {
        let c = clocks();
        let received = rome(2026, 11, 27, 17, 0);
        let d = c.deadlines(Channel::Email, received).unwrap_or_else(|| unreachable!());
        // Seen on Saturday: 2 h of Friday gone, 2 h left (Monday 08–10).
        let now = rome(2026, 11, 28, 11, 0);
        let cl = c.clocks(&d, None, None, now);
        assert_eq!(cl[0].remaining_secs, Some(2 * 3600));
        assert_eq!(cl[0].countdown(), "mancano 2 h 00 min");
        assert!(!cl[0].breached);
        // Monday 11:30: overdue by 1 h 30.
        let cl = c.clocks(&d, None, None, rome(2026, 11, 30, 11, 30));
        assert!(cl[0].breached);
        assert_eq!(cl[0].countdown(), "scaduta da 1 h 30 min");
        // Taken in charge late, resolved in time.
        let cl = c.clocks(&d, Some(rome(2026, 11, 30, 11, 0)), Some(rome(2026, 11, 30, 15, 0)), rome(2026, 12, 10, 9, 0));
        assert!(cl[0].breached && !cl[1].breached && !cl[2].breached);
        assert_eq!(cl[0].remaining_secs, None);
    }
}
