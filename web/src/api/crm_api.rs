//! Contacts, tickets and their actions, call-backs, return calls and the
//! knowledge gap report. The telephony connector opens tickets here.

use super::*;
use chrono::{DateTime, Utc};
use crm::{
    Action, CallBack, Channel, Contact, ContactInput, Desk, GapReport, NewReturnCall, NewTicket, ReturnCall, Sort, TicketFilter,
    TicketListing, TicketPage, TicketState,
};

/// Who works with tickets (office staff: their office's only).
const CRM_USERS: &[Role] = &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Office, Role::Integration];

/// Filters of `GET /api/v1/tickets` (all optional).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct TicketParams {
    /// Only this state (`new`, `at_l1`, `l2_inbox`, `at_l2`, `at_office`, `office_answered`, `l3_triage`, `incomplete`, `closed`, `rejected`).
    state: Option<String>,
    /// Only tickets held by this level: `l1`, `l2`, `l3`, `office`, `none`.
    desk: Option<String>,
    /// Only this channel.
    channel: Option<String>,
    /// Only tickets of this office (code).
    office: Option<String>,
    /// Only tickets past a deadline (`true`).
    overdue: Option<bool>,
    /// Only open tickets (`true`).
    open: Option<bool>,
    /// Only tickets assigned to this user.
    assignee: Option<String>,
    /// Only this requester (contact id).
    contact: Option<String>,
    /// `urgency` (default), `newest`, `oldest`.
    sort: Option<String>,
    /// Page, from 1.
    page: Option<usize>,
    /// Rows per page (default 50, at most 100).
    per_page: Option<usize>,
}

impl TicketParams {
    fn filter(&self) -> ApiResult<TicketFilter> {
        let bad = |e: crm::Error| ApiError(AppError::BadRequest(e.to_string()));
        let per_page = self.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE);
        Ok(TicketFilter {
            states: self.state.as_deref().map(TicketState::parse).transpose().map_err(bad)?.into_iter().collect(),
            open: self.open.unwrap_or(false),
            desk: self.desk.as_deref().map(Desk::parse).transpose().map_err(bad)?,
            channel: self.channel.as_deref().map(Channel::parse).transpose().map_err(bad)?,
            office: self.office.clone(),
            overdue: self.overdue.unwrap_or(false),
            assignee: self.assignee.clone(),
            contact: self.contact.clone(),
            sort: match self.sort.as_deref() {
                None | Some("urgency") => Sort::Urgency,
                Some("newest") => Sort::Newest,
                Some("oldest") => Sort::Oldest,
                Some(o) => return Err(ApiError(AppError::BadRequest(format!("unknown sort {o:?}: use urgency, newest or oldest")))),
            },
            offset: (self.page.unwrap_or(1).max(1) - 1) * per_page,
            limit: per_page,
            ..TicketFilter::default()
        })
    }
}

impl From<crm::Error> for ApiError {
    fn from(e: crm::Error) -> Self {
        Self(AppError::from(e))
    }
}

/// Tickets matching the filters, most urgent first, with their SLA clocks.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "crm", params(TicketParams),
    responses((status = 200, body = TicketListing), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn list_tickets(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(p): ApiQuery<TicketParams>,
) -> ApiResult<axum::Json<TicketListing>> {
    user.require(CRM_USERS)?;
    let f = p.filter()?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.list_tickets(&actor, &f)?)).await?))
}

/// Opens a ticket (operators, or the telephony connector on an incoming call).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "crm", request_body = NewTicket,
    responses((status = 201, body = crm::Ticket), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn open_ticket(State(state): State<AppState>, user: ApiUser, ApiJson(new): ApiJson<NewTicket>) -> ApiResult<Response> {
    user.require(&[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Integration])?;
    let actor = user.0.actor.clone();
    let t = state.crm(move |crm| Ok(crm.open_ticket(&actor, &new)?)).await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/tickets/{}", t.id))], axum::Json(t)).into_response())
}

/// A ticket with its requester, full path and clocks (the view is logged).
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "crm", params(("id" = String, Path, description = "RS-YYYY-NNNNNN")),
    responses((status = 200, body = TicketPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn get_ticket(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult<axum::Json<TicketPage>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.ticket(&actor, &id)?)).await?))
}

