//! Sign-in, sessions, CSRF protection and login throttling.
//!
//! - Sessions live in memory (a restart signs everybody out): a random
//!   256-bit token in the `centralino_session` cookie (HttpOnly,
//!   SameSite=Lax, Secure when the server is reached over HTTPS), an idle
//!   timeout, and a CSRF token per session.
//! - Every state-changing request (POST, PUT, PATCH, DELETE) that carries a
//!   session cookie must carry that session's CSRF token, in the
//!   `x-csrf-token` header, the `csrf` query parameter or the `csrf` field of
//!   a urlencoded form ([`csrf_layer`]). The sign-in form uses a
//!   double-submit cookie instead (there is no session yet).
//! - API clients send `Authorization: Bearer <token>` (tokens are hashed at
//!   rest in the accounts graph); bearer requests carry no cookies and are
//!   not subject to CSRF.
//! - After [`MAX_FAILURES`] failed sign-ins for a user name (or
//!   [`MAX_FAILURES_PER_ADDRESS`] from one address) within
//!   [`FAILURE_WINDOW`], further attempts are refused for that window.

use crate::AppState;
use crate::ui::{AppError, Lang};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kb::{Actor, Role};
use rand::Rng;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "centralino_session";
/// Name of the sign-in form's double-submit cookie.
pub const LOGIN_CSRF_COOKIE: &str = "centralino_login_csrf";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "centralino_lang";
/// A session unused for this long ends.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(8 * 3600);
/// Failed sign-ins tolerated per user name within the window.
pub const MAX_FAILURES: usize = 5;
/// Failed sign-ins tolerated per address within the window (higher: a
/// contact centre's operators often share one address).
pub const MAX_FAILURES_PER_ADDRESS: usize = 50;
/// The throttling window.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Largest form body read to find a CSRF field.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// A signed-in user's session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub username: String,
    /// Roles at sign-in.
    pub roles: Vec<Role>,
    /// The office of administration staff.
    pub office: Option<String>,
    /// The CSRF token of this session.
    pub csrf: String,
    last_seen: Instant,
}

/// Sessions and sign-in failures.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

/// A random token (256 bits, hex).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
    /// Opens a session for `actor`; returns its token.
    pub fn open(&self, actor: &Actor) -> String {
        let token = random_token();
        let s = Session {
            username: actor.username.clone(),
            roles: actor.roles.iter().collect(),
            office: actor.office.clone(),
            csrf: random_token(),
            last_seen: Instant::now(),
        };
        let mut map = lock(&self.map);
        map.retain(|_, s| s.last_seen.elapsed() < IDLE_TIMEOUT);
        map.insert(token.clone(), s);
        token
    }

    /// The live session of `token`, refreshed.
    pub fn get(&self, token: &str) -> Option<Session> {
        let mut map = lock(&self.map);
        let s = map.get_mut(token)?;
        if s.last_seen.elapsed() >= IDLE_TIMEOUT {
            map.remove(token);
            return None;
        }
        s.last_seen = Instant::now();
        Some(s.clone())
    }

    /// Ends a session.
    pub fn close(&self, token: &str) {
        lock(&self.map).remove(token);
    }

    /// Ends every session of `username` (password or role change).
    pub fn close_user(&self, username: &str) {
        lock(&self.map).retain(|_, s| s.username != username);
    }

    /// Whether sign-in attempts for any of `keys` are currently refused
    /// (keys `user:…` allow [`MAX_FAILURES`], others
    /// [`MAX_FAILURES_PER_ADDRESS`]).
    pub fn throttled(&self, keys: &[String]) -> bool {
        let mut f = lock(&self.failures);
        keys.iter().any(|k| {
            let v = f.entry(k.clone()).or_default();
            v.retain(|t| t.elapsed() < FAILURE_WINDOW);
            let limit = if k.starts_with("user:") { MAX_FAILURES } else { MAX_FAILURES_PER_ADDRESS };
            v.len() >= limit
        })
    }

    /// Records a failed sign-in.
    pub fn failed(&self, keys: &[String]) {
        let mut f = lock(&self.failures);
        for k in keys {
            f.entry(k.clone()).or_default().push(Instant::now());
        }
    }

    /// Forgets failures after a successful sign-in.
    pub fn succeeded(&self, keys: &[String]) {
        let mut f = lock(&self.failures);
        for k in keys {
            f.remove(k);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

/// Whether the request reached us over HTTPS (directly or via a proxy).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS.
pub fn set_cookie(name: &str, value: &str, max_age: Option<Duration>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={}", age.as_secs()));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Path=/"))
}

