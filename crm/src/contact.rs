//! Contacts (CRM-2): citizens and organisations as vCard resources in the
//! `crm` graph, with phone numbers in E.164 and e-mail addresses, looked up
//! by either; merge of duplicates; every view recorded in the access log.
//!
//! Data minimisation: a contact holds a name, an organisation, phone
//! numbers, e-mail addresses and a short note, nothing else. What a
//! citizen asked lives in their tickets.

use crate::error::{Error, Result, require};
use crate::{Crm, now};
use chrono::{DateTime, Utc};
use kb::rdf::{Reader, lit, lit_datetime, lit_int, nn, term_datetime, term_value};
use kb::{Actor, Graph, Role};
use ontologies::vocab::{cc, dcterms, prov, rdf, vcard};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use serde::{Deserialize, Serialize};

/// Longest note kept on a contact.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Longest name.
pub const MAX_NAME_CHARS: usize = 200;

/// Who may read contacts.
pub(crate) const READERS: &[Role] = &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Office, Role::Admin, Role::Integration];
/// Who may create and change contacts.
pub(crate) const WRITERS: &[Role] = &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Integration];

/// A person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// A citizen.
    #[default]
    Person,
    /// A business, an association, a public body.
    Organisation,
}

/// What an operator types to create or update a contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ContactInput {
    /// Person or organisation.
    pub kind: ContactKind,
    /// Given name (persons).
    pub given_name: String,
    /// Family name (persons).
    pub family_name: String,
    /// Name of an organisation contact, or of the person's organisation.
    pub organisation: String,
    /// Phone numbers in any Italian or international format.
    pub phones: Vec<String>,
    /// E-mail addresses.
    pub emails: Vec<String>,
    /// A short note.
    pub notes: String,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// Identifier (hexadecimal).
    pub id: String,
    /// Person or organisation.
    pub kind: ContactKind,
    /// Display name.
    pub name: String,
    /// Given name (persons).
    pub given_name: String,
    /// Family name (persons).
    pub family_name: String,
    /// Organisation.
    pub organisation: String,
    /// Phone numbers, E.164.
    pub phones: Vec<String>,
    /// E-mail addresses, lower case.
    pub emails: Vec<String>,
    /// Note.
    pub notes: String,
    /// Created.
    pub created: Option<DateTime<Utc>>,
    /// Version, for optimistic concurrency.
    pub version: u64,
    /// The contact this one was merged into, if it was a duplicate.
    pub merged_into: Option<String>,
}

/// Normalises a phone number to E.164. Italian numbers may be written
/// without the country code (`0874 4291`, `333 1234567`), with `+39` or
/// `0039`, with spaces, dots, dashes, slashes or parentheses.
pub fn normalize_phone(raw: &str) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Error::invalid("phone", "empty phone number"));
    }
    if let Some(bad) = text.chars().find(|c| !(c.is_ascii_digit() || " .-/()+".contains(*c))) {
        return Err(Error::invalid("phone", format!("{text:?}: unexpected character {bad:?}")));
    }
    let compact: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    let compact = match compact.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => compact,
    };
    let parsed = phonenumber::parse(Some(phonenumber::country::Id::IT), &compact)
        .map_err(|e| Error::invalid("phone", format!("{text:?} is not a phone number ({e})")))?;
    if !phonenumber::is_valid(&parsed) {
        return Err(Error::invalid("phone", format!("{text:?} is not a valid phone number")));
    }
    Ok(parsed.format().mode(phonenumber::Mode::E164).to_string())
}

/// Normalises an e-mail address (trimmed, lower case) after checking it.
pub fn normalize_email(raw: &str) -> Result<String> {
    let text = raw.trim();
    let parsed: email_address::EmailAddress =
        text.parse().map_err(|e| Error::invalid("email", format!("{text:?} is not an e-mail address ({e})")))?;
    if !parsed.domain().contains('.') {
        return Err(Error::invalid("email", format!("{text:?}: the domain has no dot")));
    }
    Ok(parsed.as_str().to_lowercase())
}

fn tel_iri(e164: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("tel:{e164}"))
}

fn mailto_iri(email: &str) -> NamedNode {
    // The address was validated: no spaces or angle brackets.
    NamedNode::new_unchecked(format!("mailto:{email}"))
}

