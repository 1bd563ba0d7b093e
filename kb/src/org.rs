//! The organisation chart (KB-17): offices as W3C ORG organisational
//! units with their hierarchy, people as vCard individuals with their
//! functions and extensions, in the `org` graph. Every change is a
//! `cc:Change` activity in `audit` with a snapshot of what it replaced.

use crate::activity::ActivityRecord;
use crate::concepts::snapshot;
use crate::error::{Error, Result};
use crate::rdf::{Reader, lit, lit_lang, nn, term_value};
use crate::roles::{Actor, Graph, Role};
use crate::store::Kb;
use crate::write::WriteTx;
use chrono::Utc;
use ontologies::vocab::{cc, dcterms, org, rdf, skos, vcard};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// An office (structure) of the administration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Office {
    /// Code in the organisation chart (e.g. `DIP1-SERV2`).
    pub code: String,
    /// Name.
    pub name: String,
    /// Type: Dipartimento, Servizio, Ufficio...
    pub kind: Option<String>,
    /// Code of the parent structure.
    pub parent: Option<String>,
    /// Name of the head.
    pub head: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Certified e-mail (PEC).
    pub pec: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
    /// Telephone extension.
    pub extension: Option<String>,
    /// Seat / address / room.
    pub site: Option<String>,
    /// What the office is competent for (searchable text).
    pub competences: Option<String>,
}

/// A person of the organisation chart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    /// Staff number ("matricola").
    pub staff_number: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Code of the office the person belongs to.
    pub office: Option<String>,
    /// Job title ("qualifica").
    pub title: Option<String>,
    /// What the person does (searchable text).
    pub functions: Option<String>,
    /// Telephone extension.
    pub extension: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Room.
    pub room: Option<String>,
}

impl Person {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name.trim(), self.family_name.trim()).trim().to_owned()
    }
}

fn check_code(field: &str, code: &str) -> Result<()> {
    if code.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if code.len() > 64 || !code.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(Error::invalid(field, format!("{code:?} may hold only letters, digits, '-', '_' and '.'")));
    }
    Ok(())
}

fn opt(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn check_email(field: &str, v: Option<&str>) -> Result<()> {
    if let Some(e) = v {
        let ok = e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !e.contains(char::is_whitespace));
        if !ok {
            return Err(Error::invalid(field, format!("{e:?} is not an e-mail address")));
        }
    }
    Ok(())
}

/// A `tel:` IRI for a phone number, keeping digits and a leading `+`.
fn tel_iri(phone: &str) -> Option<NamedNode> {
    let mut s = String::new();
    for (i, c) in phone.trim().chars().enumerate() {
        if c.is_ascii_digit() || (i == 0 && c == '+') {
            s.push(c);
        }
    }
    (s.len() >= 3).then(|| NamedNode::new_unchecked(format!("tel:{s}")))
}

impl Kb {
    /// The IRI of office `code`.
    pub fn office_iri(&self, code: &str) -> NamedNode {
        self.iri(&format!("id/office/{code}"))
    }

    /// The IRI of person `staff_number`.
    pub fn person_iri(&self, staff_number: &str) -> NamedNode {
        self.iri(&format!("id/person/{staff_number}"))
    }

    fn org_graph(&self) -> NamedNode {
        self.graph(Graph::Org).into_owned()
    }

    /// Creates or replaces an office. The parent must exist and may not be
    /// the office itself or one of its sub-offices.
    /// Returns whether anything changed.
    pub fn upsert_office(&self, actor: &Actor, office: &Office) -> Result<bool> {
        actor.require("edit the organisation chart", &[Role::Admin])?;
        self.write(|w| self.upsert_office_in(w, actor, office))
    }

