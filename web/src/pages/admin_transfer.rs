//! Import by upload and the exports (`/admin/import`, `/admin/export`).
//!
//! An uploaded workbook is first imported as a dry run and its report is
//! shown as a preview; the bytes wait in `{data}/uploads/{id}.upload`
//! (with their options in `{id}.json`) until the administrator who
//! uploaded them confirms, which imports those very bytes; nothing is
//! uploaded again. Uploads not confirmed within [`PENDING_TTL`] are
//! removed. Exports are written to a temporary file and sent back as an
//! attachment.

use super::admin::{ADMINS, kb_error, render, shown};
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult};
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Form, Multipart, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use importers::{EntryState, ImportReport, KbImportOptions, OrgImportOptions, Outcome, RdfSyntax};
use kb::{Actor, Graph, Kb};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long an upload waits for confirmation.
pub const PENDING_TTL: Duration = Duration::from_secs(3600);
/// Report lines shown in a page at most (the counts cover every row).
const MAX_LINES: usize = 5000;
/// The media type of xlsx workbooks.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/import", get(import_page).post(upload))
        .route("/admin/import/confirm", post(confirm))
        .route("/admin/export", get(export_page))
        .route("/admin/export/kb.xlsx", get(export_kb))
        .route("/admin/export/org.xlsx", get(export_org))
        .route("/admin/export/rdf", get(export_rdf))
        .route("/admin/export/vcard", get(export_vcard))
        .route("/admin/export/handover", get(export_handover))
}

// ----------------------------------------------------------------- import

/// What an upload waits with.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    /// `kb` or `org`.
    kind: String,
    /// KB items enter as drafts (otherwise published).
    draft: bool,
    /// Write nothing if any row is rejected.
    strict: bool,
    /// The uploaded file's name (messages only).
    file_name: String,
    /// Who uploaded it: only they may confirm.
    owner: String,
}

fn uploads_dir(kb: &Kb) -> PathBuf {
    kb.data_dir().join("uploads")
}

fn io_error(what: &str, e: std::io::Error) -> AppError {
    AppError::Internal(format!("{what}: {e}"))
}

/// An upload id is 64 lowercase hex digits (never a path).
fn valid_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Removes uploads older than [`PENDING_TTL`].
fn clean_expired(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let old = e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age > PENDING_TTL);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn save_pending(kb: &Kb, id: &str, p: &Pending, bytes: &[u8]) -> Result<(), AppError> {
    let dir = uploads_dir(kb);
    std::fs::create_dir_all(&dir).map_err(|e| io_error("cannot create the uploads directory", e))?;
    clean_expired(&dir);
    std::fs::write(dir.join(format!("{id}.upload")), bytes).map_err(|e| io_error("cannot keep the upload", e))?;
    let meta = serde_json::to_vec(p).map_err(|e| AppError::Internal(e.to_string()))?;
    std::fs::write(dir.join(format!("{id}.json")), meta).map_err(|e| io_error("cannot keep the upload", e))
}

/// Claims a pending upload for `owner` (a second confirmation of the same
/// upload finds nothing). Returns its options, bytes and claim file.
fn claim_pending(kb: &Kb, id: &str, owner: &str) -> Result<(Pending, Vec<u8>, PathBuf), AppError> {
    let gone = || AppError::NotFound("this upload has expired or was already imported: upload the file again".into());
    if !valid_id(id) {
        return Err(gone());
    }
    let dir = uploads_dir(kb);
    let meta = dir.join(format!("{id}.json"));
    let claimed = dir.join(format!("{id}.claimed"));
    let fresh = std::fs::metadata(&meta).and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|a| a <= PENDING_TTL);
    if !fresh || std::fs::rename(&meta, &claimed).is_err() {
        return Err(gone());
    }
    let p: Pending = std::fs::read(&claimed)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| AppError::Internal("unreadable upload metadata".into()))?;
    if p.owner != owner {
        let _ = std::fs::rename(&claimed, &meta);
        return Err(gone());
    }
    let bytes = std::fs::read(dir.join(format!("{id}.upload"))).map_err(|_| gone())?;
    Ok((p, bytes, claimed))
}

fn remove_pending(kb: &Kb, id: &str) {
    let dir = uploads_dir(kb);
    for ext in ["upload", "json", "claimed"] {
        let _ = std::fs::remove_file(dir.join(format!("{id}.{ext}")));
    }
}

