//! Dimensioning for supervisors (`/telephony/dimensioning`, TEL-8): the
//! traffic model in a form (yearly contacts, handling times, patience,
//! transfers, targets, and the hourly profile of a weekday and of a
//! Saturday, edited in place or uploaded as a `hour;calls` file), the
//! staffing the calculator recommends (Erlang A, checked by simulation),
//! and a simulated day on the real engine, both as charts and tables.
//!
//! The work is done by [`telephony::simulate`]; the handlers parse,
//! authorise, call it and draw.

use super::admin::{render, shown, value};
use super::announcements::read_multipart;
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult};
use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use chrono::NaiveDate;
use kb::Role;
use serde_json::json;
use telephony::simulate::model::HOURS;
use telephony::simulate::{self, Recommendation, SimOptions, StaffingPlan, Traffic};

/// Who plans the staffing.
const PLANNERS: &[Role] = &[Role::Supervisor, Role::Admin];
/// The page.
const PAGE: &str = "/telephony/dimensioning";
/// Largest profile file accepted.
const MAX_PROFILE_BYTES: usize = 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route(PAGE, get(page).post(calculate)).route("/telephony/dimensioning/plan.toml", post(download))
}

/// The form, as typed (shown again as it was).
#[derive(Debug, Clone, serde::Serialize)]
struct Form {
    contacts_per_year: String,
    phone_aht_s: String,
    l2_aht_s: String,
    offline_aht_s: String,
    patience_s: String,
    l2_share: String,
    target_share: String,
    target_s: String,
    max_abandon: String,
    weekday: String,
    saturday: String,
    day: String,
    seed: String,
    verify: bool,
}

fn profile_text(values: &[f64]) -> String {
    values.iter().enumerate().map(|(h, v)| format!("{h:02}:00;{v}")).collect::<Vec<_>>().join("\n")
}

impl Default for Form {
    fn default() -> Self {
        let t = Traffic::default();
        Form {
            contacts_per_year: format!("{}", t.contacts_per_year),
            phone_aht_s: format!("{}", t.phone_aht_s),
            l2_aht_s: format!("{}", t.l2_aht_s),
            offline_aht_s: format!("{}", t.offline_aht_s),
            patience_s: format!("{}", t.patience_s),
            l2_share: format!("{}", t.l2_share * 100.0),
            target_share: format!("{}", t.sla.answer_share * 100.0),
            target_s: format!("{}", t.sla.answer_within_s),
            max_abandon: format!("{}", t.sla.max_abandoned * 100.0),
            weekday: profile_text(&t.phone_hourly.weekday),
            saturday: profile_text(&t.phone_hourly.saturday),
            day: "2027-03-01".into(),
            seed: "1".into(),
            verify: true,
        }
    }
}

impl Form {
    fn from_pairs(p: &[(String, String)]) -> Form {
        let d = Form::default();
        let or = |name: &str, dflt: String| {
            let v = value(p, name);
            if v.trim().is_empty() { dflt } else { v }
        };
        Form {
            contacts_per_year: or("contacts_per_year", d.contacts_per_year),
            phone_aht_s: or("phone_aht_s", d.phone_aht_s),
            l2_aht_s: or("l2_aht_s", d.l2_aht_s),
            offline_aht_s: or("offline_aht_s", d.offline_aht_s),
            patience_s: or("patience_s", d.patience_s),
            l2_share: or("l2_share", d.l2_share),
            target_share: or("target_share", d.target_share),
            target_s: or("target_s", d.target_s),
            max_abandon: or("max_abandon", d.max_abandon),
            weekday: or("weekday", d.weekday),
            saturday: or("saturday", d.saturday),
            day: or("day", d.day),
            seed: or("seed", d.seed),
            verify: p.iter().any(|(k, v)| k == "verify" && v != "0"),
        }
    }

    /// The traffic model, or a message naming the field that is wrong.
    fn traffic(&self) -> Result<(Traffic, NaiveDate, u64), AppError> {
        let bad = |field: &str, v: &str| AppError::BadRequest(format!("{field}: {v:?} is not a number"));
        let num = |field: &str, v: &str| -> Result<f64, AppError> {
            v.trim().replace(',', ".").parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| bad(field, v))
        };
        let mut t = Traffic::default();
        t.contacts_per_year = num("contatti l'anno / contacts a year", &self.contacts_per_year)?;
        t.phone_aht_s = num("TMG primo livello / L1 AHT", &self.phone_aht_s)?;
        t.l2_aht_s = num("TMG secondo livello / L2 AHT", &self.l2_aht_s)?;
        t.offline_aht_s = num("TMG offline / offline AHT", &self.offline_aht_s)?;
        t.patience_s = num("pazienza / patience", &self.patience_s)?;
        t.l2_share = num("quota L2 / L2 share", &self.l2_share)? / 100.0;
        t.sla.answer_share = num("obiettivo % / target %", &self.target_share)? / 100.0;
        t.sla.answer_within_s = num("entro secondi / within seconds", &self.target_s)?;
        t.sla.max_abandoned = num("abbandoni max / max abandoned", &self.max_abandon)? / 100.0;
        t.phone_hourly.weekday = hourly("profilo feriale / weekday profile", &self.weekday)?;
        t.phone_hourly.saturday = hourly("profilo del sabato / Saturday profile", &self.saturday)?;
        t.validate().map_err(|e| AppError::BadRequest(e.to_string()))?;
        let day = NaiveDate::parse_from_str(self.day.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest(format!("giorno simulato / simulated day: {:?} is not a date YYYY-MM-DD", self.day)))?;
        let seed = self.seed.trim().parse::<u64>().map_err(|_| bad("seme / seed", &self.seed))?;
        Ok((t, day, seed))
    }
}

