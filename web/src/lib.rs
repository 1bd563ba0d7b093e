//! The centralino web server: axum routes over the knowledge base.
//!
//! For now it serves the health endpoint; the pages, the JSON API and the
//! SPARQL endpoint come with the web issue. [`app`] builds the router so
//! that tests can call it without a socket.

pub mod settings;

use axum::{Json, Router, extract::State, routing::get};
use kb::Kb;
use serde_json::json;

/// Shared state of every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The knowledge base.
    pub kb: Kb,
}

/// The application router.
pub fn app(state: AppState) -> Router {
    Router::new().route("/health", get(health)).with_state(state)
}

/// `GET /health`: 200 with the store's size when the graph answers.
async fn health(State(state): State<AppState>) -> (axum::http::StatusCode, Json<serde_json::Value>) {
    let kb = state.kb.clone();
    let size = tokio::task::spawn_blocking(move || kb.store().len()).await;
    match size {
        Ok(Ok(quads)) => (axum::http::StatusCode::OK, Json(json!({"status": "ok", "quads": quads}))),
        _ => (axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable"}))),
    }
}
