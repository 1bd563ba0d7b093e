//! Users and roles (`/admin/users`): accounts with their roles, creation
//! (initial password typed or generated and shown once), role changes,
//! password resets, disabling, and API tokens (shown once, listed,
//! revoked). A role change, a password reset or disabling ends the user's
//! open sessions.

use super::admin::{ADMINS, form_pairs, kb_error, opt, render, shown, value, values};
use super::see_other;
use crate::AppState;
use crate::auth::{User, urlencode};
use crate::ui::{AppError, PageResult};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use kb::Role;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/{name}", get(detail))
        .route("/admin/users/{name}/roles", post(set_roles))
        .route("/admin/users/{name}/password", post(reset_password))
        .route("/admin/users/{name}/disabled", post(set_disabled))
        .route("/admin/users/{name}/tokens", post(create_token))
        .route("/admin/users/{name}/tokens/{id}/revoke", post(revoke_token))
}

/// `?ok=` confirms the last change.
#[derive(Deserialize, Default)]
pub struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
}

/// Confirmations of this page (keys of interface strings `adm_ok_{key}`).
const USER_OK: &[&str] = &["roles", "enabled", "disabled", "revoked"];

fn roles_view(selected: &[Role]) -> Vec<serde_json::Value> {
    Role::ALL.iter().map(|r| json!({"name": r.as_str(), "checked": selected.contains(r)})).collect()
}

/// Parses the roles checked in a form.
fn parse_roles(pairs: &[(String, String)]) -> Result<Vec<Role>, AppError> {
    let roles = values(pairs, "roles").iter().map(|r| r.parse::<Role>().map_err(kb_error)).collect::<Result<Vec<_>, _>>()?;
    if roles.is_empty() {
        return Err(AppError::BadRequest("choose at least one role".into()));
    }
    Ok(roles)
}

async fn render_list(
    state: &AppState,
    user: &User,
    created: Option<serde_json::Value>,
    form: serde_json::Value,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let users = state.blocking(|kb| kb.users().map_err(kb_error)).await?;
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let ctx = json!({"user": user.view(), "users": users, "created": created, "form": form, "error": message});
    render(state, user, "admin_users.html", status, ctx)
}

async fn list(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    render_list(&state, &user, None, json!({"roles": roles_view(&[])}), None).await
}

async fn create(State(state): State<AppState>, user: User, body: Bytes) -> PageResult {
    user.require(ADMINS)?;
    let pairs = form_pairs(&body)?;
    let name = value(&pairs, "username").trim().to_lowercase();
    let typed = opt(&value(&pairs, "password"));
    let checked: Vec<Role> = values(&pairs, "roles").iter().filter_map(|r| r.parse().ok()).collect();
    let form = json!({"username": name, "roles": roles_view(&checked)});
    let roles = match parse_roles(&pairs) {
        Ok(r) => r,
        Err(e) => return render_list(&state, &user, None, form, Some(shown(e)?)).await,
    };
    let generated = typed.is_none();
    let password = typed.unwrap_or_else(kb::random_password);
    let actor = user.actor.clone();
    let (who, secret) = (name.clone(), password.clone());
    match state.blocking(move |kb| kb.create_user(&actor, &who, &secret, &roles).map_err(kb_error)).await {
        Ok(()) => {
            tracing::info!(admin = %user.actor.username, user = %name, "user created");
            let created = json!({"username": name, "password": generated.then_some(password)});
            render_list(&state, &user, Some(created), json!({"roles": roles_view(&[])}), None).await
        }
        Err(e) => render_list(&state, &user, None, form, Some(shown(e)?)).await,
    }
}

/// What the detail page shows once: a generated password or a new token.
#[derive(Default)]
struct Once {
    password: Option<String>,
    token: Option<String>,
    ok: Option<&'static str>,
}

async fn render_detail(state: &AppState, user: &User, name: &str, once: Once, error: Option<(StatusCode, String)>) -> PageResult {
    let who = name.to_owned();
    let (info, tokens) = state
        .blocking(move |kb| {
            let info = kb.user(&who).map_err(kb_error)?.ok_or_else(|| AppError::NotFound(format!("unknown user {who:?}")))?;
            let tokens = kb.tokens(&who).map_err(kb_error)?;
            Ok((info, tokens))
        })
        .await?;
    let tokens: Vec<_> = tokens.into_iter().map(|(id, label, created)| json!({"id": id, "label": label, "created": created})).collect();
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let ctx = json!({
        "user": user.view(), "account": info, "roles": roles_view(&info.roles), "tokens": tokens,
        "is_self": info.username == user.actor.username,
        "new_password": once.password, "new_token": once.token, "ok": once.ok, "error": message,
    });
    render(state, user, "admin_user.html", status, ctx)
}