/// An hourly profile from `hour;calls` lines (the staffing calculator's
/// format: `;`, tab or `,` separated, `#` comments, a header allowed);
/// hours not listed are 0.
fn hourly(field: &str, text: &str) -> Result<Vec<f64>, AppError> {
    let intervals = telephony::staffing::parse_profile(text).map_err(|e| AppError::BadRequest(format!("{field}: {e}")))?;
    let mut out = vec![0.0; HOURS];
    let mut seen = [false; HOURS];
    for i in intervals {
        let digits: String = i.label.trim().chars().take_while(char::is_ascii_digit).collect();
        let hour =
            digits.parse::<usize>().ok().filter(|h| *h < HOURS).ok_or_else(|| {
                AppError::BadRequest(format!("{field}: {:?} is not an hour of the day (0 to 23, e.g. 08 or 08:00)", i.label))
            })?;
        if std::mem::replace(&mut seen[hour], true) {
            return Err(AppError::BadRequest(format!("{field}: hour {hour:02} is given twice")));
        }
        out[hour] = i.calls;
    }
    Ok(out)
}

/// `GET /telephony/dimensioning`: the form with the tender's model and
/// its results.
async fn page(State(state): State<AppState>, user: User) -> PageResult {
    user.require(PLANNERS)?;
    respond(&state, &user, Form::default()).await
}

/// `POST /telephony/dimensioning` (multipart, so that a profile file may
/// come with it): recalculates.
async fn calculate(State(state): State<AppState>, user: User, multipart: Result<Multipart, MultipartRejection>) -> PageResult {
    user.require(PLANNERS)?;
    let (fields, file) = match read_multipart(multipart, MAX_PROFILE_BYTES).await {
        Ok(r) => r,
        Err(e) => return refused(&state, &user, Form::default(), e),
    };
    let mut form = Form::from_pairs(&fields);
    if let Some(bytes) = file.filter(|b| !b.is_empty()) {
        let Ok(text) = String::from_utf8(bytes) else {
            return refused(&state, &user, form, AppError::BadRequest("the profile file is not UTF-8 text (hour;calls lines)".into()));
        };
        if value(&fields, "file_for") == "saturday" {
            form.saturday = text;
        } else {
            form.weekday = text;
        }
    }
    respond(&state, &user, form).await
}

fn refused(state: &AppState, user: &User, form: Form, e: AppError) -> PageResult {
    let (status, message) = shown(e)?;
    let ctx = json!({"user": user.view(), "form": form, "error": message});
    render(state, user, "dimensioning.html", status, ctx)
}

/// What the page shows once calculated.
struct Outcome {
    rec: Recommendation,
    day: simulate::Report,
    plan_toml: String,
}

