//! CRM pages for tickets: lists with filters and working-time countdowns
//! (all, second-level inbox, third-level triage, office inbox), the ticket
//! page with its full path and the actions its state allows, opening a
//! ticket, call-backs and "propose as knowledge".

use super::{non_blank, see_other};
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult};
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use crm::{Action, Channel, Desk, NewTicket, Priority, Sort, TicketFilter, TicketState};
use kb::{Level, Role};
use serde::Deserialize;
use serde_json::json;

/// Who works with tickets (office staff see their office's only).
pub const CRM_USERS: &[Role] = &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Office];
/// Who opens tickets and works the first level.
pub const OPERATORS: &[Role] = &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(list))
        .route("/tickets/l2", get(l2_inbox))
        .route("/tickets/triage", get(triage))
        .route("/tickets/office", get(office_inbox))
        .route("/tickets/new", get(new_form).post(create))
        .route("/tickets/{id}", get(page))
        .route("/tickets/{id}/act", post(act))
        .route("/tickets/{id}/callbacks", post(schedule_callback))
        .route("/tickets/{id}/propose", post(propose))
        .route("/tickets/{id}/send-forms", post(send_forms))
        .route("/tickets/{id}/attachments", post(upload_attachment))
        .route("/tickets/{id}/attachments/{att}", get(download_attachment))
        .route("/tickets/{id}/messages/{message}/retry", post(retry_message))
        .route("/callbacks", get(callbacks))
        .route("/callbacks/{id}/done", post(callback_done))
}

/// Query of ticket lists (all optional; blank means absent).
#[derive(Deserialize, Default, Debug, Clone)]
pub struct ListParams {
    state: Option<String>,
    desk: Option<String>,
    channel: Option<String>,
    office: Option<String>,
    overdue: Option<String>,
    open: Option<String>,
    mine: Option<String>,
    contact: Option<String>,
    sort: Option<String>,
    page: Option<usize>,
}

const PAGE_SIZE: usize = 50;

impl ListParams {
    fn filter(&self, user: &User) -> Result<TicketFilter, AppError> {
        let bad = |e: crm::Error| AppError::BadRequest(e.to_string());
        Ok(TicketFilter {
            states: non_blank(&self.state).map(|s| TicketState::parse(&s)).transpose().map_err(bad)?.into_iter().collect(),
            open: self.open.is_some(),
            desk: non_blank(&self.desk).map(|s| Desk::parse(&s)).transpose().map_err(bad)?,
            channel: non_blank(&self.channel).map(|s| Channel::parse(&s)).transpose().map_err(bad)?,
            office: non_blank(&self.office),
            overdue: self.overdue.is_some(),
            assignee: self.mine.is_some().then(|| user.actor.username.clone()),
            contact: non_blank(&self.contact),
            sort: match self.sort.as_deref() {
                Some("newest") => Sort::Newest,
                Some("oldest") => Sort::Oldest,
                _ => Sort::Urgency,
            },
            offset: self.page.unwrap_or(0).min(10_000) * PAGE_SIZE,
            limit: PAGE_SIZE,
            ..TicketFilter::default()
        })
    }
}

async fn render_list(state: AppState, user: User, p: ListParams, title_key: &'static str, preset: TicketFilter) -> PageResult {
    user.require(CRM_USERS)?;
    let mut f = p.filter(&user)?;
    if preset.desk.is_some() {
        f.desk = preset.desk;
    }
    if preset.office.is_some() {
        f.office = preset.office.clone();
    }
    if preset.open {
        f.open = true;
    }
    let actor = user.actor.clone();
    let (listing, offices) = state
        .crm(move |crm| {
            let listing = crm.list_tickets(&actor, &f)?;
            let offices = crm.kb().offices()?;
            Ok((listing, offices))
        })
        .await?;
    let qs: String = [
        ("state", &p.state),
        ("desk", &p.desk),
        ("channel", &p.channel),
        ("office", &p.office),
        ("overdue", &p.overdue),
        ("open", &p.open),
        ("mine", &p.mine),
        ("contact", &p.contact),
        ("sort", &p.sort),
    ]
    .iter()
    .filter_map(|(k, v)| non_blank(v).map(|v| format!("{k}={}&", crate::auth::urlencode(&v))))
    .collect();
    let ctx = json!({
        "user": user.view(),
        "title_key": title_key,
        "qs": qs,
        "listing": listing,
        "params": {"state": p.state, "desk": p.desk, "channel": p.channel, "office": p.office, "overdue": p.overdue.is_some(),
                   "open": p.open.is_some(), "mine": p.mine.is_some(), "contact": p.contact, "sort": p.sort},
        "page": p.page.unwrap_or(0),
        "page_size": PAGE_SIZE,
        "states": TicketState::ALL.iter().map(|s| json!({"id": s.as_str(), "label": s.label()})).collect::<Vec<_>>(),
        "channels": Channel::ALL.iter().map(|c| json!({"id": c.as_str(), "label": c.label()})).collect::<Vec<_>>(),
        "offices": offices.iter().map(|o| json!({"code": o.code, "name": o.name})).collect::<Vec<_>>(),
        "preset": preset.desk.map(|d| d.as_str()),
    });
    Ok(state.ui.render("tickets.html", user.lang, ctx)?.into_response())
}

