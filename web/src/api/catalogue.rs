//! Search, suggestions, classification tree and organisation chart.

use super::*;

/// Searches items, offices and people (the operators' search): hits with
/// snippets, and counts by area, office, level and kind.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, description = "kb::SearchResults: total, hits, areas, offices, levels, kinds", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(super) async fn search(State(state): State<AppState>, user: ApiUser, ApiQuery(p): ApiQuery<SearchParams>) -> ApiResult<Response> {
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
pub(super) async fn suggest(State(state): State<AppState>, user: ApiUser, ApiQuery(p): ApiQuery<SuggestParams>) -> ApiResult<Response> {
    user.require(READERS)?;
    let actor = user.0.actor.clone();
    let limit = p.limit.unwrap_or(8).clamp(1, 30);
    let s = state.blocking(move |kb| Ok(kb.suggest(&actor, &p.q, limit)?)).await?;
    Ok(axum::Json(json!({ "suggestions": s })).into_response())
}

/// The classification tree (subject areas, or audiences).
#[utoipa::path(get, path = "/api/v1/concepts", tag = "catalogue", params(ConceptParams),
    responses((status = 200, description = "Concept nodes {concept: {iri, label, label_en, alt_labels, broader, notation, scheme}, children: [...]}", body = serde_json::Value), (status = 400, body = ErrorBody)))]
pub(super) async fn concepts(State(state): State<AppState>, user: ApiUser, ApiQuery(p): ApiQuery<ConceptParams>) -> ApiResult<Response> {
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
pub(super) async fn offices(State(state): State<AppState>, user: ApiUser) -> ApiResult<Response> {
    user.require(READERS)?;
    let list = state.blocking(|kb| Ok(kb.offices()?)).await?;
    Ok(axum::Json(json!({ "offices": list })).into_response())
}

/// One office, with its people.
#[utoipa::path(get, path = "/api/v1/offices/{code}", tag = "catalogue", params(("code" = String, Path, description = "Office code")),
    responses((status = 200, description = "{office, people}", body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub(super) async fn office(State(state): State<AppState>, user: ApiUser, Path(code): Path<String>) -> ApiResult<Response> {
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
pub(super) async fn people(State(state): State<AppState>, user: ApiUser) -> ApiResult<Response> {
    user.require(READERS)?;
    let list = state.blocking(|kb| Ok(kb.people()?)).await?;
    Ok(axum::Json(json!({ "people": list })).into_response())
}

/// One person.
#[utoipa::path(get, path = "/api/v1/people/{number}", tag = "catalogue", params(("number" = String, Path, description = "Staff number")),
    responses((status = 200, description = "{person}", body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub(super) async fn person(State(state): State<AppState>, user: ApiUser, Path(number): Path<String>) -> ApiResult<Response> {
    user.require(READERS)?;
    let lookup = number.clone();
    let found = state.blocking(move |kb| Ok(kb.person_by_iri(kb.person_iri(&lookup).as_str())?)).await?;
    let p = found.ok_or_else(|| ApiError(AppError::NotFound(format!("no person {number}"))))?;
    Ok(axum::Json(json!({ "person": p })).into_response())
}
