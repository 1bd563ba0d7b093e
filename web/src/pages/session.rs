//! Sign-in, sign-out, password change and language switch.

use crate::AppState;
use crate::auth::{self, ClientAddr, LANG_COOKIE, LOGIN_CSRF_COOKIE, MaybeUser, SESSION_COOKIE, User};
use crate::ui::{AppError, PageResult, tr};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/password", get(password_page).post(change_password))
        .route("/lang/{code}", get(set_lang))
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after sign-in (no open redirects).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeUser(user): MaybeUser,
    Query(q): Query<NextQuery>,
) -> PageResult {
    if user.is_some() {
        return Ok(super::see_other(&safe_next(q.next.as_deref())));
    }
    render_login(&state, &headers, q.next.as_deref(), None)
}

fn render_login(state: &AppState, headers: &HeaderMap, next: Option<&str>, error: Option<&str>) -> PageResult {
    let lang = auth::lang(headers);
    let csrf = auth::random_token();
    let page = state.ui.render("login.html", lang, json!({"next": safe_next(next), "error": error, "csrf": csrf}))?;
    let cookie = auth::set_cookie(LOGIN_CSRF_COOKIE, &csrf, Some(Duration::from_secs(3600)), auth::is_https(headers));
    let status = if error.is_some() { axum::http::StatusCode::UNAUTHORIZED } else { axum::http::StatusCode::OK };
    Ok((status, [(header::SET_COOKIE, cookie)], page).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

async fn login(State(state): State<AppState>, ClientAddr(addr): ClientAddr, headers: HeaderMap, Form(form): Form<LoginForm>) -> PageResult {
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::constant_time_eq(&expected, &form.csrf) {
        return Err(AppError::Forbidden("the sign-in form has expired: reload the page and try again".into()));
    }
    let username = form.username.trim().to_lowercase();
    let keys = vec![format!("user:{username}"), format!("addr:{addr}")];
    if state.sessions.throttled(&keys) {
        return Err(AppError::TooManyRequests(format!(
            "too many failed sign-ins: try again in {} minutes",
            auth::FAILURE_WINDOW.as_secs() / 60
        )));
    }
    let password = form.password.clone();
    let who = username.clone();
    let result = state.blocking(move |kb| Ok(kb.authenticate(&who, &password))).await?;
    match result {
        Ok(actor) => {
            state.sessions.succeeded(&keys);
            let token = state.sessions.open(&actor);
            tracing::info!(user = %actor.username, "signed in");
            let cookie = auth::set_cookie(SESSION_COOKIE, &token, None, auth::is_https(&headers));
            let clear = auth::set_cookie(LOGIN_CSRF_COOKIE, "", Some(Duration::ZERO), auth::is_https(&headers));
            let mut resp = super::see_other(&safe_next(form.next.as_deref()));
            resp.headers_mut().append(header::SET_COOKIE, cookie);
            resp.headers_mut().append(header::SET_COOKIE, clear);
            Ok(resp)
        }
        Err(_) => {
            state.sessions.failed(&keys);
            tracing::warn!(user = %username, addr = %addr, "failed sign-in");
            let lang = auth::lang(&headers);
            render_login(&state, &headers, form.next.as_deref(), Some(tr(lang, "login_failed")))
        }
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    if let Some(t) = auth::cookie(&headers, SESSION_COOKIE) {
        state.sessions.close(&t);
    }
    let mut resp = super::see_other("/login");
    resp.headers_mut().append(header::SET_COOKIE, auth::set_cookie(SESSION_COOKIE, "", Some(Duration::ZERO), auth::is_https(&headers)));
    Ok(resp)
}

async fn password_page(State(state): State<AppState>, user: User) -> PageResult {
    Ok(state.ui.render("password.html", user.lang, json!({"user": user.view()}))?.into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(State(state): State<AppState>, user: User, Form(form): Form<PasswordForm>) -> PageResult {
    let render = |msg: &str, ok: bool| -> PageResult {
        let page = state.ui.render("password.html", user.lang, json!({"user": user.view(), "message": msg, "ok": ok}))?;
        let status = if ok { axum::http::StatusCode::OK } else { axum::http::StatusCode::BAD_REQUEST };
        Ok((status, page).into_response())
    };
    if form.new != form.repeat {
        return render(tr(user.lang, "passwords_differ"), false);
    }
    let name = user.actor.username.clone();
    let actor = user.actor.clone();
    let result = state
        .blocking(move |kb| {
            if kb.authenticate(&name, &form.current).is_err() {
                return Ok(Err(tr(crate::ui::Lang::It, "wrong_password").to_owned()));
            }
            Ok(kb.set_password(&actor, &name, &form.new).map_err(|e| e.to_string()))
        })
        .await?;
    match result {
        Ok(()) => render(tr(user.lang, "password_changed"), true),
        Err(m) => render(&m, false),
    }
}

async fn set_lang(axum::extract::Path(code): axum::extract::Path<String>, headers: HeaderMap) -> PageResult {
    let lang = crate::ui::Lang::parse(&code);
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]).and_then(|rest| rest.find('/').map(|j| rest[j..].to_owned())))
        .unwrap_or_else(|| "/".to_owned());
    let mut resp = super::see_other(&safe_next(Some(&back)));
    resp.headers_mut()
        .append(header::SET_COOKIE, auth::set_cookie(LANG_COOKIE, lang.code(), Some(Duration::from_secs(365 * 86400)), false));
    Ok(resp)
}