fn clip(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(Error::invalid(field, format!("longer than {max} characters")));
    }
    Ok(v.to_owned())
}

/// A validated input: names trimmed, phones and e-mails normalised and deduplicated.
pub(crate) fn validate(input: &ContactInput) -> Result<ContactInput> {
    let mut out = ContactInput {
        kind: input.kind,
        given_name: clip("given_name", &input.given_name, MAX_NAME_CHARS)?,
        family_name: clip("family_name", &input.family_name, MAX_NAME_CHARS)?,
        organisation: clip("organisation", &input.organisation, MAX_NAME_CHARS)?,
        phones: Vec::new(),
        emails: Vec::new(),
        notes: clip("notes", &input.notes, MAX_NOTE_CHARS)?,
    };
    for p in input.phones.iter().filter(|p| !p.trim().is_empty()) {
        let n = normalize_phone(p)?;
        if !out.phones.contains(&n) {
            out.phones.push(n);
        }
    }
    for e in input.emails.iter().filter(|e| !e.trim().is_empty()) {
        let n = normalize_email(e)?;
        if !out.emails.contains(&n) {
            out.emails.push(n);
        }
    }
    let named = match out.kind {
        ContactKind::Person => !out.given_name.is_empty() || !out.family_name.is_empty(),
        ContactKind::Organisation => !out.organisation.is_empty(),
    };
    // An anonymous caller is still a contact if they left a number or address.
    if !named && out.phones.is_empty() && out.emails.is_empty() {
        return Err(Error::invalid("name", "give a name, a phone number or an e-mail address"));
    }
    Ok(out)
}

impl ContactInput {
    fn display_name(&self) -> String {
        match self.kind {
            ContactKind::Person => {
                let n = format!("{} {}", self.given_name, self.family_name).trim().to_owned();
                if n.is_empty() { self.phones.first().or(self.emails.first()).cloned().unwrap_or_default() } else { n }
            }
            ContactKind::Organisation => self.organisation.clone(),
        }
    }
}

impl Contact {
    pub(crate) fn from_quads(id: &str, quads: &[Quad]) -> Option<Self> {
        let mut c = Contact {
            id: id.to_owned(),
            kind: ContactKind::Person,
            name: String::new(),
            given_name: String::new(),
            family_name: String::new(),
            organisation: String::new(),
            phones: Vec::new(),
            emails: Vec::new(),
            notes: String::new(),
            created: None,
            version: 0,
            merged_into: None,
        };
        let mut typed = false;
        for q in quads {
            let v = term_value(&q.object);
            match q.predicate.as_str() {
                rdf::TYPE if v == vcard::ORGANIZATION => {
                    c.kind = ContactKind::Organisation;
                    typed = true;
                }
                rdf::TYPE if v == vcard::INDIVIDUAL => typed = true,
                vcard::FN => c.name = v.to_owned(),
                vcard::GIVEN_NAME => c.given_name = v.to_owned(),
                vcard::FAMILY_NAME => c.family_name = v.to_owned(),
                vcard::ORGANIZATION_NAME => c.organisation = v.to_owned(),
                vcard::HAS_TELEPHONE => c.phones.extend(v.strip_prefix("tel:").map(str::to_owned)),
                vcard::HAS_EMAIL => c.emails.extend(v.strip_prefix("mailto:").map(str::to_owned)),
                vcard::NOTE => c.notes = v.to_owned(),
                dcterms::CREATED => c.created = term_datetime(&q.object),
                cc::VERSION => c.version = v.parse().unwrap_or(0),
                cc::CONTACT_MERGED_INTO => c.merged_into = v.rsplit('/').next().map(str::to_owned),
                _ => {}
            }
        }
        c.phones.sort();
        c.emails.sort();
        typed.then_some(c)
    }
}

/// Checks a contact identifier (16 hexadecimal digits) before it goes into an IRI.
pub fn validate_contact_id(id: &str) -> Result<()> {
    if id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(Error::not_found("contact", id))
    }
}

impl Crm {
    /// The IRI of a contact.
    pub fn contact_iri(&self, id: &str) -> NamedNode {
        self.kb().iri(&format!("id/contact/{id}"))
    }

