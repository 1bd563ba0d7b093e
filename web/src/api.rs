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
use chrono::NaiveDate;
use kb::oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNode};
use kb::{Graph, ItemContent, KnowledgeItem, Level, Role, SearchQuery, State as ItemState};
use ontologies::vocab::cc;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

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
// Schemas
// ---------------------------------------------------------------------------

/// An error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// Status and message of an error.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status.
    pub status: u16,
    /// A message for people.
    pub message: String,
}

/// Level of an item.
#[derive(Serialize, Deserialize, ToSchema, Default, Debug, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum LevelDto {
    /// An L1 operator can answer alone.
    #[default]
    Base,
    /// Needs L2 or the competent office.
    Advanced,
}

/// The content fields of a knowledge item.
#[derive(Serialize, Deserialize, ToSchema, Default, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct ItemFields {
    /// Title (Italian). Required.
    pub title: String,
    /// Title in English.
    pub title_en: Option<String>,
    /// The frequently asked question the item answers.
    pub question: Option<String>,
    /// The question in English.
    pub question_en: Option<String>,
    /// The answer for the operator (plain text or limited HTML). Required to submit.
    pub answer: String,
    /// The answer in English.
    pub answer_en: Option<String>,
    /// Keywords and synonyms.
    pub keywords: Vec<String>,
    /// Classification concept (IRI). Required to submit.
    pub concept: Option<String>,
    /// Free tags.
    pub tags: Vec<String>,
    /// Competent office (IRI).
    pub office: Option<String>,
    /// Contact person (IRI).
    pub person: Option<String>,
    /// Legal references.
    pub legal_references: Vec<String>,
    /// Web links (http, https or mailto).
    pub links: Vec<String>,
    /// Forms and attachments.
    pub forms: Vec<String>,
    /// First day of validity.
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity.
    pub valid_until: Option<NaiveDate>,
    /// Level.
    pub level: LevelDto,
    /// Audiences (IRIs of concepts of the audience scheme).
    pub audiences: Vec<String>,
}

impl From<ItemFields> for ItemContent {
    fn from(f: ItemFields) -> Self {
        ItemContent {
            title: f.title,
            title_en: f.title_en,
            question: f.question,
            question_en: f.question_en,
            answer: f.answer,
            answer_en: f.answer_en,
            keywords: f.keywords,
            concept: f.concept,
            tags: f.tags,
            office: f.office,
            person: f.person,
            legal_references: f.legal_references,
            links: f.links,
            forms: f.forms,
            valid_from: f.valid_from,
            valid_until: f.valid_until,
            level: match f.level {
                LevelDto::Base => Level::Base,
                LevelDto::Advanced => Level::Advanced,
            },
            audiences: f.audiences,
        }
    }
}

impl From<ItemContent> for ItemFields {
    fn from(c: ItemContent) -> Self {
        ItemFields {
            title: c.title,
            title_en: c.title_en,
            question: c.question,
            question_en: c.question_en,
            answer: c.answer,
            answer_en: c.answer_en,
            keywords: c.keywords,
            concept: c.concept,
            tags: c.tags,
            office: c.office,
            person: c.person,
            legal_references: c.legal_references,
            links: c.links,
            forms: c.forms,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            level: match c.level {
                Level::Base => LevelDto::Base,
                Level::Advanced => LevelDto::Advanced,
            },
            audiences: c.audiences,
        }
    }
}

/// The name of a state: `draft`, `in_review`, `published`, `archived`, `superseded`.
pub fn state_name(s: ItemState) -> &'static str {
    match s {
        ItemState::Draft => "draft",
        ItemState::InReview => "in_review",
        ItemState::Published => "published",
        ItemState::Archived => "archived",
        ItemState::Superseded => "superseded",
    }
}

/// A knowledge item.
#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    /// Identifier, e.g. `PIL-0001`.
    pub id: String,
    /// The item's IRI (dereferenceable).
    pub iri: String,
    /// `draft`, `in_review`, `published` or `archived`.
    pub state: String,
    /// The revision this content belongs to.
    pub revision: u32,
    /// The content.
    pub content: ItemFields,
    /// When the item was created (RFC 3339).
    pub created: Option<String>,
    /// When this revision was made (RFC 3339).
    pub modified: Option<String>,
    /// Who wrote this revision.
    pub author: Option<String>,
}

