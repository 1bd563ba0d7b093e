//! The HTML pages: sign-in, operators' search and reading, publishers'
//! and approvers' work.

mod admin;
mod admin_concepts;
mod admin_org;
mod admin_stats;
mod admin_transfer;
mod admin_users;
mod announcements;
mod contacts;
mod dimensioning;
mod editor;
mod operator;
mod session;
mod telephony;
mod tickets;

use crate::AppState;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};

/// Every page route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(session::routes())
        .merge(operator::routes())
        .merge(editor::routes())
        .merge(admin::routes())
        .merge(tickets::routes())
        .merge(contacts::routes())
        .merge(telephony::routes())
        .merge(announcements::routes())
        .merge(dimensioning::routes())
}

/// A redirect after a successful form (303 See Other).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A query value read leniently: blank means absent.
pub(crate) fn non_blank(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}