/// An importer's error as a page error: the file's faults are 400 (413
/// when too large), a strict-mode refusal 409.
fn import_error(e: importers::Error) -> AppError {
    use importers::Error as E;
    match e {
        E::TooLarge { .. } => AppError::TooLarge(e.to_string()),
        E::NotAWorkbook { .. }
        | E::Encrypted { .. }
        | E::Corrupt { .. }
        | E::NoHeader { .. }
        | E::NoSuchSheet { .. }
        | E::Mapping { .. }
        | E::RdfSyntax { .. }
        | E::UnknownFormat { .. } => AppError::BadRequest(e.to_string()),
        E::RowsRejected { .. } => AppError::Conflict(e.to_string()),
        E::Kb(k) => kb_error(k),
        other => AppError::Internal(other.to_string()),
    }
}

fn run_import(kb: &Kb, actor: &Actor, p: &Pending, bytes: Vec<u8>, dry_run: bool, max: u64) -> Result<ImportReport, AppError> {
    let path = Path::new(&p.file_name);
    let report = if p.kind == "org" {
        let opts = OrgImportOptions { dry_run, max_bytes: max, strict: p.strict };
        importers::import_org_bytes(kb, actor, path, bytes, &opts, &mut |_| {})
    } else {
        let entry = if p.draft { EntryState::Draft } else { EntryState::Published };
        let opts = KbImportOptions { dry_run, entry, max_bytes: max, strict: p.strict, ..KbImportOptions::default() };
        importers::import_kb_bytes(kb, actor, path, bytes, &opts, &mut |_| {})
    };
    report.map_err(import_error)
}

/// The report as the template shows it: counts per outcome and the lines
/// of [`ImportReport::lines`].
fn report_view(r: &ImportReport) -> serde_json::Value {
    let counts: Vec<_> = Outcome::ALL.iter().map(|o| json!({"outcome": o.as_str(), "count": r.count(*o)})).collect();
    let all = r.lines();
    let total = all.len();
    let lines: Vec<_> = all
        .into_iter()
        .take(MAX_LINES)
        .map(|[sheet, row, code, outcome, column, severity, message]| {
            json!({"sheet": sheet, "row": row, "code": code, "outcome": outcome, "column": column, "severity": severity, "message": message})
        })
        .collect();
    json!({
        "counts": counts, "lines": lines, "total_lines": total, "truncated": total > MAX_LINES,
        "concepts_created": r.concepts_created, "dry_run": r.dry_run, "summary": r.summary(), "rows": r.rows.len(),
    })
}

fn import_ctx(user: &User, state: &AppState, extra: serde_json::Value) -> serde_json::Value {
    let mut ctx = json!({"user": user.view(), "max_mb": state.config.max_upload_bytes.div_ceil(1024 * 1024)});
    if let (Some(c), Some(e)) = (ctx.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    ctx
}

async fn import_page(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    render(&state, &user, "admin_import.html", StatusCode::OK, import_ctx(&user, &state, json!({})))
}

fn import_failed(state: &AppState, user: &User, e: AppError) -> PageResult {
    let (status, message) = shown(e)?;
    render(state, user, "admin_import.html", status, import_ctx(user, state, json!({"error": message})))
}

/// The file name only, without directories or control characters.
fn clean_file_name(name: Option<&str>) -> String {
    let base = name.unwrap_or_default().rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() { "upload.xlsx".to_owned() } else { clean }
}

/// `POST /admin/import` (multipart): kind, entry, strict, file. Runs the
/// dry run and shows the preview.
async fn upload(State(state): State<AppState>, user: User, multipart: Result<Multipart, MultipartRejection>) -> PageResult {
    user.require(ADMINS)?;
    let max = state.config.max_upload_bytes;
    let too_large = || AppError::TooLarge(format!("the file is larger than the limit of {max} bytes: nothing was imported"));
    let mut mp = match multipart {
        Ok(m) => m,
        Err(e) => return import_failed(&state, &user, AppError::BadRequest(format!("not a file upload: {}", e.body_text()))),
    };
    let (mut kind, mut draft, mut strict, mut file) = (String::from("kb"), false, false, None::<(String, Vec<u8>)>);
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return import_failed(&state, &user, too_large()),
            Err(e) => return import_failed(&state, &user, AppError::BadRequest(format!("the upload is malformed: {}", e.body_text()))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = clean_file_name(field.file_name());
            let mut field = field;
            let mut bytes = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(c)) => {
                        if bytes.len() + c.len() > max {
                            return import_failed(&state, &user, too_large());
                        }
                        bytes.extend_from_slice(&c);
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return import_failed(&state, &user, too_large()),
                    Err(e) => {
                        return import_failed(&state, &user, AppError::BadRequest(format!("the upload is malformed: {}", e.body_text())));
                    }
                }
            }
            file = Some((file_name, bytes));
        } else {
            let text = match field.text().await {
                Ok(t) => t,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return import_failed(&state, &user, too_large()),
                Err(e) => return import_failed(&state, &user, AppError::BadRequest(format!("the upload is malformed: {}", e.body_text()))),
            };
            match name.as_str() {
                "kind" => kind = text,
                "entry" => draft = text == "draft",
                "strict" => strict = !text.is_empty(),
                _ => {}
            }
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return import_failed(&state, &user, AppError::BadRequest("choose a workbook to upload (the file is missing or empty)".into()));
    };
    if kind != "kb" && kind != "org" {
        return import_failed(&state, &user, AppError::BadRequest(format!("unknown kind of import {kind:?}: kb or org")));
    }
    let pending = Pending { kind, draft, strict, file_name, owner: user.actor.username.clone() };
    let id = crate::auth::random_token();
    let actor = user.actor.clone();
    let (p, key) = (pending.clone(), id.clone());
    let result = state
        .blocking(move |kb| {
            let report = run_import(kb, &actor, &p, bytes.clone(), true, max as u64)?;
            save_pending(kb, &key, &p, &bytes)?;
            Ok(report)
        })
        .await;
    match result {
        Ok(report) => {
            let extra = json!({"preview": report_view(&report), "pending": {"id": id, "kind": pending.kind, "draft": pending.draft,
                               "strict": pending.strict, "file_name": pending.file_name}});
            render(&state, &user, "admin_import.html", StatusCode::OK, import_ctx(&user, &state, extra))
        }
        Err(e) => import_failed(&state, &user, e),
    }
}