async fn list(State(state): State<AppState>, user: User, Query(p): Query<ListParams>) -> PageResult {
    render_list(state, user, p, "crm_tickets", TicketFilter::default()).await
}

async fn l2_inbox(State(state): State<AppState>, user: User, Query(p): Query<ListParams>) -> PageResult {
    user.require(&[Role::OperatorL2, Role::Supervisor, Role::Admin])?;
    render_list(state, user, p, "crm_l2_inbox", TicketFilter { desk: Some(Desk::L2), open: true, ..TicketFilter::default() }).await
}

async fn triage(State(state): State<AppState>, user: User, Query(p): Query<ListParams>) -> PageResult {
    user.require(&[Role::OperatorL2, Role::Supervisor, Role::Admin])?;
    render_list(state, user, p, "crm_triage", TicketFilter { desk: Some(Desk::L3), open: true, ..TicketFilter::default() }).await
}

async fn office_inbox(State(state): State<AppState>, user: User, Query(p): Query<ListParams>) -> PageResult {
    user.require(&[Role::Office, Role::Supervisor, Role::Admin])?;
    let office = user.actor.office.clone();
    render_list(
        state,
        user,
        p,
        "Richieste dell'ufficio",
        TicketFilter { desk: Some(Desk::Office), office, open: true, ..TicketFilter::default() },
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct NewParams {
    contact: Option<String>,
    channel: Option<String>,
}

async fn new_form(State(state): State<AppState>, user: User, Query(p): Query<NewParams>) -> PageResult {
    user.require(OPERATORS)?;
    let actor = user.actor.clone();
    let contact_id = non_blank(&p.contact);
    let (contact, areas) = state
        .crm(move |crm| {
            let contact = match contact_id {
                Some(id) => Some(crm.contact(&actor, &id)?),
                None => None,
            };
            let areas = crm.kb().concepts(Some(crm.kb().areas_scheme().as_str()))?;
            Ok((contact, areas))
        })
        .await?;
    let ctx = json!({
        "user": user.view(),
        "contact": contact,
        "channel": p.channel.unwrap_or_else(|| "phone".into()),
        "channels": Channel::ALL.iter().map(|c| json!({"id": c.as_str(), "label": c.label()})).collect::<Vec<_>>(),
        "areas": areas,
    });
    Ok(state.ui.render("ticket_new.html", user.lang, ctx)?.into_response())
}

/// The form to open a ticket.
#[derive(Deserialize, Default, Debug)]
pub struct NewTicketForm {
    channel: String,
    contact: Option<String>,
    concept: Option<String>,
    description: String,
    priority: Option<String>,
    level: Option<String>,
    received_at: Option<String>,
    client_key: Option<String>,
}

fn parse_level(s: &Option<String>) -> Result<Option<Level>, AppError> {
    match non_blank(s).as_deref() {
        None => Ok(None),
        Some("base") => Ok(Some(Level::Base)),
        Some("advanced") => Ok(Some(Level::Advanced)),
        Some(o) => Err(AppError::BadRequest(format!("unknown level {o:?}: use base or advanced"))),
    }
}

/// A `datetime-local` value in the service's time zone.
pub(crate) fn parse_local(state: &AppState, field: &str, v: &str) -> Result<DateTime<Utc>, AppError> {
    let naive = NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| AppError::BadRequest(format!("{field}: {v:?} is not a date and time (YYYY-MM-DDTHH:MM)")))?;
    state
        .crm
        .clocks()
        .calendar()
        .timezone()
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| AppError::BadRequest(format!("{field}: {v:?} does not exist in local time")))
}

