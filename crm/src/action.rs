//! The actions on a ticket: the steps of its path (Allegato A) and the
//! edits, as callers send them (the API's JSON, the pages' forms).
//! [`Crm::act`](crate::Crm::act) applies them.

use kb::Level;
use serde::{Deserialize, Serialize};

use crate::ticket::Priority;

/// A step on a ticket's path, or an edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// An operator takes an offline request in charge.
    TakeInCharge,
    /// Live transfer to a second-level operator, with the call (warm transfer).
    TransferToL2 {
        /// The second-level operator who answered the transfer.
        operator: String,
        /// Note for them.
        #[serde(default)]
        comment: String,
    },
    /// Assignment to the second-level inbox (live transfer not possible).
    AssignToL2 {
        /// Note for second level.
        #[serde(default)]
        comment: String,
    },
    /// A second-level operator takes a ticket from the inbox.
    Take,
    /// Forwarding to the competent office (second level, or third-level triage).
    ForwardToOffice {
        /// Office code.
        office: String,
        /// What is asked of the office.
        #[serde(default)]
        comment: String,
    },
    /// The office answers; the ticket goes back to second level.
    OfficeAnswer {
        /// The office's answer.
        answer: String,
    },
    /// The office rejects the assignment: not theirs.
    OfficeReject {
        /// Why (mandatory).
        reason: String,
        /// The office actually competent, where known.
        #[serde(default)]
        suggested_office: Option<String>,
    },
    /// Offline request without the data needed: e-mail the citizen.
    RequestData {
        /// What is missing.
        #[serde(default)]
        comment: String,
    },
    /// The citizen answered a data request.
    CitizenReply {
        /// Whether the reply has the data and a phone number.
        complete: bool,
        /// What they sent.
        #[serde(default)]
        text: String,
    },
    /// Closing, with the answer given to the citizen.
    Close {
        /// The answer given (mandatory).
        answer: String,
    },
    /// A new contact about a closed request.
    Reopen {
        /// Why.
        #[serde(default)]
        comment: String,
    },
    /// Rejection on the administration's instruction.
    Reject {
        /// Why (mandatory).
        reason: String,
    },
    /// A note on the ticket, no change of state.
    Note {
        /// The note.
        text: String,
    },
    /// Changes the ticket's classification, priority, level or description.
    Update {
        /// New priority.
        #[serde(default)]
        priority: Option<Priority>,
        /// New concept (IRI or local name).
        #[serde(default)]
        concept: Option<String>,
        /// New level.
        #[serde(default)]
        level: Option<Level>,
        /// New description.
        #[serde(default)]
        description: Option<String>,
    },
    /// Links a knowledge item used to answer.
    LinkItem {
        /// Item identifier (e.g. `PIL-0001`).
        item: String,
    },
    /// Removes a linked item.
    UnlinkItem {
        /// Item identifier.
        item: String,
    },
    /// Links another contact involved in the request.
    LinkContact {
        /// Contact id.
        contact: String,
    },
    /// Links a call, message or other contact event (IRI).
    LinkResource {
        /// IRI.
        iri: String,
    },
}

impl Action {
    /// The activity kind recorded.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::TakeInCharge => "take_in_charge",
            Action::TransferToL2 { .. } => "transfer_to_l2",
            Action::AssignToL2 { .. } => "assign_to_l2",
            Action::Take => "take",
            Action::ForwardToOffice { .. } => "forward_to_office",
            Action::OfficeAnswer { .. } => "office_answer",
            Action::OfficeReject { .. } => "office_reject",
            Action::RequestData { .. } => "request_data",
            Action::CitizenReply { .. } => "citizen_reply",
            Action::Close { .. } => "close",
            Action::Reopen { .. } => "reopen",
            Action::Reject { .. } => "reject",
            Action::Note { .. } => "note",
            Action::Update { .. } => "update",
            Action::LinkItem { .. } => "link_item",
            Action::UnlinkItem { .. } => "unlink_item",
            Action::LinkContact { .. } => "link_contact",
            Action::LinkResource { .. } => "link_resource",
        }
    }
}
