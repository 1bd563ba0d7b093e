//! Attachments of tickets (CRM-3): e-mails (`.eml`, parsed: headers,
//! text, and their own attachments extracted), fax documents (PDF, TIFF),
//! voicemail audio (WAV, MP3), office documents, images and plain text.
//!
//! Contents are stored once, content-addressed by SHA-256, in `blobs/` of
//! the data directory (written to a temporary file and renamed, so a blob
//! is whole or absent); metadata lives in the `crm` graph. The type is
//! sniffed from the bytes (magic numbers, and an e-mail parser for
//! `.eml`), never trusted from the file name; anything else is refused.

use crate::error::{Error, Result, require};
use crate::ticket::local;
use crate::{Crm, now};
use chrono::{DateTime, Utc};
use kb::rdf::{Reader, lit, lit_datetime, lit_int, nn, term_datetime, term_value};
use kb::{Actor, Role};
use ontologies::vocab::{cc, dcterms, rdf, rdfs};
use oxigraph::model::{NamedNode, Quad, Term};
use serde::Serialize;
use sha2::Digest;
use std::io::Write;
use std::path::PathBuf;

/// Who may attach documents.
const ATTACHERS: &[Role] = &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Office, Role::Integration];

/// Default largest attachment, bytes.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// An attachment's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// Identifier.
    pub id: String,
    /// The ticket.
    pub ticket: String,
    /// File name as given (display only).
    pub name: String,
    /// MIME type sniffed from the contents.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the contents (hex).
    pub sha256: String,
    /// Uploaded at.
    pub created: DateTime<Utc>,
    /// Uploaded by.
    pub creator: String,
    /// For a part of an e-mail: the e-mail's attachment id.
    pub part_of: Option<String>,
    /// For an e-mail: subject, sender, date and text.
    pub email: Option<EmailSummary>,
}

/// What an `.eml` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailSummary {
    /// Subject.
    pub subject: String,
    /// Sender address.
    pub from: String,
    /// Date header (RFC 3339), if any.
    pub date: Option<String>,
    /// The text body.
    pub text: String,
}

/// How a page may show a type.
pub fn inline_kind(mime: &str) -> &'static str {
    match mime {
        "application/pdf" => "pdf",
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" => "image",
        "audio/x-wav" | "audio/wav" | "audio/mpeg" | "audio/ogg" => "audio",
        "message/rfc822" => "email",
        "text/plain" => "text",
        _ => "download",
    }
}

/// The accepted types, for the error message.
const ACCEPTED: &str =
    "PDF, TIFF, PNG/JPEG/GIF/WebP images, WAV/MP3/OGG audio, office documents (Word, Excel, OpenDocument), e-mail (.eml), plain text";

/// The MIME type of `bytes`, or a refusal naming what was found.
pub fn sniff(bytes: &[u8]) -> Result<String> {
    if let Some(t) = infer::get(bytes) {
        let mime = t.mime_type();
        let ok = matches!(
            mime,
            "application/pdf"
                | "image/tiff"
                | "image/png"
                | "image/jpeg"
                | "image/gif"
                | "image/webp"
                | "audio/x-wav"
                | "audio/mpeg"
                | "audio/ogg"
                | "application/msword"
                | "application/vnd.ms-excel"
                | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
                | "application/vnd.oasis.opendocument.text"
                | "application/vnd.oasis.opendocument.spreadsheet"
        );
        if ok {
            return Ok(mime.to_owned());
        }
        return Err(Error::invalid("attachment", format!("type {mime} is not accepted; accepted: {ACCEPTED}")));
    }
    // Text: an e-mail if it parses as one with headers, else plain text,
    // but never markup a browser would run.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(Error::invalid("attachment", format!("unrecognised binary contents; accepted: {ACCEPTED}")));
    };
    if text.contains('\0') {
        return Err(Error::invalid("attachment", "unrecognised contents (NUL bytes in text)"));
    }
    let head = text.get(..text.len().min(4096)).unwrap_or(text).to_ascii_lowercase();
    if head.contains("<html") || head.contains("<script") || head.contains("<svg") || head.contains("<!doctype") {
        return Err(Error::invalid("attachment", "HTML and SVG documents are not accepted (they can carry scripts)"));
    }
    if looks_like_email(text)
        && let Some(m) = mail_parser::MessageParser::default().parse(bytes)
        && (m.subject().is_some() || m.from().is_some())
    {
        return Ok("message/rfc822".into());
    }
    Ok("text/plain".into())
}

