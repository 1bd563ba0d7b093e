//! The operator console (agent state, offers with the time already
//! waited, the caller's record and tickets beside the knowledge search,
//! call control) and the supervisor wallboard (live by server-sent events,
//! printable), TEL-5.

use super::{non_blank, see_other};
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use kb::Role;
use serde::Deserialize;
use serde_json::json;
use std::convert::Infallible;
use telephony::{AgentStatus, ContactType, EventKind, Notice, Skill, TransferMode, TransferTarget, Wallboard, WorkMode};

/// Who works at the console.
const AGENTS: &[Role] = &[Role::OperatorL1, Role::OperatorL2];
/// Who watches the wallboard.
const SUPERVISORS: &[Role] = &[Role::Supervisor, Role::Admin];

/// The console and wallboard routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(console))
        .route("/console/panel", get(panel))
        .route("/console/events", get(console_events))
        .route("/console/state", post(set_state))
        .route("/console/answer", post(answer))
        .route("/console/hangup", post(hangup))
        .route("/console/work-done", post(work_done))
        .route("/console/close", post(close_first_contact))
        .route("/console/transfer-l2", post(transfer_l2))
        .route("/console/transfer", post(transfer))
        .route("/console/transfer-failed", post(transfer_failed))
        .route("/console/callback", post(callback))
        .route("/wallboard", get(wallboard))
        .route("/wallboard/events", get(wallboard_events))
        .route("/wallboard/sampling", post(sampling))
        .route("/wallboard/agents/{id}/mode", post(agent_mode))
}

fn skills_of(user: &User) -> Vec<Skill> {
    if user.actor.roles.has(Role::OperatorL2) { vec![Skill::L1, Skill::L2] } else { vec![Skill::L1] }
}

/// The console's data: the agent, the contact in hand, the caller's record
/// and tickets, suggestions, the directory for transfers.
async fn panel_context(state: &AppState, user: &User) -> Result<serde_json::Value, AppError> {
    let me = user.actor.username.clone();
    let now = state.telephony.now();
    let (agent, call) = {
        let engine = state.telephony.engine();
        let agent = engine.agent(&me, now);
        let call = agent.as_ref().and_then(|a| a.contact.clone()).and_then(|c| engine.call(&c, now));
        (agent, call)
    };
    let work = agent.as_ref().filter(|a| a.status == AgentStatus::OfflineWork).and_then(|a| a.contact.clone());
    let ticket_id = call.as_ref().and_then(|c| c.ticket.clone()).or(work.clone());
    let actor = user.actor.clone();
    let caller = call.as_ref().and_then(|c| c.caller.clone());
    let contact_id = call.as_ref().and_then(|c| c.contact.clone());
    let crm_data = state
        .crm(move |crm| {
            let contact = match (&contact_id, &caller) {
                (Some(id), _) => crm.contact(&actor, id).ok(),
                (None, Some(phone)) => crm.find_by_phone(&actor, phone).ok().and_then(|v| v.into_iter().next()),
                _ => None,
            };
            let history = match &contact {
                Some(c) => {
                    let f = crm::TicketFilter { contact: Some(c.id.clone()), limit: 10, ..crm::TicketFilter::default() };
                    crm.list_tickets(&actor, &f).map(|l| l.rows).unwrap_or_default()
                }
                None => Vec::new(),
            };
            let ticket = ticket_id.as_deref().and_then(|t| crm.ticket(&actor, t).ok());
            // Suggestions from the open ticket, else from the caller's last one.
            let basis = ticket_id.clone().or_else(|| history.first().map(|t| t.ticket.id.clone()));
            let suggestions = basis.and_then(|t| crm.suggest_items(&actor, &t, 5).ok()).unwrap_or_default();
            Ok(json!({"contact": contact, "history": history, "ticket": ticket, "suggestions": suggestions}))
        })
        .await?;
    let directory = state
        .blocking(|kb| {
            let people: Vec<_> = kb.people()?.into_iter().filter(|p| p.extension.as_deref().is_some_and(|x| !x.trim().is_empty())).collect();
            let offices: Vec<_> = kb.offices()?.into_iter().filter(|o| o.extension.as_deref().is_some_and(|x| !x.trim().is_empty())).collect();
            Ok(json!({"people": people.iter().map(|p| json!({"name": p.full_name(), "extension": p.extension, "office": p.office})).collect::<Vec<_>>(),
                      "offices": offices.iter().map(|o| json!({"name": o.name, "extension": o.extension})).collect::<Vec<_>>()}))
        })
        .await?;
    Ok(json!({
        "user": user.view(),
        "agent": agent,
        "call": call,
        "work": work,
        "crm": crm_data,
        "directory": directory,
        "skills": skills_of(user).iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "pause_reasons": ["pausa", "formazione", "riunione", "back office"],
    }))
}

