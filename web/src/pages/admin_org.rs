//! The organisation chart editor (`/admin/org`): offices and people,
//! created, edited (every field of [`kb::Office`] and [`kb::Person`]) and
//! deleted (refused while in use).

use super::admin::{ADMINS, kb_error, ok_key, opt, render, shown};
use super::see_other;
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use kb::{Office, Person};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/org", get(page))
        .route("/admin/org/new-office", get(new_office))
        .route("/admin/org/new-person", get(new_person))
        .route("/admin/org/offices", post(save_office))
        .route("/admin/org/offices/{code}", get(edit_office))
        .route("/admin/org/offices/{code}/delete", post(delete_office))
        .route("/admin/org/people", post(save_person))
        .route("/admin/org/people/{number}", get(edit_person))
        .route("/admin/org/people/{number}/delete", post(delete_person))
}

/// `?ok=` confirms the last change.
#[derive(Deserialize, Default)]
pub struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
}

async fn render_list(state: &AppState, user: &User, ok: Option<&str>, error: Option<(StatusCode, String)>) -> PageResult {
    let (offices, people) = state.blocking(|kb| Ok((kb.offices().map_err(kb_error)?, kb.people().map_err(kb_error)?))).await?;
    let names: std::collections::HashMap<&str, &str> = offices.iter().map(|o| (o.code.as_str(), o.name.as_str())).collect();
    let people: Vec<_> = people
        .iter()
        .map(|p| {
            let office = p.office.as_deref().map(|c| names.get(c).copied().unwrap_or(c));
            json!({"person": p, "name": p.full_name(), "office_name": office})
        })
        .collect();
    let offices_view: Vec<_> = offices
        .iter()
        .map(|o| json!({"office": o, "parent_name": o.parent.as_deref().map(|c| names.get(c).copied().unwrap_or(c))}))
        .collect();
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let ctx = json!({"user": user.view(), "offices": offices_view, "people": people, "ok": ok, "error": message});
    render(state, user, "admin_org.html", status, ctx)
}

async fn page(State(state): State<AppState>, user: User, Query(q): Query<OkQuery>) -> PageResult {
    user.require(ADMINS)?;
    render_list(&state, &user, ok_key(q.ok.as_deref()), None).await
}

/// Whether a code or staff number is one the chart accepts (the kb
/// checks it again and explains a refusal).
fn code_ok(code: &str) -> bool {
    !code.is_empty() && code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

// ---------------------------------------------------------------- offices

/// The office form, as typed.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct OfficeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    head: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    pec: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    extension: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    competences: String,
    /// Set by the "new office" form: an existing code is refused.
    #[serde(default)]
    is_new: Option<String>,
}

impl OfficeForm {
    fn office(&self) -> Office {
        Office {
            code: self.code.trim().to_owned(),
            name: self.name.trim().to_owned(),
            kind: opt(&self.kind),
            parent: opt(&self.parent),
            head: opt(&self.head),
            email: opt(&self.email),
            pec: opt(&self.pec),
            phone: opt(&self.phone),
            extension: opt(&self.extension),
            site: opt(&self.site),
            competences: opt(&self.competences),
        }
    }
}

async fn render_office(state: &AppState, user: &User, office: Office, is_new: bool, error: Option<(StatusCode, String)>) -> PageResult {
    let own = office.code.clone();
    let parents = state.blocking(|kb| kb.offices().map_err(kb_error)).await?;
    let parents: Vec<_> =
        parents.into_iter().filter(|o| is_new || o.code != own).map(|o| json!({"code": o.code, "name": o.name})).collect();
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let ctx = json!({"user": user.view(), "office": office, "is_new": is_new, "parents": parents, "error": message});
    render(state, user, "admin_office.html", status, ctx)
}

async fn new_office(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    render_office(&state, &user, Office::default(), true, None).await
}

async fn edit_office(State(state): State<AppState>, user: User, Path(code): Path<String>) -> PageResult {
    user.require(ADMINS)?;
    let office = state
        .blocking(move |kb| {
            let iri = kb.office_iri(&code);
            kb.office_by_iri(iri.as_str()).map_err(kb_error)?.ok_or_else(|| AppError::NotFound(format!("unknown office {code:?}")))
        })
        .await?;
    render_office(&state, &user, office, false, None).await
}