/// The confirmation form.
#[derive(Deserialize)]
pub struct ConfirmForm {
    id: String,
}

/// `POST /admin/import/confirm`: imports the bytes of the preview.
async fn confirm(State(state): State<AppState>, user: User, Form(form): Form<ConfirmForm>) -> PageResult {
    user.require(ADMINS)?;
    let actor = user.actor.clone();
    let max = state.config.max_upload_bytes as u64;
    let id = form.id.trim().to_owned();
    let result = state
        .blocking(move |kb| {
            let (p, bytes, claimed) = claim_pending(kb, &id, &actor.username)?;
            match run_import(kb, &actor, &p, bytes, false, max) {
                Ok(report) => {
                    remove_pending(kb, &id);
                    Ok((p, report))
                }
                Err(e) => {
                    // Give the upload back: the administrator may fix the
                    // cause (e.g. a storage error) and confirm again.
                    let _ = std::fs::rename(&claimed, uploads_dir(kb).join(format!("{id}.json")));
                    Err(e)
                }
            }
        })
        .await;
    match result {
        Ok((p, report)) => {
            tracing::info!(admin = %user.actor.username, file = %p.file_name, kind = %p.kind, summary = %report.summary(), "import by upload");
            let extra = json!({"result": report_view(&report), "done": {"kind": p.kind, "file_name": p.file_name, "draft": p.draft}});
            render(&state, &user, "admin_import.html", StatusCode::OK, import_ctx(&user, &state, extra))
        }
        Err(e) => import_failed(&state, &user, e),
    }
}

// ----------------------------------------------------------------- export

/// Graphs the user may export (never the accounts).
fn exportable(user: &User) -> Vec<Graph> {
    user.actor.roles.readable_graphs().into_iter().filter(|g| *g != Graph::Accounts).collect()
}

fn syntax_name(s: RdfSyntax) -> &'static str {
    match s {
        RdfSyntax::Turtle => "turtle",
        RdfSyntax::NTriples => "ntriples",
        RdfSyntax::NQuads => "nquads",
        RdfSyntax::TriG => "trig",
        RdfSyntax::RdfXml => "rdfxml",
        RdfSyntax::JsonLd => "jsonld",
    }
}

fn syntax_label(s: RdfSyntax) -> &'static str {
    match s {
        RdfSyntax::Turtle => "Turtle (.ttl)",
        RdfSyntax::NTriples => "N-Triples (.nt)",
        RdfSyntax::NQuads => "N-Quads (.nq)",
        RdfSyntax::TriG => "TriG (.trig)",
        RdfSyntax::RdfXml => "RDF/XML (.rdf)",
        RdfSyntax::JsonLd => "JSON-LD (.jsonld)",
    }
}

