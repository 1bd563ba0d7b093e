//! Operators' pages: the search box with results as you type, the item to
//! read out, the classification tree, the directory of offices and people.

use super::non_blank;
use crate::AppState;
use crate::auth::User;
use crate::ui::{AppError, PageResult, safe_answer};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use kb::{HitKind, Level, Role, SearchQuery};
use serde::Deserialize;
use serde_json::json;

/// Every role may search and read published knowledge.
pub const READERS: &[Role] = &Role::ALL;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/search", get(search))
        .route("/suggest", get(suggest))
        .route("/items/{id}", get(item))
        .route("/areas", get(tree))
        .route("/areas/{slug}", get(concept))
        .route("/directory", get(directory))
        .route("/directory/offices/{code}", get(office))
        .route("/directory/people/{number}", get(person))
}

#[derive(Deserialize, Default, Debug)]
pub struct SearchParams {
    q: Option<String>,
    area: Option<String>,
    office: Option<String>,
    level: Option<String>,
    audience: Option<String>,
    kind: Option<String>,
    drafts: Option<String>,
    partial: Option<String>,
    page: Option<usize>,
}

const PAGE_SIZE: usize = 10;

impl SearchParams {
    fn query(&self, user: &User) -> SearchQuery {
        let kinds = match self.kind.as_deref() {
            Some("item") => vec![HitKind::Item],
            Some("office") => vec![HitKind::Office],
            Some("person") => vec![HitKind::Person],
            _ => Vec::new(),
        };
        let level = match self.level.as_deref() {
            Some("base") => Some(Level::Base),
            Some("advanced") => Some(Level::Advanced),
            _ => None,
        };
        let may_see_drafts = user.actor.roles.has_any(&[Role::Publisher, Role::Approver, Role::Admin]);
        SearchQuery {
            text: self.q.clone().unwrap_or_default(),
            limit: PAGE_SIZE,
            offset: self.page.unwrap_or(0).min(50) * PAGE_SIZE,
            as_you_type: self.partial.is_some(),
            area: non_blank(&self.area),
            office: non_blank(&self.office),
            level,
            audience: non_blank(&self.audience),
            kinds,
            include_drafts: may_see_drafts && self.drafts.is_some(),
            today: None,
        }
    }
}

async fn home(State(state): State<AppState>, user: User, Query(p): Query<SearchParams>) -> PageResult {
    search_page(state, user, p).await
}

async fn search(State(state): State<AppState>, user: User, Query(p): Query<SearchParams>) -> PageResult {
    search_page(state, user, p).await
}

async fn search_page(state: AppState, user: User, p: SearchParams) -> PageResult {
    user.require(READERS)?;
    let q = p.query(&user);
    let actor = user.actor.clone();
    let text = q.text.clone();
    let partial = p.partial.is_some();
    let (results, areas, audiences) = state
        .blocking(move |kb| {
            let results = if text.trim().is_empty() { None } else { Some(kb.search(&actor, &q)?) };
            // The results fragment fetched while typing has no filter form.
            if partial {
                return Ok((results, Vec::new(), Vec::new()));
            }
            let areas = kb.concept_tree(kb.areas_scheme().as_str())?;
            let audiences = kb.concepts(Some(kb.audience_scheme().as_str()))?;
            Ok((results, areas, audiences))
        })
        .await?;
    let ctx = json!({
        "user": user.view(),
        "q": p.q.clone().unwrap_or_default(),
        "params": {"area": p.area, "office": p.office, "level": p.level, "audience": p.audience, "kind": p.kind, "drafts": p.drafts.is_some()},
        "page": p.page.unwrap_or(0),
        "page_size": PAGE_SIZE,
        "results": results,
        "areas": areas.iter().map(|n| json!({"iri": n.concept.iri, "label": n.concept.label})).collect::<Vec<_>>(),
        "audiences": audiences,
    });
    let template = if p.partial.is_some() { "results.html" } else { "search.html" };
    Ok(state.ui.render(template, user.lang, ctx)?.into_response())
}

#[derive(Deserialize)]
pub struct SuggestParams {
    q: Option<String>,
}

async fn suggest(State(state): State<AppState>, user: User, Query(p): Query<SuggestParams>) -> Result<Json<serde_json::Value>, AppError> {
    user.require(READERS)?;
    let actor = user.actor.clone();
    let text = p.q.unwrap_or_default();
    let s = state.blocking(move |kb| Ok(kb.suggest(&actor, &text, 8)?)).await?;
    Ok(Json(json!({ "suggestions": s })))
}

#[derive(Deserialize, Default)]
pub struct ItemParams {
    /// The search text that led here (teaches the ranking).
    q: Option<String>,
}

async fn item(State(state): State<AppState>, user: User, Path(id): Path<String>, Query(p): Query<ItemParams>) -> PageResult {
    user.require(READERS)?;
    let actor = user.actor.clone();
    let query = non_blank(&p.q);
    let lookup = id.clone();
    let view = state
        .blocking(move |kb| {
            let today = chrono::Local::now().date_naive();
            let Some(view) = kb.item_view(&lookup, today)? else { return Ok(None) };
            let path = match &view.item.content.concept {
                Some(c) => concept_path(kb, c)?,
                None => Vec::new(),
            };
            // Reading an item is an access (KB-11); from a result list it
            // also teaches the ranking.
            let recorded = match &query {
                Some(q) => kb.record_access_from_search(&actor, &lookup, q),
                None => kb.record_access(&actor, &lookup),
            };
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "access not recorded");
            }
            Ok(Some((view, path)))
        })
        .await?;
    let Some((view, path)) = view else {
        return Err(AppError::NotFound(format!("no published item {id}")));
    };
    let answer_html = safe_answer(&view.item.content.answer);
    let ctx = json!({
        "user": user.view(),
        "view": view,
        "answer_html": answer_html,
        "path": path,
        "q": p.q,
    });
    Ok(state.ui.render("item.html", user.lang, ctx)?.into_response())
}

