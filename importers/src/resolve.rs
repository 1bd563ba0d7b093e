//! Finding what a file names by label: classification concepts (created
//! when missing), offices and people of the organisation chart (never
//! invented). Matching is case-, accent- and punctuation-insensitive.

use crate::headers::normalize;
use kb::{Actor, Kb, NewConcept, WriteTx};
use std::collections::HashMap;

/// The concepts of one scheme, by parent and by label.
#[derive(Clone)]
pub(crate) struct ConceptIndex {
    scheme: String,
    /// (IRI, parent IRI, normalised pref and alt labels, display label).
    concepts: Vec<(String, Option<String>, Vec<String>, String)>,
}

/// The result of resolving a category path.
pub(crate) struct Resolved {
    /// The concept's IRI.
    pub iri: String,
    /// Labels of concepts created on the way, as `A > B`.
    pub created: Vec<String>,
}

impl ConceptIndex {
    /// Loads the concepts of `scheme`.
    pub fn load(kb: &Kb, scheme: &str) -> kb::Result<Self> {
        let concepts = kb
            .concepts(Some(scheme))?
            .into_iter()
            .map(|c| {
                let mut labels = vec![normalize(&c.label)];
                labels.extend(c.label_en.iter().map(|l| normalize(l)));
                labels.extend(c.alt_labels.iter().map(|l| normalize(l)));
                (c.iri, c.broader, labels, c.label)
            })
            .collect();
        Ok(Self { scheme: scheme.to_owned(), concepts })
    }

    fn find(&self, parent: Option<&str>, label: &str) -> Option<&str> {
        let n = normalize(label);
        // Preferred labels first, then synonyms, so that a synonym of a
        // sibling does not shadow an exact name.
        let under = |c: &&(String, Option<String>, Vec<String>, String)| c.1.as_deref() == parent;
        self.concepts
            .iter()
            .filter(under)
            .find(|c| normalize(&c.3) == n)
            .or_else(|| self.concepts.iter().filter(under).find(|c| c.2.contains(&n)))
            .map(|c| c.0.as_str())
    }

    /// The label path of a concept, top first.
    pub fn path_of(&self, iri: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = Some(iri.to_owned());
        while let Some(c) = cur.take() {
            let Some(entry) = self.concepts.iter().find(|x| x.0 == c) else {
                break;
            };
            out.push(entry.3.clone());
            if out.len() > 32 {
                break;
            }
            cur = entry.1.clone();
        }
        out.reverse();
        out
    }

    /// Resolves a path of labels (top first) to a concept; with `create`,
    /// missing concepts are created under the scheme inside `w`. A first
    /// label that is no top concept may still name a deeper concept
    /// unambiguously (a sub-area written in the area column).
    pub fn resolve(&mut self, kb: &Kb, w: &mut WriteTx<'_>, actor: &Actor, path: &[String], create: bool) -> kb::Result<Option<Resolved>> {
        let mut parent: Option<String> = None;
        let mut created = Vec::new();
        let mut done: Vec<String> = Vec::new();
        for (i, label) in path.iter().enumerate() {
            let found = self.find(parent.as_deref(), label).map(str::to_owned).or_else(|| {
                if i > 0 {
                    return None;
                }
                let n = normalize(label);
                let hits: Vec<&str> = self.concepts.iter().filter(|c| c.2.contains(&n)).map(|c| c.0.as_str()).collect();
                (hits.len() == 1).then(|| hits[0].to_owned())
            });
            done.push(label.clone());
            let iri = match found {
                Some(iri) => iri,
                None if create => {
                    let iri = kb.create_concept_in(
                        w,
                        actor,
                        &NewConcept { scheme: self.scheme.clone(), parent: parent.clone(), label: label.clone(), ..Default::default() },
                    )?;
                    self.concepts.push((iri.clone(), parent.clone(), vec![normalize(label)], label.clone()));
                    created.push(done.join(" > "));
                    iri
                }
                None => return Ok(None),
            };
            parent = Some(iri);
        }
        Ok(parent.map(|iri| Resolved { iri, created }))
    }
}

/// How a name matched the organisation chart.
pub(crate) enum Match {
    /// One office or person: its code or staff number.
    One(String),
    /// Several: their codes or staff numbers.
    Ambiguous(Vec<String>),
    /// None.
    Unknown,
}