async fn create(State(state): State<AppState>, user: User, Form(f): Form<NewTicketForm>) -> PageResult {
    user.require(OPERATORS)?;
    let new = NewTicket {
        channel: Channel::parse(&f.channel)?,
        contact: non_blank(&f.contact),
        concept: non_blank(&f.concept),
        description: f.description,
        priority: non_blank(&f.priority).map(|p| Priority::parse(&p)).transpose()?.unwrap_or_default(),
        level: parse_level(&f.level)?,
        received_at: non_blank(&f.received_at).map(|v| parse_local(&state, "received_at", &v)).transpose()?,
        related: Vec::new(),
        client_key: non_blank(&f.client_key),
    };
    let actor = user.actor.clone();
    let t = state.crm(move |crm| Ok(crm.open_ticket(&actor, &new)?)).await?;
    Ok(see_other(&format!("/tickets/{}", t.id)))
}

async fn page(State(state): State<AppState>, user: User, Path(id): Path<String>) -> PageResult {
    user.require(CRM_USERS)?;
    let actor = user.actor.clone();
    let operator = user.actor.roles.has_any(OPERATORS);
    let data = state
        .crm(move |crm| {
            let page = crm.ticket(&actor, &id)?;
            let (suggestions, callbacks, offices, l2, areas) = if operator {
                let suggestions = crm.suggest_items(&actor, &id, 5).unwrap_or_default();
                let callbacks = crm.callbacks(&actor, None, Some(&page.ticket.id), false)?;
                let offices = crm.kb().offices()?;
                let l2: Vec<String> = crm
                    .kb()
                    .users()?
                    .into_iter()
                    .filter(|u| u.roles.contains(&Role::OperatorL2) && !u.disabled)
                    .map(|u| u.username)
                    .collect();
                let areas = crm.kb().concepts(Some(crm.kb().areas_scheme().as_str()))?;
                (suggestions, callbacks, offices, l2, areas)
            } else {
                Default::default()
            };
            let mut items = Vec::new();
            for i in &page.ticket.items {
                if let Some(k) = crm.kb().published_item(i)? {
                    items.push(json!({"id": k.id, "title": k.content.title}));
                }
            }
            let concept = match &page.ticket.concept {
                Some(c) => crm.kb().concept(c)?.map(|c| c.label),
                None => None,
            };
            let office_name = |code: &Option<String>| -> Result<Option<String>, AppError> {
                Ok(match code {
                    Some(c) => crm.kb().office_by_iri(crm.kb().office_iri(c).as_str())?.map(|o| o.name),
                    None => None,
                })
            };
            let office = office_name(&page.ticket.office)?;
            let messages = crm.messages(&actor, &page.ticket.id)?;
            let attachments = crm.attachments(&actor, &page.ticket.id)?;
            Ok((page, suggestions, callbacks, offices, l2, areas, items, concept, office, messages, attachments))
        })
        .await?;
    let (page, suggestions, callbacks, offices, l2, areas, items, concept, office, messages, attachments) = data;
    let attachments: Vec<serde_json::Value> =
        attachments.iter().map(|a| json!({"a": a, "view": crm::inline_kind(&a.mime), "kib": a.size.div_ceil(1024)})).collect();
    let t = &page.ticket;
    let is = |roles: &[Role]| user.actor.roles.has_any(roles);
    let mine_office = user.actor.office.is_some() && user.actor.office == t.office;
    use TicketState::*;
    let l1 = is(OPERATORS);
    let l2_role = is(&[Role::OperatorL2, Role::Supervisor, Role::Admin]);
    let can = json!({
        "take_in_charge": l1 && t.state == New,
        "transfer": l1 && matches!(t.state, New | AtL1),
        "request_data": l1 && matches!(t.state, New | AtL1) && t.channel.is_offline(),
        "citizen_reply": l1 && t.state == Incomplete,
        "close": (l1 && t.state == AtL1) || (l2_role && matches!(t.state, AtL2 | OfficeAnswered)),
        "take": l2_role && (matches!(t.state, L2Inbox | OfficeAnswered) || (t.state == AtL2 && t.assignee.as_deref() != Some(&user.actor.username))),
        "forward": l2_role && matches!(t.state, AtL2 | L3Triage),
        "office_answer": t.state == AtOffice && (mine_office || is(&[Role::Supervisor, Role::Admin])),
        "reopen": l1 && matches!(t.state, Closed | Incomplete),
        "reject": l2_role && !t.state.is_final(),
        "note": is(CRM_USERS),
        "edit": l1,
        "link": l1,
        "callback": l1 && !t.state.is_final(),
        "propose": is(&[Role::OperatorL2, Role::Publisher, Role::Admin]) && t.state == Closed && matches!(t.resolved_at, Some(crm::ResolvedAt::L2 | crm::ResolvedAt::Office)),
    });
    let ctx = json!({
        "user": user.view(),
        "page": page,
        "state_label": t.state.label(),
        "channel_label": t.channel.label(),
        "concept_label": concept,
        "office_name": office,
        "items": items,
        "messages": messages,
        "attachments": attachments,
        "suggestions": suggestions,
        "callbacks": callbacks,
        "offices": offices.iter().map(|o| json!({"code": o.code, "name": o.name})).collect::<Vec<_>>(),
        "l2_operators": l2,
        "areas": areas,
        "can": can,
        "states": TicketState::ALL.iter().map(|s| json!({"id": s.as_str(), "label": s.label()})).collect::<Vec<_>>(),
    });
    Ok(state.ui.render("ticket.html", user.lang, ctx)?.into_response())
}