    pub(crate) fn contact_quads(&self, id: NamedNode, c: &ContactInput, created: DateTime<Utc>, version: u64) -> Vec<Quad> {
        let g = self.graph();
        let mut out = Vec::new();
        let mut add = |p: &'static str, o: Term| out.push(Quad::new(id.clone(), nn(p), o, g.clone()));
        let class = match c.kind {
            ContactKind::Person => vcard::INDIVIDUAL,
            ContactKind::Organisation => vcard::ORGANIZATION,
        };
        add(rdf::TYPE, nn(class).into_owned().into());
        add(vcard::FN, lit(&c.display_name()).into());
        for (p, v) in [
            (vcard::GIVEN_NAME, &c.given_name),
            (vcard::FAMILY_NAME, &c.family_name),
            (vcard::ORGANIZATION_NAME, &c.organisation),
            (vcard::NOTE, &c.notes),
        ] {
            if !v.is_empty() {
                add(p, lit(v).into());
            }
        }
        for p in &c.phones {
            add(vcard::HAS_TELEPHONE, tel_iri(p).into());
        }
        for e in &c.emails {
            add(vcard::HAS_EMAIL, mailto_iri(e).into());
        }
        add(dcterms::CREATED, lit_datetime(created).into());
        add(dcterms::MODIFIED, lit_datetime(now()).into());
        add(cc::VERSION, lit_int(version).into());
        out
    }

    /// Creates a contact and returns it.
    pub fn create_contact(&self, actor: &Actor, input: &ContactInput) -> Result<Contact> {
        require(actor, "create contacts", WRITERS)?;
        let c = validate(input)?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
        let iri = self.contact_iri(&id);
        let quads = self.contact_quads(iri.clone(), &c, now(), 1);
        self.write(|w| {
            w.extend(&quads);
            self.contact_change(w, actor, &iri, "create", None);
            Ok(())
        })?;
        self.read_contact(&id)?.ok_or_else(|| Error::not_found("contact", &id))
    }

    /// Replaces a contact's data; `based_on` is the version the operator saw.
    pub fn update_contact(&self, actor: &Actor, id: &str, based_on: u64, input: &ContactInput) -> Result<Contact> {
        require(actor, "change contacts", WRITERS)?;
        validate_contact_id(id)?;
        let c = validate(input)?;
        let iri = self.contact_iri(id);
        let g = self.graph();
        self.write(|w| {
            let old = w.quads(Some(iri.as_ref().into()), None, None, Some(g.as_ref().into()))?;
            let current = Contact::from_quads(id, &old).ok_or_else(|| Error::not_found("contact", id))?;
            if current.merged_into.is_some() {
                return Err(Error::invalid("contact", format!("{id} was merged into {}", current.merged_into.unwrap_or_default())));
            }
            if current.version != based_on {
                return Err(Error::Stale { kind: "contact", id: id.to_owned(), based_on, current: current.version });
            }
            for q in &old {
                w.remove(q);
            }
            w.extend(&self.contact_quads(iri.clone(), &c, current.created.unwrap_or_else(now), current.version + 1));
            self.contact_change(w, actor, &iri, "update", None);
            Ok(())
        })?;
        self.read_contact(id)?.ok_or_else(|| Error::not_found("contact", id))
    }

    /// A contact, without recording a view (internal use, lists).
    pub(crate) fn read_contact(&self, id: &str) -> Result<Option<Contact>> {
        validate_contact_id(id)?;
        let quads = self.kb().store().quads(Some(self.contact_iri(id).as_ref().into()), None, None, Some(self.graph().as_ref().into()))?;
        Ok(Contact::from_quads(id, &quads))
    }

    /// A contact, as shown to a user: the view is recorded in the access log.
    pub fn contact(&self, actor: &Actor, id: &str) -> Result<Contact> {
        require(actor, "read contacts", READERS)?;
        let c = self.read_contact(id)?.ok_or_else(|| Error::not_found("contact", id))?;
        self.record_view(actor, &self.contact_iri(id))?;
        Ok(c)
    }