/// An action on a ticket, with the version it is based on.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct ActionRequest {
    /// The version the client saw (optional; refused with 409 when stale).
    #[serde(default)]
    version: Option<u64>,
    /// The action.
    #[serde(flatten)]
    action: Action,
}

/// Moves a ticket along its path (transfer, forward to an office, answer,
/// reject, close, ...) or edits it. Illegal transitions and stale versions
/// answer 409 and change nothing.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/actions", tag = "crm", params(("id" = String, Path, description = "RS-YYYY-NNNNNN")),
    request_body = ActionRequest,
    responses((status = 200, body = crm::Ticket), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn act(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> ApiResult<axum::Json<crm::Ticket>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.act(&actor, &id, req.version, req.action)?)).await?))
}

/// Knowledge items that may answer the ticket, from its text.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/suggestions", tag = "crm", params(("id" = String, Path, description = "RS-YYYY-NNNNNN")),
    responses((status = 200, description = "search hits"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn suggestions(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    let hits = state.crm(move |crm| Ok(crm.suggest_items(&actor, &id, 5)?)).await?;
    Ok(axum::Json(json!({ "hits": hits })))
}

/// Title of the draft proposed from a ticket.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(super) struct ProposeRequest {
    /// Title of the new item (default: the start of the request).
    #[serde(default)]
    title: String,
}

/// Creates a draft knowledge item from a ticket resolved at second level.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/propose", tag = "crm", params(("id" = String, Path, description = "RS-YYYY-NNNNNN")),
    request_body = ProposeRequest,
    responses((status = 201, body = ItemRef), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn propose(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>, body: Bytes) -> ApiResult<Response> {
    user.require(&[Role::OperatorL2, Role::Publisher, Role::Admin])?;
    let req: ProposeRequest = optional_json(&body)?;
    let actor = user.0.actor.clone();
    let item = state.crm(move |crm| Ok(crm.propose_knowledge(&actor, &id, &req.title)?)).await?;
    Ok((StatusCode::CREATED, axum::Json(ItemRef { id: item, revision: 1, state: "draft".into() })).into_response())
}

/// Lookup of contacts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ContactParams {
    /// A phone number in any Italian or international format.
    phone: Option<String>,
    /// An e-mail address.
    email: Option<String>,
}

/// Contacts with a phone number or an e-mail address.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "crm", params(ContactParams),
    responses((status = 200, body = Vec<Contact>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn find_contacts(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(p): ApiQuery<ContactParams>,
) -> ApiResult<axum::Json<Vec<Contact>>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    let found = state
        .crm(move |crm| match (p.phone, p.email) {
            (Some(phone), _) => Ok(crm.find_by_phone(&actor, &phone)?),
            (None, Some(email)) => Ok(crm.find_by_email(&actor, &email)?),
            (None, None) => Err(AppError::BadRequest("give phone or email".into())),
        })
        .await?;
    Ok(axum::Json(found))
}

/// Creates a contact.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "crm", request_body = ContactInput,
    responses((status = 201, body = Contact), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn create_contact(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<Response> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    let c = state.crm(move |crm| Ok(crm.create_contact(&actor, &input)?)).await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/contacts/{}", c.id))], axum::Json(c)).into_response())
}

/// A contact (the view is logged).
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "crm", params(("id" = String, Path, description = "contact id")),
    responses((status = 200, body = Contact), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn get_contact(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult<axum::Json<Contact>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.contact(&actor, &id)?)).await?))
}

/// A contact's new data, with the version it is based on.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct ContactUpdate {
    /// The version the client saw.
    version: u64,
    /// The data.
    #[serde(flatten)]
    contact: ContactInput,
}

/// Replaces a contact's data (409 when the version is stale).
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "crm", params(("id" = String, Path, description = "contact id")), request_body = ContactUpdate,
    responses((status = 200, body = Contact), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn update_contact(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<ContactUpdate>,
) -> ApiResult<axum::Json<Contact>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.update_contact(&actor, &id, u.version, &u.contact)?)).await?))
}

