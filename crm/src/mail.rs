//! Outgoing e-mail (CRM-8, CRM-10): the messages of the incomplete-request
//! flow and KB forms sent to citizens, rendered from minijinja templates,
//! queued in the `crm` graph in the same transaction as the ticket step
//! that causes them (so none is lost), and delivered through SMTP (lettre)
//! to the administration's mail server by a background sender that
//! retries failures. Each message keeps its delivery outcome.

use crate::error::{Error, Result, require};
use crate::ticket::local;
use crate::{Crm, now};
use chrono::{DateTime, Duration, Utc};
use kb::rdf::{Reader, lit, lit_datetime, lit_int, nn, term_datetime, term_value};
use kb::{Actor, Role};
use lettre::Transport;
use ontologies::vocab::{cc, dcterms, rdf, vcard};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use serde::{Deserialize, Serialize};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain SMTP (a relay on the local network, or tests).
    None,
    /// STARTTLS on the submission port (587), the usual case.
    #[default]
    Starttls,
    /// Implicit TLS (port 465).
    Tls,
}

/// The SMTP settings (`[crm.mail]` in `centralino.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// SMTP server host name; empty: messages are queued, not sent.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Connection security.
    pub tls: TlsMode,
    /// User name (empty: no authentication).
    pub username: String,
    /// Password.
    pub password: String,
    /// Sender address of the service.
    pub from: String,
    /// Attempts before a message is marked failed.
    pub max_attempts: u32,
    /// Seconds between attempts (doubled after each failure, at most an hour).
    pub retry_secs: u64,
    /// Connection timeout, seconds.
    pub timeout_secs: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            tls: TlsMode::Starttls,
            username: String::new(),
            password: String::new(),
            from: "Contact Center Regione <contactcenter@regione.example>".into(),
            max_attempts: 10,
            retry_secs: 60,
            timeout_secs: 15,
        }
    }
}

/// What a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Asks an offline requester for the missing data and a phone number.
    DataRequest,
    /// The request is still incomplete: invites the citizen to call.
    FinalInvitation,
    /// Forms and documents of a knowledge item.
    KbForms,
}

impl MessageKind {
    fn as_str(self) -> &'static str {
        match self {
            MessageKind::DataRequest => "data_request",
            MessageKind::FinalInvitation => "final_invitation",
            MessageKind::KbForms => "kb_forms",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [MessageKind::DataRequest, MessageKind::FinalInvitation, MessageKind::KbForms].into_iter().find(|k| k.as_str() == s)
    }
}

/// Delivery state of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Waiting to be sent (or to be retried).
    Pending,
    /// Accepted by the SMTP server.
    Sent,
    /// Gave up after the configured attempts (can be retried by hand).
    Failed,
}

impl Delivery {
    fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "sent" => Delivery::Sent,
            "failed" => Delivery::Failed,
            _ => Delivery::Pending,
        }
    }
}

/// A message of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutgoingMessage {
    /// Identifier.
    pub id: String,
    /// The ticket.
    pub ticket: String,
    /// What for.
    pub kind: MessageKind,
    /// Recipient address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Queued at.
    pub created: DateTime<Utc>,
    /// Delivery state.
    pub delivery: Delivery,
    /// Attempts made.
    pub attempts: u32,
    /// Last error from the server.
    pub last_error: Option<String>,
    /// Next attempt.
    pub next_attempt: Option<DateTime<Utc>>,
    /// Accepted by the server at.
    pub sent_at: Option<DateTime<Utc>>,
}