    /// Inside a write: creates or replaces an office (see [`Kb::upsert_office`]).
    pub fn upsert_office_in(&self, w: &mut WriteTx<'_>, actor: &Actor, o: &Office) -> Result<bool> {
        let code = o.code.trim();
        check_code("code", code)?;
        if o.name.trim().is_empty() {
            return Err(Error::MissingField { field: "name" });
        }
        check_email("email", opt(&o.email))?;
        check_email("pec", opt(&o.pec))?;
        let iri = self.office_iri(code);
        let g = self.org_graph();
        let parent = match opt(&o.parent) {
            Some(p) => {
                let piri = self.office_iri(p);
                if !w.has(piri.as_ref(), rdf::TYPE, nn(org::ORGANIZATIONAL_UNIT).into(), g.as_ref())? {
                    return Err(Error::not_found("office", p));
                }
                let mut cur = Some(piri.clone());
                let mut hops = 0;
                while let Some(c) = cur {
                    if c == iri {
                        return Err(Error::Cycle { id: code.into(), parent: p.into() });
                    }
                    hops += 1;
                    cur = match w.object(c.as_ref(), org::SUB_ORGANIZATION_OF, g.as_ref())? {
                        Some(Term::NamedNode(n)) if hops < 64 => Some(n),
                        _ => None,
                    };
                }
                Some(piri)
            }
            None => None,
        };
        let mut new: Vec<Quad> = Vec::new();
        let mut add = |p: &'static str, v: Term| new.push(Quad::new(iri.clone(), nn(p), v, g.clone()));
        add(rdf::TYPE, nn(org::ORGANIZATIONAL_UNIT).into_owned().into());
        add(cc::STRUCTURE_CODE, lit(code).into());
        add(skos::PREF_LABEL, lit_lang(o.name.trim(), "it").into());
        if let Some(k) = opt(&o.kind) {
            add(cc::STRUCTURE_TYPE, lit(k).into());
        }
        if let Some(p) = parent {
            add(org::SUB_ORGANIZATION_OF, p.into());
        }
        if let Some(h) = opt(&o.head) {
            add(dcterms::DESCRIPTION, lit_lang(&format!("Responsabile: {h}"), "it").into());
        }
        if let Some(e) = opt(&o.email) {
            add(vcard::HAS_EMAIL, NamedNode::new_unchecked(format!("mailto:{e}")).into());
        }
        if let Some(e) = opt(&o.pec) {
            add(vcard::HAS_EMAIL, NamedNode::new_unchecked(format!("mailto:{e}")).into());
            add(vcard::NOTE, lit(&format!("PEC: {e}")).into());
        }
        if let Some(t) = opt(&o.phone).and_then(tel_iri) {
            add(vcard::HAS_TELEPHONE, t.into());
        }
        if let Some(x) = opt(&o.extension) {
            add(cc::EXTENSION, lit(x).into());
        }
        if let Some(s) = opt(&o.site) {
            add(cc::ROOM, lit(s).into());
        }
        if let Some(c) = opt(&o.competences) {
            add(cc::COMPETENCES, lit_lang(c, "it").into());
        }
        self.replace_description(w, actor, "office", &iri, new)
    }

    /// Replaces the description of `iri` with `new` unless it is the same;
    /// returns whether it changed.
    fn replace_description(&self, w: &mut WriteTx<'_>, actor: &Actor, kind: &str, iri: &NamedNode, new: Vec<Quad>) -> Result<bool> {
        let before = w.quads(Some(iri.as_ref().into()), None, None, Some(self.graph(Graph::Org).into()))?;
        let old: HashSet<&Quad> = before.iter().collect();
        if old == new.iter().collect::<HashSet<&Quad>>() {
            return Ok(false);
        }
        for q in &before {
            w.remove(q);
        }
        w.extend(new.iter());
        let action = if before.is_empty() { format!("create-{kind}") } else { format!("update-{kind}") };
        self.record_org_change(w, actor, &action, iri, &before);
        Ok(true)
    }

    fn record_org_change(&self, w: &mut WriteTx<'_>, actor: &Actor, kind: &str, about: &NamedNode, before: &[Quad]) {
        self.record_activity(
            w,
            actor,
            Utc::now(),
            ActivityRecord {
                class: cc::CHANGE,
                kind,
                about,
                about_property: cc::ON_RESOURCE,
                comment: None,
                used: None,
                from: None,
                to: None,
                snapshot: (!before.is_empty()).then(|| snapshot(before)),
            },
        );
    }

    /// Creates or replaces a person. The office must exist.
    /// Returns whether anything changed.
    pub fn upsert_person(&self, actor: &Actor, person: &Person) -> Result<bool> {
        actor.require("edit the organisation chart", &[Role::Admin])?;
        self.write(|w| self.upsert_person_in(w, actor, person))
    }

