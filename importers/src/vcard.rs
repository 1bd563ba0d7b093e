//! vCard 4.0 (RFC 6350) export of the organisation chart: one card per
//! office (`KIND:org`) and per person (`KIND:individual`), with names,
//! telephone numbers and extensions, e-mail addresses, titles and rooms.

use crate::error::{Error, Result};
use kb::{Kb, Office, Person};
use std::collections::HashMap;
use std::path::Path;

/// Escapes a text value (RFC 6350 §3.4): backslash, comma, semicolon and
/// line breaks.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded at 75 octets without splitting a
/// character (RFC 6350 §3.2), ended by CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn office_card(out: &mut String, kb: &Kb, o: &Office, names: &HashMap<String, String>) {
    line(out, "BEGIN:VCARD");
    line(out, "VERSION:4.0");
    line(out, "KIND:org");
    line(out, &format!("UID:{}", kb.office_iri(&o.code).as_str()));
    line(out, &format!("FN:{}", escape(&o.name)));
    // ORG lists the organisational units from the top down.
    let mut units = vec![escape(&o.name)];
    let mut parent = o.parent.clone();
    while let Some(p) = parent.take() {
        if units.len() > 16 {
            break;
        }
        if let Some(name) = names.get(&p) {
            units.push(escape(name));
        }
        parent = names.get(&format!("parent:{p}")).cloned();
    }
    units.reverse();
    line(out, &format!("ORG:{}", units.join(";")));
    if let Some(k) = &o.kind {
        line(out, &format!("X-CENTRALINO-STRUCTURE-TYPE:{}", escape(k)));
    }
    line(out, &format!("X-CENTRALINO-CODE:{}", escape(&o.code)));
    if let Some(e) = &o.email {
        line(out, &format!("EMAIL;TYPE=work;PREF=1:{}", escape(e)));
    }
    if let Some(e) = &o.pec {
        line(out, &format!("EMAIL;TYPE=work;PREF=2:{}", escape(e)));
    }
    if let Some(t) = &o.phone {
        line(out, &format!("TEL;VALUE=text;TYPE=\"work,voice\":{}", escape(t)));
    }
    if let Some(x) = &o.extension {
        line(out, &format!("TEL;VALUE=text;TYPE=\"work,voice\":{}", escape(x)));
    }
    if let Some(s) = &o.site {
        line(out, &format!("ADR;TYPE=work:;;{};;;;", escape(s)));
    }
    if let Some(h) = &o.head {
        line(out, &format!("NOTE:Responsabile: {}", escape(h)));
    }
    if let Some(c) = &o.competences {
        line(out, &format!("X-CENTRALINO-COMPETENCES:{}", escape(c)));
    }
    line(out, "END:VCARD");
}

fn person_card(out: &mut String, kb: &Kb, p: &Person, names: &HashMap<String, String>) {
    line(out, "BEGIN:VCARD");
    line(out, "VERSION:4.0");
    line(out, "KIND:individual");
    line(out, &format!("UID:{}", kb.person_iri(&p.staff_number).as_str()));
    line(out, &format!("FN:{}", escape(&p.full_name())));
    line(out, &format!("N:{};{};;;", escape(&p.family_name), escape(&p.given_name)));
    if let Some(name) = p.office.as_ref().and_then(|o| names.get(o)) {
        line(out, &format!("ORG:{}", escape(name)));
    }
    if let Some(t) = &p.title {
        line(out, &format!("TITLE:{}", escape(t)));
    }
    if let Some(f) = &p.functions {
        line(out, &format!("ROLE:{}", escape(f)));
    }
    if let Some(x) = &p.extension {
        line(out, &format!("TEL;VALUE=text;TYPE=\"work,voice\":{}", escape(x)));
    }
    if let Some(e) = &p.email {
        line(out, &format!("EMAIL;TYPE=work:{}", escape(e)));
    }
    if let Some(r) = &p.room {
        line(out, &format!("X-CENTRALINO-ROOM:{}", escape(r)));
    }
    line(out, &format!("X-CENTRALINO-STAFF-NUMBER:{}", escape(&p.staff_number)));
    line(out, "END:VCARD");
}

/// The organisation chart as vCard 4.0 text: offices first, then people.
pub fn vcard_text(kb: &Kb) -> Result<String> {
    let offices = kb.offices()?;
    let people = kb.people()?;
    let mut names: HashMap<String, String> = HashMap::new();
    for o in &offices {
        names.insert(o.code.clone(), o.name.clone());
        if let Some(p) = &o.parent {
            names.insert(format!("parent:{}", o.code), p.clone());
        }
    }
    let mut out = String::new();
    for o in &offices {
        office_card(&mut out, kb, o, &names);
    }
    for p in &people {
        person_card(&mut out, kb, p, &names);
    }
    Ok(out)
}

/// Writes the organisation chart to `path` as vCard 4.0; returns the
/// number of cards.
pub fn export_vcard(kb: &Kb, path: &Path) -> Result<usize> {
    let text = vcard_text(kb)?;
    std::fs::write(path, &text).map_err(|e| Error::io(path, e))?;
    Ok(text.matches("BEGIN:VCARD").count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("Via Roma 1, Campobasso; piano 2\nstanza\\3"), "Via Roma 1\\, Campobasso\\; piano 2\\nstanza\\\\3");
    }

    #[test]
    fn long_lines_are_folded_between_characters() {
        let mut out = String::new();
        let value = format!("NOTE:{}", "è".repeat(80));
        line(&mut out, &value);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), value);
    }
}