/// The action form of the ticket page (one form per action; the fields
/// each action needs).
#[derive(Deserialize, Default, Debug)]
pub struct ActForm {
    action: String,
    version: Option<u64>,
    comment: Option<String>,
    answer: Option<String>,
    reason: Option<String>,
    office: Option<String>,
    suggested_office: Option<String>,
    operator: Option<String>,
    complete: Option<String>,
    text: Option<String>,
    item: Option<String>,
    contact: Option<String>,
    priority: Option<String>,
    concept: Option<String>,
    level: Option<String>,
    description: Option<String>,
}

impl ActForm {
    fn action(&self) -> Result<Action, AppError> {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(match self.action.as_str() {
            "take_in_charge" => Action::TakeInCharge,
            "transfer_to_l2" => Action::TransferToL2 { operator: s(&self.operator), comment: s(&self.comment) },
            "assign_to_l2" => Action::AssignToL2 { comment: s(&self.comment) },
            "take" => Action::Take,
            "forward_to_office" => Action::ForwardToOffice { office: s(&self.office), comment: s(&self.comment) },
            "office_answer" => Action::OfficeAnswer { answer: s(&self.answer) },
            "office_reject" => Action::OfficeReject { reason: s(&self.reason), suggested_office: non_blank(&self.suggested_office) },
            "request_data" => Action::RequestData { comment: s(&self.comment) },
            "citizen_reply" => Action::CitizenReply { complete: self.complete.as_deref() == Some("yes"), text: s(&self.text) },
            "close" => Action::Close { answer: s(&self.answer) },
            "reopen" => Action::Reopen { comment: s(&self.comment) },
            "reject" => Action::Reject { reason: s(&self.reason) },
            "note" => Action::Note { text: s(&self.text) },
            "update" => Action::Update {
                priority: non_blank(&self.priority).map(|p| Priority::parse(&p)).transpose()?,
                concept: self.concept.clone(),
                level: parse_level(&self.level)?,
                description: non_blank(&self.description),
            },
            "link_item" => Action::LinkItem { item: s(&self.item) },
            "unlink_item" => Action::UnlinkItem { item: s(&self.item) },
            "link_contact" => Action::LinkContact { contact: s(&self.contact) },
            other => return Err(AppError::BadRequest(format!("unknown action {other:?}"))),
        })
    }
}

async fn act(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<ActForm>) -> PageResult {
    user.require(CRM_USERS)?;
    let action = f.action()?;
    let actor = user.actor.clone();
    let version = f.version;
    let t = state.crm(move |crm| Ok(crm.act(&actor, &id, version, action)?)).await?;
    Ok(see_other(&format!("/tickets/{}", t.id)))
}

#[derive(Deserialize, Default, Debug)]
pub struct CallbackForm {
    due: String,
    note: Option<String>,
    assignee: Option<String>,
}

async fn schedule_callback(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<CallbackForm>) -> PageResult {
    user.require(OPERATORS)?;
    let due = parse_local(&state, "due", &f.due)?;
    let actor = user.actor.clone();
    let assignee = non_blank(&f.assignee);
    let note = f.note.unwrap_or_default();
    let cb = state.crm(move |crm| Ok(crm.schedule_callback(&actor, &id, due, &note, assignee.as_deref())?)).await?;
    Ok(see_other(&format!("/tickets/{}", cb.ticket)))
}

#[derive(Deserialize, Default, Debug)]
pub struct DoneForm {
    outcome: String,
    back: Option<String>,
}

async fn callback_done(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<DoneForm>) -> PageResult {
    user.require(OPERATORS)?;
    let actor = user.actor.clone();
    let outcome = f.outcome;
    let cb = state.crm(move |crm| Ok(crm.complete_callback(&actor, &id, &outcome)?)).await?;
    let back = if f.back.as_deref() == Some("list") { "/callbacks".to_owned() } else { format!("/tickets/{}", cb.ticket) };
    Ok(see_other(&back))
}