impl From<KnowledgeItem> for ItemDto {
    fn from(k: KnowledgeItem) -> Self {
        ItemDto {
            id: k.id,
            iri: k.iri,
            state: state_name(k.state).to_owned(),
            revision: k.revision,
            content: k.content.into(),
            created: k.created.map(|d| d.to_rfc3339()),
            modified: k.modified.map(|d| d.to_rfc3339()),
            author: k.author,
        }
    }
}

/// An item in a listing.
#[derive(Serialize, ToSchema)]
pub struct ItemSummaryDto {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// State.
    pub state: String,
    /// Revision.
    pub revision: u32,
    /// Author of the working revision (drafts and reviews only).
    pub author: Option<String>,
}

/// A page of items.
#[derive(Serialize, ToSchema)]
pub struct ItemList {
    /// The items of this page, by identifier.
    pub items: Vec<ItemSummaryDto>,
    /// Page number, from 1.
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
    /// Items in every page.
    pub total: usize,
}

/// Paging and filter of the item list.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct ItemsParams {
    /// Page number, from 1 (default 1).
    pub page: Option<usize>,
    /// Items per page (default 20, at most 100).
    pub per_page: Option<usize>,
    /// `published` (default), `archived`, `draft` or `in_review` (the last two for publishers, approvers and administrators).
    pub state: Option<String>,
}

/// Options when reading one item.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct ItemParams {
    /// `true`: the working revision (draft or in review) if there is one; publishers, approvers and administrators only.
    pub working: Option<bool>,
}

/// An edit: the new content, based on the revision the client read.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// The revision the edit is based on (refused with 409 if another edit came first).
    pub based_on: u32,
    /// The new content.
    pub content: ItemFields,
}

/// A comment on a transition (required to reject).
#[derive(Deserialize, ToSchema, Debug, Default)]
#[serde(default)]
pub struct CommentBody {
    /// The comment.
    pub comment: Option<String>,
}

/// An item created or changed.
#[derive(Serialize, ToSchema)]
pub struct ItemRef {
    /// Identifier.
    pub id: String,
    /// The revision written.
    pub revision: u32,
    /// The state after the operation.
    pub state: String,
}

/// Search parameters.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to search for.
    pub q: String,
    /// Hits to return (default 10, at most 50).
    pub limit: Option<usize>,
    /// Hits to skip.
    pub offset: Option<usize>,
    /// Only items of this concept (IRI) or below.
    pub area: Option<String>,
    /// Only items of this office (IRI).
    pub office: Option<String>,
    /// `base` or `advanced`.
    pub level: Option<String>,
    /// Only items for this audience (IRI).
    pub audience: Option<String>,
    /// `item`, `office` or `person`.
    pub kind: Option<String>,
    /// Treat the last word as a prefix.
    pub as_you_type: Option<bool>,
    /// Include drafts (publishers, approvers, administrators).
    pub drafts: Option<bool>,
}

/// Suggestion parameters.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// The beginning of a word.
    pub q: String,
    /// Suggestions to return (default 8, at most 30).
    pub limit: Option<usize>,
}

/// Which classification scheme.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct ConceptParams {
    /// `areas` (default) or `audiences`.
    pub scheme: Option<String>,
}

/// The signed-in account.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// Login name.
    pub username: String,
    /// Roles.
    pub roles: Vec<String>,
}

/// An API token (never the token itself).
#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    /// Identifier, to revoke it.
    pub id: String,
    /// Label.
    pub label: String,
    /// When it was created (RFC 3339).
    pub created: String,
}

/// A token request.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for.
    pub label: String,
}