    /// Records in the `audit` graph that `actor` looked at a resource of the CRM.
    pub(crate) fn record_view(&self, actor: &Actor, what: &NamedNode) -> Result<()> {
        let audit = self.kb().graph(Graph::Audit).into_owned();
        let a = self.kb().iri(&format!("id/access/{}", uuid::Uuid::new_v4()));
        let quads = [
            Quad::new(a.clone(), nn(rdf::TYPE), nn(cc::ACCESS), audit.clone()),
            Quad::new(a.clone(), nn(cc::READER), self.kb().agent_iri(&actor.username), audit.clone()),
            Quad::new(a.clone(), nn(prov::USED), what.clone(), audit.clone()),
            Quad::new(a, nn(prov::STARTED_AT_TIME), lit_datetime(now()), audit),
        ];
        // Pure inserts of new subjects: no check, no writer lock needed.
        self.kb().store().extend(quads).map_err(kb::Error::from)?;
        Ok(())
    }

    /// The contacts with a phone number (any accepted format), live ones only.
    pub fn find_by_phone(&self, actor: &Actor, phone: &str) -> Result<Vec<Contact>> {
        require(actor, "look up contacts", READERS)?;
        let e164 = normalize_phone(phone)?;
        self.find_by(vcard::HAS_TELEPHONE, tel_iri(&e164))
    }

    /// The contacts with an e-mail address.
    pub fn find_by_email(&self, actor: &Actor, email: &str) -> Result<Vec<Contact>> {
        require(actor, "look up contacts", READERS)?;
        let e = normalize_email(email)?;
        self.find_by(vcard::HAS_EMAIL, mailto_iri(&e))
    }