/// The default templates: (kind, subject, body). Variables: `ticket`,
/// `name`, `comment`, `items` (title, forms, links).
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "data_request",
        "Richiesta {{ ticket }}: ci servono alcune informazioni",
        "Gentile {{ name or \"utente\" }},\n\nabbiamo ricevuto la sua richiesta, registrata con il numero {{ ticket }}.\nPer poterla prendere in carico ci servono le informazioni seguenti:\n\n{{ comment or \"i dati necessari per individuare la pratica\" }}\n\nLe chiediamo di rispondere a questo messaggio indicando anche un numero di telefono al quale possiamo richiamarla.\n\nCordiali saluti,\nContact Center della Regione\n",
    ),
    (
        "final_invitation",
        "Richiesta {{ ticket }}: la invitiamo a contattarci",
        "Gentile {{ name or \"utente\" }},\n\nla sua risposta alla richiesta {{ ticket }} non contiene ancora le informazioni necessarie né un recapito telefonico, quindi non possiamo procedere.\nLa invitiamo a chiamare il Contact Center negli orari di servizio: un operatore la aiuterà direttamente.\n\nCordiali saluti,\nContact Center della Regione\n",
    ),
    (
        "kb_forms",
        "Richiesta {{ ticket }}: moduli e documenti",
        "Gentile {{ name or \"utente\" }},\n\ncome concordato, le inviamo i riferimenti per la sua richiesta {{ ticket }}.\n{% for i in items %}\n{{ i.title }}\n{% for f in i.forms %}  - modulo: {{ f }}\n{% endfor %}{% for l in i.links %}  - informazioni: {{ l }}\n{% endfor %}{% endfor %}\nCordiali saluti,\nContact Center della Regione\n",
    ),
];

/// Renders a message from its template.
pub(crate) fn render(kind: MessageKind, ctx: &serde_json::Value) -> Result<(String, String)> {
    let Some((_, subject, body)) = TEMPLATES.iter().find(|(k, _, _)| *k == kind.as_str()) else {
        return Err(Error::invalid("template", format!("no template for {}", kind.as_str())));
    };
    let mut env = minijinja::Environment::new();
    // Plain text: no HTML escaping.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let r = |src: &str| env.render_str(src, ctx).map_err(|e| Error::invalid("template", format!("{}: {e}", kind.as_str())));
    Ok((r(subject)?.trim().to_owned(), r(body)?))
}

impl Crm {
    fn message_iri(&self, id: &str) -> NamedNode {
        self.kb().iri(&format!("id/message/{id}"))
    }

    /// Queues a message in the write `w` (the same transaction as the step
    /// that causes it). Returns its id.
    pub(crate) fn queue_message(
        &self,
        w: &mut kb::WriteTx<'_>,
        ticket: &str,
        kind: MessageKind,
        to: &str,
        ctx: &serde_json::Value,
    ) -> Result<String> {
        let (subject, body) = render(kind, ctx)?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
        let s = self.message_iri(&id);
        let g = self.graph();
        let at = now();
        let mut add = |p: &'static str, o: Term| w.insert(&Quad::new(s.clone(), nn(p), o, g.clone()));
        add(rdf::TYPE, nn(cc::OUTGOING_MESSAGE).into_owned().into());
        add(cc::ON_TICKET, self.ticket_iri(ticket).into());
        add(cc::MESSAGE_KIND, lit(kind.as_str()).into());
        add(vcard::HAS_EMAIL, NamedNode::new_unchecked(format!("mailto:{to}")).into());
        add(dcterms::TITLE, lit(&subject).into());
        add(cc::MESSAGE_BODY, lit(&body).into());
        add(dcterms::CREATED, lit_datetime(at).into());
        add(cc::DELIVERY_STATUS, lit(Delivery::Pending.as_str()).into());
        add(cc::ATTEMPTS, lit_int(0).into());
        add(cc::NEXT_ATTEMPT_AT, lit_datetime(at).into());
        self.inner.mail_wakeup.notify_all();
        Ok(id)
    }

