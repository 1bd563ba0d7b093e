//! CRM pages for contacts (lookup by phone or e-mail, creation, the
//! contact page with the full interaction history, merge of duplicates),
//! return-call requests for absent employees, and the knowledge gap report.

use super::tickets::{CRM_USERS, OPERATORS};
use super::{non_blank, see_other};
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult};
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate, Utc};
use crm::{ContactInput, ContactKind, NewReturnCall, Sort, TicketFilter};
use kb::Role;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(lookup).post(create))
        .route("/contacts/{id}", get(page).post(update))
        .route("/contacts/{id}/merge", post(merge))
        .route("/return-calls", get(return_calls).post(create_return_call))
        .route("/return-calls/{id}/done", post(return_call_done))
        .route("/kb-gaps", get(gaps))
}

#[derive(Deserialize, Default, Debug)]
pub struct LookupParams {
    q: Option<String>,
}

async fn lookup(State(state): State<AppState>, user: User, Query(p): Query<LookupParams>) -> PageResult {
    user.require(CRM_USERS)?;
    let q = non_blank(&p.q);
    let actor = user.actor.clone();
    let query = q.clone();
    let (found, error) = state
        .crm(move |crm| {
            let Some(q) = query else { return Ok((Vec::new(), None)) };
            let r = if q.contains('@') { crm.find_by_email(&actor, &q) } else { crm.find_by_phone(&actor, &q) };
            Ok(match r {
                Ok(found) => (found, None),
                Err(crm::Error::InvalidValue { message, .. }) => (Vec::new(), Some(message)),
                Err(e) => return Err(e.into()),
            })
        })
        .await?;
    let ctx = json!({"user": user.view(), "q": q, "found": found, "error": error, "searched": p.q.is_some()});
    Ok(state.ui.render("contacts.html", user.lang, ctx)?.into_response())
}

/// The contact form (creation and edit).
#[derive(Deserialize, Default, Debug)]
pub struct ContactForm {
    kind: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    organisation: Option<String>,
    phones: Option<String>,
    emails: Option<String>,
    notes: Option<String>,
    version: Option<u64>,
    /// After creation: open a ticket for the new contact.
    then: Option<String>,
}