/// A new token: shown this once, only its hash is kept.
#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    /// Identifier, to revoke it.
    pub id: String,
    /// Label.
    pub label: String,
    /// The token: send it as `Authorization: Bearer <token>`.
    pub token: String,
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
        description = "Knowledge items, search, classification and organisation chart of the centralino contact centre. Errors are JSON objects {\"error\": {\"status\", \"message\"}}. SPARQL is at /sparql (SPARQL 1.1 Protocol) and every IRI below /id/ dereferences as linked data."
    ),
    paths(
        me,
        list_items,
        get_item,
        create_item,
        edit_item,
        submit_item,
        approve_item,
        reject_item,
        search,
        suggest,
        concepts,
        offices,
        office,
        people,
        person,
        list_tokens,
        create_token,
        revoke_token
    ),
    components(schemas(ErrorBody, ErrorDetail, ItemFields, LevelDto, ItemDto, ItemSummaryDto, ItemList, EditRequest, CommentBody, ItemRef, Me, TokenInfo, TokenRequest, TokenCreated)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "items", description = "Knowledge items and their life cycle"),
        (name = "search", description = "Search and suggestions"),
        (name = "catalogue", description = "Classification tree and organisation chart"),
        (name = "account", description = "The signed-in account and its API tokens")
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
async fn openapi() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(ApiUser(user): ApiUser) -> ApiResult<axum::Json<Me>> {
    Ok(axum::Json(Me { username: user.actor.username.clone(), roles: user.actor.roles.iter().map(|r| r.as_str().to_owned()).collect() }))
}