async fn detail(State(state): State<AppState>, user: User, Path(name): Path<String>, Query(q): Query<OkQuery>) -> PageResult {
    user.require(ADMINS)?;
    let ok = q.ok.as_deref().and_then(|k| USER_OK.iter().find(|x| **x == k).copied());
    render_detail(&state, &user, &name, Once { ok, ..Once::default() }, None).await
}

fn back(name: &str, ok: &str) -> axum::response::Response {
    see_other(&format!("/admin/users/{}?ok={ok}", urlencode(name)))
}

async fn set_roles(State(state): State<AppState>, user: User, Path(name): Path<String>, body: Bytes) -> PageResult {
    user.require(ADMINS)?;
    let roles = match parse_roles(&form_pairs(&body)?) {
        Ok(r) => r,
        Err(e) => return render_detail(&state, &user, &name, Once::default(), Some(shown(e)?)).await,
    };
    if name == user.actor.username && !roles.contains(&Role::Admin) {
        let e = AppError::Conflict("you cannot remove the administrator role from yourself: ask another administrator".into());
        return render_detail(&state, &user, &name, Once::default(), Some(shown(e)?)).await;
    }
    let actor = user.actor.clone();
    let who = name.clone();
    match state.blocking(move |kb| kb.set_roles(&actor, &who, &roles).map_err(kb_error)).await {
        Ok(()) => {
            state.sessions.close_user(&name);
            tracing::info!(admin = %user.actor.username, user = %name, "roles changed");
            Ok(back(&name, "roles"))
        }
        Err(e) => render_detail(&state, &user, &name, Once::default(), Some(shown(e)?)).await,
    }
}

async fn reset_password(State(state): State<AppState>, user: User, Path(name): Path<String>, body: Bytes) -> PageResult {
    user.require(ADMINS)?;
    let pairs = form_pairs(&body)?;
    let typed = opt(&value(&pairs, "password"));
    let generated = typed.is_none();
    let password = typed.unwrap_or_else(kb::random_password);
    let actor = user.actor.clone();
    let (who, secret) = (name.clone(), password.clone());
    match state.blocking(move |kb| kb.set_password(&actor, &who, &secret).map_err(kb_error)).await {
        Ok(()) => {
            state.sessions.close_user(&name);
            tracing::info!(admin = %user.actor.username, user = %name, "password reset");
            if name == user.actor.username {
                // The administrator's own session has just ended.
                return Ok(see_other("/login"));
            }
            let once = Once { password: generated.then_some(password), ok: Some("password"), ..Once::default() };
            render_detail(&state, &user, &name, once, None).await
        }
        Err(e) => render_detail(&state, &user, &name, Once::default(), Some(shown(e)?)).await,
    }
}

async fn set_disabled(State(state): State<AppState>, user: User, Path(name): Path<String>, body: Bytes) -> PageResult {
    user.require(ADMINS)?;
    let disable = value(&form_pairs(&body)?, "disabled") == "true";
    if disable && name == user.actor.username {
        let e = AppError::Conflict("you cannot disable your own account".into());
        return render_detail(&state, &user, &name, Once::default(), Some(shown(e)?)).await;
    }
    let actor = user.actor.clone();
    let who = name.clone();
    match state.blocking(move |kb| kb.set_disabled(&actor, &who, disable).map_err(kb_error)).await {
        Ok(()) => {
            if disable {
                state.sessions.close_user(&name);
            }
            Ok(back(&name, if disable { "disabled" } else { "enabled" }))
        }
        Err(e) => render_detail(&state, &user, &name, Once::default(), Some(shown(e)?)).await,
    }
}

async fn create_token(State(state): State<AppState>, user: User, Path(name): Path<String>, body: Bytes) -> PageResult {
    user.require(ADMINS)?;
    let label = opt(&value(&form_pairs(&body)?, "label")).unwrap_or_else(|| "api".to_owned());
    let label: String = label.chars().take(200).collect();
    let actor = user.actor.clone();
    let who = name.clone();
    match state.blocking(move |kb| kb.create_token(&actor, &who, &label).map_err(kb_error)).await {
        Ok(token) => {
            tracing::info!(admin = %user.actor.username, user = %name, "API token created");
            render_detail(&state, &user, &name, Once { token: Some(token), ..Once::default() }, None).await
        }
        Err(e) => render_detail(&state, &user, &name, Once::default(), Some(shown(e)?)).await,
    }
}

async fn revoke_token(State(state): State<AppState>, user: User, Path((name, id)): Path<(String, String)>) -> PageResult {
    user.require(ADMINS)?;
    if !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(AppError::NotFound(format!("unknown token {id:?}")));
    }
    let actor = user.actor.clone();
    let who = name.clone();
    match state.blocking(move |kb| kb.revoke_token(&actor, &who, &id).map_err(kb_error)).await {
        Ok(()) => Ok(back(&name, "revoked")),
        Err(e) => render_detail(&state, &user, &name, Once::default(), Some(shown(e)?)).await,
    }
}
