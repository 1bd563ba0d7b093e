//! The JSON API under `/api/v1`, described by the OpenAPI document at
//! `/api/v1/openapi.json` (generated with utoipa from the handlers below).
//!
//! Clients authenticate with `Authorization: Bearer <token>` (tokens are
//! created under `/api/v1/tokens` or on the command line) or with the
//! browser session (then state-changing requests need the `x-csrf-token`
//! header). Every error is JSON: `{"error": {"status": …, "message": …}}`.
//! The knowledge base checks roles again below every handler.

use crate::AppState;
use crate::auth::User;
use crate::ui::AppError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use kb::oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNode};
use kb::{Graph, ItemContent, KnowledgeItem, Level, Role, SearchQuery, State as ItemState};
use ontologies::vocab::cc;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

mod account;
mod catalogue;
mod crm_api;
mod cti;
mod dto;
mod items;

use account::*;
use catalogue::*;
use crm_api::*;
use cti::*;
pub use dto::*;
use items::*;

/// Every role may read published knowledge and the organisation chart.
const READERS: &[Role] = &Role::ALL;
/// Who writes items.
const WRITERS: &[Role] = &[Role::Publisher, Role::Admin];
/// Who approves or rejects.
const APPROVERS: &[Role] = &[Role::Approver, Role::Admin];
/// Who sees drafts.
const KB_STAFF: &[Role] = &[Role::Publisher, Role::Approver, Role::Admin];
/// Largest page of a listing.
const MAX_PER_PAGE: usize = 100;

/// The API's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/items", get(list_items).post(create_item))
        .route("/api/v1/items/{id}", get(get_item).put(edit_item))
        .route("/api/v1/items/{id}/submit", post(submit_item))
        .route("/api/v1/items/{id}/approve", post(approve_item))
        .route("/api/v1/items/{id}/reject", post(reject_item))
        .route("/api/v1/search", get(search))
        .route("/api/v1/suggest", get(suggest))
        .route("/api/v1/concepts", get(concepts))
        .route("/api/v1/offices", get(offices))
        .route("/api/v1/offices/{code}", get(office))
        .route("/api/v1/people", get(people))
        .route("/api/v1/people/{number}", get(person))
        .route("/api/v1/tickets", get(list_tickets).post(open_ticket))
        .route("/api/v1/tickets/{id}", get(get_ticket))
        .route("/api/v1/tickets/{id}/actions", post(act))
        .route("/api/v1/tickets/{id}/suggestions", get(suggestions))
        .route("/api/v1/tickets/{id}/propose", post(propose))
        .route("/api/v1/tickets/{id}/attachments", get(list_attachments).post(upload_attachment))
        .route("/api/v1/tickets/{id}/attachments/{att}", get(download_attachment))
        .route("/api/v1/tickets/{id}/messages", get(list_messages))
        .route("/api/v1/tickets/{id}/send-forms", post(send_forms))
        .route("/api/v1/messages/{id}/retry", post(retry_message))
        .route("/api/v1/contacts", get(find_contacts).post(create_contact))
        .route("/api/v1/contacts/{id}", get(get_contact).put(update_contact))
        .route("/api/v1/contacts/{id}/merge", post(merge_contacts))
        .route("/api/v1/callbacks", get(list_callbacks).post(schedule_callback))
        .route("/api/v1/callbacks/{id}/done", post(callback_done))
        .route("/api/v1/return-calls", get(list_return_calls).post(create_return_call))
        .route("/api/v1/return-calls/{id}/done", post(return_call_done))
        .route("/api/v1/kb-gaps", get(kb_gaps))
        .route("/api/v1/cti/events", post(post_events))
        .route("/api/v1/cti/wallboard", get(wallboard))
        .route("/api/v1/cti/agents", get(agents))
        .route("/api/v1/cti/calls/{id}/events", get(call_events))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
}

// ---------------------------------------------------------------------------
// Errors and extractors that answer in JSON
// ---------------------------------------------------------------------------

