//! Publishers' and approvers' pages: my drafts, the edit form, submission,
//! the review inbox with a side-by-side comparison, approval or rejection
//! with a comment, history and restore.

use super::see_other;
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult, safe_answer};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use kb::{ItemContent, Level, Role};
use serde::Deserialize;
use serde_json::json;

/// Who writes items.
pub const WRITERS: &[Role] = &[Role::Publisher, Role::Admin];
/// Who reviews them.
pub const REVIEWERS: &[Role] = &[Role::Approver, Role::Admin];
/// Who works on the KB (drafts, history).
pub const STAFF: &[Role] = &[Role::Publisher, Role::Approver, Role::Admin];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/editor", get(drafts))
        .route("/editor/new", get(new_form).post(create))
        .route("/editor/items/{id}", get(edit_form).post(save))
        .route("/editor/items/{id}/submit", post(submit))
        .route("/editor/items/{id}/archive", post(archive))
        .route("/review", get(inbox))
        .route("/review/{id}", get(review_item))
        .route("/review/{id}/approve", post(approve))
        .route("/review/{id}/reject", post(reject))
        .route("/items/{id}/history", get(history))
        .route("/items/{id}/restore/{revision}", post(restore))
}

async fn drafts(State(state): State<AppState>, user: User) -> PageResult {
    user.require(STAFF)?;
    let actor = user.actor.clone();
    let mine = !user.has(Role::Admin);
    let (drafts, in_review) = state
        .blocking(move |kb| {
            let author = mine.then_some(actor.username.as_str());
            Ok((kb.working_items(&actor, kb::State::Draft, author)?, kb.working_items(&actor, kb::State::InReview, author)?))
        })
        .await?;
    let ctx = json!({"user": user.view(), "drafts": drafts, "in_review": in_review});
    Ok(state.ui.render("drafts.html", user.lang, ctx)?.into_response())
}

/// The edit form's fields, as typed.
#[derive(Deserialize, Debug, Default)]
pub struct ItemForm {
    title: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    concept: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    forms: String,
    #[serde(default)]
    legal: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    level: String,
    /// Filled from the repeated `audiences` checkboxes (see [`parse_item_form`]).
    #[serde(skip)]
    audiences: Vec<String>,
    /// The revision the form was based on (optimistic concurrency).
    #[serde(default)]
    based_on: u32,
    /// Submit for review right after saving.
    #[serde(default)]
    and_submit: Option<String>,
}

/// Reads the edit form: urlencoded, with the `audiences` checkboxes
/// repeated (which `Form` cannot read into a list).
fn parse_item_form(body: &[u8]) -> Result<ItemForm, AppError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))?;
    let (audiences, rest): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(k, _)| k == "audiences");
    let rest = serde_urlencoded::to_string(&rest).map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))?;
    let mut form: ItemForm = serde_urlencoded::from_str(&rest).map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))?;
    form.audiences = audiences.into_iter().map(|(_, v)| v).collect();
    Ok(form)
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn date(field: &str, s: &str) -> Result<Option<chrono::NaiveDate>, AppError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| AppError::BadRequest(format!("{field}: {t:?} is not a date (YYYY-MM-DD or DD/MM/YYYY)")))
}

impl ItemForm {
    /// The item content, the answer sanitised to the safe subset.
    fn content(&self) -> Result<ItemContent, AppError> {
        Ok(ItemContent {
            title: self.title.trim().to_owned(),
            title_en: opt(&self.title_en),
            question: opt(&self.question),
            answer: safe_answer_source(&self.answer),
            keywords: self.keywords.split([',', ';', '\n']).map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect(),
            concept: opt(&self.concept),
            office: opt(&self.office),
            person: opt(&self.person),
            links: lines(&self.links),
            forms: lines(&self.forms),
            legal_references: lines(&self.legal),
            valid_from: date("valid from", &self.valid_from)?,
            valid_until: date("valid until", &self.valid_until)?,
            level: if self.level == "advanced" { Level::Advanced } else { Level::Base },
            audiences: self.audiences.iter().filter(|a| !a.trim().is_empty()).cloned().collect(),
            ..Default::default()
        })
    }
}

