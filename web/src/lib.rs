//! The centralino web server: axum routes over the knowledge base.
//!
//! [`app`] builds the router so that tests can call it without a socket.
//! Pages are rendered on the server (minijinja templates embedded in the
//! binary, HTML auto-escaped); a little vanilla JavaScript adds results as
//! you type and copy buttons. Every handler checks the user's role through
//! the [`auth::User`] extractor; blocking work on the graph runs on tokio's
//! blocking pool, SPARQL on its own bounded pool so that analysts' heavy
//! queries cannot starve operators' searches.

pub mod api;
pub mod auth;
pub mod demo;
pub mod linked;
pub mod pages;
pub mod settings;
pub mod sparql_http;
pub mod ui;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use crm::Crm;
use kb::Kb;
use serde_json::json;
use std::sync::Arc;

/// Web settings that handlers need.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest accepted upload (workbooks, RDF), in bytes.
    pub max_upload_bytes: usize,
    /// CRM settings (calendar, SLA clocks).
    pub crm: crm::CrmConfig,
    /// Telephony settings (queues, lines, wrap-up, wallboard).
    pub telephony: telephony::TelephonyConfig,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { max_upload_bytes: 50 * 1024 * 1024, crm: crm::CrmConfig::default(), telephony: telephony::TelephonyConfig::default() }
    }
}

/// Shared state of every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The knowledge base.
    pub kb: Kb,
    /// Contacts and tickets.
    pub crm: Crm,
    /// The ACD, IVR and CTI events.
    pub telephony: telephony::Telephony,
    /// Signed-in sessions and sign-in throttling.
    pub sessions: Arc<auth::Sessions>,
    /// Templates.
    pub ui: Arc<ui::Ui>,
    /// Settings.
    pub config: Arc<WebConfig>,
}

impl AppState {
    /// State over `kb` with default settings. Fails when the CRM's
    /// ticket board cannot be read from the graph.
    pub fn new(kb: Kb) -> Result<Self, crm::Error> {
        Self::with_config(kb, WebConfig::default())
    }

    /// State over `kb` with `config`: opens the CRM and starts the
    /// telephony engine (its state recovered from the stored events).
    pub fn with_config(kb: Kb, config: WebConfig) -> Result<Self, crm::Error> {
        let crm = Crm::open(kb.clone(), &config.crm)?;
        let telephony = telephony::Telephony::start(kb.clone(), crm.clone(), &config.telephony, None).map_err(|e| match e {
            telephony::Error::Crm(c) => c,
            telephony::Error::Kb(k) => crm::Error::Kb(k),
            other => crm::Error::invalid("telephony", other.to_string()),
        })?;
        Ok(Self { kb, crm, telephony, sessions: Arc::default(), ui: Arc::new(ui::Ui::new()), config: Arc::new(config) })
    }

    /// Runs blocking work on the CRM off the async threads.
    pub async fn crm<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Crm) -> Result<T, ui::AppError> + Send + 'static,
    ) -> Result<T, ui::AppError> {
        let crm = self.crm.clone();
        tokio::task::spawn_blocking(move || f(&crm)).await?
    }

    /// Runs blocking work on the graph off the async threads.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Kb) -> Result<T, ui::AppError> + Send + 'static,
    ) -> Result<T, ui::AppError> {
        let kb = self.kb.clone();
        tokio::task::spawn_blocking(move || f(&kb)).await?
    }
}

/// The application router.
pub fn app(state: AppState) -> Router {
    let max_body = state.config.max_upload_bytes;
    Router::new()
        .route("/health", get(health))
        .route("/static/{file}", get(ui::asset))
        .merge(pages::routes())
        .merge(sparql_http::routes())
        .merge(linked::routes())
        .merge(api::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::csrf_layer))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(
            tower::ServiceBuilder::new()
                .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(tower_http::request_id::MakeRequestUuid))
                .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                }))
                .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(state)
}

async fn not_found() -> ui::AppError {
    ui::AppError::NotFound("page or resource not found".into())
}

/// `GET /health`: 200 with the store's size when the graph answers.
async fn health(State(state): State<AppState>) -> (StatusCode, axum::Json<serde_json::Value>) {
    let kb = state.kb.clone();
    let size = tokio::task::spawn_blocking(move || kb.store().len()).await;
    match size {
        Ok(Ok(quads)) => (StatusCode::OK, axum::Json(json!({"status": "ok", "quads": quads}))),
        _ => (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"status": "unavailable"}))),
    }
}