fn looks_like_email(text: &str) -> bool {
    let head: Vec<&str> = text.lines().take(40).collect();
    let has = |h: &str| head.iter().any(|l| l.len() > h.len() && l[..h.len()].eq_ignore_ascii_case(h));
    (has("From:") || has("Received:") || has("Return-Path:")) && (has("Subject:") || has("Date:") || has("MIME-Version:"))
}

/// Parses an e-mail: its summary and its attachments (name, bytes).
pub fn parse_email(bytes: &[u8]) -> Option<(EmailSummary, Vec<(String, Vec<u8>)>)> {
    use mail_parser::MimeHeaders;
    let m = mail_parser::MessageParser::default().parse(bytes)?;
    let from = m.from().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned();
    let summary = EmailSummary {
        subject: m.subject().unwrap_or_default().to_owned(),
        from,
        date: m.date().map(|d| d.to_rfc3339()),
        text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
    };
    let parts = m
        .attachments()
        .enumerate()
        .map(|(i, p)| (p.attachment_name().map(str::to_owned).unwrap_or_else(|| format!("allegato-{}", i + 1)), p.contents().to_vec()))
        .collect();
    Some((summary, parts))
}

fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.trim().is_empty() { "allegato".into() } else { cleaned.trim().to_owned() }
}

impl Crm {
    fn blob_dir(&self) -> PathBuf {
        self.kb().data_dir().join("blobs")
    }

    fn blob_path(&self, sha: &str) -> PathBuf {
        self.blob_dir().join(&sha[..2]).join(sha)
    }

    /// Writes `bytes` content-addressed; returns the SHA-256 (hex).
    fn store_blob(&self, bytes: &[u8]) -> Result<String> {
        let sha: String = sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
        let path = self.blob_path(&sha);
        if path.exists() {
            return Ok(sha);
        }
        let io = |e: std::io::Error| Error::Kb(kb::Error::Io { path: path.clone(), source: e });
        let dir = path.parent().map(PathBuf::from).unwrap_or_else(|| self.blob_dir());
        std::fs::create_dir_all(&dir).map_err(io)?;
        let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(sha)
    }

    fn attachment_iri(&self, id: &str) -> NamedNode {
        self.kb().iri(&format!("id/attachment/{id}"))
    }