    fn read_message(&self, r: &impl Reader, id: &str) -> Result<Option<OutgoingMessage>> {
        let quads = r.quads(Some(self.message_iri(id).as_ref().into()), None, None, Some(self.graph().as_ref().into()))?;
        if !quads.iter().any(|q| q.predicate.as_str() == rdf::TYPE && term_value(&q.object) == cc::OUTGOING_MESSAGE) {
            return Ok(None);
        }
        let mut m = OutgoingMessage {
            id: id.to_owned(),
            ticket: String::new(),
            kind: MessageKind::DataRequest,
            to: String::new(),
            subject: String::new(),
            body: String::new(),
            created: now(),
            delivery: Delivery::Pending,
            attempts: 0,
            last_error: None,
            next_attempt: None,
            sent_at: None,
        };
        for q in &quads {
            let v = term_value(&q.object);
            match q.predicate.as_str() {
                cc::ON_TICKET => m.ticket = local(v).to_owned(),
                cc::MESSAGE_KIND => m.kind = MessageKind::parse(v).unwrap_or(MessageKind::DataRequest),
                vcard::HAS_EMAIL => m.to = v.strip_prefix("mailto:").unwrap_or(v).to_owned(),
                dcterms::TITLE => m.subject = v.to_owned(),
                cc::MESSAGE_BODY => m.body = v.to_owned(),
                dcterms::CREATED => m.created = term_datetime(&q.object).unwrap_or(m.created),
                cc::DELIVERY_STATUS => m.delivery = Delivery::parse(v),
                cc::ATTEMPTS => m.attempts = v.parse().unwrap_or(0),
                cc::LAST_ERROR => m.last_error = Some(v.to_owned()),
                cc::NEXT_ATTEMPT_AT => m.next_attempt = term_datetime(&q.object),
                cc::DONE_AT => m.sent_at = term_datetime(&q.object),
                _ => {}
            }
        }
        Ok(Some(m))
    }

    /// The messages of a ticket, oldest first.
    pub fn messages(&self, actor: &Actor, ticket: &str) -> Result<Vec<OutgoingMessage>> {
        let t = self.read_ticket(self.kb().store(), ticket)?;
        self.may_read(actor, &t)?;
        let store = self.kb().store();
        let mut out = Vec::new();
        for id in self.on_ticket(store, &t.id, "message")? {
            out.extend(self.read_message(store, &id)?);
        }
        out.sort_by_key(|m| m.created);
        Ok(out)
    }

