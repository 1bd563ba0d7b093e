//! Knowledge items and their life cycle.

use super::*;

/// Knowledge items, a page at a time: published (default) or archived
/// items for everyone, drafts and revisions in review for the editorial staff.
#[utoipa::path(get, path = "/api/v1/items", tag = "items", params(ItemsParams),
    responses((status = 200, body = ItemList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn list_items(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(p): ApiQuery<ItemsParams>,
) -> ApiResult<axum::Json<ItemList>> {
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
                        state: e.state.as_str().to_owned(),
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
                        state: k.state.as_str().to_owned(),
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
pub(super) async fn get_item(
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
pub(super) async fn create_item(State(state): State<AppState>, user: ApiUser, ApiJson(fields): ApiJson<ItemFields>) -> ApiResult<Response> {
    user.require(WRITERS)?;
    let actor = user.0.actor.clone();
    let content: ItemContent = fields;
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
pub(super) async fn edit_item(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(edit): ApiJson<EditRequest>,
) -> ApiResult<axum::Json<ItemRef>> {
    user.require(WRITERS)?;
    let actor = user.0.actor.clone();
    let content: ItemContent = edit.content;
    let lookup = id.clone();
    let revision = state.blocking(move |kb| Ok(kb.edit_item(&actor, &lookup, edit.based_on, &content)?)).await?;
    Ok(axum::Json(ItemRef { id, revision, state: "draft".into() }))
}

pub(super) async fn transition(
    state: AppState,
    user: ApiUser,
    id: String,
    body: Bytes,
    which: &'static str,
) -> ApiResult<axum::Json<ItemRef>> {
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
    Ok(axum::Json(ItemRef { id, revision, state: s.as_str().to_owned() }))
}

/// Submits the working revision for review (publishers, administrators).
#[utoipa::path(post, path = "/api/v1/items/{id}/submit", tag = "items", request_body(content = CommentBody, description = "Optional comment"),
    params(("id" = String, Path, description = "Item identifier")),
    responses((status = 200, body = ItemRef), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn submit_item(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<axum::Json<ItemRef>> {
    transition(state, user, id, body, "submit").await
}

/// Approves and publishes the revision in review (approvers, administrators; four-eyes rule).
#[utoipa::path(post, path = "/api/v1/items/{id}/approve", tag = "items", request_body(content = CommentBody, description = "Optional comment"),
    params(("id" = String, Path, description = "Item identifier")),
    responses((status = 200, body = ItemRef), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn approve_item(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<axum::Json<ItemRef>> {
    transition(state, user, id, body, "approve").await
}

/// Rejects the revision in review back to draft, with a comment (approvers, administrators).
#[utoipa::path(post, path = "/api/v1/items/{id}/reject", tag = "items", request_body = CommentBody,
    params(("id" = String, Path, description = "Item identifier")),
    responses((status = 200, body = ItemRef), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn reject_item(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<axum::Json<ItemRef>> {
    transition(state, user, id, body, "reject").await
}