    /// Attaches a document to a ticket. E-mails are parsed and their own
    /// attachments added as parts (each checked like any upload).
    pub fn attach(&self, actor: &Actor, ticket: &str, name: &str, bytes: &[u8]) -> Result<Attachment> {
        require(actor, "attach documents", ATTACHERS)?;
        let max = self.inner.config.max_attachment_bytes;
        if bytes.len() > max {
            return Err(Error::invalid("attachment", format!("{} is {} bytes; the limit is {max} bytes", clean_name(name), bytes.len())));
        }
        if bytes.is_empty() {
            return Err(Error::invalid("attachment", format!("{} is empty", clean_name(name))));
        }
        let t = self.read_ticket(self.kb().store(), ticket)?;
        self.may_read(actor, &t)?;
        let mime = sniff(bytes)?;
        let email = if mime == "message/rfc822" { parse_email(bytes) } else { None };
        // Check every part before writing anything.
        let mut parts = Vec::new();
        if let Some((_, found)) = &email {
            for (pname, pbytes) in found {
                match sniff(pbytes) {
                    Ok(pm) if !pbytes.is_empty() && pbytes.len() <= max => parts.push((clean_name(pname), pm, pbytes.clone())),
                    // A part that is not accepted stays inside the .eml, downloadable with it.
                    _ => tracing::info!(ticket = %t.id, part = %pname, "e-mail part not extracted (type or size)"),
                }
            }
        }
        let main_sha = self.store_blob(bytes)?;
        let mut part_shas = Vec::new();
        for (_, _, pb) in &parts {
            part_shas.push(self.store_blob(pb)?);
        }
        let at = now();
        let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
        let summary = email.map(|(s, _)| s);
        let main = Attachment {
            id: id.clone(),
            ticket: t.id.clone(),
            name: clean_name(name),
            mime: mime.clone(),
            size: bytes.len() as u64,
            sha256: main_sha,
            created: at,
            creator: actor.username.clone(),
            part_of: None,
            email: summary,
        };
        let mut all = vec![main.clone()];
        for ((pname, pmime, pbytes), sha) in parts.into_iter().zip(part_shas) {
            all.push(Attachment {
                id: uuid::Uuid::new_v4().simple().to_string()[..16].to_owned(),
                ticket: t.id.clone(),
                name: pname,
                mime: pmime,
                size: pbytes.len() as u64,
                sha256: sha,
                created: at,
                creator: actor.username.clone(),
                part_of: Some(id.clone()),
                email: None,
            });
        }
        let g = self.graph();
        self.write(|w| {
            for a in &all {
                let s = self.attachment_iri(&a.id);
                let mut add = |p: &'static str, o: Term| w.insert(&Quad::new(s.clone(), nn(p), o, g.clone()));
                add(rdf::TYPE, nn(cc::ATTACHMENT).into_owned().into());
                add(cc::ON_TICKET, self.ticket_iri(&a.ticket).into());
                add(dcterms::TITLE, lit(&a.name).into());
                add(dcterms::FORMAT, lit(&a.mime).into());
                add(cc::BYTE_SIZE, lit_int(a.size).into());
                add(cc::SHA256, lit(&a.sha256).into());
                add(dcterms::CREATED, lit_datetime(a.created).into());
                add(dcterms::CREATOR, self.kb().agent_iri(&a.creator).into());
                if let Some(p) = &a.part_of {
                    add(dcterms::IS_PART_OF, self.attachment_iri(p).into());
                }
                if let Some(e) = &a.email {
                    add(cc::EMAIL_SUBJECT, lit(&e.subject).into());
                    add(cc::EMAIL_FROM, lit(&e.from).into());
                    if let Some(d) = &e.date {
                        add(cc::EMAIL_DATE, lit(d).into());
                    }
                    add(rdfs::COMMENT, lit(&e.text.chars().take(crate::ticket::MAX_TEXT_CHARS).collect::<String>()).into());
                }
            }
            Ok(())
        })?;
        self.act(actor, &t.id, None, crate::Action::Note { text: format!("Allegato {} ({})", main.name, main.mime) })?;
        Ok(main)
    }

    fn read_attachment(&self, r: &impl Reader, id: &str) -> Result<Option<Attachment>> {
        let quads = r.quads(Some(self.attachment_iri(id).as_ref().into()), None, None, Some(self.graph().as_ref().into()))?;
        if !quads.iter().any(|q| q.predicate.as_str() == rdf::TYPE && term_value(&q.object) == cc::ATTACHMENT) {
            return Ok(None);
        }
        let mut a = Attachment {
            id: id.to_owned(),
            ticket: String::new(),
            name: String::new(),
            mime: String::new(),
            size: 0,
            sha256: String::new(),
            created: now(),
            creator: String::new(),
            part_of: None,
            email: None,
        };
        let mut email = EmailSummary { subject: String::new(), from: String::new(), date: None, text: String::new() };
        let mut is_email = false;
        for q in &quads {
            let v = term_value(&q.object);
            match q.predicate.as_str() {
                cc::ON_TICKET => a.ticket = local(v).to_owned(),
                dcterms::TITLE => a.name = v.to_owned(),
                dcterms::FORMAT => a.mime = v.to_owned(),
                cc::BYTE_SIZE => a.size = v.parse().unwrap_or(0),
                cc::SHA256 => a.sha256 = v.to_owned(),
                dcterms::CREATED => a.created = term_datetime(&q.object).unwrap_or(a.created),
                dcterms::CREATOR => a.creator = local(v).to_owned(),
                dcterms::IS_PART_OF => a.part_of = Some(local(v).to_owned()),
                cc::EMAIL_SUBJECT => {
                    email.subject = v.to_owned();
                    is_email = true;
                }
                cc::EMAIL_FROM => email.from = v.to_owned(),
                cc::EMAIL_DATE => email.date = Some(v.to_owned()),
                rdfs::COMMENT => email.text = v.to_owned(),
                _ => {}
            }
        }
        if is_email {
            a.email = Some(email);
        }
        Ok(Some(a))
    }

