//! The IVR's announcements (`/telephony/announcements`, TEL-3): the list
//! with every version and a player per version, upload of a new
//! announcement or version (multipart), activation, deletion of a version
//! or of an announcement, the time band of welcome announcements, the
//! backup download and its restore.
//!
//! Supervisors and administrators manage; operators list and listen.
//! Everything is done by [`telephony::Announcements`]; the handlers parse,
//! authorise, call it and render.

use super::admin::{form_pairs, render, shown, value, values};
use super::see_other;
use crate::AppState;
use crate::auth::{User, urlencode};
use crate::ui::{AppError, PageResult};
use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use kb::Role;
use serde::Deserialize;
use serde_json::json;
use telephony::{Announcement, AnnouncementKind, Announcements, TimeBand};

/// Who manages announcements.
const MANAGERS: &[Role] = telephony::ANNOUNCEMENT_MANAGERS;
/// Who lists and listens.
const LISTENERS: &[Role] = telephony::ANNOUNCEMENT_LISTENERS;
/// The page.
const PAGE: &str = "/telephony/announcements";

/// Confirmations a redirect may ask for (`?ok=`), shown as `ann_ok_{key}`.
const OK_KEYS: &[&str] = &["uploaded", "activated", "version_deleted", "deleted", "band", "restored"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(list).post(upload))
        .route("/telephony/announcements/backup", get(backup))
        .route("/telephony/announcements/restore", post(restore))
        .route("/telephony/announcements/{name}/band", post(set_band))
        .route("/telephony/announcements/{name}/delete", post(delete))
        .route("/telephony/announcements/{name}/versions/{version}/audio", get(audio))
        .route("/telephony/announcements/{name}/versions/{version}/activate", post(activate))
        .route("/telephony/announcements/{name}/versions/{version}/delete", post(delete_version))
}

/// A telephony error as a page error: bad input 400, unknown 404,
/// conflicts 409, refusals 403.
fn tel_error(e: telephony::Error) -> AppError {
    use telephony::Error as E;
    match e {
        E::Invalid { .. } => AppError::BadRequest(e.to_string()),
        E::NotFound { .. } => AppError::NotFound(e.to_string()),
        E::Conflict(m) => AppError::Conflict(m),
        E::Forbidden(m) => AppError::Forbidden(m),
        E::Kb(k) => AppError::from(k),
        E::Crm(c) => AppError::from(c),
        other => AppError::Internal(other.to_string()),
    }
}

/// A version number from the path; anything else is not found.
fn version_number(name: &str, s: &str) -> Result<u32, AppError> {
    s.parse().ok().filter(|n| *n > 0).ok_or_else(|| AppError::NotFound(format!("announcement {name:?} has no version {s:?}")))
}

/// Milliseconds as seconds with one decimal (`12.3`).
fn seconds(ms: u64) -> String {
    format!("{}.{}", ms / 1000, (ms % 1000) / 100)
}

/// What the template shows of an announcement.
fn announcement_view(a: &Announcement) -> serde_json::Value {
    let versions: Vec<_> = a
        .versions
        .iter()
        .rev()
        .map(|v| {
            json!({
                "number": v.number, "active": v.number == a.active, "format": v.info.format.as_str(),
                "channels": v.info.channels, "sample_rate": v.info.sample_rate, "bits": v.info.bits_per_sample,
                "seconds": seconds(v.info.duration_ms), "kib": v.size.div_ceil(1024), "sha256": v.sha256,
                "uploaded_by": v.uploaded_by, "uploaded_at": v.uploaded_at.to_rfc3339(),
            })
        })
        .collect();
    let band = a.band.as_ref().map(|b| json!({"days": b.day_names(), "from": b.from_hhmm(), "to": b.to_hhmm()}));
    json!({
        "name": a.name, "path": urlencode(&a.name), "title": a.title, "kind": a.kind.as_str(),
        "welcome": a.kind == AnnouncementKind::Welcome, "band": band, "active": a.active, "versions": versions,
    })
}

/// `?ok=` after a change.
#[derive(Deserialize, Default)]
pub struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
}

/// The form values to show again after a refused upload.
#[derive(Default)]
struct UploadForm {
    name: String,
    title: String,
    kind: String,
}