/// The media type of an RDF syntax.
pub fn media_type(s: RdfSyntax) -> &'static str {
    match s {
        RdfSyntax::Turtle => "text/turtle; charset=utf-8",
        RdfSyntax::NTriples => "application/n-triples",
        RdfSyntax::NQuads => "application/n-quads",
        RdfSyntax::TriG => "application/trig",
        RdfSyntax::RdfXml => "application/rdf+xml",
        RdfSyntax::JsonLd => "application/ld+json",
    }
}

async fn export_page(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    let defaults = [Graph::Taxonomy, Graph::KbPublished, Graph::Org];
    let graphs: Vec<_> = exportable(&user).into_iter().map(|g| json!({"path": g.path(), "checked": defaults.contains(&g)})).collect();
    let formats: Vec<_> = RdfSyntax::ALL.iter().map(|s| json!({"name": syntax_name(*s), "label": syntax_label(*s)})).collect();
    render(&state, &user, "admin_export.html", StatusCode::OK, json!({"user": user.view(), "graphs": graphs, "formats": formats}))
}

/// An attachment download.
fn download(bytes: Vec<u8>, content_type: &str, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Today, for file names.
fn stamp() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// Runs an export into a temporary file and reads it back.
fn via_temp(name: &str, f: impl FnOnce(&Path) -> importers::Result<()>) -> Result<Vec<u8>, AppError> {
    let dir = tempfile::tempdir().map_err(|e| io_error("cannot create a temporary directory", e))?;
    let path = dir.path().join(name);
    f(&path).map_err(import_error)?;
    std::fs::read(&path).map_err(|e| io_error("cannot read the export back", e))
}

async fn export_kb(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    let bytes = state.blocking(|kb| via_temp("kb.xlsx", |p| importers::export_kb_xlsx(kb, p).map(|_| ()))).await?;
    Ok(download(bytes, XLSX, &format!("centralino-pillole-{}.xlsx", stamp())))
}

async fn export_org(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    let bytes = state.blocking(|kb| via_temp("org.xlsx", |p| importers::export_org_xlsx(kb, p).map(|_| ()))).await?;
    Ok(download(bytes, XLSX, &format!("centralino-organigramma-{}.xlsx", stamp())))
}

/// `GET /admin/export/rdf?graph=org&graph=taxonomy&format=turtle`.
async fn export_rdf(State(state): State<AppState>, user: User, RawQuery(query): RawQuery) -> PageResult {
    user.require(ADMINS)?;
    let pairs = super::admin::form_pairs(query.unwrap_or_default().as_bytes())?;
    let format = super::admin::value(&pairs, "format");
    let syntax = RdfSyntax::from_name(if format.is_empty() { "turtle" } else { &format })
        .ok_or_else(|| AppError::BadRequest(format!("unknown RDF format {format:?}: turtle, ntriples, nquads, trig, rdfxml or jsonld")))?;
    let names = super::admin::values(&pairs, "graph");
    if names.is_empty() {
        return Err(AppError::BadRequest("choose at least one graph to export".into()));
    }
    let allowed = exportable(&user);
    let mut graphs = Vec::new();
    for n in &names {
        let g =
            Graph::ALL.into_iter().find(|g| g.path() == n.trim()).ok_or_else(|| AppError::BadRequest(format!("unknown graph {n:?}")))?;
        if !allowed.contains(&g) {
            return Err(AppError::Forbidden(format!("you may not export the graph {n:?}")));
        }
        if !graphs.contains(&g) {
            graphs.push(g);
        }
    }
    let what = if graphs.len() == 1 { graphs[0].path().replace('/', "-") } else { "grafi".to_owned() };
    let roles = user.actor.roles.clone();
    let gs = graphs.clone();
    let bytes = state.blocking(move |kb| via_temp("export.rdf", |p| importers::export_rdf(kb, &roles, &gs, syntax, p).map(|_| ()))).await?;
    Ok(download(bytes, media_type(syntax), &format!("centralino-{what}-{}.{}", stamp(), syntax.extension())))
}

async fn export_vcard(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    let text = state.blocking(|kb| importers::vcard_text(kb).map_err(import_error)).await?;
    Ok(download(text.into_bytes(), "text/vcard; charset=utf-8", &format!("centralino-rubrica-{}.vcf", stamp())))
}

async fn export_handover(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    let bytes = state.blocking(|kb| via_temp("handover.zip", |p| importers::export_handover(kb, p).map(|_| ()))).await?;
    Ok(download(bytes, "application/zip", &format!("centralino-consegna-{}.zip", stamp())))
}
