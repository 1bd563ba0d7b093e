//! The API's request and response bodies (OpenAPI schemas).

use super::*;

/// An error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// Status and message of an error.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status.
    pub status: u16,
    /// A message for people.
    pub message: String,
}

/// Item content as the API exchanges it: [`kb::ItemContent`] (schema
/// `ItemFields`; unknown fields are refused).
pub use kb::ItemContent as ItemFields;

/// A knowledge item.
#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    /// Identifier, e.g. `PIL-0001`.
    pub id: String,
    /// The item's IRI (dereferenceable).
    pub iri: String,
    /// `draft`, `in_review`, `published` or `archived`.
    pub state: String,
    /// The revision this content belongs to.
    pub revision: u32,
    /// The content.
    pub content: ItemFields,
    /// When the item was created (RFC 3339).
    pub created: Option<String>,
    /// When this revision was made (RFC 3339).
    pub modified: Option<String>,
    /// Who wrote this revision.
    pub author: Option<String>,
}

impl From<KnowledgeItem> for ItemDto {
    fn from(k: KnowledgeItem) -> Self {
        ItemDto {
            id: k.id,
            iri: k.iri,
            state: k.state.as_str().to_owned(),
            revision: k.revision,
            content: k.content,
            created: k.created.map(|d| d.to_rfc3339()),
            modified: k.modified.map(|d| d.to_rfc3339()),
            author: k.author,
        }
    }
}

/// An item in a listing.
#[derive(Serialize, ToSchema)]
pub struct ItemSummaryDto {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// State.
    pub state: String,
    /// Revision.
    pub revision: u32,
    /// Author of the working revision (drafts and reviews only).
    pub author: Option<String>,
}

/// A page of items.
#[derive(Serialize, ToSchema)]
pub struct ItemList {
    /// The items of this page, by identifier.
    pub items: Vec<ItemSummaryDto>,
    /// Page number, from 1.
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
    /// Items in every page.
    pub total: usize,
}

/// Paging and filter of the item list.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct ItemsParams {
    /// Page number, from 1 (default 1).
    pub page: Option<usize>,
    /// Items per page (default 20, at most 100).
    pub per_page: Option<usize>,
    /// `published` (default), `archived`, `draft` or `in_review` (the last two for publishers, approvers and administrators).
    pub state: Option<String>,
}

/// Options when reading one item.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct ItemParams {
    /// `true`: the working revision (draft or in review) if there is one; publishers, approvers and administrators only.
    pub working: Option<bool>,
}

/// An edit: the new content, based on the revision the client read.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// The revision the edit is based on (refused with 409 if another edit came first).
    pub based_on: u32,
    /// The new content.
    pub content: ItemFields,
}

/// A comment on a transition (required to reject).
#[derive(Deserialize, ToSchema, Debug, Default)]
#[serde(default)]
pub struct CommentBody {
    /// The comment.
    pub comment: Option<String>,
}

/// An item created or changed.
#[derive(Serialize, ToSchema)]
pub struct ItemRef {
    /// Identifier.
    pub id: String,
    /// The revision written.
    pub revision: u32,
    /// The state after the operation.
    pub state: String,
}

/// Search parameters.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to search for.
    pub q: String,
    /// Hits to return (default 10, at most 50).
    pub limit: Option<usize>,
    /// Hits to skip.
    pub offset: Option<usize>,
    /// Only items of this concept (IRI) or below.
    pub area: Option<String>,
    /// Only items of this office (IRI).
    pub office: Option<String>,
    /// `base` or `advanced`.
    pub level: Option<String>,
    /// Only items for this audience (IRI).
    pub audience: Option<String>,
    /// `item`, `office` or `person`.
    pub kind: Option<String>,
    /// Treat the last word as a prefix.
    pub as_you_type: Option<bool>,
    /// Include drafts (publishers, approvers, administrators).
    pub drafts: Option<bool>,
}

/// Suggestion parameters.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// The beginning of a word.
    pub q: String,
    /// Suggestions to return (default 8, at most 30).
    pub limit: Option<usize>,
}

/// Which classification scheme.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct ConceptParams {
    /// `areas` (default) or `audiences`.
    pub scheme: Option<String>,
}

/// The signed-in account.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// Login name.
    pub username: String,
    /// Roles.
    pub roles: Vec<String>,
}

/// An API token (never the token itself).
#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    /// Identifier, to revoke it.
    pub id: String,
    /// Label.
    pub label: String,
    /// When it was created (RFC 3339).
    pub created: String,
}

/// A token request.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for.
    pub label: String,
}

/// A new token: shown this once, only its hash is kept.
#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    /// Identifier, to revoke it.
    pub id: String,
    /// Label.
    pub label: String,
    /// The token: send it as `Authorization: Bearer <token>`.
    pub token: String,
}
