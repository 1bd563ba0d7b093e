//! The signed-in account and its API tokens.

use super::*;

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub(super) async fn me(ApiUser(user): ApiUser) -> ApiResult<axum::Json<Me>> {
    Ok(axum::Json(Me { username: user.actor.username.clone(), roles: user.actor.roles.iter().map(|r| r.as_str().to_owned()).collect() }))
}

/// The API tokens of the signed-in account.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account",
    responses((status = 200, body = Vec<TokenInfo>), (status = 401, body = ErrorBody)))]
pub(super) async fn list_tokens(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<axum::Json<Vec<TokenInfo>>> {
    let name = user.actor.username.clone();
    let list = state.blocking(move |kb| Ok(kb.tokens(&name)?)).await?;
    Ok(axum::Json(list.into_iter().map(|(id, label, created)| TokenInfo { id, label, created }).collect()))
}

/// Creates an API token for the signed-in account; the token is shown
/// only in this answer.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(super) async fn create_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<Response> {
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
pub(super) async fn revoke_token(State(state): State<AppState>, ApiUser(user): ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(ApiError(AppError::NotFound(format!("no token {id:?}"))));
    }
    let actor = user.actor.clone();
    state.blocking(move |kb| Ok(kb.revoke_token(&actor, &actor.username, &id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}