/// The duplicate to merge.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct MergeRequest {
    /// Id of the duplicate contact.
    duplicate: String,
}

/// Merges a duplicate into this contact (its numbers, addresses and tickets move).
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "crm", params(("id" = String, Path, description = "contact that stays")), request_body = MergeRequest,
    responses((status = 200, body = Contact), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn merge_contacts(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<MergeRequest>,
) -> ApiResult<axum::Json<Contact>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.merge_contacts(&actor, &id, &m.duplicate)?)).await?))
}

/// Filters of call-backs.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CallbackParams {
    /// Only this ticket's.
    ticket: Option<String>,
    /// Include those already done (`true`).
    all: Option<bool>,
}

/// The signed-in operator's call-backs (or a ticket's), earliest due first.
#[utoipa::path(get, path = "/api/v1/callbacks", tag = "crm", params(CallbackParams),
    responses((status = 200, body = Vec<CallBack>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_callbacks(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(p): ApiQuery<CallbackParams>,
) -> ApiResult<axum::Json<Vec<CallBack>>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    let me = actor.username.clone();
    Ok(axum::Json(
        state
            .crm(move |crm| {
                let mine = p.ticket.is_none().then_some(me.as_str());
                Ok(crm.callbacks(&actor, mine, p.ticket.as_deref(), !p.all.unwrap_or(false))?)
            })
            .await?,
    ))
}

/// A call-back to schedule.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct CallbackRequest {
    /// The ticket.
    ticket: String,
    /// Due time.
    due: DateTime<Utc>,
    /// Note.
    #[serde(default)]
    note: String,
    /// Who calls (default: the signed-in operator).
    #[serde(default)]
    assignee: Option<String>,
}

/// Schedules a call-back on a ticket.
#[utoipa::path(post, path = "/api/v1/callbacks", tag = "crm", request_body = CallbackRequest,
    responses((status = 201, body = CallBack), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn schedule_callback(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(r): ApiJson<CallbackRequest>,
) -> ApiResult<Response> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    let cb = state.crm(move |crm| Ok(crm.schedule_callback(&actor, &r.ticket, r.due, &r.note, r.assignee.as_deref())?)).await?;
    Ok((StatusCode::CREATED, axum::Json(cb)).into_response())
}

/// The outcome of a call-back or return call.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(super) struct OutcomeRequest {
    /// What happened.
    #[serde(default)]
    outcome: String,
}

/// Records that a call-back was made.
#[utoipa::path(post, path = "/api/v1/callbacks/{id}/done", tag = "crm", params(("id" = String, Path, description = "call-back id")), request_body = OutcomeRequest,
    responses((status = 200, body = CallBack), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn callback_done(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<OutcomeRequest>,
) -> ApiResult<axum::Json<CallBack>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.complete_callback(&actor, &id, &r.outcome)?)).await?))
}

/// Return-call requests (office staff: their office's).
#[utoipa::path(get, path = "/api/v1/return-calls", tag = "crm",
    responses((status = 200, body = Vec<ReturnCall>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_return_calls(State(state): State<AppState>, user: ApiUser) -> ApiResult<axum::Json<Vec<ReturnCall>>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.return_calls(&actor, false)?)).await?))
}

/// Records a return-call request for an absent employee.
#[utoipa::path(post, path = "/api/v1/return-calls", tag = "crm", request_body = NewReturnCall,
    responses((status = 201, body = ReturnCall), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn create_return_call(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(r): ApiJson<NewReturnCall>,
) -> ApiResult<Response> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    let rc = state.crm(move |crm| Ok(crm.create_return_call(&actor, &r)?)).await?;
    Ok((StatusCode::CREATED, axum::Json(rc)).into_response())
}

/// Marks a return-call request done.
#[utoipa::path(post, path = "/api/v1/return-calls/{id}/done", tag = "crm", params(("id" = String, Path, description = "request id")), request_body = OutcomeRequest,
    responses((status = 200, body = ReturnCall), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn return_call_done(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<OutcomeRequest>,
) -> ApiResult<axum::Json<ReturnCall>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.complete_return_call(&actor, &id, &r.outcome)?)).await?))
}