async fn callbacks(State(state): State<AppState>, user: User) -> PageResult {
    user.require(OPERATORS)?;
    let actor = user.actor.clone();
    let me = user.actor.username.clone();
    let list = state.crm(move |crm| Ok(crm.callbacks(&actor, Some(&me), None, true)?)).await?;
    let now = Utc::now();
    let rows: Vec<serde_json::Value> = list.iter().map(|c| json!({"cb": c, "late": c.due < now})).collect();
    Ok(state.ui.render("callbacks.html", user.lang, json!({"user": user.view(), "callbacks": rows}))?.into_response())
}

#[derive(Deserialize, Default, Debug)]
pub struct ProposeForm {
    title: Option<String>,
}

async fn propose(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<ProposeForm>) -> PageResult {
    user.require(&[Role::OperatorL2, Role::Publisher, Role::Admin])?;
    let actor = user.actor.clone();
    let title = f.title.unwrap_or_default();
    let back = id.clone();
    state.crm(move |crm| Ok(crm.propose_knowledge(&actor, &id, &title)?)).await?;
    Ok(see_other(&format!("/tickets/{back}")))
}

#[derive(Deserialize, Default, Debug)]
pub struct SendFormsForm {
    item: String,
}

async fn send_forms(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<SendFormsForm>) -> PageResult {
    user.require(OPERATORS)?;
    let actor = user.actor.clone();
    let back = id.clone();
    state.crm(move |crm| Ok(crm.send_item_forms(&actor, &id, &f.item)?)).await?;
    Ok(see_other(&format!("/tickets/{back}")))
}

async fn retry_message(State(state): State<AppState>, user: User, Path((id, message)): Path<(String, String)>) -> PageResult {
    user.require(OPERATORS)?;
    let actor = user.actor.clone();
    state.crm(move |crm| Ok(crm.retry_message(&actor, &message)?)).await?;
    Ok(see_other(&format!("/tickets/{id}")))
}

/// `POST /tickets/{id}/attachments` (multipart, field `file`).
async fn upload_attachment(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    user.require(CRM_USERS)?;
    let max = state.crm.config().max_attachment_bytes;
    let too_large = || AppError::TooLarge(format!("the file is larger than the limit of {max} bytes: nothing was attached"));
    let mut mp = multipart.map_err(|e| AppError::BadRequest(format!("not a file upload: {}", e.body_text())))?;
    let mut file = None;
    while let Some(mut field) = mp.next_field().await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::BadRequest(format!("the upload is malformed: {}", e.body_text()))
        }
    })? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("allegato").to_owned();
        let mut bytes = Vec::new();
        while let Some(c) = field.chunk().await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                AppError::BadRequest(format!("the upload is malformed: {}", e.body_text()))
            }
        })? {
            if bytes.len() + c.len() > max {
                return Err(too_large());
            }
            bytes.extend_from_slice(&c);
        }
        file = Some((name, bytes));
    }
    let (name, bytes) = file.ok_or_else(|| AppError::BadRequest("choose a file to attach".into()))?;
    let actor = user.actor.clone();
    let back = id.clone();
    state.crm(move |crm| Ok(crm.attach(&actor, &id, &name, &bytes)?)).await?;
    Ok(see_other(&format!("/tickets/{back}")))
}

/// `GET /tickets/{id}/attachments/{att}`: the contents, with the sniffed
/// type; shown inline only for types browsers display without running code.
async fn download_attachment(State(state): State<AppState>, user: User, Path((id, att)): Path<(String, String)>) -> PageResult {
    user.require(CRM_USERS)?;
    let actor = user.actor.clone();
    let (a, bytes) = state.crm(move |crm| Ok(crm.attachment(&actor, &id, &att)?)).await?;
    let inline = matches!(crm::inline_kind(&a.mime), "pdf" | "image" | "audio" | "text");
    let encoded: String = a
        .name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let disposition = format!("{}; filename*=UTF-8''{encoded}", if inline { "inline" } else { "attachment" });
    let content_type = if a.mime == "text/plain" { "text/plain; charset=utf-8".to_owned() } else { a.mime.clone() };
    let mut headers = vec![
        (axum::http::header::CONTENT_TYPE, content_type),
        (axum::http::header::CONTENT_DISPOSITION, disposition),
        (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (axum::http::header::CACHE_CONTROL, "private, no-store".to_owned()),
    ];
    if a.mime != "application/pdf" {
        // Nothing an attachment contains may run in the application's origin.
        headers.push((
            axum::http::header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'; img-src 'self'; media-src 'self'".to_owned(),
        ));
    }
    let mut resp = bytes.into_response();
    for (k, v) in headers {
        if let Ok(v) = axum::http::HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    Ok(resp)
}