/// Renders the page with `status`, an optional confirmation and error.
async fn render_page(state: &AppState, user: &User, ok: Option<&str>, form: UploadForm, error: Option<(StatusCode, String)>) -> PageResult {
    let actor = user.actor.clone();
    let all = state.blocking(move |kb| Announcements::new(kb).list(&actor).map_err(tel_error)).await?;
    let limits = *Announcements::new(&state.kb).limits();
    let max_bytes = limits.wav.max_bytes.min(state.config.max_upload_bytes);
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let kinds: Vec<_> = AnnouncementKind::ALL.iter().map(|k| k.as_str()).collect();
    let ctx = json!({
        "user": user.view(),
        "announcements": all.iter().map(announcement_view).collect::<Vec<_>>(),
        "can_manage": user.actor.roles.has_any(MANAGERS),
        "kinds": kinds,
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "form": {"name": form.name, "title": form.title, "kind": form.kind},
        "max_mb": max_bytes.div_ceil(1024 * 1024),
        "max_minutes": limits.wav.max_duration_ms.div_ceil(60_000),
        "ok": ok, "error": message,
    });
    render(state, user, "announcements.html", status, ctx)
}

/// Shows a refused change inside the page (bad input, conflicts); others pass through.
async fn refused(state: &AppState, user: &User, form: UploadForm, e: AppError) -> PageResult {
    let shown = shown(e)?;
    render_page(state, user, None, form, Some(shown)).await
}

/// `GET /telephony/announcements`.
async fn list(State(state): State<AppState>, user: User, Query(q): Query<OkQuery>) -> PageResult {
    user.require(LISTENERS)?;
    let ok = q.ok.as_deref().and_then(|k| OK_KEYS.iter().find(|x| **x == k).copied());
    render_page(&state, &user, ok, UploadForm::default(), None).await
}

/// Reads a multipart upload: text fields, and the `file` field's bytes up
/// to `max` (413 past it, without reading further).
pub(super) async fn read_multipart(
    multipart: Result<Multipart, MultipartRejection>,
    max: usize,
) -> Result<(Vec<(String, String)>, Option<Vec<u8>>), AppError> {
    let too_large = || AppError::TooLarge(format!("the file is larger than the limit of {max} bytes: nothing was changed"));
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::BadRequest(format!("the upload is malformed: {}", e.body_text()))
        }
    };
    let mut mp = multipart.map_err(|e| AppError::BadRequest(format!("not a file upload: {}", e.body_text())))?;
    let (mut fields, mut file) = (Vec::new(), None);
    while let Some(mut field) = mp.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let mut bytes = Vec::new();
            while let Some(c) = field.chunk().await.map_err(malformed)? {
                if bytes.len() + c.len() > max {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&c);
            }
            file = Some(bytes);
        } else {
            let text = field.text().await.map_err(malformed)?;
            fields.push((name, text.chars().take(1000).collect()));
        }
    }
    Ok((fields, file))
}

/// `POST /telephony/announcements` (multipart: name, title, kind, file):
/// a new announcement, or a new version of an existing one.
async fn upload(State(state): State<AppState>, user: User, multipart: Result<Multipart, MultipartRejection>) -> PageResult {
    user.require(MANAGERS)?;
    let max = Announcements::new(&state.kb).limits().wav.max_bytes.min(state.config.max_upload_bytes);
    let (fields, file) = match read_multipart(multipart, max).await {
        Ok(r) => r,
        Err(e) => return refused(&state, &user, UploadForm::default(), e).await,
    };
    let form = UploadForm { name: value(&fields, "name").trim().to_owned(), title: value(&fields, "title"), kind: value(&fields, "kind") };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let e = AppError::BadRequest("choose a WAV file to upload (the file is missing or empty)".into());
        return refused(&state, &user, form, e).await;
    };
    let kind = match form.kind.parse::<AnnouncementKind>() {
        Ok(k) => k,
        Err(e) => return refused(&state, &user, form, tel_error(e)).await,
    };
    let actor = user.actor.clone();
    let (name, title) = (form.name.clone(), form.title.clone());
    let done = state.blocking(move |kb| Announcements::new(kb).upload(&actor, &name, &title, kind, &bytes).map_err(tel_error)).await;
    match done {
        Ok(a) => {
            tracing::info!(user = %user.actor.username, name = %a.name, version = a.active, "announcement uploaded");
            Ok(see_other(&format!("{PAGE}?ok=uploaded#a-{}", urlencode(&a.name))))
        }
        Err(e) => refused(&state, &user, form, e).await,
    }
}