/// What is stored of an answer: plain text as typed, HTML reduced to the
/// safe subset on the server (whatever the browser sent).
fn safe_answer_source(answer: &str) -> String {
    let t = answer.trim().replace("\r\n", "\n");
    if t.contains('<') && t.contains('>') { safe_answer(&t) } else { t }
}

/// Choices for the pickers: the concept tree (flattened with depth),
/// offices, people, audiences.
async fn pickers(state: &AppState) -> Result<serde_json::Value, AppError> {
    state
        .blocking(|kb| {
            let mut concepts = Vec::new();
            fn walk(n: &kb::ConceptNode, depth: usize, out: &mut Vec<serde_json::Value>) {
                out.push(json!({"iri": n.concept.iri, "label": n.concept.label, "depth": depth, "indent": "\u{2003}".repeat(depth)}));
                for c in &n.children {
                    walk(c, depth + 1, out);
                }
            }
            for n in kb.concept_tree(kb.areas_scheme().as_str())? {
                walk(&n, 0, &mut concepts);
            }
            let mut offices: Vec<_> = kb.offices()?.into_iter().map(|o| json!({"iri": kb.office_iri(&o.code).as_str(), "label": o.name, "code": o.code})).collect();
            offices.sort_by(|a, b| a["label"].as_str().cmp(&b["label"].as_str()));
            let mut people: Vec<_> = kb
                .people()?
                .into_iter()
                .map(|p| {
                    json!({"iri": kb.person_iri(&p.staff_number).as_str(), "label": format!("{} {}", p.family_name, p.given_name), "office": p.office})
                })
                .collect();
            people.sort_by(|a, b| a["label"].as_str().cmp(&b["label"].as_str()));
            let audiences = kb.concepts(Some(kb.audience_scheme().as_str()))?;
            Ok(json!({"concepts": concepts, "offices": offices, "people": people, "audiences": audiences}))
        })
        .await
}

fn form_view(c: &ItemContent) -> serde_json::Value {
    json!({
        "title": c.title, "title_en": c.title_en, "question": c.question, "answer": c.answer,
        "keywords": c.keywords.join(", "), "concept": c.concept, "office": c.office, "person": c.person,
        "links": c.links.join("\n"), "forms": c.forms.join("\n"), "legal": c.legal_references.join("\n"),
        "valid_from": c.valid_from.map(|d| d.to_string()), "valid_until": c.valid_until.map(|d| d.to_string()),
        "level": if c.level == Level::Advanced { "advanced" } else { "base" }, "audiences": c.audiences,
    })
}