/// Knowledge items, a page at a time: published (default) or archived
/// items for everyone, drafts and revisions in review for the editorial staff.
#[utoipa::path(get, path = "/api/v1/items", tag = "items", params(ItemsParams),
    responses((status = 200, body = ItemList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_items(State(state): State<AppState>, user: ApiUser, ApiQuery(p): ApiQuery<ItemsParams>) -> ApiResult<axum::Json<ItemList>> {
    user.require(READERS)?;
    let per_page = p.per_page.unwrap_or(20).clamp(1, MAX_PER_PAGE);
    let page = p.page.unwrap_or(1).max(1);
    let wanted = match p.state.as_deref().unwrap_or("published") {
        "published" => ItemState::Published,
        "archived" => ItemState::Archived,
        "draft" => ItemState::Draft,
        "in_review" => ItemState::InReview,
        other => {
            return Err(ApiError(AppError::BadRequest(format!("unknown state {other:?}: use published, archived, draft or in_review"))));
        }
    };
    let actor = user.0.actor.clone();
    let list = state
        .blocking(move |kb| {
            if matches!(wanted, ItemState::Draft | ItemState::InReview) {
                let all = kb.working_items(&actor, wanted, None)?;
                let total = all.len();
                let items = all
                    .into_iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .map(|e| ItemSummaryDto {
                        id: e.id,
                        title: e.title,
                        state: state_name(e.state).to_owned(),
                        revision: e.revision,
                        author: e.author,
                    })
                    .collect();
                return Ok(ItemList { items, page, per_page, total });
            }
            let g = kb.graph(Graph::KbPublished);
            let mut ids: Vec<String> = Vec::new();
            for q in kb.store().quads_for_pattern(
                None,
                Some(NamedNodeRef::new_unchecked(cc::STATE_PROP)),
                Some(NamedNodeRef::new_unchecked(wanted.iri()).into()),
                Some(GraphNameRef::NamedNode(g)),
            ) {
                let q = q.map_err(|e| AppError::Internal(format!("graph store: {e}")))?;
                if let NamedOrBlankNode::NamedNode(s) = &q.subject {
                    if let Some(id) = s.as_str().rsplit_once("/id/kb/").map(|(_, id)| id) {
                        if !id.contains('/') {
                            ids.push(id.to_owned());
                        }
                    }
                }
            }
            ids.sort();
            ids.dedup();
            let total = ids.len();
            let mut items = Vec::new();
            for id in ids.into_iter().skip((page - 1) * per_page).take(per_page) {
                if let Some(k) = kb.published_item(&id)? {
                    items.push(ItemSummaryDto {
                        id: k.id,
                        title: k.content.title,
                        state: state_name(k.state).to_owned(),
                        revision: k.revision,
                        author: None,
                    });
                }
            }
            Ok(ItemList { items, page, per_page, total })
        })
        .await?;
    Ok(axum::Json(list))
}

/// One knowledge item: the published content, or with `working=true` the
/// working revision (editorial staff). Items never published are visible
/// to the editorial staff only.
#[utoipa::path(get, path = "/api/v1/items/{id}", tag = "items",
    params(("id" = String, Path, description = "Item identifier, e.g. PIL-0001"), ItemParams),
    responses((status = 200, body = ItemDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_item(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<ItemParams>,
) -> ApiResult<axum::Json<ItemDto>> {
    user.require(READERS)?;
    let working = p.working.unwrap_or(false);
    if working {
        user.require(KB_STAFF)?;
    }
    let actor = user.0.actor.clone();
    let staff = actor.roles.has_any(KB_STAFF);
    let lookup = id.clone();
    let item = state
        .blocking(move |kb| {
            if !working {
                if let Some(k) = kb.published_item(&lookup)? {
                    return Ok(Some(k));
                }
            }
            if staff {
                return match kb.current_item(&actor, &lookup) {
                    Ok(k) => Ok(Some(k)),
                    Err(kb::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(e.into()),
                };
            }
            Ok(None)
        })
        .await?;
    item.map(|k| axum::Json(k.into())).ok_or_else(|| ApiError(AppError::NotFound(format!("no item {id}"))))
}

/// Creates a draft (publishers, administrators).
#[utoipa::path(post, path = "/api/v1/items", tag = "items", request_body = ItemFields,
    responses((status = 201, body = ItemRef), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_item(State(state): State<AppState>, user: ApiUser, ApiJson(fields): ApiJson<ItemFields>) -> ApiResult<Response> {
    user.require(WRITERS)?;
    let actor = user.0.actor.clone();
    let content: ItemContent = fields.into();
    let id = state.blocking(move |kb| Ok(kb.create_item(&actor, &content)?)).await?;
    let mut r = (StatusCode::CREATED, axum::Json(ItemRef { id: id.clone(), revision: 1, state: "draft".into() })).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/items/{id}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// Edits an item: a new working revision based on `based_on` (409 when
/// someone else changed it meanwhile).
#[utoipa::path(put, path = "/api/v1/items/{id}", tag = "items", request_body = EditRequest,
    params(("id" = String, Path, description = "Item identifier")),
    responses((status = 200, body = ItemRef), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn edit_item(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(edit): ApiJson<EditRequest>,
) -> ApiResult<axum::Json<ItemRef>> {
    user.require(WRITERS)?;
    let actor = user.0.actor.clone();
    let content: ItemContent = edit.content.into();
    let lookup = id.clone();
    let revision = state.blocking(move |kb| Ok(kb.edit_item(&actor, &lookup, edit.based_on, &content)?)).await?;
    Ok(axum::Json(ItemRef { id, revision, state: "draft".into() }))
}

async fn transition(state: AppState, user: ApiUser, id: String, body: Bytes, which: &'static str) -> ApiResult<axum::Json<ItemRef>> {
    user.require(if which == "submit" { WRITERS } else { APPROVERS })?;
    let c: CommentBody = optional_json(&body)?;
    let actor = user.0.actor.clone();
    let lookup = id.clone();
    let st = state
        .blocking(move |kb| {
            let comment = c.comment.as_deref().map(str::trim).filter(|s| !s.is_empty());
            match which {
                "submit" => kb.submit_item(&actor, &lookup, comment)?,
                "approve" => kb.approve_item(&actor, &lookup, comment)?,
                _ => {
                    let Some(comment) = comment else {
                        return Err(AppError::BadRequest("a comment is required to reject".into()));
                    };
                    kb.reject_item(&actor, &lookup, comment)?
                }
            }
            Ok(kb.item_status(&lookup)?)
        })
        .await?;
    let (revision, s) = st.working.unwrap_or((st.published_revision.unwrap_or(st.last_revision), st.state));
    Ok(axum::Json(ItemRef { id, revision, state: state_name(s).to_owned() }))
}

/// Submits the working revision for review (publishers, administrators).
#[utoipa::path(post, path = "/api/v1/items/{id}/submit", tag = "items", request_body(content = CommentBody, description = "Optional comment"),
    params(("id" = String, Path, description = "Item identifier")),
    responses((status = 200, body = ItemRef), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn submit_item(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>, body: Bytes) -> ApiResult<axum::Json<ItemRef>> {
    transition(state, user, id, body, "submit").await
}

/// Approves and publishes the revision in review (approvers, administrators; four-eyes rule).
#[utoipa::path(post, path = "/api/v1/items/{id}/approve", tag = "items", request_body(content = CommentBody, description = "Optional comment"),
    params(("id" = String, Path, description = "Item identifier")),
    responses((status = 200, body = ItemRef), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve_item(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>, body: Bytes) -> ApiResult<axum::Json<ItemRef>> {
    transition(state, user, id, body, "approve").await
}

/// Rejects the revision in review back to draft, with a comment (approvers, administrators).
#[utoipa::path(post, path = "/api/v1/items/{id}/reject", tag = "items", request_body = CommentBody,
    params(("id" = String, Path, description = "Item identifier")),
    responses((status = 200, body = ItemRef), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reject_item(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>, body: Bytes) -> ApiResult<axum::Json<ItemRef>> {
    transition(state, user, id, body, "reject").await
}

/// Searches items, offices and people (the operators' search): hits with
/// snippets, and counts by area, office, level and kind.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, description = "kb::SearchResults: total, hits, areas, offices, levels, kinds", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn search(State(state): State<AppState>, user: ApiUser, ApiQuery(p): ApiQuery<SearchParams>) -> ApiResult<Response> {
    user.require(READERS)?;
    let level = match p.level.as_deref() {
        None | Some("") => None,
        Some("base") => Some(Level::Base),
        Some("advanced") => Some(Level::Advanced),
        Some(other) => return Err(ApiError(AppError::BadRequest(format!("unknown level {other:?}: use base or advanced")))),
    };
    let kinds = match p.kind.as_deref() {
        None | Some("") => Vec::new(),
        Some("item") => vec![kb::HitKind::Item],
        Some("office") => vec![kb::HitKind::Office],
        Some("person") => vec![kb::HitKind::Person],
        Some(other) => return Err(ApiError(AppError::BadRequest(format!("unknown kind {other:?}: use item, office or person")))),
    };
    let q = SearchQuery {
        text: p.q,
        limit: p.limit.unwrap_or(10).clamp(1, 50),
        offset: p.offset.unwrap_or(0).min(500),
        as_you_type: p.as_you_type.unwrap_or(false),
        area: p.area.filter(|s| !s.trim().is_empty()),
        office: p.office.filter(|s| !s.trim().is_empty()),
        level,
        audience: p.audience.filter(|s| !s.trim().is_empty()),
        kinds,
        include_drafts: p.drafts.unwrap_or(false),
        today: None,
    };
    let actor = user.0.actor.clone();
    let results = state.blocking(move |kb| Ok(kb.search(&actor, &q)?)).await?;
    Ok(axum::Json(results).into_response())
}

/// Suggestions for an autocomplete box: titles, concepts, offices, people.
#[utoipa::path(get, path = "/api/v1/suggest", tag = "search", params(SuggestParams),
    responses((status = 200, description = "A list of {kind, id, label}", body = serde_json::Value), (status = 401, body = ErrorBody)))]
async fn suggest(State(state): State<AppState>, user: ApiUser, ApiQuery(p): ApiQuery<SuggestParams>) -> ApiResult<Response> {
    user.require(READERS)?;
    let actor = user.0.actor.clone();
    let limit = p.limit.unwrap_or(8).clamp(1, 30);
    let s = state.blocking(move |kb| Ok(kb.suggest(&actor, &p.q, limit)?)).await?;
    Ok(axum::Json(json!({ "suggestions": s })).into_response())
}

/// The classification tree (subject areas, or audiences).
#[utoipa::path(get, path = "/api/v1/concepts", tag = "catalogue", params(ConceptParams),
    responses((status = 200, description = "Concept nodes {concept: {iri, label, label_en, alt_labels, broader, notation, scheme}, children: [...]}", body = serde_json::Value), (status = 400, body = ErrorBody)))]
async fn concepts(State(state): State<AppState>, user: ApiUser, ApiQuery(p): ApiQuery<ConceptParams>) -> ApiResult<Response> {
    user.require(READERS)?;
    let audiences = match p.scheme.as_deref() {
        None | Some("areas") => false,
        Some("audiences") => true,
        Some(other) => return Err(ApiError(AppError::BadRequest(format!("unknown scheme {other:?}: use areas or audiences")))),
    };
    let tree = state
        .blocking(move |kb| {
            let scheme = if audiences { kb.audience_scheme() } else { kb.areas_scheme() };
            Ok(kb.concept_tree(scheme.as_str())?)
        })
        .await?;
    Ok(axum::Json(json!({ "concepts": tree })).into_response())
}

/// Offices of the organisation chart.
#[utoipa::path(get, path = "/api/v1/offices", tag = "catalogue",
    responses((status = 200, description = "{offices: [{code, name, kind, parent, head, email, pec, phone, extension, site, competences}]}", body = serde_json::Value)))]
async fn offices(State(state): State<AppState>, user: ApiUser) -> ApiResult<Response> {
    user.require(READERS)?;
    let list = state.blocking(|kb| Ok(kb.offices()?)).await?;
    Ok(axum::Json(json!({ "offices": list })).into_response())
}

/// One office, with its people.
#[utoipa::path(get, path = "/api/v1/offices/{code}", tag = "catalogue", params(("code" = String, Path, description = "Office code")),
    responses((status = 200, description = "{office, people}", body = serde_json::Value), (status = 404, body = ErrorBody)))]
async fn office(State(state): State<AppState>, user: ApiUser, Path(code): Path<String>) -> ApiResult<Response> {
    user.require(READERS)?;
    let lookup = code.clone();
    let found = state
        .blocking(move |kb| {
            let Some(o) = kb.office_by_iri(kb.office_iri(&lookup).as_str())? else { return Ok(None) };
            let people: Vec<kb::Person> = kb.people()?.into_iter().filter(|p| p.office.as_deref() == Some(o.code.as_str())).collect();
            Ok(Some((o, people)))
        })
        .await?;
    let (o, people) = found.ok_or_else(|| ApiError(AppError::NotFound(format!("no office {code}"))))?;
    Ok(axum::Json(json!({ "office": o, "people": people })).into_response())
}

/// People of the organisation chart.
#[utoipa::path(get, path = "/api/v1/people", tag = "catalogue",
    responses((status = 200, description = "{people: [{staff_number, given_name, family_name, office, title, functions, extension, email, room}]}", body = serde_json::Value)))]