async fn console(State(state): State<AppState>, user: User) -> PageResult {
    user.require(AGENTS)?;
    let ctx = panel_context(&state, &user).await?;
    Ok(state.ui.render("console.html", user.lang, ctx)?.into_response())
}

/// The call panel alone (the console reloads it on each notice).
async fn panel(State(state): State<AppState>, user: User) -> PageResult {
    user.require(AGENTS)?;
    let ctx = panel_context(&state, &user).await?;
    Ok(state.ui.render("console_panel.html", user.lang, ctx)?.into_response())
}

/// Server-sent events for this agent only: offers (with channel and
/// seconds waited), answers, tickets opened, state changes.
async fn console_events(State(state): State<AppState>, user: User) -> Result<Response, AppError> {
    user.require(AGENTS)?;
    let me = user.actor.username.clone();
    let hello = {
        let engine = state.telephony.engine();
        json!({"kind": "hello", "agent": engine.agent(&me, state.telephony.now())}).to_string()
    };
    let stream = notices(&state, hello.into(), "agent", move |n| match n {
        Notice::Agent { agent, json } if agent == me => Some(json),
        _ => None,
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// A stream of server-sent events of kind `event`: `first`, then every
/// notice `pick` keeps; it ends when the service stops (so that a server
/// shutdown is not held up by open pages).
fn notices(
    state: &AppState,
    first: std::sync::Arc<str>,
    event: &'static str,
    pick: impl Fn(Notice) -> Option<std::sync::Arc<str>> + Send + 'static,
) -> impl futures_util::Stream<Item = Result<Event, Infallible>> + Send + 'static {
    let rx = state.telephony.subscribe();
    let stop = state.telephony.shutdown_signal();
    futures_util::stream::unfold((rx, Some(first), stop, pick), move |(mut rx, first, mut stop, pick)| async move {
        if let Some(f) = first {
            return Some((Ok(Event::default().event(event).data(&*f)), (rx, None, stop, pick)));
        }
        loop {
            if *stop.borrow() {
                return None;
            }
            let next = tokio::select! {
                n = rx.recv() => n,
                _ = stop.changed() => return None,
            };
            match next {
                Ok(n) => {
                    if let Some(json) = pick(n) {
                        return Some((Ok(Event::default().event(event).data(&*json)), (rx, None, stop, pick)));
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}

#[derive(Deserialize, Default, Debug)]
pub struct StateForm {
    state: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    terminal: Option<String>,
    #[serde(default)]
    mode: Option<String>,
}

fn parse_mode(s: &str) -> Result<WorkMode, AppError> {
    match s.trim() {
        "online" => Ok(WorkMode::Online),
        "offline" => Ok(WorkMode::Offline),
        "blended" => Ok(WorkMode::Blended),
        o => Err(AppError::BadRequest(format!("unknown work mode {o:?}: online, offline or blended"))),
    }
}

/// Log-in (ready with a terminal), ready, pause with a reason, log-out.
async fn set_state(State(state): State<AppState>, user: User, Form(f): Form<StateForm>) -> PageResult {
    user.require(AGENTS)?;
    let status = match f.state.as_str() {
        "ready" => AgentStatus::Ready,
        "paused" => AgentStatus::Paused,
        "logged_out" => AgentStatus::LoggedOut,
        o => return Err(AppError::BadRequest(format!("unknown state {o:?}: ready, paused or logged_out"))),
    };
    let mode = f.mode.as_deref().filter(|m| !m.trim().is_empty()).map(parse_mode).transpose()?;
    let me = user.actor.username.clone();
    let skills = skills_of(&user);
    let known = state.telephony.engine().agent(&me, state.telephony.now()).is_some_and(|a| a.status != AgentStatus::LoggedOut);
    let terminal = non_blank(&f.terminal);
    let reason = non_blank(&f.reason);
    state
        .telephony
        .console(EventKind::AgentState, move |e| {
            e.agent = Some(me);
            e.state = Some(status);
            e.reason = reason;
            if !known {
                e.skills = Some(skills);
                e.terminal = terminal;
                e.work_mode = mode;
            }
        })
        .await?;
    Ok(see_other("/console"))
}

/// The current call of this agent (ringing or in conversation).
fn my_call(state: &AppState, user: &User) -> Result<String, AppError> {
    let engine = state.telephony.engine();
    let now = state.telephony.now();
    engine
        .agent(&user.actor.username, now)
        .and_then(|a| a.contact)
        .filter(|c| engine.call(c, now).is_some())
        .ok_or_else(|| AppError::Conflict("no call in hand".into()))
}

/// Answers the call being offered (call control from the console, TEL-5).
async fn answer(State(state): State<AppState>, user: User) -> PageResult {
    user.require(AGENTS)?;
    let call = my_call(&state, &user)?;
    let me = user.actor.username.clone();
    state
        .telephony
        .console(EventKind::Answered, move |e| {
            e.call = Some(call);
            e.agent = Some(me);
        })
        .await?;
    Ok(see_other("/console"))
}

/// Ends the call in hand.
async fn hangup(State(state): State<AppState>, user: User) -> PageResult {
    user.require(AGENTS)?;
    let call = my_call(&state, &user)?;
    state.telephony.console(EventKind::Ended, move |e| e.call = Some(call)).await?;
    Ok(see_other("/console"))
}

/// The offline item in hand is done.
async fn work_done(State(state): State<AppState>, user: User) -> PageResult {
    user.require(AGENTS)?;
    let me = user.actor.username.clone();
    let work = state
        .telephony
        .engine()
        .agent(&me, state.telephony.now())
        .filter(|a| a.status == AgentStatus::OfflineWork)
        .and_then(|a| a.contact)
        .ok_or_else(|| AppError::Conflict("no offline item in hand".into()))?;
    state
        .telephony
        .console(EventKind::WorkDone, move |e| {
            e.work = Some(work);
            e.agent = Some(me);
        })
        .await?;
    Ok(see_other("/console"))
}

#[derive(Deserialize, Default, Debug)]
pub struct CloseForm {
    ticket: String,
    answer: String,
}

/// Closes the ticket at first contact with the answer given (CRM-11, SLA.C.4).
async fn close_first_contact(State(state): State<AppState>, user: User, Form(f): Form<CloseForm>) -> PageResult {
    user.require(AGENTS)?;
    let actor = user.actor.clone();
    state.crm(move |crm| Ok(crm.act(&actor, &f.ticket, None, crm::Action::Close { answer: f.answer })?)).await?;
    Ok(see_other("/console"))
}

/// Warm transfer to the second level with the ticket (CRM-6).
async fn transfer_l2(State(state): State<AppState>, user: User) -> PageResult {
    user.require(AGENTS)?;
    let call = my_call(&state, &user)?;
    state
        .telephony
        .console(EventKind::Transferred, move |e| {
            e.call = Some(call);
            e.target = Some(TransferTarget::L2);
            e.mode = Some(TransferMode::Warm);
        })
        .await?;
    Ok(see_other("/console"))
}

#[derive(Deserialize, Default, Debug)]
pub struct TransferForm {
    extension: String,
    #[serde(default)]
    mode: Option<String>,
}

/// Blind or announced transfer to an office or employee extension (TEL-7).
async fn transfer(State(state): State<AppState>, user: User, Form(f): Form<TransferForm>) -> PageResult {
    user.require(AGENTS)?;
    let call = my_call(&state, &user)?;
    let ext = f.extension.trim().to_owned();
    if ext.is_empty() {
        return Err(AppError::BadRequest("choose an extension from the directory".into()));
    }
    let mode = match f.mode.as_deref() {
        Some("blind") => TransferMode::Blind,
        _ => TransferMode::Announced,
    };
    state
        .telephony
        .console(EventKind::Transferred, move |e| {
            e.call = Some(call);
            e.target = Some(TransferTarget::Extension);
            e.extension = Some(ext);
            e.mode = Some(mode);
        })
        .await?;
    Ok(see_other("/console"))
}

#[derive(Deserialize, Default, Debug)]
pub struct FailedForm {
    call: String,
    extension: String,
}

/// The employee did not answer: a return-call request (CRM-13).
async fn transfer_failed(State(state): State<AppState>, user: User, Form(f): Form<FailedForm>) -> PageResult {
    user.require(AGENTS)?;
    state
        .telephony
        .console(EventKind::TransferFailed, move |e| {
            e.call = Some(f.call);
            e.extension = Some(f.extension);
        })
        .await?;
    Ok(see_other("/return-calls"))
}

#[derive(Deserialize, Default, Debug)]
pub struct CallbackForm {
    ticket: String,
    due: String,
    #[serde(default)]
    note: String,
}

/// Schedules a call-back on the ticket (CRM-8).
async fn callback(State(state): State<AppState>, user: User, Form(f): Form<CallbackForm>) -> PageResult {
    user.require(AGENTS)?;
    let due = parse_local(&state, &f.due)?;
    let actor = user.actor.clone();
    state.crm(move |crm| Ok(crm.schedule_callback(&actor, &f.ticket, due, &f.note, None)?)).await?;
    Ok(see_other("/console"))
}

/// `YYYY-MM-DDTHH:MM` in the service's time zone.
fn parse_local(state: &AppState, s: &str) -> Result<DateTime<Utc>, AppError> {
    let naive = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| AppError::BadRequest(format!("due {s:?}: use the date and time picker (YYYY-MM-DDTHH:MM)")))?;
    let tz = state.crm.clocks().calendar().timezone();
    naive
        .and_local_timezone(tz)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| AppError::BadRequest(format!("due {s:?} does not exist in local time")))
}

// ----- wallboard -----

#[derive(Deserialize, Default, Debug)]
pub struct WallboardParams {
    print: Option<String>,
}

/// SVG polyline points of the queue-wait chart, per contact type.
fn chart_lines(wb: &Wallboard) -> Vec<serde_json::Value> {
    let (w, h) = (800.0_f64, 200.0_f64);
    let max = wb.chart.iter().flat_map(|s| s.wait_s.iter().map(|(_, v)| *v)).max().unwrap_or(0).max(30) as f64;
    let n = wb.chart.len().max(2) as f64 - 1.0;
    ContactType::ALL
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            let points: Vec<String> = wb
                .chart
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let v = s.wait_s.get(ti).map_or(0, |(_, v)| *v) as f64;
                    format!("{:.1},{:.1}", i as f64 / n * w, h - v / max * h)
                })
                .collect();
            json!({"channel": t.as_str(), "label": t.label(), "points": points.join(" ")})
        })
        .collect()
}

async fn wallboard(State(state): State<AppState>, user: User, Query(p): Query<WallboardParams>) -> PageResult {
    user.require(SUPERVISORS)?;
    let wb = state.telephony.wallboard();
    let lines = chart_lines(&wb);
    let tz = state.crm.clocks().calendar().timezone();
    let at = wb.at.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S").to_string();
    let agents: Vec<_> =
        state.telephony.engine().agents(state.telephony.now()).into_iter().filter(|a| a.status != AgentStatus::LoggedOut).collect();
    let ctx = json!({
        "user": user.view(),
        "agents": agents,
        "wb": wb,
        "at": at,
        "lines": lines,
        "print": p.print.is_some(),
        "thresholds": state.telephony.engine().config().thresholds,
    });
    Ok(state.ui.render("wallboard.html", user.lang, ctx)?.into_response())
}

/// Server-sent events: the wallboard as JSON at each change (at most ten
/// a second) and at least every second.
async fn wallboard_events(State(state): State<AppState>, user: User) -> Result<Response, AppError> {
    user.require(SUPERVISORS)?;
    let first = state.telephony.wallboard_json();
    let stream = notices(&state, first, "wallboard", |n| match n {
        Notice::Wallboard(json) => Some(json),
        Notice::Agent { .. } => None,
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

#[derive(Deserialize, Default, Debug)]
pub struct SamplingForm {
    sample_s: String,
}

/// The chart's sampling frequency (TEL-5: chosen by the supervisor).
async fn sampling(State(state): State<AppState>, user: User, Form(f): Form<SamplingForm>) -> PageResult {
    user.require(SUPERVISORS)?;
    let s: u64 = f.sample_s.trim().parse().map_err(|_| AppError::BadRequest(format!("sampling {:?}: a number of seconds", f.sample_s)))?;
    state.telephony.set_sample_s(s)?;
    Ok(see_other("/wallboard"))
}

#[derive(Deserialize, Default, Debug)]
pub struct ModeForm {
    mode: String,
}

/// Assigns an agent to online, offline or blended work (CRM-9).
async fn agent_mode(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<ModeForm>) -> PageResult {
    user.require(SUPERVISORS)?;
    let mode = parse_mode(&f.mode)?;
    if state.telephony.engine().agent(&id, state.telephony.now()).is_none() {
        return Err(AppError::NotFound(format!("agent {id:?} has not signed in to the ACD today")));
    }
    state
        .telephony
        .console(EventKind::AgentState, move |e| {
            e.agent = Some(id);
            e.work_mode = Some(mode);
        })
        .await?;
    Ok(see_other("/wallboard"))
}