async fn save_office(State(state): State<AppState>, user: User, Form(form): Form<OfficeForm>) -> PageResult {
    user.require(ADMINS)?;
    let office = form.office();
    let is_new = form.is_new.is_some();
    let actor = user.actor.clone();
    let o = office.clone();
    let result = state
        .blocking(move |kb| {
            if is_new && code_ok(&o.code) {
                let iri = kb.office_iri(&o.code);
                if kb.office_by_iri(iri.as_str()).map_err(kb_error)?.is_some() {
                    return Err(AppError::Conflict(format!("office {:?} already exists", o.code)));
                }
            }
            kb.upsert_office(&actor, &o).map_err(kb_error)
        })
        .await;
    match result {
        Ok(_) => Ok(see_other("/admin/org?ok=saved")),
        Err(e) => {
            let shown = shown(e)?;
            render_office(&state, &user, office, is_new, Some(shown)).await
        }
    }
}

async fn delete_office(State(state): State<AppState>, user: User, Path(code): Path<String>) -> PageResult {
    user.require(ADMINS)?;
    let actor = user.actor.clone();
    match state.blocking(move |kb| kb.delete_office(&actor, &code).map_err(kb_error)).await {
        Ok(()) => Ok(see_other("/admin/org?ok=deleted")),
        Err(e) => {
            let shown = shown(e)?;
            render_list(&state, &user, None, Some(shown)).await
        }
    }
}

// ----------------------------------------------------------------- people

/// The person form, as typed.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct PersonForm {
    #[serde(default)]
    staff_number: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    functions: String,
    #[serde(default)]
    extension: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    room: String,
    /// Set by the "new person" form: an existing staff number is refused.
    #[serde(default)]
    is_new: Option<String>,
}

impl PersonForm {
    fn person(&self) -> Person {
        Person {
            staff_number: self.staff_number.trim().to_owned(),
            given_name: self.given_name.trim().to_owned(),
            family_name: self.family_name.trim().to_owned(),
            office: opt(&self.office),
            title: opt(&self.title),
            functions: opt(&self.functions),
            extension: opt(&self.extension),
            email: opt(&self.email),
            room: opt(&self.room),
        }
    }
}

async fn render_person(state: &AppState, user: &User, person: Person, is_new: bool, error: Option<(StatusCode, String)>) -> PageResult {
    let offices = state.blocking(|kb| kb.offices().map_err(kb_error)).await?;
    let offices: Vec<_> = offices.into_iter().map(|o| json!({"code": o.code, "name": o.name})).collect();
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let ctx = json!({"user": user.view(), "person": person, "is_new": is_new, "offices": offices, "error": message});
    render(state, user, "admin_person.html", status, ctx)
}

async fn new_person(State(state): State<AppState>, user: User) -> PageResult {
    user.require(ADMINS)?;
    render_person(&state, &user, Person::default(), true, None).await
}

async fn edit_person(State(state): State<AppState>, user: User, Path(number): Path<String>) -> PageResult {
    user.require(ADMINS)?;
    let person = state
        .blocking(move |kb| {
            let iri = kb.person_iri(&number);
            kb.person_by_iri(iri.as_str()).map_err(kb_error)?.ok_or_else(|| AppError::NotFound(format!("unknown person {number:?}")))
        })
        .await?;
    render_person(&state, &user, person, false, None).await
}

async fn save_person(State(state): State<AppState>, user: User, Form(form): Form<PersonForm>) -> PageResult {
    user.require(ADMINS)?;
    let person = form.person();
    let is_new = form.is_new.is_some();
    let actor = user.actor.clone();
    let p = person.clone();
    let result = state
        .blocking(move |kb| {
            if is_new && code_ok(&p.staff_number) {
                let iri = kb.person_iri(&p.staff_number);
                if kb.person_by_iri(iri.as_str()).map_err(kb_error)?.is_some() {
                    return Err(AppError::Conflict(format!("person {:?} already exists", p.staff_number)));
                }
            }
            kb.upsert_person(&actor, &p).map_err(kb_error)
        })
        .await;
    match result {
        Ok(_) => Ok(see_other("/admin/org?ok=saved")),
        Err(e) => {
            let shown = shown(e)?;
            render_person(&state, &user, person, is_new, Some(shown)).await
        }
    }
}

async fn delete_person(State(state): State<AppState>, user: User, Path(number): Path<String>) -> PageResult {
    user.require(ADMINS)?;
    let actor = user.actor.clone();
    match state.blocking(move |kb| kb.delete_person(&actor, &number).map_err(kb_error)).await {
        Ok(()) => Ok(see_other("/admin/org?ok=deleted")),
        Err(e) => {
            let shown = shown(e)?;
            render_list(&state, &user, None, Some(shown)).await
        }
    }
}