/// Offices and people by code and by name.
pub(crate) struct OrgIndex {
    offices: HashMap<String, Vec<String>>,
    office_codes: HashMap<String, String>,
    office_names: HashMap<String, String>,
    people: HashMap<String, Vec<String>>,
    staff_numbers: HashMap<String, String>,
    /// Extensions (and office phones) as digits, by IRI.
    pub phones: HashMap<String, Vec<String>>,
    person_names: HashMap<String, String>,
    /// The number to show for an office or person (extension first), by IRI.
    display: HashMap<String, String>,
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

impl OrgIndex {
    /// Loads the organisation chart.
    pub fn load(kb: &Kb) -> kb::Result<Self> {
        let mut ix = OrgIndex {
            offices: HashMap::new(),
            office_codes: HashMap::new(),
            office_names: HashMap::new(),
            people: HashMap::new(),
            staff_numbers: HashMap::new(),
            phones: HashMap::new(),
            person_names: HashMap::new(),
            display: HashMap::new(),
        };
        for o in kb.offices()? {
            ix.offices.entry(normalize(&o.name)).or_default().push(o.code.clone());
            ix.office_codes.insert(normalize(&o.code), o.code.clone());
            ix.office_names.insert(o.code.clone(), o.name.clone());
            let phones: Vec<String> = [&o.phone, &o.extension].into_iter().flatten().map(|p| digits(p)).filter(|p| !p.is_empty()).collect();
            let iri = kb.office_iri(&o.code).as_str().to_owned();
            if let Some(shown) = o.extension.clone().or_else(|| o.phone.clone()) {
                ix.display.insert(iri.clone(), shown);
            }
            ix.phones.insert(iri, phones);
        }
        for p in kb.people()? {
            let given = p.given_name.trim();
            let family = p.family_name.trim();
            for name in [format!("{given} {family}"), format!("{family} {given}")] {
                let list = ix.people.entry(normalize(&name)).or_default();
                if !list.contains(&p.staff_number) {
                    list.push(p.staff_number.clone());
                }
            }
            ix.staff_numbers.insert(normalize(&p.staff_number), p.staff_number.clone());
            ix.person_names.insert(p.staff_number.clone(), p.full_name());
            let iri = kb.person_iri(&p.staff_number).as_str().to_owned();
            if let Some(x) = &p.extension {
                ix.display.insert(iri.clone(), x.clone());
            }
            ix.phones.insert(iri, p.extension.iter().map(|x| digits(x)).collect());
        }
        Ok(ix)
    }

    /// An office by name or code.
    pub fn office(&self, text: &str) -> Match {
        let n = normalize(text);
        match self.offices.get(&n) {
            Some(v) if v.len() == 1 => Match::One(v[0].clone()),
            Some(v) => Match::Ambiguous(v.clone()),
            None => match self.office_codes.get(&n) {
                Some(c) => Match::One(c.clone()),
                None => Match::Unknown,
            },
        }
    }

    /// A person by "given family", "family given" or staff number; titles
    /// such as "Dott." are ignored.
    pub fn person(&self, text: &str) -> Match {
        let n = normalize(text);
        let stripped = n
            .split(' ')
            .filter(|w| !matches!(*w, "dott" | "dottssa" | "dott ssa" | "ing" | "avv" | "sig" | "sigra" | "arch" | "geom" | "rag" | "prof"))
            .collect::<Vec<_>>()
            .join(" ");
        match self.people.get(&n).or_else(|| self.people.get(&stripped)) {
            Some(v) if v.len() == 1 => Match::One(v[0].clone()),
            Some(v) => Match::Ambiguous(v.clone()),
            None => match self.staff_numbers.get(&n) {
                Some(c) => Match::One(c.clone()),
                None => Match::Unknown,
            },
        }
    }

    /// The name of an office, for exports: its name, or its code when
    /// another office has the same name (so that re-import finds it).
    pub fn office_label(&self, code: &str) -> String {
        match self.office_names.get(code) {
            Some(name) if self.offices.get(&normalize(name)).is_some_and(|v| v.len() == 1) => name.clone(),
            _ => code.to_owned(),
        }
    }

    /// The name of a person, for exports: "Given Family", or the staff
    /// number when the name is not unique.
    pub fn person_label(&self, staff_number: &str) -> String {
        match self.person_names.get(staff_number) {
            Some(name) if self.people.get(&normalize(name)).is_some_and(|v| v.len() == 1) => name.clone(),
            _ => staff_number.to_owned(),
        }
    }

    /// The number shown for an office or person (extension, else phone).
    pub fn display_phone(&self, iri: &str) -> Option<&str> {
        self.display.get(iri).map(String::as_str)
    }

    /// Whether `phone` (any punctuation) is among the numbers of `iri`.
    pub fn has_phone(&self, iri: &str, phone: &str) -> bool {
        let d = digits(phone);
        !d.is_empty() && self.phones.get(iri).is_some_and(|v| v.iter().any(|p| *p == d || p.ends_with(&d) || d.ends_with(p.as_str())))
    }
}