/// The concept and its ancestors, top first, as (slug, label).
fn concept_path(kb: &kb::Kb, iri: &str) -> Result<Vec<serde_json::Value>, AppError> {
    let mut out = Vec::new();
    let mut cur = kb.concept(iri)?;
    while let Some(c) = cur {
        if out.len() > 12 {
            break;
        }
        out.push(json!({"slug": slug(&c.iri), "label": c.label}));
        cur = match &c.broader {
            Some(b) => kb.concept(b)?,
            None => None,
        };
    }
    out.reverse();
    Ok(out)
}

fn slug(iri: &str) -> &str {
    iri.rsplit('/').next().unwrap_or(iri)
}

async fn tree(State(state): State<AppState>, user: User) -> PageResult {
    user.require(READERS)?;
    let tree = state.blocking(|kb| Ok(kb.concept_tree(kb.areas_scheme().as_str())?)).await?;
    Ok(state.ui.render("tree.html", user.lang, json!({"user": user.view(), "tree": tree}))?.into_response())
}

async fn concept(State(state): State<AppState>, user: User, Path(slug_): Path<String>) -> PageResult {
    user.require(READERS)?;
    let found = state
        .blocking(move |kb| {
            let iri = kb.iri(&format!("id/concept/{slug_}")).as_str().to_owned();
            let Some(c) = kb.concept(&iri)? else { return Ok(None) };
            let children: Vec<kb::Concept> =
                kb.concepts(None)?.into_iter().filter(|x| x.broader.as_deref() == Some(iri.as_str())).collect();
            let items = kb.items_in_concept(&iri)?;
            let path = concept_path(kb, &iri)?;
            Ok(Some((c, children, items, path)))
        })
        .await?;
    let Some((c, children, items, path)) = found else { return Err(AppError::NotFound("no such area".into())) };
    let children: Vec<_> = children.iter().map(|k| json!({"slug": slug(&k.iri), "label": k.label})).collect();
    let ctx = json!({"user": user.view(), "concept": c, "children": children, "items": items, "path": path});
    Ok(state.ui.render("concept.html", user.lang, ctx)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct DirectoryParams {
    q: Option<String>,
}

async fn directory(State(state): State<AppState>, user: User, Query(p): Query<DirectoryParams>) -> PageResult {
    user.require(READERS)?;
    let filter = non_blank(&p.q).map(|q| kb::search::fold(&q));
    let (offices, people) = state.blocking(|kb| Ok((kb.offices()?, kb.people()?))).await?;
    let matches = |texts: &[Option<&str>]| match &filter {
        None => true,
        Some(f) => texts.iter().flatten().any(|t| kb::search::fold(t).contains(f.as_str())),
    };
    let offices: Vec<_> = offices.into_iter().filter(|o| matches(&[Some(&o.name), o.competences.as_deref(), Some(&o.code)])).collect();
    let people: Vec<_> = people
        .into_iter()
        .filter(|x| matches(&[Some(&x.full_name()), x.functions.as_deref(), x.title.as_deref(), x.office.as_deref()]))
        .map(|x| json!({"person": x, "name": x.full_name()}))
        .collect();
    let ctx = json!({"user": user.view(), "q": p.q, "offices": offices, "people": people});
    Ok(state.ui.render("directory.html", user.lang, ctx)?.into_response())
}

async fn office(State(state): State<AppState>, user: User, Path(code): Path<String>) -> PageResult {
    user.require(READERS)?;
    let found = state
        .blocking(move |kb| {
            let Some(o) = kb.office_by_iri(kb.office_iri(&code).as_str())? else { return Ok(None) };
            let parent = match &o.parent {
                Some(p) => kb.office_by_iri(kb.office_iri(p).as_str())?,
                None => None,
            };
            let subs: Vec<kb::Office> = kb.offices()?.into_iter().filter(|x| x.parent.as_deref() == Some(o.code.as_str())).collect();
            let people: Vec<_> = kb
                .people()?
                .into_iter()
                .filter(|x| x.office.as_deref() == Some(o.code.as_str()))
                .map(|x| json!({"person": x, "name": x.full_name()}))
                .collect();
            Ok(Some((o, parent, subs, people)))
        })
        .await?;
    let Some((o, parent, subs, people)) = found else { return Err(AppError::NotFound("no such office".into())) };
    let ctx = json!({"user": user.view(), "office": o, "parent": parent, "subs": subs, "people": people});
    Ok(state.ui.render("office.html", user.lang, ctx)?.into_response())
}

async fn person(State(state): State<AppState>, user: User, Path(number): Path<String>) -> PageResult {
    user.require(READERS)?;
    let found = state
        .blocking(move |kb| {
            let Some(p) = kb.person_by_iri(kb.person_iri(&number).as_str())? else { return Ok(None) };
            let office = match &p.office {
                Some(c) => kb.office_by_iri(kb.office_iri(c).as_str())?,
                None => None,
            };
            Ok(Some((p, office)))
        })
        .await?;
    let Some((p, office)) = found else { return Err(AppError::NotFound("no such person".into())) };
    let ctx = json!({"user": user.view(), "person": p, "name": p.full_name(), "office": office});
    Ok(state.ui.render("person.html", user.lang, ctx)?.into_response())
}