async fn respond(state: &AppState, user: &User, form: Form) -> PageResult {
    let (traffic, day, seed) = match form.traffic() {
        Ok(t) => t,
        Err(e) => return refused(state, user, form, e),
    };
    let cfg = state.config.telephony.clone();
    let verify = form.verify;
    let outcome = tokio::task::spawn_blocking(move || -> Result<Outcome, telephony::Error> {
        let mut rec = simulate::recommend(&traffic, cfg.wrap_up_s, day)?;
        if verify {
            simulate::plan::verify(&mut rec, &traffic, &cfg, day, seed)?;
        }
        let opts = SimOptions { start: day, days: 1, seed };
        let report = simulate::simulate(cfg, &traffic, &rec.plan, opts, None)?;
        let plan_toml = rec.plan.to_toml(&format!("Piano raccomandato per {:.0} contatti l'anno", traffic.contacts_per_year));
        Ok(Outcome { rec, day: report, plan_toml })
    })
    .await?;
    let o = match outcome {
        Ok(o) => o,
        Err(e) => return refused(state, user, form, AppError::BadRequest(e.to_string())),
    };
    let kinds: Vec<serde_json::Value> = o
        .rec
        .advice
        .iter()
        .filter(|(_, hours)| hours.iter().any(|a| a.l1 + a.l2 + a.offline > 0))
        .map(|(kind, hours)| {
            let rows: Vec<_> = hours.iter().filter(|a| a.l1 + a.l2 + a.offline > 0 || a.calls >= 0.05).collect();
            json!({
                "kind": kind,
                "chart": staffing_chart(hours),
                "rows": rows.iter().map(|a| json!({
                    "hour": format!("{:02}:00", a.hour), "calls": format!("{:.1}", a.calls), "l1": a.l1,
                    "sl": pct(a.service_level), "asa": format!("{:.1}", a.asa_s), "occupancy": pct(a.occupancy),
                    "abandoned": a.abandon_share.map(pct), "l2": a.l2, "offline": a.offline,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let d = o.day.days.first();
    let total = o.day.total();
    let day_rows: Vec<_> = d
        .map(|d| {
            d.hours
                .iter()
                .enumerate()
                .filter(|(_, m)| m.calls > 0 || m.staffed_s > 0.0)
                .map(|(h, m)| {
                    json!({
                        "hour": format!("{h:02}:00"), "calls": m.calls, "queued": m.queued, "sl": m.service_level().map(pct),
                        "within_max": m.within_max_share().map(pct), "abandoned": m.abandon_share().map(pct),
                        "asa": m.asa_s().map(|v| format!("{v:.1}")), "occupancy": m.occupancy().map(pct),
                        "agents": format!("{:.0}", m.staffed_s / 3600.0),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let verdict = simulate::report::Verdict::of(&total, &o.day.sla);
    let ctx = json!({
        "user": user.view(),
        "form": form,
        "kinds": kinds,
        "weekly_agent_hours": o.rec.weekly_agent_hours,
        "weekday_contacts": format!("{:.0}", o.rec.weekday_contacts),
        "added": o.rec.added_by_simulation.iter().map(|(k, h)| json!({"kind": k, "hour": format!("{h:02}:00")})).collect::<Vec<_>>(),
        "plan_toml": o.plan_toml,
        "day": {
            "date": d.map(|d| d.date.format("%d/%m/%Y").to_string()),
            "holiday": d.is_some_and(|d| d.holiday),
            "chart": d.map(|d| day_chart(&d.hours)).unwrap_or_default(),
            "rows": day_rows,
            "calls": total.calls, "queued": total.queued, "after_hours": total.after_hours, "offline": total.offline_items,
            "sl": total.service_level().map(pct), "within_max": total.within_max_share().map(pct),
            "abandoned": total.abandon_share().map(pct), "asa": total.asa_s().map(|v| format!("{v:.1}")),
            "occupancy": total.occupancy().map(pct), "met": verdict.met(), "events": o.day.events,
        },
    });
    render(state, user, "dimensioning.html", StatusCode::OK, ctx)
}

/// `POST /telephony/dimensioning/plan.toml`: the plan shown, as a file
/// for `centralino simulate --staffing` (checked before it is sent).
async fn download(user: User, body: Bytes) -> PageResult {
    user.require(PLANNERS)?;
    let pairs = super::admin::form_pairs(&body)?;
    let text = value(&pairs, "plan");
    StaffingPlan::from_toml(&text).map_err(|e| AppError::BadRequest(format!("the plan is not valid: {e}")))?;
    let mut resp = text.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/toml; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"piano-presidio.toml\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

// ----- charts (inline SVG, numbers only) -----

const W: f64 = 720.0;
const H: f64 = 220.0;
const LEFT: f64 = 36.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 10.0;

fn axis(out: &mut String, max: f64, unit: &str) {
    let plot_h = H - BOTTOM - TOP;
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let y = H - BOTTOM - plot_h * f64::from(i) / 4.0;
        out.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{W}\" y2=\"{y:.1}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.0}{unit}</text>",
            LEFT - 4.0,
            y + 4.0
        ));
    }
    let step = (W - LEFT) / HOURS as f64;
    for h in (0..HOURS).step_by(2) {
        out.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{h:02}</text>",
            LEFT + step * (h as f64 + 0.5),
            H - 6.0
        ));
    }
}

/// Stacked bars of L1, L2 and offline agents per hour, and the expected
/// calls as a line on the right-hand scale.
fn staffing_chart(hours: &[telephony::simulate::plan::HourAdvice]) -> String {
    let max_agents = hours.iter().map(|a| a.l1 + a.l2 + a.offline).max().unwrap_or(0).max(1);
    let max_agents = f64::from(max_agents.div_ceil(4) * 4);
    let max_calls = hours.iter().map(|a| a.calls).fold(0.0, f64::max).max(1.0);
    let plot_h = H - BOTTOM - TOP;
    let step = (W - LEFT) / HOURS as f64;
    let mut s = format!("<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" preserveAspectRatio=\"none\">");
    axis(&mut s, max_agents, "");
    for a in hours {
        let x = LEFT + step * a.hour as f64 + 3.0;
        let mut y = H - BOTTOM;
        for (n, class) in [(a.l1, "l1"), (a.l2, "l2"), (a.offline, "offline")] {
            let h = plot_h * f64::from(n) / max_agents;
            if h > 0.0 {
                y -= h;
                s.push_str(&format!(
                    "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{:02}:00 {class}: {n}</title></rect>",
                    step - 6.0,
                    a.hour
                ));
            }
        }
    }
    let points: Vec<String> = hours
        .iter()
        .map(|a| format!("{:.1},{:.1}", LEFT + step * (a.hour as f64 + 0.5), H - BOTTOM - plot_h * a.calls / max_calls))
        .collect();
    s.push_str(&format!("<polyline class=\"calls\" fill=\"none\" points=\"{}\"/>", points.join(" ")));
    s.push_str(&format!(
        "<text class=\"tick calls-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{max_calls:.0} /h</text></svg>",
        W - 2.0,
        TOP + 10.0
    ));
    s
}

/// Calls per hour as bars, the service level as a line (right scale 0-100 %),
/// the agents signed in as dots.
fn day_chart(hours: &[simulate::Metrics]) -> String {
    let max_calls = hours.iter().map(|m| m.calls).max().unwrap_or(0).max(4);
    let max_calls = (max_calls.div_ceil(20) * 20) as f64;
    let plot_h = H - BOTTOM - TOP;
    let step = (W - LEFT) / HOURS as f64;
    let mut s = format!("<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" preserveAspectRatio=\"none\">");
    axis(&mut s, max_calls, "");
    for (h, m) in hours.iter().enumerate() {
        let x = LEFT + step * h as f64 + 3.0;
        let bh = plot_h * m.calls as f64 / max_calls;
        s.push_str(&format!(
            "<rect class=\"calls\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\"><title>{h:02}:00: {} chiamate</title></rect>",
            H - BOTTOM - bh,
            step - 6.0,
            m.calls
        ));
        let agents = m.staffed_s / 3600.0;
        if agents > 0.0 {
            s.push_str(&format!(
                "<text class=\"agents\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{agents:.0}<title>{h:02}:00: {agents:.0} operatori L1</title></text>",
                LEFT + step * (h as f64 + 0.5),
                H - BOTTOM - bh - 3.0
            ));
        }
    }
    let points: Vec<String> = hours
        .iter()
        .enumerate()
        .filter_map(|(h, m)| m.service_level().map(|sl| format!("{:.1},{:.1}", LEFT + step * (h as f64 + 0.5), H - BOTTOM - plot_h * sl)))
        .collect();
    if !points.is_empty() {
        s.push_str(&format!("<polyline class=\"sl\" fill=\"none\" points=\"{}\"/>", points.join(" ")));
        for (v, label) in [(0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %")] {
            s.push_str(&format!(
                "<text class=\"tick sl-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
                W - 2.0,
                H - BOTTOM - plot_h * v + if v > 0.9 { 10.0 } else { -3.0 }
            ));
        }
        let y90 = H - BOTTOM - plot_h * 0.9;
        s.push_str(&format!(
            "<line class=\"target\" x1=\"{LEFT}\" y1=\"{y90:.1}\" x2=\"{W}\" y2=\"{y90:.1}\"/><text class=\"tick sl-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">90 %</text>",
            W - 2.0,
            y90 - 3.0
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_by_hour_and_errors_name_the_line() {
        let p = hourly("weekday", "ora;chiamate\n08:00;12\n9;20,5\n# pausa\n23-24;1").unwrap();
        assert_eq!((p[8], p[9], p[23], p[10]), (12.0, 20.5, 1.0, 0.0));
        let e = hourly("weekday", "08;1\n08:00;2").unwrap_err().message();
        assert!(e.contains("twice"), "{e}");
        let e = hourly("weekday", "25;1").unwrap_err().message();
        assert!(e.contains("hour"), "{e}");
        let e = hourly("weekday", "08;1\n09;abc").unwrap_err().message();
        assert!(e.contains("line 2") && e.contains("abc"), "{e}");
    }

    #[test]
    fn charts_are_numbers_only() {
        let t = Traffic::default();
        let rec = simulate::recommend(&t, 15, NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()).unwrap();
        let svg = staffing_chart(&rec.advice[0].1);
        assert!(svg.starts_with("<svg") && svg.contains("class=\"l1\"") && svg.contains("polyline"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let day = day_chart(&vec![simulate::Metrics::default(); HOURS]);
        assert!(day.starts_with("<svg") && !day.contains("NaN"));
    }
}