async fn people(State(state): State<AppState>, user: ApiUser) -> ApiResult<Response> {
    user.require(READERS)?;
    let list = state.blocking(|kb| Ok(kb.people()?)).await?;
    Ok(axum::Json(json!({ "people": list })).into_response())
}

/// One person.
#[utoipa::path(get, path = "/api/v1/people/{number}", tag = "catalogue", params(("number" = String, Path, description = "Staff number")),
    responses((status = 200, description = "{person}", body = serde_json::Value), (status = 404, body = ErrorBody)))]
async fn person(State(state): State<AppState>, user: ApiUser, Path(number): Path<String>) -> ApiResult<Response> {
    user.require(READERS)?;
    let lookup = number.clone();
    let found = state.blocking(move |kb| Ok(kb.person_by_iri(kb.person_iri(&lookup).as_str())?)).await?;
    let p = found.ok_or_else(|| ApiError(AppError::NotFound(format!("no person {number}"))))?;
    Ok(axum::Json(json!({ "person": p })).into_response())
}

/// The API tokens of the signed-in account.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account",
    responses((status = 200, body = Vec<TokenInfo>), (status = 401, body = ErrorBody)))]
async fn list_tokens(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<axum::Json<Vec<TokenInfo>>> {
    let name = user.actor.username.clone();
    let list = state.blocking(move |kb| Ok(kb.tokens(&name)?)).await?;
    Ok(axum::Json(list.into_iter().map(|(id, label, created)| TokenInfo { id, label, created }).collect()))
}

/// Creates an API token for the signed-in account; the token is shown
/// only in this answer.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn create_token(State(state): State<AppState>, ApiUser(user): ApiUser, ApiJson(req): ApiJson<TokenRequest>) -> ApiResult<Response> {
    let label = req.label.trim().to_owned();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(ApiError(AppError::BadRequest("`label` must be 1 to 100 characters".into())));
    }
    let actor = user.actor.clone();
    let l = label.clone();
    let (token, id) = state
        .blocking(move |kb| {
            let before: Vec<String> = kb.tokens(&actor.username)?.into_iter().map(|t| t.0).collect();
            let token = kb.create_token(&actor, &actor.username, &l)?;
            let id = kb.tokens(&actor.username)?.into_iter().map(|t| t.0).find(|id| !before.contains(id)).unwrap_or_default();
            Ok((token, id))
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(TokenCreated { id, label, token })).into_response())
}

/// Revokes an API token of the signed-in account.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account", params(("id" = String, Path, description = "Token identifier")),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(State(state): State<AppState>, ApiUser(user): ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(ApiError(AppError::NotFound(format!("no token {id:?}"))));
    }
    let actor = user.actor.clone();
    state.blocking(move |kb| Ok(kb.revoke_token(&actor, &actor.username, &id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}
