//! The administration pages under `/admin`: the dashboard and what the
//! sub-modules share. Every page is for administrators only, except the
//! access statistics (also supervisors and analysts).
//!
//! - [`super::admin_concepts`]: the classification tree editor;
//! - [`super::admin_org`]: the organisation chart editor;
//! - [`super::admin_users`]: users, roles, passwords and API tokens;
//! - [`super::admin_transfer`]: import by upload (dry run, preview,
//!   confirm) and every export;
//! - [`super::admin_stats`]: the most consulted items and areas.

use super::{admin_concepts, admin_org, admin_stats, admin_transfer, admin_users};
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use kb::Role;
use serde_json::json;

/// Who administers.
pub const ADMINS: &[Role] = &[Role::Admin];

/// Every administration route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard))
        .merge(admin_concepts::routes())
        .merge(admin_org::routes())
        .merge(admin_users::routes())
        .merge(admin_transfer::routes())
        .merge(admin_stats::routes())
}

async fn dashboard(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    let counts = state
        .blocking(|kb| {
            let concepts = kb.concepts(Some(kb.areas_scheme().as_str())).map_err(kb_error)?.len();
            let offices = kb.offices().map_err(kb_error)?.len();
            let people = kb.people().map_err(kb_error)?.len();
            let users = kb.users().map_err(kb_error)?.len();
            Ok(json!({"concepts": concepts, "offices": offices, "people": people, "users": users}))
        })
        .await?;
    render(&state, &user, "admin_index.html", StatusCode::OK, json!({"user": user.view(), "counts": counts}))
}

/// A knowledge base error as a page error: like [`AppError::from`], but a
/// cycle in the tree or the chart is a conflict (409), not a crash.
pub(crate) fn kb_error(e: kb::Error) -> AppError {
    match e {
        kb::Error::Cycle { .. } => AppError::Conflict(e.to_string()),
        kb::Error::BadCredentials => AppError::BadRequest(e.to_string()),
        other => AppError::from(other),
    }
}

/// Errors shown inside the page (with their status) rather than as an
/// error page: the user's input was refused. Others pass through.
pub(crate) fn shown(e: AppError) -> Result<(StatusCode, String), AppError> {
    match e {
        AppError::BadRequest(_) | AppError::Conflict(_) | AppError::NotFound(_) | AppError::TooLarge(_) => Ok((e.status(), e.message())),
        other => Err(other),
    }
}

/// Renders an administration page with `status`; never cached (pages may
/// show a password or a token once).
pub(crate) fn render(state: &AppState, user: &User, template: &str, status: StatusCode, ctx: serde_json::Value) -> PageResult {
    let page = state.ui.render(template, user.lang, ctx)?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], page).into_response())
}

/// The pairs of a urlencoded form (repeated keys kept: checkboxes).
pub(crate) fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))
}

/// Every value of `name` in form pairs.
pub(crate) fn values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
}

/// The first value of `name` in form pairs (empty when absent).
pub(crate) fn value(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Trimmed text, `None` when blank.
pub(crate) fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The confirmation messages a redirect may ask for (`?ok=...`): only
/// these keys are shown, as interface strings `adm_ok_{key}`.
pub(crate) const OK_KEYS: &[&str] = &["created", "saved", "deleted", "moved", "merged", "renamed", "labels"];

/// The confirmation key of a query, if it is a known one.
pub(crate) fn ok_key(q: Option<&str>) -> Option<&'static str> {
    let q = q?;
    OK_KEYS.iter().find(|k| **k == q).copied()
}