impl ContactForm {
    fn input(&self) -> ContactInput {
        let list = |v: &Option<String>| -> Vec<String> {
            v.as_deref().unwrap_or_default().split([',', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        ContactInput {
            kind: if self.kind.as_deref() == Some("organisation") { ContactKind::Organisation } else { ContactKind::Person },
            given_name: self.given_name.clone().unwrap_or_default(),
            family_name: self.family_name.clone().unwrap_or_default(),
            organisation: self.organisation.clone().unwrap_or_default(),
            phones: list(&self.phones),
            emails: list(&self.emails),
            notes: self.notes.clone().unwrap_or_default(),
        }
    }
}

async fn create(State(state): State<AppState>, user: User, Form(f): Form<ContactForm>) -> PageResult {
    user.require(OPERATORS)?;
    let input = f.input();
    let actor = user.actor.clone();
    let c = state.crm(move |crm| Ok(crm.create_contact(&actor, &input)?)).await?;
    if f.then.as_deref() == Some("ticket") {
        return Ok(see_other(&format!("/tickets/new?contact={}", c.id)));
    }
    Ok(see_other(&format!("/contacts/{}", c.id)))
}

async fn page(State(state): State<AppState>, user: User, Path(id): Path<String>) -> PageResult {
    user.require(CRM_USERS)?;
    let actor = user.actor.clone();
    let (contact, history) = state
        .crm(move |crm| {
            let contact = crm.contact(&actor, &id)?;
            let filter = TicketFilter { contact: Some(contact.id.clone()), sort: Sort::Newest, limit: 200, ..TicketFilter::default() };
            let history = crm.list_tickets(&actor, &filter)?;
            Ok((contact, history))
        })
        .await?;
    let ctx = json!({
        "user": user.view(),
        "contact": contact,
        "history": history,
        "phones": contact.phones.join(", "),
        "emails": contact.emails.join(", "),
    });
    Ok(state.ui.render("contact.html", user.lang, ctx)?.into_response())
}

async fn update(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<ContactForm>) -> PageResult {
    user.require(OPERATORS)?;
    let input = f.input();
    let version = f.version.ok_or_else(|| AppError::BadRequest("missing version".into()))?;
    let actor = user.actor.clone();
    let c = state.crm(move |crm| Ok(crm.update_contact(&actor, &id, version, &input)?)).await?;
    Ok(see_other(&format!("/contacts/{}", c.id)))
}

#[derive(Deserialize, Default, Debug)]
pub struct MergeForm {
    duplicate: String,
}

async fn merge(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<MergeForm>) -> PageResult {
    user.require(&[Role::OperatorL2, Role::Supervisor, Role::Admin])?;
    let actor = user.actor.clone();
    let dup = f.duplicate.trim().to_owned();
    let c = state.crm(move |crm| Ok(crm.merge_contacts(&actor, &id, &dup)?)).await?;
    Ok(see_other(&format!("/contacts/{}", c.id)))
}

async fn return_calls(State(state): State<AppState>, user: User) -> PageResult {
    user.require(&[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Office])?;
    let actor = user.actor.clone();
    let operator = user.actor.roles.has_any(OPERATORS);
    let (list, people) = state
        .crm(move |crm| {
            let list = crm.return_calls(&actor, false)?;
            let people = if operator { crm.kb().people()? } else { Vec::new() };
            Ok((list, people))
        })
        .await?;
    let people: Vec<serde_json::Value> =
        people.iter().map(|p| json!({"number": p.staff_number, "name": p.full_name(), "office": p.office})).collect();
    let ctx = json!({"user": user.view(), "list": list, "people": people, "can_create": operator});
    Ok(state.ui.render("return_calls.html", user.lang, ctx)?.into_response())
}

async fn create_return_call(State(state): State<AppState>, user: User, Form(f): Form<NewReturnCall>) -> PageResult {
    user.require(OPERATORS)?;
    let actor = user.actor.clone();
    state.crm(move |crm| Ok(crm.create_return_call(&actor, &f)?)).await?;
    Ok(see_other("/return-calls"))
}

#[derive(Deserialize, Default, Debug)]
pub struct DoneForm {
    outcome: Option<String>,
}

async fn return_call_done(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<DoneForm>) -> PageResult {
    user.require(&[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Office])?;
    let actor = user.actor.clone();
    let outcome = f.outcome.unwrap_or_default();
    state.crm(move |crm| Ok(crm.complete_return_call(&actor, &id, &outcome)?)).await?;
    Ok(see_other("/return-calls"))
}

#[derive(Deserialize, Default, Debug)]
pub struct GapParams {
    from: Option<String>,
    to: Option<String>,
}

async fn gaps(State(state): State<AppState>, user: User, Query(p): Query<GapParams>) -> PageResult {
    user.require(&[Role::Publisher, Role::Approver, Role::Supervisor, Role::Admin, Role::OperatorL2])?;
    let parse = |v: &Option<String>, default: NaiveDate| -> Result<NaiveDate, AppError> {
        match non_blank(v) {
            None => Ok(default),
            Some(s) => {
                NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| AppError::BadRequest(format!("{s:?} is not a date YYYY-MM-DD")))
            }
        }
    };
    let today = Utc::now().date_naive();
    let from = parse(&p.from, today - Duration::days(30))?;
    let to = parse(&p.to, today)?;
    if to < from {
        return Err(AppError::BadRequest("the end of the period comes before its start".into()));
    }
    let actor = user.actor.clone();
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = (to + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let report = state.crm(move |crm| Ok(crm.gap_report(&actor, start, end)?)).await?;
    let ctx = json!({"user": user.view(), "report": report, "from": from.to_string(), "to": to.to_string()});
    Ok(state.ui.render("kb_gaps.html", user.lang, ctx)?.into_response())
}
