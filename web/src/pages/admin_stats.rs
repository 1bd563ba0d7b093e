//! Access statistics (`/admin/stats`, also for supervisors and analysts):
//! the most consulted items and areas between two dates (default: the
//! last 30 days), as tables and as bar charts drawn on the server (inline
//! SVG; the template escapes the labels).

use super::admin::{kb_error, render, shown};
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use chrono::{Duration, Local, NaiveDate, TimeZone, Utc};
use kb::{AccessCount, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Who may read the statistics.
pub const STATS_READERS: &[Role] = &[Role::Admin, Role::Supervisor, Role::Analyst];
/// Items shown at most.
const TOP_ITEMS: usize = 20;
/// The default period, in days.
const DEFAULT_DAYS: i64 = 30;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/stats", get(page))
}

/// The period, as typed (`YYYY-MM-DD`, both days included).
#[derive(Deserialize, Default)]
pub struct Period {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// One bar of a chart, with its geometry.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    /// The label (shortened), escaped by the template.
    pub label: String,
    /// The whole label, for the tooltip.
    pub full_label: String,
    /// The count.
    pub count: u64,
    /// Top of the bar.
    pub y: u32,
    /// Baseline of the texts.
    pub text_y: u32,
    /// Width of the bar.
    pub width: u32,
    /// Where the count is written.
    pub count_x: u32,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// Width of the drawing.
    pub width: u32,
    /// Height of the drawing.
    pub height: u32,
    /// Width of the label column (bars start there).
    pub label_width: u32,
    /// Height of a bar.
    pub bar_height: u32,
    /// The bars, largest first.
    pub bars: Vec<Bar>,
}

const LABEL_WIDTH: u32 = 280;
const BAR_AREA: u32 = 380;
const ROW: u32 = 26;
const BAR: u32 = 18;
const MAX_LABEL_CHARS: usize = 40;

/// Lays out a bar chart of `counts`.
pub fn chart(counts: &[AccessCount]) -> Chart {
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1);
    let bars = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let full = if c.label.trim().is_empty() { c.key.clone() } else { c.label.clone() };
            let label = if full.chars().count() > MAX_LABEL_CHARS {
                format!("{}…", full.chars().take(MAX_LABEL_CHARS - 1).collect::<String>())
            } else {
                full.clone()
            };
            let width = ((c.count as f64 / max as f64) * f64::from(BAR_AREA)).round().max(1.0) as u32;
            let y = i as u32 * ROW + 4;
            Bar { label, full_label: full, count: c.count, y, text_y: y + BAR - 4, width, count_x: LABEL_WIDTH + width + 6 }
        })
        .collect::<Vec<_>>();
    Chart { width: LABEL_WIDTH + BAR_AREA + 60, height: bars.len() as u32 * ROW + 8, label_width: LABEL_WIDTH, bar_height: BAR, bars }
}

fn parse_day(field: &str, v: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("{field}: {s:?} is not a date (YYYY-MM-DD)"))),
    }
}

/// Midnight (local time) at the start of `day`, in UTC.
fn start_of(day: NaiveDate) -> chrono::DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Local.from_local_datetime(&naive).earliest().map(|d| d.with_timezone(&Utc)).unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The period asked for: both days included, by default the last
/// [`DEFAULT_DAYS`] days up to `today`.
fn period(q: &Period, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), AppError> {
    let to = parse_day("to", q.to.as_deref())?.unwrap_or(today);
    let from = parse_day("from", q.from.as_deref())?.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
    if from > to {
        return Err(AppError::BadRequest("the start of the period is after its end".into()));
    }
    Ok((from, to))
}

async fn page(State(state): State<AppState>, user: User, Query(q): Query<Period>) -> PageResult {
    user.require(STATS_READERS)?;
    let today = Local::now().date_naive();
    let (from, to) = match period(&q, today) {
        Ok(p) => p,
        Err(e) => {
            let (status, message) = shown(e)?;
            let ctx = json!({"user": user.view(), "from": q.from, "to": q.to, "error": message});
            return render(&state, &user, "admin_stats.html", status, ctx);
        }
    };
    let actor = user.actor.clone();
    let (start, end) = (start_of(from), start_of(to + Duration::days(1)));
    let (items, areas) = state
        .blocking(move |kb| {
            let items = kb.most_consulted_items(&actor, start, end, TOP_ITEMS).map_err(kb_error)?;
            let areas = kb.most_consulted_areas(&actor, start, end).map_err(kb_error)?;
            Ok((items, areas))
        })
        .await?;
    let total_items: u64 = items.iter().map(|c| c.count).sum();
    let ctx = json!({
        "user": user.view(), "from": from.to_string(), "to": to.to_string(),
        "items": items, "areas": areas, "items_chart": chart(&items), "areas_chart": chart(&areas), "total_items": total_items,
    });
    render(&state, &user, "admin_stats.html", StatusCode::OK, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_shorten_long_labels() {
        let counts = vec![
            AccessCount { key: "A".into(), label: "x".repeat(60), count: 10 },
            AccessCount { key: "B".into(), label: String::new(), count: 5 },
        ];
        let c = chart(&counts);
        assert_eq!(c.bars[0].width, BAR_AREA);
        assert_eq!(c.bars[1].width, BAR_AREA / 2);
        assert_eq!(c.bars[0].label.chars().count(), MAX_LABEL_CHARS);
        assert_eq!(c.bars[1].label, "B");
        assert!(c.bars[1].y > c.bars[0].y);
    }
}