/// `GET /telephony/announcements/{name}/versions/{version}/audio`: the
/// WAV file, for the page's player.
async fn audio(State(state): State<AppState>, user: User, Path((name, version)): Path<(String, String)>) -> PageResult {
    user.require(LISTENERS)?;
    let number = version_number(&name, &version)?;
    let actor = user.actor.clone();
    let file_name = format!("{name}-v{number}.wav");
    let (_, bytes) = state.blocking(move |kb| Announcements::new(kb).audio(&actor, &name, number).map_err(tel_error)).await?;
    let mut resp = bytes.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    // The name is a validated slug: safe in a header.
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// `POST .../versions/{version}/activate`.
async fn activate(State(state): State<AppState>, user: User, Path((name, version)): Path<(String, String)>) -> PageResult {
    user.require(MANAGERS)?;
    let actor = user.actor.clone();
    let done = match version_number(&name, &version) {
        Ok(n) => state.blocking(move |kb| Announcements::new(kb).activate(&actor, &name, n).map_err(tel_error)).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(a) => Ok(see_other(&format!("{PAGE}?ok=activated#a-{}", urlencode(&a.name)))),
        Err(e) => refused(&state, &user, UploadForm::default(), e).await,
    }
}

/// `POST .../versions/{version}/delete`.
async fn delete_version(State(state): State<AppState>, user: User, Path((name, version)): Path<(String, String)>) -> PageResult {
    user.require(MANAGERS)?;
    let actor = user.actor.clone();
    let done = match version_number(&name, &version) {
        Ok(n) => state.blocking(move |kb| Announcements::new(kb).delete_version(&actor, &name, n).map_err(tel_error)).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(a) => Ok(see_other(&format!("{PAGE}?ok=version_deleted#a-{}", urlencode(&a.name)))),
        Err(e) => refused(&state, &user, UploadForm::default(), e).await,
    }
}

/// `POST .../{name}/delete`: the announcement and all its versions.
async fn delete(State(state): State<AppState>, user: User, Path(name): Path<String>) -> PageResult {
    user.require(MANAGERS)?;
    let actor = user.actor.clone();
    match state.blocking(move |kb| Announcements::new(kb).delete(&actor, &name).map_err(tel_error)).await {
        Ok(()) => Ok(see_other(&format!("{PAGE}?ok=deleted"))),
        Err(e) => refused(&state, &user, UploadForm::default(), e).await,
    }
}

/// `POST .../{name}/band` (form: `days` repeated, `from`, `to`; or
/// `clear=1` to remove the band).
async fn set_band(State(state): State<AppState>, user: User, Path(name): Path<String>, body: Bytes) -> PageResult {
    user.require(MANAGERS)?;
    let pairs = form_pairs(&body)?;
    let band = if value(&pairs, "clear").is_empty() {
        TimeBand::parse(values(&pairs, "days").as_slice(), &value(&pairs, "from"), &value(&pairs, "to")).map(Some).map_err(tel_error)
    } else {
        Ok(None)
    };
    let actor = user.actor.clone();
    let done = match band {
        Ok(b) => state.blocking(move |kb| Announcements::new(kb).set_band(&actor, &name, b).map_err(tel_error)).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(a) => Ok(see_other(&format!("{PAGE}?ok=band#a-{}", urlencode(&a.name)))),
        Err(e) => refused(&state, &user, UploadForm::default(), e).await,
    }
}

/// `GET /telephony/announcements/backup`: every announcement as one zip.
async fn backup(State(state): State<AppState>, user: User) -> PageResult {
    user.require(MANAGERS)?;
    let actor = user.actor.clone();
    let bytes = state.blocking(move |kb| Announcements::new(kb).backup(&actor).map_err(tel_error)).await?;
    let file_name = format!("centralino-annunci-{}.zip", chrono::Local::now().format("%Y-%m-%d"));
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /telephony/announcements/restore` (multipart: file): replaces
/// every announcement with the backup's, or changes nothing.
async fn restore(State(state): State<AppState>, user: User, multipart: Result<Multipart, MultipartRejection>) -> PageResult {
    user.require(MANAGERS)?;
    let limit = Announcements::new(&state.kb).limits().max_restore_bytes;
    let max = usize::try_from(limit).unwrap_or(usize::MAX).min(state.config.max_upload_bytes);
    let bytes = match read_multipart(multipart, max).await {
        Ok((_, Some(b))) if !b.is_empty() => b,
        Ok(_) => {
            let e = AppError::BadRequest("choose a backup archive (.zip) to restore (the file is missing or empty)".into());
            return refused(&state, &user, UploadForm::default(), e).await;
        }
        Err(e) => return refused(&state, &user, UploadForm::default(), e).await,
    };
    let actor = user.actor.clone();
    match state.blocking(move |kb| Announcements::new(kb).restore(&actor, &bytes).map_err(tel_error)).await {
        Ok(restored) => {
            tracing::info!(user = %user.actor.username, announcements = restored.len(), "announcements restored");
            Ok(see_other(&format!("{PAGE}?ok=restored")))
        }
        Err(e) => refused(&state, &user, UploadForm::default(), e).await,
    }
}