    fn find_by(&self, p: &'static str, o: NamedNode) -> Result<Vec<Contact>> {
        let g = self.graph();
        let mut out = Vec::new();
        for q in self.kb().store().quads_for_pattern(None, Some(nn(p)), Some(o.as_ref().into()), Some(g.as_ref().into())) {
            let q = q.map_err(kb::Error::from)?;
            let NamedOrBlankNode::NamedNode(s) = q.subject else { continue };
            let Some(id) = s.as_str().rsplit('/').next() else { continue };
            if let Some(c) = self.read_contact(id)?
                && c.merged_into.is_none()
            {
                out.push(c);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Merges a duplicate into the contact that stays: phone numbers and
    /// addresses are added to it, the duplicate's tickets move to it, and
    /// the duplicate remains as a pointer (`cc:contactMergedInto`) so old
    /// links still resolve. Recorded as a change with a snapshot.
    pub fn merge_contacts(&self, actor: &Actor, keep: &str, duplicate: &str) -> Result<Contact> {
        require(actor, "merge contacts", &[Role::OperatorL2, Role::Supervisor, Role::Admin])?;
        validate_contact_id(keep)?;
        validate_contact_id(duplicate)?;
        if keep == duplicate {
            return Err(Error::invalid("duplicate", "a contact cannot be merged into itself"));
        }
        let (k, d) = (self.contact_iri(keep), self.contact_iri(duplicate));
        let g = self.graph();
        let moved = self.write(|w| {
            let kq = w.quads(Some(k.as_ref().into()), None, None, Some(g.as_ref().into()))?;
            let dq = w.quads(Some(d.as_ref().into()), None, None, Some(g.as_ref().into()))?;
            let kc = Contact::from_quads(keep, &kq).ok_or_else(|| Error::not_found("contact", keep))?;
            let dc = Contact::from_quads(duplicate, &dq).ok_or_else(|| Error::not_found("contact", duplicate))?;
            if kc.merged_into.is_some() || dc.merged_into.is_some() {
                return Err(Error::invalid("duplicate", "one of the contacts was already merged"));
            }
            let snapshot: String = dq.iter().map(|q| format!("{} {} {} .\n", q.subject, q.predicate, q.object)).collect();
            for q in dq.iter().filter(|q| matches!(q.predicate.as_str(), vcard::HAS_TELEPHONE | vcard::HAS_EMAIL | cc::VERSION)) {
                w.remove(q);
                if q.predicate.as_str() != cc::VERSION {
                    w.insert(&Quad::new(k.clone(), q.predicate.clone(), q.object.clone(), g.clone()));
                }
            }
            w.insert(&Quad::new(d.clone(), nn(cc::VERSION), lit_int(dc.version + 1), g.clone()));
            w.insert(&Quad::new(d.clone(), nn(cc::CONTACT_MERGED_INTO), k.clone(), g.clone()));
            if kc.notes.is_empty() && !dc.notes.is_empty() {
                w.insert(&Quad::new(k.clone(), nn(vcard::NOTE), lit(&dc.notes), g.clone()));
            }
            for q in kq.iter().filter(|q| q.predicate.as_str() == cc::VERSION) {
                w.remove(q);
            }
            w.insert(&Quad::new(k.clone(), nn(cc::VERSION), lit_int(kc.version + 1), g.clone()));
            // The duplicate's tickets (as requester or related contact) move.
            let mut moved = Vec::new();
            for p in [cc::REQUESTER, cc::RELATED_CONTACT] {
                for q in w.quads(None, Some(nn(p)), Some(d.as_ref().into()), Some(g.as_ref().into()))? {
                    w.remove(&q);
                    w.insert(&Quad::new(q.subject.clone(), q.predicate.clone(), k.clone(), g.clone()));
                    if let NamedOrBlankNode::NamedNode(t) = &q.subject
                        && p == cc::REQUESTER
                    {
                        moved.push(t.clone());
                    }
                }
            }
            self.contact_change(w, actor, &d, "merge", Some(snapshot));
            Ok(moved)
        })?;
        self.board_requester_moved(&moved, keep);
        self.read_contact(keep)?.ok_or_else(|| Error::not_found("contact", keep))
    }

    fn contact_change(&self, w: &mut kb::WriteTx<'_>, actor: &Actor, about: &NamedNode, kind: &str, snapshot: Option<String>) {
        let g = self.graph();
        let act = self.kb().iri(&format!("id/activity/{}", uuid::Uuid::new_v4()));
        let mut add = |p: &'static str, o: Term| w.insert(&Quad::new(act.clone(), nn(p), o, g.clone()));
        add(rdf::TYPE, nn(cc::CHANGE).into_owned().into());
        add(cc::ACTIVITY_KIND, lit(kind).into());
        add(cc::ON_RESOURCE, about.clone().into());
        add(prov::WAS_ASSOCIATED_WITH, self.kb().agent_iri(&actor.username).into());
        add(prov::STARTED_AT_TIME, lit_datetime(now()).into());
        if let Some(s) = snapshot {
            add(cc::SNAPSHOT, lit(&s).into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_phone_formats_normalise_to_e164() {
        for (raw, want) in [
            ("0874 4291", "+3908744291"),
            ("+39 0874.4291", "+3908744291"),
            ("0039 0874/4291", "+3908744291"),
            ("3331234567", "+393331234567"),
            ("333 123 4567", "+393331234567"),
            ("+39 (333) 123-4567", "+393331234567"),
            ("06 6982", "+39066982"),
            ("+33 1 42 68 53 00", "+33142685300"),
        ] {
            assert_eq!(normalize_phone(raw).ok().as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn invalid_phones_are_refused_with_the_text() {
        for raw in ["", "abc", "12", "0874 4291 ext 3", "+39 999", "333-12"] {
            let err = normalize_phone(raw).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("phone"), "{raw}: {err}");
        }
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(normalize_email(" Mario.Rossi@Example.IT ").ok().as_deref(), Some("mario.rossi@example.it"));
        for bad in ["", "mario", "mario@", "@example.it", "mario rossi@example.it", "mario@localhost"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_contact_needs_a_name_or_a_way_to_reach_it() {
        assert!(validate(&ContactInput::default()).is_err());
        let anon = ContactInput { phones: vec!["3331234567".into(), "+39 333 1234567".into()], ..Default::default() };
        let v = validate(&anon).ok();
        assert_eq!(v.as_ref().map(|v| v.phones.len()), Some(1), "duplicates removed");
        assert_eq!(v.map(|v| v.display_name()).as_deref(), Some("+393331234567"));
        let long = ContactInput { given_name: "x".repeat(MAX_NAME_CHARS + 1), ..Default::default() };
        assert!(validate(&long).err().map(|e| e.to_string()).unwrap_or_default().contains("given_name"));
    }
}
