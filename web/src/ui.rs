//! Pages: templates (minijinja, embedded in the binary, HTML auto-escaped),
//! the Italian/English dictionary, static assets, and errors rendered as a
//! page or as JSON with the right status.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// The templates, compiled once.
pub struct Ui {
    env: Environment<'static>,
}

impl std::fmt::Debug for Ui {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ui").finish_non_exhaustive()
    }
}

/// Every template, by name (embedded at build time).
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("password.html", include_str!("../templates/password.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("results.html", include_str!("../templates/results.html")),
    ("item.html", include_str!("../templates/item.html")),
    ("tree.html", include_str!("../templates/tree.html")),
    ("concept.html", include_str!("../templates/concept.html")),
    ("directory.html", include_str!("../templates/directory.html")),
    ("office.html", include_str!("../templates/office.html")),
    ("person.html", include_str!("../templates/person.html")),
    ("drafts.html", include_str!("../templates/drafts.html")),
    ("edit.html", include_str!("../templates/edit.html")),
    ("review.html", include_str!("../templates/review.html")),
    ("review_item.html", include_str!("../templates/review_item.html")),
    ("history.html", include_str!("../templates/history.html")),
    ("admin_index.html", include_str!("../templates/admin_index.html")),
    ("admin_concepts.html", include_str!("../templates/admin_concepts.html")),
    ("admin_org.html", include_str!("../templates/admin_org.html")),
    ("admin_office.html", include_str!("../templates/admin_office.html")),
    ("admin_person.html", include_str!("../templates/admin_person.html")),
    ("admin_users.html", include_str!("../templates/admin_users.html")),
    ("admin_user.html", include_str!("../templates/admin_user.html")),
    ("admin_import.html", include_str!("../templates/admin_import.html")),
    ("admin_export.html", include_str!("../templates/admin_export.html")),
    ("admin_stats.html", include_str!("../templates/admin_stats.html")),
    ("sparql.html", include_str!("../templates/sparql.html")),
    ("tickets.html", include_str!("../templates/tickets.html")),
    ("console.html", include_str!("../templates/console.html")),
    ("console_panel.html", include_str!("../templates/console_panel.html")),
    ("wallboard.html", include_str!("../templates/wallboard.html")),
    ("ticket.html", include_str!("../templates/ticket.html")),
    ("ticket_new.html", include_str!("../templates/ticket_new.html")),
    ("callbacks.html", include_str!("../templates/callbacks.html")),
    ("contacts.html", include_str!("../templates/contacts.html")),
    ("contact.html", include_str!("../templates/contact.html")),
    ("return_calls.html", include_str!("../templates/return_calls.html")),
    ("kb_gaps.html", include_str!("../templates/kb_gaps.html")),
    ("announcements.html", include_str!("../templates/announcements.html")),
    ("dimensioning.html", include_str!("../templates/dimensioning.html")),
];

impl Ui {
    /// Compiles the templates.
    pub fn new() -> Self {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // A template that does not compile is a build defect: the
            // `templates_compile` test catches it.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        env.add_filter("date", |v: Value| -> String {
            let s = v.to_string();
            match chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(&s), "%Y-%m-%d") {
                Ok(d) => d.format("%d/%m/%Y").to_string(),
                Err(_) => s,
            }
        });
        env.add_filter("truncate", |v: String, n: Option<usize>| -> String {
            let n = n.unwrap_or(80);
            if v.chars().count() <= n { v } else { format!("{}…", v.chars().take(n).collect::<String>().trim_end()) }
        });
        env.add_filter("slug", |v: String| -> String { v.rsplit('/').next().unwrap_or_default().to_owned() });
        env.add_filter("datetime", |v: Value| -> String {
            let s = v.to_string();
            match chrono::DateTime::parse_from_rfc3339(&s) {
                Ok(d) => d.with_timezone(&chrono::Local).format("%d/%m/%Y %H:%M").to_string(),
                Err(_) => s,
            }
        });
        Self { env }
    }

    /// Renders `name` with `ctx` plus the common context (`tr`, `lang`).
    pub fn render<S: Serialize>(&self, name: &str, lang: Lang, ctx: S) -> Result<Html<String>, AppError> {
        let t = self.env.get_template(name).map_err(|e| AppError::Internal(format!("template {name}: {e}")))?;
        let ctx = minijinja::context! { tr => dictionary(lang), lang => lang.code(), ..Value::from_serialize(&ctx) };
        t.render(ctx).map(Html).map_err(|e| AppError::Internal(format!("template {name}: {e:#}")))
    }

    /// Names of the templates (for the compile test).
    pub fn template_names() -> impl Iterator<Item = &'static str> {
        TEMPLATES.iter().map(|(n, _)| *n)
    }

    /// Whether every template compiles.
    pub fn check(&self) -> Result<(), String> {
        for (name, _) in TEMPLATES {
            self.env.get_template(name).map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(())
    }
}

