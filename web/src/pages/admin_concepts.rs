//! The classification tree editor (`/admin/concepts`): the areas scheme
//! as a tree; add, rename, synonyms, move, merge and delete concepts.
//! Refusals of the knowledge base (cycles, concepts in use, unknown
//! concepts) are shown in the page with their status.

use super::admin::{ADMINS, kb_error, ok_key, opt, render, shown};
use super::see_other;
use crate::AppState;
use crate::auth::{User, urlencode};
use crate::ui::{AppError, PageResult};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use kb::{ConceptNode, NewConcept};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/concepts", get(page).post(create))
        .route("/admin/concepts/rename", post(rename))
        .route("/admin/concepts/alt-labels", post(alt_labels))
        .route("/admin/concepts/move", post(move_concept))
        .route("/admin/concepts/merge", post(merge))
        .route("/admin/concepts/delete", post(delete))
}

/// `?iri=` selects a concept to edit; `?ok=` confirms the last change.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    iri: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

/// Every field of the tree editor's forms.
#[derive(Deserialize, Default, Debug)]
pub struct ConceptForm {
    #[serde(default)]
    iri: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    alt_labels: String,
    #[serde(default)]
    notation: String,
}

/// Synonyms: one per line (or separated by semicolons).
fn label_list(s: &str) -> Vec<String> {
    s.split(['\n', ';']).map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn flatten(nodes: &[ConceptNode], depth: usize, out: &mut Vec<serde_json::Value>) {
    for n in nodes {
        out.push(json!({"iri": n.concept.iri, "label": n.concept.label, "indent": "\u{2003}".repeat(depth)}));
        flatten(&n.children, depth + 1, out);
    }
}

fn find<'a>(nodes: &'a [ConceptNode], iri: &str) -> Option<&'a ConceptNode> {
    nodes.iter().find_map(|n| if n.concept.iri == iri { Some(n) } else { find(&n.children, iri) })
}

fn subtree(n: &ConceptNode, out: &mut Vec<String>) {
    out.push(n.concept.iri.clone());
    for c in &n.children {
        subtree(c, out);
    }
}

async fn render_page(
    state: &AppState,
    user: &User,
    selected: Option<String>,
    ok: Option<&str>,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let (tree, chosen) = state
        .blocking(move |kb| {
            let tree = kb.concept_tree(kb.areas_scheme().as_str()).map_err(kb_error)?;
            // An unknown or malformed IRI selects nothing.
            let chosen = selected.and_then(|iri| kb.concept(&iri).ok().flatten());
            Ok((tree, chosen))
        })
        .await?;
    let mut all = Vec::new();
    flatten(&tree, 0, &mut all);
    // Targets of a move or merge: not the concept itself nor its descendants.
    let mut excluded = Vec::new();
    if let Some(c) = &chosen {
        match find(&tree, &c.iri) {
            Some(n) => subtree(n, &mut excluded),
            None => excluded.push(c.iri.clone()),
        }
    }
    let targets: Vec<_> = all.iter().filter(|c| !excluded.iter().any(|e| c["iri"].as_str() == Some(e.as_str()))).cloned().collect();
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let chosen = chosen.map(|c| {
        let alt = c.alt_labels.join("\n");
        json!({"concept": c, "alt_text": alt})
    });
    let ctx = json!({"user": user.view(), "tree": tree, "all": all, "targets": targets, "chosen": chosen, "ok": ok, "error": message});
    render(state, user, "admin_concepts.html", status, ctx)
}

async fn page(State(state): State<AppState>, user: User, Query(q): Query<PageQuery>) -> PageResult {
    user.require(ADMINS)?;
    render_page(&state, &user, q.iri.as_deref().and_then(opt), ok_key(q.ok.as_deref()), None).await
}