    /// Inside a write: creates or replaces a person (see [`Kb::upsert_person`]).
    pub fn upsert_person_in(&self, w: &mut WriteTx<'_>, actor: &Actor, p: &Person) -> Result<bool> {
        let number = p.staff_number.trim();
        check_code("staff_number", number)?;
        if p.family_name.trim().is_empty() && p.given_name.trim().is_empty() {
            return Err(Error::MissingField { field: "family_name" });
        }
        check_email("email", opt(&p.email))?;
        let iri = self.person_iri(number);
        let g = self.org_graph();
        let office = match opt(&p.office) {
            Some(code) => {
                let o = self.office_iri(code);
                if !w.has(o.as_ref(), rdf::TYPE, nn(org::ORGANIZATIONAL_UNIT).into(), g.as_ref())? {
                    return Err(Error::not_found("office", code));
                }
                Some(o)
            }
            None => None,
        };
        let mut new: Vec<Quad> = Vec::new();
        let mut add = |pr: &'static str, v: Term| new.push(Quad::new(iri.clone(), nn(pr), v, g.clone()));
        add(rdf::TYPE, nn(vcard::INDIVIDUAL).into_owned().into());
        add(cc::STAFF_NUMBER, lit(number).into());
        add(vcard::FN, lit(&p.full_name()).into());
        if !p.given_name.trim().is_empty() {
            add(vcard::GIVEN_NAME, lit(p.given_name.trim()).into());
        }
        if !p.family_name.trim().is_empty() {
            add(vcard::FAMILY_NAME, lit(p.family_name.trim()).into());
        }
        if let Some(o) = office {
            add(org::MEMBER_OF, o.into());
        }
        if let Some(t) = opt(&p.title) {
            add(vcard::TITLE, lit(t).into());
        }
        if let Some(f) = opt(&p.functions) {
            add(cc::FUNCTIONS, lit_lang(f, "it").into());
        }
        if let Some(x) = opt(&p.extension) {
            add(cc::EXTENSION, lit(x).into());
        }
        if let Some(e) = opt(&p.email) {
            add(vcard::HAS_EMAIL, NamedNode::new_unchecked(format!("mailto:{e}")).into());
        }
        if let Some(r) = opt(&p.room) {
            add(cc::ROOM, lit(r).into());
        }
        self.replace_description(w, actor, "person", &iri, new)
    }

    /// Deletes an office that has no sub-offices, members or items.
    pub fn delete_office(&self, actor: &Actor, code: &str) -> Result<()> {
        actor.require("edit the organisation chart", &[Role::Admin])?;
        self.write(|w| {
            let iri = self.office_iri(code);
            let g = self.org_graph();
            if !w.describes(iri.as_ref(), g.as_ref())? {
                return Err(Error::not_found("office", code));
            }
            let mut count = 0;
            for (p, graph) in [
                (org::SUB_ORGANIZATION_OF, Graph::Org),
                (org::MEMBER_OF, Graph::Org),
                (cc::COMPETENT_OFFICE, Graph::KbPublished),
                (cc::COMPETENT_OFFICE, Graph::KbWorkspace),
            ] {
                count += w.quads(None, Some(nn(p)), Some(iri.as_ref().into()), Some(self.graph(graph).into()))?.len();
            }
            if count > 0 {
                return Err(Error::InUse { kind: "office", id: code.into(), count });
            }
            let before = w.remove_subject(iri.as_ref(), g.as_ref())?;
            self.record_org_change(w, actor, "delete-office", &iri, &before);
            Ok(())
        })
    }

    /// Deletes a person who is not the contact of any item.
    pub fn delete_person(&self, actor: &Actor, staff_number: &str) -> Result<()> {
        actor.require("edit the organisation chart", &[Role::Admin])?;
        self.write(|w| {
            let iri = self.person_iri(staff_number);
            let g = self.org_graph();
            if !w.describes(iri.as_ref(), g.as_ref())? {
                return Err(Error::not_found("person", staff_number));
            }
            let mut count = 0;
            for graph in [Graph::KbPublished, Graph::KbWorkspace] {
                count += w.quads(None, Some(nn(cc::CONTACT_PERSON)), Some(iri.as_ref().into()), Some(self.graph(graph).into()))?.len();
            }
            if count > 0 {
                return Err(Error::InUse { kind: "person", id: staff_number.into(), count });
            }
            let before = w.remove_subject(iri.as_ref(), g.as_ref())?;
            self.record_org_change(w, actor, "delete-person", &iri, &before);
            Ok(())
        })
    }