/// The period of the gap report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct GapParams {
    /// Start (inclusive), RFC 3339.
    from: DateTime<Utc>,
    /// End (exclusive), RFC 3339.
    to: DateTime<Utc>,
}

/// Escalated tickets that used no knowledge item, by concept and recurring words (KB-15).
#[utoipa::path(get, path = "/api/v1/kb-gaps", tag = "crm", params(GapParams),
    responses((status = 200, body = GapReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn kb_gaps(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(p): ApiQuery<GapParams>,
) -> ApiResult<axum::Json<GapReport>> {
    user.require(&[Role::Publisher, Role::Approver, Role::Supervisor, Role::Admin, Role::OperatorL2])?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.gap_report(&actor, p.from, p.to)?)).await?))
}

/// The attachments of a ticket (e-mails with their parsed summary, parts after their e-mail).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "crm", params(("id" = String, Path, description = "RS-YYYY-NNNNNN")),
    responses((status = 200, body = Vec<crm::Attachment>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn list_attachments(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<crm::Attachment>>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.attachments(&actor, &id)?)).await?))
}

/// The file name of an upload.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct UploadParams {
    /// File name, for display (the type is sniffed from the bytes).
    name: Option<String>,
}

/// Attaches the request body (any type; sniffed, refused if not accepted).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "crm", params(("id" = String, Path, description = "RS-YYYY-NNNNNN"), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = crm::Attachment), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub(super) async fn upload_attachment(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<UploadParams>,
    body: Bytes,
) -> ApiResult<Response> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    let name = p.name.unwrap_or_else(|| "allegato".into());
    let a = state.crm(move |crm| Ok(crm.attach(&actor, &id, &name, &body)?)).await?;
    Ok((StatusCode::CREATED, axum::Json(a)).into_response())
}

/// The contents of an attachment, with its sniffed type.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments/{att}", tag = "crm",
    params(("id" = String, Path, description = "RS-YYYY-NNNNNN"), ("att" = String, Path, description = "attachment id")),
    responses((status = 200, description = "the contents"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn download_attachment(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, att)): Path<(String, String)>,
) -> ApiResult<Response> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    let (a, bytes) = state.crm(move |crm| Ok(crm.attachment(&actor, &id, &att)?)).await?;
    let mut resp = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(&a.mime) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
    Ok(resp)
}

/// The e-mails of a ticket with their delivery outcome.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/messages", tag = "crm", params(("id" = String, Path, description = "RS-YYYY-NNNNNN")),
    responses((status = 200, body = Vec<crm::OutgoingMessage>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn list_messages(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<crm::OutgoingMessage>>> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    Ok(axum::Json(state.crm(move |crm| Ok(crm.messages(&actor, &id)?)).await?))
}

/// The knowledge item whose forms to send.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct SendFormsRequest {
    /// Item identifier (e.g. `PIL-0001`).
    item: String,
}

/// E-mails the forms and links of a published item to the ticket's requester.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/send-forms", tag = "crm", params(("id" = String, Path, description = "RS-YYYY-NNNNNN")),
    request_body = SendFormsRequest,
    responses((status = 202, description = "queued; the message id"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn send_forms(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<SendFormsRequest>,
) -> ApiResult<Response> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    let message = state.crm(move |crm| Ok(crm.send_item_forms(&actor, &id, &r.item)?)).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(json!({ "message": message }))).into_response())
}

/// Puts a failed e-mail back in the queue.
#[utoipa::path(post, path = "/api/v1/messages/{id}/retry", tag = "crm", params(("id" = String, Path, description = "message id")),
    responses((status = 202, description = "queued again"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn retry_message(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    user.require(CRM_USERS)?;
    let actor = user.0.actor.clone();
    state.crm(move |crm| Ok(crm.retry_message(&actor, &id)?)).await?;
    Ok(StatusCode::ACCEPTED)
}