    /// The attachments of a ticket, oldest first (parts after their e-mail).
    pub fn attachments(&self, actor: &Actor, ticket: &str) -> Result<Vec<Attachment>> {
        let t = self.read_ticket(self.kb().store(), ticket)?;
        self.may_read(actor, &t)?;
        let store = self.kb().store();
        let mut out = Vec::new();
        for id in self.on_ticket(store, &t.id, "attachment")? {
            out.extend(self.read_attachment(store, &id)?);
        }
        out.sort_by(|a, b| {
            a.created.cmp(&b.created).then_with(|| a.part_of.is_some().cmp(&b.part_of.is_some())).then_with(|| a.name.cmp(&b.name))
        });
        Ok(out)
    }

    /// An attachment's metadata and contents, for a user who may read its ticket.
    pub fn attachment(&self, actor: &Actor, ticket: &str, id: &str) -> Result<(Attachment, Vec<u8>)> {
        crate::validate_contact_id(id).map_err(|_| Error::not_found("attachment", id))?;
        let t = self.read_ticket(self.kb().store(), ticket)?;
        self.may_read(actor, &t)?;
        let a =
            self.read_attachment(self.kb().store(), id)?.filter(|a| a.ticket == t.id).ok_or_else(|| Error::not_found("attachment", id))?;
        let path = self.blob_path(&a.sha256);
        let bytes = std::fs::read(&path).map_err(|e| Error::Kb(kb::Error::Io { path, source: e }))?;
        self.record_view(actor, &self.attachment_iri(id))?;
        Ok((a, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_sniffed_from_the_bytes_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.4\n%...").ok().as_deref(), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").ok().as_deref(), Some("image/png"));
        let mut wav = b"RIFF\x24\0\0\0WAVEfmt ".to_vec();
        wav.extend_from_slice(&[0u8; 32]);
        assert_eq!(sniff(&wav).ok().as_deref(), Some("audio/x-wav"));
        assert_eq!(sniff(b"II*\0\x08\0\0\0\x0e\0\0\x01\x03\0\x01\0\0\0").ok().as_deref(), Some("image/tiff"));
        assert_eq!(sniff("Buongiorno, allego la richiesta.".as_bytes()).ok().as_deref(), Some("text/plain"));
        let eml = b"From: Mario Rossi <mario@example.it>\r\nTo: urp@regione.example\r\nSubject: Bollo auto\r\nDate: Thu, 26 Nov 2026 10:00:00 +0100\r\n\r\nQuando scade il bollo?\r\n";
        assert_eq!(sniff(eml).ok().as_deref(), Some("message/rfc822"));
    }

    #[test]
    fn dangerous_or_unknown_types_are_refused() {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        assert!(sniff(exe).err().map(|e| e.to_string()).unwrap_or_default().contains("not accepted"));
        assert!(sniff(b"<html><script>alert(1)</script></html>").is_err());
        assert!(sniff(b"<?xml version=\"1.0\"?><svg onload=\"alert(1)\"></svg>").is_err());
        assert!(sniff(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]).is_err());
        assert!(sniff(b"PK\x03\x04\x14\0\0\0\0\0").is_err(), "a plain zip archive");
    }

    #[test]
    fn emails_are_parsed_with_their_attachments() {
        let eml = concat!(
            "From: Anna Verdi <anna@example.it>\r\n",
            "Subject: Domanda contributo\r\n",
            "Date: Thu, 26 Nov 2026 10:00:00 +0100\r\n",
            "MIME-Version: 1.0\r\n",
            "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n",
            "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAllego la domanda firmata.\r\n",
            "--XX\r\nContent-Type: application/pdf; name=\"domanda.pdf\"\r\nContent-Disposition: attachment; filename=\"domanda.pdf\"\r\n",
            "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJeLjz9MK\r\n--XX--\r\n"
        );
        let (summary, parts) = parse_email(eml.as_bytes()).unwrap_or_else(|| unreachable!());
        assert_eq!(summary.subject, "Domanda contributo");
        assert_eq!(summary.from, "anna@example.it");
        assert!(summary.text.contains("Allego la domanda"));
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].0, "domanda.pdf");
        assert!(parts[0].1.starts_with(b"%PDF"));
    }

    #[test]
    fn names_are_cleaned_for_display() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\fax.pdf"), "fax.pdf");
        assert_eq!(clean_name("\u{0}\n"), "allegato");
    }
}