async fn render_form(
    state: &AppState,
    user: &User,
    id: Option<&str>,
    based_on: u32,
    item: serde_json::Value,
    error: Option<String>,
) -> PageResult {
    let ctx = json!({"user": user.view(), "id": id, "based_on": based_on, "item": item, "pickers": pickers(state).await?, "error": error});
    let status = if error.is_some() { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    Ok((status, state.ui.render("edit.html", user.lang, ctx)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: User) -> PageResult {
    user.require(WRITERS)?;
    render_form(&state, &user, None, 0, form_view(&ItemContent::default()), None).await
}

async fn create(State(state): State<AppState>, user: User, body: axum::body::Bytes) -> PageResult {
    user.require(WRITERS)?;
    let form = parse_item_form(&body)?;
    let content = match form.content() {
        Ok(c) => c,
        Err(e) => return render_form(&state, &user, None, 0, json!(form_fields(&form)), Some(e.message())).await,
    };
    let actor = user.actor.clone();
    let submit = form.and_submit.is_some();
    let c2 = content.clone();
    let result = state
        .blocking(move |kb| {
            let id = kb.create_item(&actor, &c2)?;
            if submit {
                kb.submit_item(&actor, &id, None)?;
            }
            Ok(id)
        })
        .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/editor/items/{id}"))),
        Err(e @ (AppError::BadRequest(_) | AppError::Conflict(_))) => {
            render_form(&state, &user, None, 0, form_view(&content), Some(e.message())).await
        }
        Err(e) => Err(e),
    }
}

fn form_fields(f: &ItemForm) -> serde_json::Value {
    json!({"title": f.title, "title_en": f.title_en, "question": f.question, "answer": f.answer, "keywords": f.keywords,
           "concept": f.concept, "office": f.office, "person": f.person, "links": f.links, "forms": f.forms, "legal": f.legal,
           "valid_from": f.valid_from, "valid_until": f.valid_until, "level": f.level, "audiences": f.audiences})
}

async fn edit_form(State(state): State<AppState>, user: User, Path(id): Path<String>) -> PageResult {
    user.require(STAFF)?;
    let actor = user.actor.clone();
    let lookup = id.clone();
    let item = state.blocking(move |kb| Ok(kb.current_item(&actor, &lookup)?)).await?;
    let mut view = form_view(&item.content);
    view["state"] = json!(item.state);
    view["author"] = json!(item.author);
    render_form(&state, &user, Some(&id), item.revision, view, None).await
}

async fn save(State(state): State<AppState>, user: User, Path(id): Path<String>, body: axum::body::Bytes) -> PageResult {
    user.require(WRITERS)?;
    let form = parse_item_form(&body)?;
    let content = match form.content() {
        Ok(c) => c,
        Err(e) => return render_form(&state, &user, Some(&id), form.based_on, form_fields(&form), Some(e.message())).await,
    };
    let actor = user.actor.clone();
    let target = id.clone();
    let based_on = form.based_on;
    let submit = form.and_submit.is_some();
    let c2 = content.clone();
    let result = state
        .blocking(move |kb| {
            kb.edit_item(&actor, &target, based_on, &c2)?;
            if submit {
                kb.submit_item(&actor, &target, None)?;
            }
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/editor/items/{id}"))),
        Err(e @ (AppError::BadRequest(_) | AppError::Conflict(_))) => {
            render_form(&state, &user, Some(&id), form.based_on, form_view(&content), Some(e.message())).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    comment: String,
}

async fn submit(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<CommentForm>) -> PageResult {
    user.require(WRITERS)?;
    let actor = user.actor.clone();
    let target = id.clone();
    state.blocking(move |kb| Ok(kb.submit_item(&actor, &target, opt(&f.comment).as_deref())?)).await?;
    Ok(see_other(&format!("/editor/items/{id}")))
}

async fn archive(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<CommentForm>) -> PageResult {
    user.require(REVIEWERS)?;
    let actor = user.actor.clone();
    let target = id.clone();
    state.blocking(move |kb| Ok(kb.archive_item(&actor, &target, opt(&f.comment).as_deref())?)).await?;
    Ok(see_other(&format!("/items/{id}/history")))
}

async fn inbox(State(state): State<AppState>, user: User) -> PageResult {
    user.require(REVIEWERS)?;
    let actor = user.actor.clone();
    let entries = state.blocking(move |kb| Ok(kb.working_items(&actor, kb::State::InReview, None)?)).await?;
    Ok(state.ui.render("review.html", user.lang, json!({"user": user.view(), "entries": entries}))?.into_response())
}

/// One field side by side.
fn side_by_side(before: Option<&ItemContent>, after: &ItemContent) -> Vec<serde_json::Value> {
    let empty = ItemContent::default();
    let b = before.unwrap_or(&empty);
    let fields: Vec<(&str, String, String)> = vec![
        ("title", b.title.clone(), after.title.clone()),
        ("question", b.question.clone().unwrap_or_default(), after.question.clone().unwrap_or_default()),
        ("answer", b.answer.clone(), after.answer.clone()),
        ("keywords", b.keywords.join(", "), after.keywords.join(", ")),
        ("concept", b.concept.clone().unwrap_or_default(), after.concept.clone().unwrap_or_default()),
        ("office", b.office.clone().unwrap_or_default(), after.office.clone().unwrap_or_default()),
        ("person", b.person.clone().unwrap_or_default(), after.person.clone().unwrap_or_default()),
        ("links", b.links.join("\n"), after.links.join("\n")),
        ("forms", b.forms.join("\n"), after.forms.join("\n")),
        ("legal", b.legal_references.join("\n"), after.legal_references.join("\n")),
        (
            "valid_from",
            b.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            after.valid_from.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (
            "valid_until",
            b.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            after.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("level", format!("{:?}", b.level), format!("{:?}", after.level)),
    ];
    fields.into_iter().map(|(k, x, y)| json!({"field": k, "before": x, "after": y, "changed": x != y})).collect()
}

async fn review_item(State(state): State<AppState>, user: User, Path(id): Path<String>) -> PageResult {
    user.require(REVIEWERS)?;
    let actor = user.actor.clone();
    let lookup = id.clone();
    let (item, published) = state
        .blocking(move |kb| {
            let item = kb.current_item(&actor, &lookup)?;
            let st = kb.item_status(&lookup)?;
            let published = match st.published_revision {
                Some(n) if n != item.revision => Some(kb.revision_content(&actor, &lookup, n)?),
                _ => None,
            };
            Ok((item, published))
        })
        .await?;
    let rows = side_by_side(published.as_ref(), &item.content);
    let ctx = json!({"user": user.view(), "item": item, "rows": rows, "is_new": published.is_none(),
                     "self_review": item.author.as_deref() == Some(user.actor.username.as_str())});
    Ok(state.ui.render("review_item.html", user.lang, ctx)?.into_response())
}

async fn approve(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<CommentForm>) -> PageResult {
    user.require(REVIEWERS)?;
    let actor = user.actor.clone();
    let target = id.clone();
    state.blocking(move |kb| Ok(kb.approve_item(&actor, &target, opt(&f.comment).as_deref())?)).await?;
    Ok(see_other("/review"))
}

async fn reject(State(state): State<AppState>, user: User, Path(id): Path<String>, Form(f): Form<CommentForm>) -> PageResult {
    user.require(REVIEWERS)?;
    if f.comment.trim().is_empty() {
        return Err(AppError::BadRequest("a rejection needs a comment for the author".into()));
    }
    let actor = user.actor.clone();
    let target = id.clone();
    state.blocking(move |kb| Ok(kb.reject_item(&actor, &target, f.comment.trim())?)).await?;
    Ok(see_other("/review"))
}

async fn history(State(state): State<AppState>, user: User, Path(id): Path<String>) -> PageResult {
    user.require(STAFF)?;
    let actor = user.actor.clone();
    let lookup = id.clone();
    let (entries, item) = state.blocking(move |kb| Ok((kb.history(&actor, &lookup)?, kb.current_item(&actor, &lookup)?))).await?;
    let ctx = json!({"user": user.view(), "entries": entries, "item": item});
    Ok(state.ui.render("history.html", user.lang, ctx)?.into_response())
}

#[derive(Deserialize)]
pub struct RestoreForm {
    based_on: u32,
}

async fn restore(
    State(state): State<AppState>,
    user: User,
    Path((id, revision)): Path<(String, u32)>,
    Form(f): Form<RestoreForm>,
) -> PageResult {
    user.require(WRITERS)?;
    let actor = user.actor.clone();
    let target = id.clone();
    state.blocking(move |kb| Ok(kb.restore_revision(&actor, &target, revision, f.based_on)?)).await?;
    Ok(see_other(&format!("/editor/items/{id}")))
}