impl Default for Ui {
    fn default() -> Self {
        Self::new()
    }
}

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    /// Italian (default).
    #[default]
    It,
    /// English.
    En,
}

impl Lang {
    /// `it` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    /// Parses `it`/`en` (anything else: Italian).
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("en") { Lang::En } else { Lang::It }
    }
}

mod strings;
use strings::STRINGS;

/// The dictionary of `lang`, for templates (`{{ tr.search }}`).
pub fn dictionary(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    STRINGS.iter().map(|(k, it, en)| (*k, if lang == Lang::En { *en } else { *it })).collect()
}

/// One interface string.
pub fn tr(lang: Lang, key: &str) -> &'static str {
    STRINGS.iter().find(|(k, _, _)| *k == key).map(|(_, it, en)| if lang == Lang::En { *en } else { *it }).unwrap_or("")
}

/// Static assets: (path, content type, body).
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../static/app.js")),
    ("telephony.js", "text/javascript; charset=utf-8", include_str!("../static/telephony.js")),
];

/// `GET /static/{file}`.
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(p, _, _)| *p == file) {
        Some((_, ty, body)) => ([(header::CONTENT_TYPE, *ty), (header::CACHE_CONTROL, "public, max-age=3600")], *body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Sanitises HTML of an answer to a safe subset (no scripts, no event
/// handlers, no styles; links get `rel="noopener noreferrer"`). Plain text
/// keeps its line breaks.
pub fn safe_answer(text: &str) -> String {
    let looks_html = text.contains('<') && text.contains('>');
    if looks_html {
        ammonia::Builder::default()
            .tags(
                [
                    "b",
                    "strong",
                    "i",
                    "em",
                    "u",
                    "p",
                    "br",
                    "ul",
                    "ol",
                    "li",
                    "a",
                    "h3",
                    "h4",
                    "blockquote",
                    "code",
                    "table",
                    "thead",
                    "tbody",
                    "tr",
                    "th",
                    "td",
                ]
                .into(),
            )
            .link_rel(Some("noopener noreferrer"))
            .url_schemes(["http", "https", "mailto", "tel"].into())
            .clean(text)
            .to_string()
    } else {
        let escaped = escape(text);
        escaped.split('\n').map(|l| format!("<p>{l}</p>")).collect::<Vec<_>>().join("")
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// What went wrong, shown as a page (or as JSON to API clients) with the
/// right status; never a stack trace.
#[derive(Debug)]
pub enum AppError {
    /// 400 with a message.
    BadRequest(String),
    /// 401: not signed in (API clients).
    Unauthorized,
    /// 403 with the reason.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 409: someone else changed it, or a rule of the life cycle.
    Conflict(String),
    /// 413.
    TooLarge(String),
    /// 429: too many attempts.
    TooManyRequests(String),
    /// 503/504: timeouts.
    Timeout(String),
    /// 500: logged, shown as a generic message.
    Internal(String),
    /// A response prepared by the caller (redirects).
    Response(Response),
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Response(r) => r.status(),
        }
    }

    /// The message shown to the user.
    pub fn message(&self) -> String {
        match self {
            AppError::BadRequest(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::TooLarge(m)
            | AppError::TooManyRequests(m)
            | AppError::Timeout(m) => m.clone(),
            AppError::Unauthorized => "sign in first".into(),
            AppError::Internal(_) => "internal error: the details are in the server log".into(),
            AppError::Response(_) => String::new(),
        }
    }

    /// As a JSON response `{"error": {"status": …, "message": …}}`.
    pub fn into_json(self) -> Response {
        if let AppError::Response(r) = self {
            return r;
        }
        if let AppError::Internal(m) = &self {
            tracing::error!(error = %m, "internal error");
        }
        let status = self.status();
        (status, axum::Json(serde_json::json!({"error": {"status": status.as_u16(), "message": self.message()}}))).into_response()
    }
}

impl From<kb::Error> for AppError {
    fn from(e: kb::Error) -> Self {
        use kb::Error as E;
        match &e {
            E::Forbidden { .. } => AppError::Forbidden(e.to_string()),
            E::NotFound { .. } => AppError::NotFound(e.to_string()),
            E::AlreadyExists { .. } | E::IllegalTransition { .. } | E::StaleRevision { .. } | E::SelfApproval { .. } | E::InUse { .. } => {
                AppError::Conflict(e.to_string())
            }
            E::QueryTimeout { .. } => AppError::Timeout(e.to_string()),
            E::SparqlSyntax(_)
            | E::ResultTooLarge { .. }
            | E::RdfSyntax { .. }
            | E::InvalidIri { .. }
            | E::InvalidValue { .. }
            | E::MissingField { .. }
            | E::SparqlEvaluation(_)
            | E::SparqlUpdate(_) => AppError::BadRequest(e.to_string()),
            _ => AppError::Internal(e.to_string()),
        }
    }
}

impl From<crm::Error> for AppError {
    fn from(e: crm::Error) -> Self {
        use crm::Error as E;
        match e {
            E::Kb(k) => AppError::from(k),
            E::Forbidden { .. } => AppError::Forbidden(e.to_string()),
            E::NotFound { .. } => AppError::NotFound(e.to_string()),
            E::IllegalTransition { .. } | E::Stale { .. } => AppError::Conflict(e.to_string()),
            E::InvalidValue { .. } | E::MissingField { .. } => AppError::BadRequest(e.to_string()),
        }
    }
}

impl From<telephony::Error> for AppError {
    fn from(e: telephony::Error) -> Self {
        use telephony::Error as E;
        match e {
            E::Kb(k) => AppError::from(k),
            E::Crm(c) => AppError::from(c),
            E::Invalid { .. } => AppError::BadRequest(e.to_string()),
            E::NotFound { .. } => AppError::NotFound(e.to_string()),
            E::Conflict(m) => AppError::Conflict(m),
            E::Forbidden(m) => AppError::Forbidden(m),
            E::Stopped => AppError::Timeout(e.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::Internal(format!("background task failed: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Response(r) = self {
            return r;
        }
        if let AppError::Internal(m) = &self {
            tracing::error!(error = %m, "internal error");
        }
        let status = self.status();
        let message = self.message();
        // A minimal page that cannot fail (no template engine involved).
        let title = match status {
            StatusCode::NOT_FOUND => "Non trovato / Not found",
            StatusCode::FORBIDDEN => "Accesso negato / Forbidden",
            StatusCode::UNAUTHORIZED => "Accesso richiesto / Sign in",
            _ => "Errore / Error",
        };
        let body = format!(
            "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>{title}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
             <body><main class=\"narrow\"><h1>{code} — {title}</h1><p class=\"error\">{msg}</p><p><a href=\"/\">Torna alla ricerca / Back to search</a></p></main></body></html>",
            code = status.as_u16(),
            msg = escape(&message),
        );
        (status, Html(body)).into_response()
    }
}

/// Result of a page handler.
pub type PageResult = Result<Response, AppError>;