    /// Sends the forms and links of a published knowledge item to the
    /// ticket's requester by e-mail (CRM-8).
    pub fn send_item_forms(&self, actor: &Actor, ticket: &str, item: &str) -> Result<String> {
        require(actor, "send forms to citizens", &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin])?;
        let k = self.kb().published_item(item.trim())?.ok_or_else(|| Error::not_found("published item", item.trim()))?;
        if k.content.forms.is_empty() && k.content.links.is_empty() {
            return Err(Error::invalid("item", format!("{} has no forms or links to send", k.id)));
        }
        let item_ctx = serde_json::json!({"title": k.content.title, "forms": k.content.forms, "links": k.content.links});
        let id = self.write(|w| {
            let t = self.read_ticket(w, ticket)?;
            self.may_read(actor, &t)?;
            let (to, name) = self.requester_email(w, &t)?;
            let ctx = serde_json::json!({"ticket": t.id, "name": name, "items": [item_ctx]});
            self.queue_message(w, &t.id, MessageKind::KbForms, &to, &ctx)
        })?;
        self.act(actor, ticket, None, crate::Action::Note { text: format!("Inviati via e-mail i moduli di {}", k.id) })?;
        Ok(id)
    }

    /// The requester's first e-mail address and name, or a clear error.
    pub(crate) fn requester_email(&self, r: &impl Reader, t: &crate::Ticket) -> Result<(String, String)> {
        let Some(c) = &t.contact else {
            return Err(Error::invalid("contact", format!("{} has no requester to write to: link the contact first", t.id)));
        };
        let quads = r.quads(Some(self.contact_iri(c).as_ref().into()), None, None, Some(self.graph().as_ref().into()))?;
        let contact = crate::Contact::from_quads(c, &quads).ok_or_else(|| Error::not_found("contact", c))?;
        let to = contact.emails.first().cloned().ok_or_else(|| {
            Error::invalid("email", format!("the requester {} has no e-mail address: add one to the contact first", contact.name))
        })?;
        Ok((to, contact.name))
    }

    /// Messages due for an attempt now.
    fn due_messages(&self) -> Result<Vec<OutgoingMessage>> {
        let store = self.kb().store();
        let g = self.graph();
        let at = now();
        let mut out = Vec::new();
        for q in store.quads(
            None,
            Some(nn(cc::DELIVERY_STATUS)),
            Some(lit(Delivery::Pending.as_str()).as_ref().into()),
            Some(g.as_ref().into()),
        )? {
            let NamedOrBlankNode::NamedNode(s) = q.subject else { continue };
            if let Some(m) = self.read_message(store, local(s.as_str()))?
                && m.next_attempt.is_none_or(|n| n <= at)
            {
                out.push(m);
            }
        }
        out.sort_by_key(|m| m.created);
        Ok(out)
    }

    /// Tries every message due now; returns how many were sent. Without an
    /// SMTP host nothing is attempted (messages wait in the queue).
    pub fn deliver_pending(&self) -> Result<usize> {
        let cfg = &self.inner.config.mail;
        if cfg.host.trim().is_empty() {
            return Ok(0);
        }
        let mut sent = 0;
        for m in self.due_messages()? {
            let outcome = send(cfg, &m);
            let g = self.graph();
            let s = self.message_iri(&m.id);
            let at = now();
            self.write(|w| {
                // Another sender may have handled it meanwhile.
                let Some(cur) = self.read_message(w, &m.id)? else { return Ok(()) };
                if cur.delivery != Delivery::Pending {
                    return Ok(());
                }
                for p in [cc::DELIVERY_STATUS, cc::ATTEMPTS, cc::NEXT_ATTEMPT_AT, cc::LAST_ERROR] {
                    for q in w.quads(Some(s.as_ref().into()), Some(nn(p)), None, Some(g.as_ref().into()))? {
                        w.remove(&q);
                    }
                }
                let attempts = cur.attempts + 1;
                let mut add = |p: &'static str, o: Term| w.insert(&Quad::new(s.clone(), nn(p), o, g.clone()));
                add(cc::ATTEMPTS, lit_int(u64::from(attempts)).into());
                match &outcome {
                    Ok(()) => {
                        add(cc::DELIVERY_STATUS, lit(Delivery::Sent.as_str()).into());
                        add(cc::DONE_AT, lit_datetime(at).into());
                    }
                    Err(e) => {
                        add(cc::LAST_ERROR, lit(e).into());
                        if attempts >= cfg.max_attempts {
                            add(cc::DELIVERY_STATUS, lit(Delivery::Failed.as_str()).into());
                        } else {
                            let wait = cfg.retry_secs.max(1).saturating_mul(1 << (attempts - 1).min(6)).min(3600);
                            add(cc::DELIVERY_STATUS, lit(Delivery::Pending.as_str()).into());
                            add(cc::NEXT_ATTEMPT_AT, lit_datetime(at + Duration::seconds(wait as i64)).into());
                        }
                    }
                }
                Ok::<_, Error>(())
            })?;
            match outcome {
                Ok(()) => sent += 1,
                Err(e) => tracing::warn!(message = %m.id, ticket = %m.ticket, error = %e, "e-mail not delivered; will retry"),
            }
        }
        Ok(sent)
    }

    /// Puts a failed message back in the queue (after fixing the address
    /// or the server settings).
    pub fn retry_message(&self, actor: &Actor, id: &str) -> Result<()> {
        require(actor, "retry e-mails", &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin])?;
        crate::validate_contact_id(id).map_err(|_| Error::not_found("message", id))?;
        let s = self.message_iri(id);
        let g = self.graph();
        self.write(|w| {
            let m = self.read_message(w, id)?.ok_or_else(|| Error::not_found("message", id))?;
            if m.delivery != Delivery::Failed {
                return Err(Error::invalid("message", "only a failed message can be retried"));
            }
            for p in [cc::DELIVERY_STATUS, cc::ATTEMPTS, cc::NEXT_ATTEMPT_AT] {
                for q in w.quads(Some(s.as_ref().into()), Some(nn(p)), None, Some(g.as_ref().into()))? {
                    w.remove(&q);
                }
            }
            w.insert(&Quad::new(s.clone(), nn(cc::DELIVERY_STATUS), lit(Delivery::Pending.as_str()), g.clone()));
            w.insert(&Quad::new(s.clone(), nn(cc::ATTEMPTS), lit_int(0), g.clone()));
            w.insert(&Quad::new(s.clone(), nn(cc::NEXT_ATTEMPT_AT), lit_datetime(now()), g.clone()));
            Ok(())
        })?;
        self.inner.mail_wakeup.notify_all();
        Ok(())
    }

    /// Starts the background sender: it delivers due messages whenever one
    /// is queued and at least every `retry_secs`, until the CRM is dropped.
    pub fn start_mailer(&self) {
        if self.inner.config.mail.host.trim().is_empty() {
            tracing::info!("no SMTP host configured ([crm.mail] host): e-mails are queued in the tickets, not sent");
            return;
        }
        let weak = std::sync::Arc::downgrade(&self.inner);
        let poll = std::time::Duration::from_secs(self.inner.config.mail.retry_secs.clamp(1, 60));
        let spawned = std::thread::Builder::new().name("crm-mailer".into()).spawn(move || {
            loop {
                let Some(inner) = weak.upgrade() else { return };
                let crm = Crm { inner };
                if let Err(e) = crm.deliver_pending() {
                    tracing::warn!(error = %e, "e-mail delivery round failed");
                }
                let lock = crm.inner.mail_lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let wakeup = &crm.inner.mail_wakeup;
                let _ = wakeup.wait_timeout(lock, poll);
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the e-mail sender");
        }
    }
}

/// One SMTP delivery.
fn send(cfg: &MailConfig, m: &OutgoingMessage) -> std::result::Result<(), String> {
    use lettre::message::header::ContentType;
    let from: lettre::message::Mailbox = cfg.from.parse().map_err(|e| format!("invalid sender {:?}: {e}", cfg.from))?;
    let to: lettre::message::Mailbox = m.to.parse().map_err(|e| format!("invalid recipient {:?}: {e}", m.to))?;
    let email = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(&m.subject)
        // The same id on every attempt: a server that accepted a first
        // attempt whose answer was lost can drop the duplicate.
        .message_id(Some(format!("<{}@centralino>", m.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| format!("cannot build the message: {e}"))?;
    let builder = match cfg.tls {
        TlsMode::None => lettre::SmtpTransport::builder_dangerous(&cfg.host),
        TlsMode::Starttls => lettre::SmtpTransport::starttls_relay(&cfg.host).map_err(|e| e.to_string())?,
        TlsMode::Tls => lettre::SmtpTransport::relay(&cfg.host).map_err(|e| e.to_string())?,
    };
    let mut builder = builder.port(cfg.port).timeout(Some(std::time::Duration::from_secs(cfg.timeout_secs.max(1))));
    if !cfg.username.is_empty() {
        builder =
            builder.credentials(lettre::transport::smtp::authentication::Credentials::new(cfg.username.clone(), cfg.password.clone()));
    }
    builder.build().send(&email).map(|_| ()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_with_the_ticket_and_the_missing_data() {
        let (subject, body) = render(
            MessageKind::DataRequest,
            &serde_json::json!({"ticket": "RS-2026-000001", "name": "Paolo", "comment": "il numero di pratica"}),
        )
        .unwrap_or_default();
        assert_eq!(subject, "Richiesta RS-2026-000001: ci servono alcune informazioni");
        assert!(body.contains("Gentile Paolo") && body.contains("il numero di pratica") && body.contains("numero di telefono"));
        let (_, body) = render(
            MessageKind::KbForms,
            &serde_json::json!({"ticket": "RS-2026-000002", "items": [{"title": "Bollo <auto>", "forms": ["https://x.example/m.pdf"], "links": []}]}),
        )
        .unwrap_or_default();
        assert!(body.contains("Bollo <auto>"), "plain text, not HTML-escaped: {body}");
        assert!(body.contains("modulo: https://x.example/m.pdf"));
    }
}