/// Runs a change; on success redirects to the tree with `iri` selected,
/// on a refusal shows the page again with the message.
async fn change(
    state: &AppState,
    user: &User,
    selected: Option<String>,
    f: impl FnOnce(&kb::Kb) -> Result<Option<String>, AppError> + Send + 'static,
    ok: &str,
) -> PageResult {
    match state.blocking(f).await {
        Ok(next) => {
            let mut to = format!("/admin/concepts?ok={ok}");
            if let Some(iri) = next.or(selected) {
                to.push_str(&format!("&iri={}", urlencode(&iri)));
            }
            Ok(see_other(&to))
        }
        Err(e) => {
            let shown = shown(e)?;
            render_page(state, user, selected, None, Some(shown)).await
        }
    }
}

async fn create(State(state): State<AppState>, user: User, Form(form): Form<ConceptForm>) -> PageResult {
    user.require(ADMINS)?;
    let actor = user.actor.clone();
    let parent = opt(&form.parent);
    change(
        &state,
        &user,
        parent.clone(),
        move |kb| {
            let new = NewConcept {
                scheme: kb.areas_scheme().as_str().to_owned(),
                parent,
                label: form.label.trim().to_owned(),
                label_en: opt(&form.label_en),
                alt_labels: label_list(&form.alt_labels),
                notation: opt(&form.notation),
            };
            kb.create_concept(&actor, &new).map(Some).map_err(kb_error)
        },
        "created",
    )
    .await
}

/// A change to the concept named in the form (`iri`): the selection stays
/// on it unless `f` names another concept to show.
async fn change_selected(
    state: &AppState,
    user: &User,
    form: ConceptForm,
    ok: &str,
    f: impl FnOnce(&kb::Kb, &kb::Actor, &str, &ConceptForm) -> Result<Option<String>, AppError> + Send + 'static,
) -> PageResult {
    user.require(ADMINS)?;
    let actor = user.actor.clone();
    let iri = form.iri.trim().to_owned();
    let target = iri.clone();
    change(state, user, Some(iri), move |kb| f(kb, &actor, &target, &form), ok).await
}

async fn rename(State(state): State<AppState>, user: User, Form(form): Form<ConceptForm>) -> PageResult {
    change_selected(&state, &user, form, "renamed", |kb, actor, iri, form| {
        // A blank English label removes it.
        kb.rename_concept(actor, iri, &form.label, Some(form.label_en.trim())).map_err(kb_error)?;
        Ok(None)
    })
    .await
}

async fn alt_labels(State(state): State<AppState>, user: User, Form(form): Form<ConceptForm>) -> PageResult {
    change_selected(&state, &user, form, "labels", |kb, actor, iri, form| {
        kb.set_concept_alt_labels(actor, iri, &label_list(&form.alt_labels)).map_err(kb_error)?;
        Ok(None)
    })
    .await
}

async fn move_concept(State(state): State<AppState>, user: User, Form(form): Form<ConceptForm>) -> PageResult {
    change_selected(&state, &user, form, "moved", |kb, actor, iri, form| {
        kb.move_concept(actor, iri, opt(&form.parent).as_deref()).map_err(kb_error)?;
        Ok(None)
    })
    .await
}

async fn merge(State(state): State<AppState>, user: User, Form(form): Form<ConceptForm>) -> PageResult {
    change_selected(&state, &user, form, "merged", |kb, actor, source, form| {
        let Some(target) = opt(&form.target) else {
            return Err(AppError::BadRequest("choose the concept to merge into".into()));
        };
        kb.merge_concepts(actor, source, &target).map_err(kb_error)?;
        Ok(Some(target))
    })
    .await
}

async fn delete(State(state): State<AppState>, user: User, Form(form): Form<ConceptForm>) -> PageResult {
    user.require(ADMINS)?;
    let actor = user.actor.clone();
    let iri = form.iri.trim().to_owned();
    let target = iri.clone();
    let result = state.blocking(move |kb| kb.delete_concept(&actor, &target).map_err(kb_error)).await;
    match result {
        Ok(()) => Ok(see_other("/admin/concepts?ok=deleted")),
        Err(e) => {
            let shown = shown(e)?;
            render_page(&state, &user, Some(iri), None, Some(shown)).await
        }
    }
}