/// An error of the API, answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl From<kb::Error> for ApiError {
    fn from(e: kb::Error) -> Self {
        Self(AppError::from(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = matches!(self.0, AppError::Unauthorized);
        let mut r = self.0.into_json();
        if unauthorized {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"centralino\""));
        }
        r
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// The signed-in user, refusing with a JSON 401.
#[derive(Debug, Clone)]
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        User::from_request_parts(parts, state).await.map(ApiUser).map_err(|e| match e {
            // The extractor redirects browsers; the API never does.
            AppError::Response(_) => ApiError(AppError::Unauthorized),
            e => ApiError(e),
        })
    }
}

impl ApiUser {
    fn require(&self, roles: &[Role]) -> ApiResult<()> {
        Ok(self.0.require(roles)?)
    }
}

/// A JSON body, refusing with a JSON 400.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| ApiJson(v))
            .map_err(|e| ApiError(AppError::BadRequest(e.body_text())))
    }
}

/// Query parameters, refusing with a JSON 400.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e| ApiError(AppError::BadRequest(e.body_text())))
    }
}

/// An optional JSON body (empty means the default).
fn optional_json<T: DeserializeOwned + Default>(body: &Bytes) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError(AppError::BadRequest(format!("malformed JSON body: {e}"))))
}

async fn not_found() -> ApiError {
    ApiError(AppError::NotFound("no such API endpoint: see /api/v1/openapi.json".into()))
}

// ---------------------------------------------------------------------------
// The OpenAPI document
// ---------------------------------------------------------------------------

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token of the account (POST /api/v1/tokens or `centralino token create`)."))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI description of the API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "centralino API",
        version = "1",
        description = "Knowledge items, search, classification and organisation chart, contacts and tickets, CTI events of the centralino contact centre. Errors are JSON objects {\"error\": {\"status\", \"message\"}}. SPARQL is at /sparql (SPARQL 1.1 Protocol) and every IRI below /id/ dereferences as linked data."
    ),
    paths(
        account::me,
        items::list_items,
        items::get_item,
        items::create_item,
        items::edit_item,
        items::submit_item,
        items::approve_item,
        items::reject_item,
        catalogue::search,
        catalogue::suggest,
        catalogue::concepts,
        catalogue::offices,
        catalogue::office,
        catalogue::people,
        catalogue::person,
        crm_api::list_tickets,
        crm_api::open_ticket,
        crm_api::get_ticket,
        crm_api::act,
        crm_api::suggestions,
        crm_api::propose,
        crm_api::list_attachments,
        crm_api::upload_attachment,
        crm_api::download_attachment,
        crm_api::list_messages,
        crm_api::send_forms,
        crm_api::retry_message,
        crm_api::find_contacts,
        crm_api::create_contact,
        crm_api::get_contact,
        crm_api::update_contact,
        crm_api::merge_contacts,
        crm_api::list_callbacks,
        crm_api::schedule_callback,
        crm_api::callback_done,
        crm_api::list_return_calls,
        crm_api::create_return_call,
        crm_api::return_call_done,
        crm_api::kb_gaps,
        cti::post_events,
        cti::wallboard,
        cti::agents,
        cti::call_events,
        account::list_tokens,
        account::create_token,
        account::revoke_token
    ),
    components(schemas(ErrorBody, ErrorDetail, ItemContent, Level, ItemDto, ItemSummaryDto, ItemList, EditRequest, CommentBody, ItemRef, Me, TokenInfo, TokenRequest, TokenCreated)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "items", description = "Knowledge items and their life cycle"),
        (name = "search", description = "Search and suggestions"),
        (name = "catalogue", description = "Classification tree and organisation chart"),
        (name = "crm", description = "Contacts, tickets and their path across levels and offices, call-backs, return calls"),
        (name = "cti", description = "Contact life-cycle events of the PBX connector (offered, queued, answered, abandoned, transferred, ended, voicemail), agent states, the wallboard"),
        (name = "account", description = "The signed-in account and its API tokens")
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
async fn openapi() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}