    /// Reads an office by IRI.
    pub fn office_by_iri(&self, iri: &str) -> Result<Option<Office>> {
        let n = crate::rdf::parse_iri("office", iri)?;
        let quads = self.store().quads(Some(n.as_ref().into()), None, None, Some(self.graph(Graph::Org).into()))?;
        if quads.is_empty() {
            return Ok(None);
        }
        let mut o = Office::default();
        for q in &quads {
            let v = term_value(&q.object);
            match q.predicate.as_str() {
                cc::STRUCTURE_CODE => o.code = v.into(),
                skos::PREF_LABEL => o.name = v.into(),
                cc::STRUCTURE_TYPE => o.kind = Some(v.into()),
                org::SUB_ORGANIZATION_OF => o.parent = v.rsplit('/').next().map(Into::into),
                dcterms::DESCRIPTION => o.head = v.strip_prefix("Responsabile: ").map(Into::into),
                vcard::HAS_EMAIL => {
                    let mail = v.trim_start_matches("mailto:").to_owned();
                    let is_pec = quads.iter().any(|x| term_value(&x.object) == format!("PEC: {mail}"));
                    if is_pec { o.pec = Some(mail) } else { o.email = Some(mail) }
                }
                vcard::HAS_TELEPHONE => o.phone = Some(v.trim_start_matches("tel:").into()),
                cc::EXTENSION => o.extension = Some(v.into()),
                cc::ROOM => o.site = Some(v.into()),
                cc::COMPETENCES => o.competences = Some(v.into()),
                _ => {}
            }
        }
        Ok(Some(o))
    }

    /// Reads a person by IRI.
    pub fn person_by_iri(&self, iri: &str) -> Result<Option<Person>> {
        let n = crate::rdf::parse_iri("person", iri)?;
        let quads = self.store().quads(Some(n.as_ref().into()), None, None, Some(self.graph(Graph::Org).into()))?;
        if quads.is_empty() {
            return Ok(None);
        }
        let mut p = Person::default();
        for q in &quads {
            let v = term_value(&q.object);
            match q.predicate.as_str() {
                cc::STAFF_NUMBER => p.staff_number = v.into(),
                vcard::GIVEN_NAME => p.given_name = v.into(),
                vcard::FAMILY_NAME => p.family_name = v.into(),
                org::MEMBER_OF => p.office = v.rsplit('/').next().map(Into::into),
                vcard::TITLE => p.title = Some(v.into()),
                cc::FUNCTIONS => p.functions = Some(v.into()),
                cc::EXTENSION => p.extension = Some(v.into()),
                vcard::HAS_EMAIL => p.email = Some(v.trim_start_matches("mailto:").into()),
                cc::ROOM => p.room = Some(v.into()),
                _ => {}
            }
        }
        Ok(Some(p))
    }

    /// Every office, sorted by code.
    pub fn offices(&self) -> Result<Vec<Office>> {
        self.list_typed(org::ORGANIZATIONAL_UNIT, |iri| self.office_by_iri(iri), |o| o.code.clone())
    }

    /// Every person, sorted by staff number.
    pub fn people(&self) -> Result<Vec<Person>> {
        self.list_typed(vcard::INDIVIDUAL, |iri| self.person_by_iri(iri), |p| p.staff_number.clone())
    }

    fn list_typed<T>(&self, class: &'static str, read: impl Fn(&str) -> Result<Option<T>>, key: impl Fn(&T) -> String) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for q in self.store().quads(None, Some(nn(rdf::TYPE)), Some(nn(class).into()), Some(self.graph(Graph::Org).into()))? {
            if let NamedOrBlankNode::NamedNode(n) = q.subject
                && let Some(x) = read(n.as_str())?
            {
                out.push(x);
            }
        }
        out.sort_by_key(|x| key(x));
        Ok(out)
    }
}