/// The language chosen by cookie (default Italian).
pub fn lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE).map(|v| Lang::parse(&v)).unwrap_or_default()
}

/// The signed-in user of a request (session cookie or bearer token).
#[derive(Debug, Clone)]
pub struct User {
    /// The actor for the knowledge base.
    pub actor: Actor,
    /// CSRF token to embed in forms (empty for bearer requests).
    pub csrf: String,
    /// Interface language.
    pub lang: Lang,
}

impl User {
    /// Refuses unless the user holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if self.actor.roles.has_any(roles) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "permission denied: needs one of the roles {}",
                roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
            )))
        }
    }

    /// Whether the user holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.actor.roles.has(role)
    }

    /// What templates need to know about the user.
    pub fn view(&self) -> serde_json::Value {
        let r = |role| self.has(role);
        serde_json::json!({
            "name": self.actor.username,
            "roles": self.actor.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "csrf": self.csrf,
            "can_edit": r(Role::Publisher) || r(Role::Admin),
            "can_review": r(Role::Approver) || r(Role::Admin),
            "is_admin": r(Role::Admin),
            "can_sparql": r(Role::Analyst) || r(Role::Admin),
            "can_crm": r(Role::OperatorL1) || r(Role::OperatorL2) || r(Role::Supervisor) || r(Role::Admin),
            "is_l2": r(Role::OperatorL2) || r(Role::Supervisor) || r(Role::Admin),
            "is_office": r(Role::Office),
            "is_agent": r(Role::OperatorL1) || r(Role::OperatorL2),
            "can_wallboard": r(Role::Supervisor) || r(Role::Admin),
            "office": self.actor.office,
            "can_gaps": r(Role::Publisher) || r(Role::Approver) || r(Role::Supervisor) || r(Role::Admin) || r(Role::OperatorL2),
        })
    }
}

/// Where an unauthenticated request goes: API and SPARQL clients get 401,
/// browsers are sent to the sign-in page.
fn unauthenticated(parts: &Parts) -> AppError {
    let path = parts.uri.path();
    let wants_html = parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if path.starts_with("/api/") || (path.starts_with("/sparql") && !wants_html) {
        return AppError::Unauthorized;
    }
    let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let target = format!("/login?next={}", urlencode(next));
    AppError::Response(Redirect::to(&target).into_response())
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for User {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = lang(&parts.headers);
        if let Some(bearer) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
        {
            let kb = state.kb.clone();
            let token = bearer.trim().to_owned();
            let actor = tokio::task::spawn_blocking(move || kb.authenticate_token(&token)).await?;
            return match actor {
                Ok(actor) => Ok(User { actor, csrf: String::new(), lang }),
                Err(_) => Err(AppError::Unauthorized),
            };
        }
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(unauthenticated(parts)) };
        let Some(s) = state.sessions.get(&token) else { return Err(unauthenticated(parts)) };
        Ok(User { actor: Actor::new(s.username, s.roles).with_office(s.office), csrf: s.csrf, lang })
    }
}

/// The user if signed in (pages that also work for visitors, like sign-in).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<User>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(User::from_request_parts(parts, state).await.ok()))
    }
}

/// Checks the CSRF token of every state-changing request made with a
/// session cookie. Requests without a session cookie pass through (the
/// handlers then refuse them as unauthenticated, except sign-in, which
/// checks its own double-submit cookie).
pub async fn csrf_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let changes = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    let session = cookie(req.headers(), SESSION_COOKIE).and_then(|t| state.sessions.get(&t));
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    let (Some(session), true, false) = (session, changes, bearer) else {
        return next.run(req).await;
    };
    let from_header = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let from_query = req.uri().query().and_then(|q| form_field(q.as_bytes(), "csrf"));
    if let Some(t) = from_header.or(from_query) {
        return if constant_time_eq(&t, &session.csrf) { next.run(req).await } else { csrf_refused() };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return csrf_refused();
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return AppError::TooLarge(format!("form larger than {MAX_FORM_BYTES} bytes")).into_response(),
    };
    match form_field(&bytes, "csrf") {
        Some(t) if constant_time_eq(&t, &session.csrf) => next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        _ => csrf_refused(),
    }
}

fn csrf_refused() -> Response {
    AppError::Forbidden(
        "the form has expired or did not come from this site (missing or wrong CSRF token): reload the page and try again".into(),
    )
    .into_response()
}

/// The value of `name` in a urlencoded body or query string.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).ok()?.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Compares two tokens without an early exit.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address (from the connection, "local" in tests).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(ClientAddr(ip.unwrap_or_else(|| "local".to_owned())))
    }
}
