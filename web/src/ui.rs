//! Pages: templates (minijinja, embedded in the binary, HTML auto-escaped),
//! the Italian/English dictionary, static assets, and errors rendered as a
//! page or as JSON with the right status.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// The templates, compiled once.
pub struct Ui {
    env: Environment<'static>,
}

impl std::fmt::Debug for Ui {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ui").finish_non_exhaustive()
    }
}

/// Every template, by name (embedded at build time).
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("password.html", include_str!("../templates/password.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("results.html", include_str!("../templates/results.html")),
    ("item.html", include_str!("../templates/item.html")),
    ("tree.html", include_str!("../templates/tree.html")),
    ("concept.html", include_str!("../templates/concept.html")),
    ("directory.html", include_str!("../templates/directory.html")),
    ("office.html", include_str!("../templates/office.html")),
    ("person.html", include_str!("../templates/person.html")),
    ("drafts.html", include_str!("../templates/drafts.html")),
    ("edit.html", include_str!("../templates/edit.html")),
    ("review.html", include_str!("../templates/review.html")),
    ("review_item.html", include_str!("../templates/review_item.html")),
    ("history.html", include_str!("../templates/history.html")),
    ("admin_index.html", include_str!("../templates/admin_index.html")),
    ("admin_concepts.html", include_str!("../templates/admin_concepts.html")),
    ("admin_org.html", include_str!("../templates/admin_org.html")),
    ("admin_office.html", include_str!("../templates/admin_office.html")),
    ("admin_person.html", include_str!("../templates/admin_person.html")),
    ("admin_users.html", include_str!("../templates/admin_users.html")),
    ("admin_user.html", include_str!("../templates/admin_user.html")),
    ("admin_import.html", include_str!("../templates/admin_import.html")),
    ("admin_export.html", include_str!("../templates/admin_export.html")),
    ("admin_stats.html", include_str!("../templates/admin_stats.html")),
    ("sparql.html", include_str!("../templates/sparql.html")),
    ("tickets.html", include_str!("../templates/tickets.html")),
    ("console.html", include_str!("../templates/console.html")),
    ("console_panel.html", include_str!("../templates/console_panel.html")),
    ("wallboard.html", include_str!("../templates/wallboard.html")),
    ("ticket.html", include_str!("../templates/ticket.html")),
    ("ticket_new.html", include_str!("../templates/ticket_new.html")),
    ("callbacks.html", include_str!("../templates/callbacks.html")),
    ("contacts.html", include_str!("../templates/contacts.html")),
    ("contact.html", include_str!("../templates/contact.html")),
    ("return_calls.html", include_str!("../templates/return_calls.html")),
    ("kb_gaps.html", include_str!("../templates/kb_gaps.html")),
    ("announcements.html", include_str!("../templates/announcements.html")),
];

impl Ui {
    /// Compiles the templates.
    pub fn new() -> Self {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // A template that does not compile is a build defect: the
            // `templates_compile` test catches it.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        env.add_filter("date", |v: Value| -> String {
            let s = v.to_string();
            match chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(&s), "%Y-%m-%d") {
                Ok(d) => d.format("%d/%m/%Y").to_string(),
                Err(_) => s,
            }
        });
        env.add_filter("truncate", |v: String, n: Option<usize>| -> String {
            let n = n.unwrap_or(80);
            if v.chars().count() <= n { v } else { format!("{}…", v.chars().take(n).collect::<String>().trim_end()) }
        });
        env.add_filter("slug", |v: String| -> String { v.rsplit('/').next().unwrap_or_default().to_owned() });
        env.add_filter("datetime", |v: Value| -> String {
            let s = v.to_string();
            match chrono::DateTime::parse_from_rfc3339(&s) {
                Ok(d) => d.with_timezone(&chrono::Local).format("%d/%m/%Y %H:%M").to_string(),
                Err(_) => s,
            }
        });
        Self { env }
    }

    /// Renders `name` with `ctx` plus the common context (`tr`, `lang`).
    pub fn render<S: Serialize>(&self, name: &str, lang: Lang, ctx: S) -> Result<Html<String>, AppError> {
        let t = self.env.get_template(name).map_err(|e| AppError::Internal(format!("template {name}: {e}")))?;
        let ctx = minijinja::context! { tr => dictionary(lang), lang => lang.code(), ..Value::from_serialize(&ctx) };
        t.render(ctx).map(Html).map_err(|e| AppError::Internal(format!("template {name}: {e:#}")))
    }

    /// Names of the templates (for the compile test).
    pub fn template_names() -> impl Iterator<Item = &'static str> {
        TEMPLATES.iter().map(|(n, _)| *n)
    }

    /// Whether every template compiles.
    pub fn check(&self) -> Result<(), String> {
        for (name, _) in TEMPLATES {
            self.env.get_template(name).map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(())
    }
}

impl Default for Ui {
    fn default() -> Self {
        Self::new()
    }
}

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    /// Italian (default).
    #[default]
    It,
    /// English.
    En,
}

impl Lang {
    /// `it` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    /// Parses `it`/`en` (anything else: Italian).
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("en") { Lang::En } else { Lang::It }
    }
}

/// Interface strings: key → (Italian, English).
const STRINGS: &[(&str, &str, &str)] = &[
    ("app", "Centralino", "Centralino"),
    ("search", "Cerca", "Search"),
    (
        "search_placeholder",
        "Cosa chiede il cittadino? (es. bollo auto, esenzione ticket, ufficio tirocini)",
        "What is the citizen asking? (e.g. car tax, prescription exemption)",
    ),
    ("results", "risultati", "results"),
    ("no_results", "Nessun risultato. Prova con altre parole o sfoglia le aree.", "No results. Try other words or browse the areas."),
    ("areas", "Aree", "Areas"),
    ("directory", "Rubrica", "Directory"),
    ("drafts", "Le mie bozze", "My drafts"),
    ("review", "Da approvare", "Review"),
    ("admin", "Amministrazione", "Administration"),
    ("sparql", "SPARQL", "SPARQL"),
    ("login", "Accedi", "Sign in"),
    ("logout", "Esci", "Sign out"),
    ("username", "Utente", "Username"),
    ("password", "Password", "Password"),
    ("change_password", "Cambia password", "Change password"),
    ("current_password", "Password attuale", "Current password"),
    ("new_password", "Nuova password", "New password"),
    ("repeat_password", "Ripeti la nuova password", "Repeat the new password"),
    ("password_changed", "Password cambiata.", "Password changed."),
    ("login_failed", "Utente o password non validi.", "Wrong username or password."),
    ("passwords_differ", "Le due nuove password non coincidono.", "The two new passwords differ."),
    ("wrong_password", "La password attuale non è corretta.", "The current password is wrong."),
    ("save", "Salva", "Save"),
    ("cancel", "Annulla", "Cancel"),
    ("answer", "Risposta", "Answer"),
    ("question", "Domanda", "Question"),
    ("title", "Titolo", "Title"),
    ("keywords", "Parole chiave", "Keywords"),
    ("office", "Ufficio competente", "Competent office"),
    ("person", "Referente", "Contact person"),
    ("extension", "int.", "ext."),
    ("copy", "Copia", "Copy"),
    ("copied", "Copiato", "Copied"),
    ("links", "Link", "Links"),
    ("forms", "Modulistica", "Forms"),
    ("legal", "Normativa", "Legal references"),
    ("valid_until", "Valida fino al", "Valid until"),
    ("valid_from", "Valida dal", "Valid from"),
    ("expired_on", "Scaduto il", "Expired on"),
    (
        "expired_warning",
        "Questa informazione è scaduta: non presentarla come attuale.",
        "This information has expired: do not present it as current.",
    ),
    ("level", "Livello", "Level"),
    ("level_base", "Base", "Basic"),
    ("level_advanced", "Avanzato", "Advanced"),
    ("area", "Area", "Area"),
    ("audiences", "Destinatari", "Audiences"),
    ("all", "Tutti", "All"),
    ("kind_item", "Pillola", "Item"),
    ("kind_office", "Ufficio", "Office"),
    ("kind_person", "Persona", "Person"),
    ("functions", "Funzioni", "Functions"),
    ("competences", "Competenze", "Competences"),
    ("role", "Qualifica", "Job title"),
    ("email", "E-mail", "E-mail"),
    ("phone", "Telefono", "Phone"),
    ("room", "Stanza", "Room"),
    ("people", "Persone", "People"),
    ("offices", "Uffici", "Offices"),
    ("parent_office", "Struttura superiore", "Parent structure"),
    ("items_of_concept", "Pillole di quest'area", "Items in this area"),
    ("history", "Storia", "History"),
    ("edit", "Modifica", "Edit"),
    ("new_item", "Nuova pillola", "New item"),
    ("state", "Stato", "State"),
    ("state_draft", "Bozza", "Draft"),
    ("state_in_review", "In revisione", "In review"),
    ("state_published", "Pubblicata", "Published"),
    ("state_archived", "Archiviata", "Archived"),
    ("submit", "Invia in revisione", "Submit for review"),
    ("approve", "Approva e pubblica", "Approve and publish"),
    ("reject", "Rifiuta", "Reject"),
    ("comment", "Commento", "Comment"),
    ("archive", "Archivia", "Archive"),
    ("restore", "Ripristina come bozza", "Restore as draft"),
    ("revision", "Revisione", "Revision"),
    ("author", "Autore", "Author"),
    ("when", "Quando", "When"),
    ("what", "Cosa", "What"),
    ("changes", "Modifiche", "Changes"),
    ("published_version", "Versione pubblicata", "Published version"),
    ("proposed_version", "Versione proposta", "Proposed version"),
    ("nothing_to_review", "Nessuna revisione in attesa.", "Nothing to review."),
    ("no_drafts", "Nessuna bozza.", "No drafts."),
    ("concept", "Classificazione", "Classification"),
    ("one_per_line", "uno per riga", "one per line"),
    ("comma_separated", "separate da virgole", "comma-separated"),
    ("none", "nessuno", "none"),
    ("error", "Errore", "Error"),
    ("back_home", "Torna alla ricerca", "Back to search"),
    ("not_found", "Pagina o risorsa non trovata.", "Page or resource not found."),
    ("forbidden", "Non hai i permessi per questa pagina.", "You are not allowed to see this page."),
    ("suggestions", "Suggerimenti", "Suggestions"),
    ("language", "English", "Italiano"),
    ("other_lang", "en", "it"),
    ("signed_in_as", "Utente", "Signed in as"),
    (
        "answer_html_note",
        "Testo semplice o HTML limitato (grassetto, corsivo, elenchi, link): il resto viene rimosso.",
        "Plain text or limited HTML (bold, italic, lists, links): anything else is removed.",
    ),
    (
        "expected_revision_note",
        "Se qualcun altro ha modificato la pillola nel frattempo il salvataggio viene rifiutato.",
        "If someone else changed the item meanwhile, saving is refused.",
    ),
    ("adm_concepts", "Albero delle classificazioni", "Classification tree"),
    (
        "adm_concepts_desc",
        "Aree e sotto-aree: aggiungi, rinomina, sinonimi, sposta, unisci, elimina.",
        "Areas and sub-areas: add, rename, synonyms, move, merge, delete.",
    ),
    ("adm_n_concepts", "classificazioni", "concepts"),
    ("adm_no_concepts", "Nessuna classificazione.", "No concepts."),
    ("adm_new_concept", "Nuova classificazione", "New concept"),
    ("adm_parent", "Sotto", "Under"),
    ("adm_top_level", "— livello principale —", "— top level —"),
    ("adm_label", "Etichetta (italiano)", "Label (Italian)"),
    ("adm_label_en", "Etichetta (inglese)", "Label (English)"),
    ("adm_alt_labels", "Sinonimi", "Synonyms"),
    ("adm_notation", "Codice di classificazione", "Notation code"),
    ("adm_add", "Aggiungi", "Add"),
    ("adm_rename", "Rinomina", "Rename"),
    (
        "adm_rename_note",
        "La vecchia etichetta resta come sinonimo, così le ricerche continuano a trovarla. Un'etichetta inglese vuota viene tolta.",
        "The old label is kept as a synonym, so searches still find it. A blank English label is removed.",
    ),
    ("adm_move", "Sposta", "Move"),
    ("adm_move_under", "Sposta sotto", "Move under"),
    ("adm_merge", "Unisci", "Merge"),
    ("adm_merge_into", "Unisci in", "Merge into"),
    (
        "adm_merge_note",
        "Pillole e sotto-classificazioni passano alla destinazione; le etichette diventano sinonimi.",
        "Items and sub-concepts move to the target; the labels become synonyms.",
    ),
    ("adm_delete", "Elimina", "Delete"),
    (
        "adm_delete_concept_note",
        "Si può eliminare solo una classificazione non usata da pillole e senza sotto-classificazioni.",
        "Only a concept used by no item and without sub-concepts can be deleted.",
    ),
    ("adm_ok_created", "Creato.", "Created."),
    ("adm_ok_saved", "Salvato.", "Saved."),
    ("adm_ok_deleted", "Eliminato.", "Deleted."),
    ("adm_ok_moved", "Spostato.", "Moved."),
    ("adm_ok_merged", "Unione eseguita.", "Merged."),
    ("adm_ok_renamed", "Rinominato.", "Renamed."),
    ("adm_ok_labels", "Sinonimi salvati.", "Synonyms saved."),
    (
        "adm_ok_roles",
        "Ruoli salvati; le sessioni aperte dell'utente sono state chiuse.",
        "Roles saved; the user's open sessions were ended.",
    ),
    (
        "adm_ok_password",
        "Password reimpostata; le sessioni aperte dell'utente sono state chiuse.",
        "Password reset; the user's open sessions were ended.",
    ),
    ("adm_ok_enabled", "Accesso riattivato.", "Sign-in enabled."),
    ("adm_ok_disabled", "Accesso disattivato; le sessioni aperte sono state chiuse.", "Sign-in disabled; open sessions were ended."),
    ("adm_ok_revoked", "Token revocato.", "Token revoked."),
    ("adm_org", "Organigramma", "Organisation chart"),
    ("adm_org_desc", "Uffici e persone: crea, modifica, elimina.", "Offices and people: create, edit, delete."),
    ("adm_new_office", "Nuovo ufficio", "New office"),
    ("adm_new_person", "Nuova persona", "New person"),
    ("adm_code", "Codice", "Code"),
    ("adm_name", "Denominazione", "Name"),
    ("adm_kind", "Tipo", "Type"),
    ("adm_head", "Responsabile", "Head"),
    ("adm_pec", "PEC", "Certified e-mail (PEC)"),
    ("adm_site", "Sede", "Site"),
    ("adm_staff_number", "Matricola", "Staff number"),
    ("adm_given_name", "Nome", "Given name"),
    ("adm_family_name", "Cognome", "Family name"),
    ("adm_none_yet", "Nessuno.", "None yet."),
    (
        "adm_delete_org_note",
        "Un ufficio con sotto-uffici, persone o pillole, o una persona referente di pillole, non si può eliminare.",
        "An office with sub-offices, people or items, or a person who is the contact of items, cannot be deleted.",
    ),
    ("adm_users", "Utenti e ruoli", "Users and roles"),
    ("adm_users_desc", "Account, ruoli, password, disattivazione, token API.", "Accounts, roles, passwords, disabling, API tokens."),
    ("adm_n_users", "utenti", "users"),
    ("adm_roles", "Ruoli", "Roles"),
    ("adm_active", "Attivo", "Active"),
    ("adm_disabled", "Disattivato", "Disabled"),
    ("adm_new_user", "Nuovo utente", "New user"),
    ("adm_username_rule", "minuscole, cifre, . _ -", "lowercase letters, digits, . _ -"),
    ("adm_initial_password", "Password iniziale", "Initial password"),
    ("adm_password_blank", "vuota: ne viene generata una", "blank: one is generated"),
    ("adm_create", "Crea", "Create"),
    ("adm_user_created", "Utente creato:", "User created:"),
    ("adm_generated_password", "Password generata:", "Generated password:"),
    ("adm_shown_once", "Copiala ora: non verrà più mostrata.", "Copy it now: it will not be shown again."),
    ("adm_save_roles", "Salva i ruoli", "Save roles"),
    ("adm_sessions_end", "Le sessioni aperte dell'utente verranno chiuse.", "The user's open sessions will be ended."),
    ("adm_reset_password", "Reimposta la password", "Reset the password"),
    ("adm_access", "Accesso", "Sign-in"),
    ("adm_enable", "Riattiva l'accesso", "Enable sign-in"),
    ("adm_disable", "Disattiva l'accesso", "Disable sign-in"),
    ("adm_tokens", "Token API", "API tokens"),
    ("adm_token_label", "Descrizione", "Label"),
    ("adm_created_on", "Creato il", "Created"),
    ("adm_revoke", "Revoca", "Revoke"),
    ("adm_no_tokens", "Nessun token.", "No tokens."),
    ("adm_new_token", "Nuovo token", "New token"),
    ("adm_new_token_is", "Nuovo token:", "New token:"),
    ("role_admin", "Amministratore", "Administrator"),
    ("role_publisher", "Redattore", "Publisher"),
    ("role_approver", "Approvatore", "Approver"),
    ("role_operator_l1", "Operatore 1° livello", "Operator (first level)"),
    ("role_operator_l2", "Operatore 2° livello", "Operator (second level)"),
    ("role_supervisor", "Supervisore", "Supervisor"),
    ("role_office", "Ufficio", "Office staff"),
    ("role_analyst", "Analista", "Analyst"),
    ("role_integration", "Integrazione (centralino)", "Integration (PBX)"),
    ("adm_import", "Importazione", "Import"),
    (
        "adm_import_desc",
        "Carica una cartella di lavoro delle pillole o dell'organigramma: prima un'anteprima, poi la conferma.",
        "Upload a KB or organisation chart workbook: a preview first, then the confirmation.",
    ),
    ("adm_what_import", "Cosa importare", "What to import"),
    ("adm_kind_kb", "Base di conoscenza (pillole)", "Knowledge base (items)"),
    ("adm_kind_org", "Organigramma (strutture e personale)", "Organisation chart (structures and staff)"),
    ("adm_entry", "Le pillole entrano", "Items enter"),
    ("adm_entry_published", "pubblicate subito", "published at once"),
    ("adm_entry_draft", "come bozze", "as drafts"),
    (
        "adm_strict",
        "Modalità rigorosa: non importare nulla se anche una sola riga è rifiutata",
        "Strict mode: import nothing if any row is rejected",
    ),
    ("adm_strict_short", "modalità rigorosa", "strict mode"),
    ("adm_file", "File (.xlsx, .xls, .xlsb, .ods)", "File (.xlsx, .xls, .xlsb, .ods)"),
    (
        "adm_dry_run_first",
        "Il file viene prima verificato senza scrivere nulla: vedrai il rapporto e potrai confermare.",
        "The file is checked first without writing anything: you will see the report and can confirm.",
    ),
    ("adm_upload_check", "Carica e verifica", "Upload and check"),
    ("adm_preview", "Anteprima", "Preview"),
    (
        "adm_preview_note",
        "Simulazione: non è stato scritto nulla. Controlla il rapporto e conferma per importare questo stesso file.",
        "Dry run: nothing was written. Check the report and confirm to import this very file.",
    ),
    ("adm_confirm_import", "Conferma l'importazione", "Confirm the import"),
    ("adm_import_done", "Importazione eseguita", "Import done"),
    ("adm_import_another", "Importa un altro file", "Import another file"),
    ("adm_nothing_written", "Non è stato scritto nulla.", "Nothing was written."),
    ("adm_concepts_created", "Classificazioni create", "Concepts created"),
    ("adm_report_truncated", "Rapporto troncato", "Report truncated"),
    ("adm_sheet", "Foglio", "Sheet"),
    ("adm_row", "Riga", "Row"),
    ("adm_outcome", "Esito", "Outcome"),
    ("adm_column", "Colonna", "Column"),
    ("adm_severity", "Gravità", "Severity"),
    ("adm_message", "Messaggio", "Message"),
    ("adm_sev_error", "errore", "error"),
    ("adm_sev_warning", "avviso", "warning"),
    ("adm_sev_info", "nota", "info"),
    ("outcome_created", "creati", "created"),
    ("outcome_updated", "aggiornati", "updated"),
    ("outcome_unchanged", "invariati", "unchanged"),
    ("outcome_rejected", "rifiutati", "rejected"),
    ("outcome_skipped", "saltati", "skipped"),
    ("adm_export", "Esportazione", "Export"),
    (
        "adm_export_desc",
        "Cartelle di lavoro, RDF, vCard e pacchetto di passaggio di consegne.",
        "Workbooks, RDF, vCard and the handover bundle.",
    ),
    ("adm_workbooks", "File", "Files"),
    ("adm_export_kb", "Pillole (.xlsx, nel formato di importazione)", "Knowledge items (.xlsx, in the import layout)"),
    ("adm_export_org", "Organigramma (.xlsx)", "Organisation chart (.xlsx)"),
    ("adm_export_vcard", "Rubrica (vCard .vcf)", "Directory (vCard .vcf)"),
    ("adm_export_handover", "Pacchetto di passaggio di consegne (.zip)", "Handover bundle (.zip)"),
    ("adm_export_rdf", "RDF dei grafi", "RDF of the graphs"),
    ("adm_graphs", "Grafi", "Graphs"),
    ("adm_format", "Formato", "Format"),
    (
        "adm_rdf_note",
        "Turtle, N-Triples e RDF/XML uniscono i grafi scelti; N-Quads, TriG e JSON-LD li mantengono separati.",
        "Turtle, N-Triples and RDF/XML merge the chosen graphs; N-Quads, TriG and JSON-LD keep them apart.",
    ),
    ("adm_download", "Scarica", "Download"),
    ("adm_stats", "Statistiche di consultazione", "Access statistics"),
    ("adm_stats_desc", "Pillole e aree più consultate in un periodo.", "Most consulted items and areas in a period."),
    ("adm_from", "Dal", "From"),
    ("adm_to", "Al", "To"),
    ("adm_show", "Mostra", "Show"),
    ("adm_top_items", "Pillole più consultate", "Most consulted items"),
    ("adm_top_areas", "Aree più consultate", "Most consulted areas"),
    ("adm_reads", "Letture", "Reads"),
    ("adm_no_reads", "Nessuna consultazione nel periodo.", "No reads in the period."),
    (
        "sparql_help",
        "Interroga il grafo della conoscenza in SPARQL (sola lettura, solo i grafi del tuo ruolo). Gli strumenti esterni usano l'endpoint",
        "Query the knowledge graph in SPARQL (read-only, only your role's graphs). External tools use the endpoint",
    ),
    ("sparql_query", "Query SPARQL", "SPARQL query"),
    ("sparql_run", "Esegui", "Run"),
    ("sparql_save_as", "Salva con nome", "Save as"),
    ("sparql_examples", "Esempi", "Examples"),
    ("sparql_saved", "Query salvate", "Saved queries"),
    ("sparql_no_saved", "Nessuna query salvata.", "No saved queries."),
    ("sparql_delete", "Elimina", "Delete"),
    ("sparql_rows", "righe", "rows"),
    ("sparql_download", "Scarica", "Download"),
    ("crm_tickets", "Richieste", "Requests"),
    ("crm_new_ticket", "Nuova richiesta", "New request"),
    ("crm_contacts", "Contatti", "Contacts"),
    ("crm_callbacks", "Le mie richiamate", "My call-backs"),
    ("crm_l2_inbox", "Casella del II livello", "Second-level inbox"),
    ("crm_triage", "Smistamento (III livello)", "Third-level triage"),
    ("crm_office_inbox", "Richieste dell'ufficio", "Office requests"),
    ("crm_return_calls", "Richieste di richiamata", "Return-call requests"),
    ("crm_kb_gaps", "Lacune della conoscenza", "Knowledge gaps"),
    ("crm_new_request_btn", "+ Nuova richiesta", "+ New request"),
    ("crm_find_contact", "Cerca contatto", "Find a contact"),
    ("crm_all_states", "Tutti gli stati", "All states"),
    ("crm_all_levels", "Tutti i livelli", "All levels"),
    ("crm_all_channels", "Tutti i canali", "All channels"),
    ("crm_all_offices", "Tutti gli uffici", "All offices"),
    ("crm_open_only", "aperte", "open"),
    ("crm_overdue", "fuori tempo", "overdue"),
    ("crm_mine", "mie", "mine"),
    ("crm_most_urgent", "più urgenti", "most urgent"),
    ("crm_newest", "più recenti", "newest"),
    ("crm_oldest", "meno recenti", "oldest"),
    ("crm_filter", "Filtra", "Filter"),
    ("crm_col_request", "Richiesta", "Request"),
    ("crm_col_state", "Stato", "State"),
    ("crm_col_channel", "Canale", "Channel"),
    ("crm_col_requester", "Richiedente", "Requester"),
    ("crm_col_received", "Ricevuta", "Received"),
    ("crm_col_deadlines", "Scadenze (ore lavorative)", "Deadlines (working hours)"),
    ("crm_no_tickets", "Nessuna richiesta.", "No requests."),
    ("crm_prev", "← precedenti", "← previous"),
    ("crm_next", "successive →", "next →"),
    ("crm_urgent", "urgente", "urgent"),
    ("crm_h_request", "Richiesta", "Request"),
    ("crm_h_answer", "Risposta data", "Answer given"),
    ("crm_h_sla", "Livelli di servizio", "Service levels"),
    ("crm_h_knowledge", "Conoscenza usata", "Knowledge used"),
    ("crm_h_actions", "Azioni", "Actions"),
    ("crm_h_callbacks", "Richiamate", "Call-backs"),
    ("crm_h_attachments", "Allegati", "Attachments"),
    ("crm_h_emails", "E-mail al cittadino", "E-mails to the citizen"),
    ("crm_h_path", "Percorso", "Path"),
    ("crm_take_in_charge", "Prendi in carico", "Take in charge"),
    ("crm_close", "Chiudi", "Close"),
    ("crm_transfer", "Trasferisci con la chiamata", "Transfer with the call"),
    ("crm_assign", "Assegna", "Assign"),
    ("crm_take", "Prendi dalla casella", "Take from the inbox"),
    ("crm_forward", "Inoltra", "Forward"),
    ("crm_office_answer_btn", "Rispondi", "Answer"),
    ("crm_office_reject_btn", "Respingi l'assegnazione", "Reject the assignment"),
    ("crm_reopen", "Riapri", "Reopen"),
    ("crm_reject", "Rigetta", "Reject"),
    ("crm_add_note", "Aggiungi nota", "Add note"),
    ("crm_no_items", "Nessuna pillola collegata.", "No knowledge item linked."),
    ("crm_no_attachments", "Nessun allegato.", "No attachments."),
    ("crm_h_history", "Storico delle interazioni", "Interaction history"),
    ("crm_new_contact", "Nuovo contatto", "New contact"),
    ("crm_no_callbacks", "Nessuna richiamata da fare.", "No call-backs to make."),
    // Announcements of the IVR (TEL-3).
    ("ann_title", "Annunci IVR", "IVR announcements"),
    (
        "ann_intro",
        "Messaggi di benvenuto, di attesa in coda e fuori orario, musica d'attesa. L'IVR riproduce la versione attiva; un benvenuto con fascia oraria prevale su quello senza.",
        "Welcome, queue and after-hours messages, music on hold. The IVR plays the active version; a welcome with a time band wins over one without.",
    ),
    ("ann_ok_uploaded", "Annuncio caricato: la nuova versione è attiva.", "Announcement uploaded: the new version is active."),
    ("ann_ok_activated", "Versione attivata.", "Version activated."),
    ("ann_ok_version_deleted", "Versione eliminata.", "Version deleted."),
    ("ann_ok_deleted", "Annuncio eliminato.", "Announcement deleted."),
    ("ann_ok_band", "Fascia oraria salvata.", "Time band saved."),
    (
        "ann_ok_restored",
        "Backup ripristinato: gli annunci sono quelli dell'archivio.",
        "Backup restored: the announcements are those of the archive.",
    ),
    ("ann_kind", "Tipo", "Kind"),
    ("ann_kind_welcome", "Benvenuto", "Welcome"),
    ("ann_kind_queue", "Attesa in coda", "Queue"),
    ("ann_kind_after_hours", "Fuori orario", "After hours"),
    ("ann_kind_music_on_hold", "Musica d'attesa", "Music on hold"),
    ("ann_kind_other", "Altro", "Other"),
    ("ann_band", "Fascia oraria", "Time band"),
    ("ann_no_band", "nessuna: è il benvenuto predefinito", "none: the default welcome"),
    ("ann_version", "Versione", "Version"),
    ("ann_listen", "Ascolta", "Listen"),
    ("ann_audio", "Audio", "Audio"),
    ("ann_uploaded", "Caricata da", "Uploaded by"),
    ("ann_active", "attiva", "active"),
    ("ann_activate", "Attiva", "Activate"),
    ("ann_delete_version", "Elimina versione", "Delete version"),
    ("ann_format_pcm", "PCM", "PCM"),
    ("ann_format_alaw", "G.711 A-law", "G.711 A-law"),
    ("ann_format_ulaw", "G.711 µ-law", "G.711 µ-law"),
    ("ann_edit_band", "Modifica la fascia oraria", "Edit the time band"),
    ("ann_days", "Giorni", "Days"),
    ("ann_day_mon", "lunedì", "Monday"),
    ("ann_day_tue", "martedì", "Tuesday"),
    ("ann_day_wed", "mercoledì", "Wednesday"),
    ("ann_day_thu", "giovedì", "Thursday"),
    ("ann_day_fri", "venerdì", "Friday"),
    ("ann_day_sat", "sabato", "Saturday"),
    ("ann_day_sun", "domenica", "Sunday"),
    ("ann_from", "Dalle", "From"),
    ("ann_to", "Alle", "To"),
    ("ann_to_note", "esclusa; 24:00 per fine giornata", "excluded; 24:00 for the end of the day"),
    ("ann_clear_band", "Togli la fascia (diventa il benvenuto predefinito)", "Remove the band (it becomes the default welcome)"),
    (
        "ann_band_note",
        "Ora di Roma. Una fascia non attraversa la mezzanotte: per la notte usa due annunci.",
        "Rome time. A band does not cross midnight: use two announcements for the night.",
    ),
    ("ann_delete", "Elimina l'annuncio", "Delete the announcement"),
    (
        "ann_delete_confirm",
        "Confermo: elimina l'annuncio e tutte le sue versioni",
        "I confirm: delete the announcement and all its versions",
    ),
    ("ann_none", "Nessun annuncio.", "No announcements."),
    ("ann_upload", "Carica un annuncio o una nuova versione", "Upload an announcement or a new version"),
    ("ann_name", "Nome", "Name"),
    (
        "ann_name_rule",
        "minuscole, cifre e -; lo stesso nome aggiunge una versione",
        "lowercase letters, digits and -; the same name adds a version",
    ),
    ("ann_title_note", "vuoto per una nuova versione: resta il titolo attuale", "blank for a new version: the title stays"),
    ("ann_file", "File WAV", "WAV file"),
    (
        "ann_file_note",
        "WAV PCM (8 o 16 bit) o G.711 (A-law, µ-law), mono o stereo, da 8 a 48 kHz, almeno 0,2 secondi.",
        "WAV, PCM (8 or 16 bit) or G.711 (A-law, µ-law), mono or stereo, 8 to 48 kHz, at least 0.2 seconds.",
    ),
    ("ann_upload_btn", "Carica", "Upload"),
    ("ann_backup", "Backup e ripristino", "Backup and restore"),
    ("ann_download_backup", "Scarica backup", "Download backup"),
    ("ann_restore_file", "Archivio di backup (.zip)", "Backup archive (.zip)"),
    (
        "ann_restore_note",
        "Il ripristino sostituisce tutti gli annunci con quelli dell'archivio. L'archivio viene controllato per intero prima: se qualcosa non va, non cambia nulla.",
        "Restoring replaces every announcement with those of the archive. The whole archive is checked first: if anything is wrong, nothing changes.",
    ),
    ("ann_restore_confirm", "Confermo: sostituisci tutti gli annunci", "I confirm: replace every announcement"),
    ("ann_restore", "Ripristina", "Restore"),
    // End of the announcements.
    (
        "sparql_truncated",
        "Sono mostrate solo le prime righe; scarica il file per averle tutte. Righe mostrate:",
        "Only the first rows are shown; download the file for all of them. Rows shown:",
    ),
    ("tel_console", "Console operatore", "Operator console"),
    ("tel_wallboard", "Monitor delle code", "Queue wallboard"),
    ("tel_state", "Stato", "State"),
    ("tel_login", "Entra in servizio", "Sign in to the ACD"),
    ("tel_terminal", "Postazione (interno)", "Terminal (extension)"),
    ("tel_mode", "Modalità", "Work mode"),
    ("tel_mode_online", "online", "online"),
    ("tel_mode_offline", "offline", "offline"),
    ("tel_mode_blended", "mista", "blended"),
    ("tel_ready", "Disponibile", "Ready"),
    ("tel_pause", "Pausa", "Pause"),
    ("tel_logout", "Esci dal servizio", "Sign out of the ACD"),
    ("tel_reason", "Motivo", "Reason"),
    ("tel_offer", "Nuovo contatto in arrivo", "New contact offered"),
    ("tel_waited", "atteso in coda", "waited in queue"),
    ("tel_answer", "Rispondi", "Answer"),
    ("tel_hangup", "Chiudi chiamata", "Hang up"),
    ("tel_caller", "Chiamante", "Caller"),
    ("tel_unknown_caller", "Chiamante non in anagrafica", "Caller not on record"),
    ("tel_history", "Richieste precedenti", "Earlier requests"),
    ("tel_ticket", "Richiesta aperta", "Open request"),
    ("tel_close_first", "Chiudi al primo contatto", "Close at first contact"),
    ("tel_answer_given", "Risposta data al cittadino", "Answer given to the citizen"),
    ("tel_transfer_l2", "Trasferisci al II livello con la richiesta", "Transfer to second level with the request"),
    ("tel_transfer", "Trasferisci a ufficio o persona", "Transfer to an office or person"),
    ("tel_announced", "annunciato", "announced"),
    ("tel_blind", "cieco", "blind"),
    ("tel_no_answer", "Non risponde: richiesta di richiamata", "No answer: return-call request"),
    ("tel_callback", "Pianifica richiamata", "Schedule a call-back"),
    ("tel_work_done", "Lavorazione completata", "Item done"),
    ("tel_no_contact", "Nessun contatto in corso.", "No contact in hand."),
    ("tel_suggestions", "Schede suggerite", "Suggested items"),
    ("tel_queue", "Coda", "Queue"),
    ("tel_agents", "Operatori", "Agents"),
    ("tel_waiting", "In attesa", "Waiting"),
    ("tel_first_wait", "Attesa del primo", "Wait of the first"),
    ("tel_load", "Carico medio", "Average load"),
    ("tel_terminals", "Postazioni", "Terminals"),
    ("tel_offered", "Offerte", "Offered"),
    ("tel_answered", "Risposte", "Answered"),
    ("tel_abandoned", "Abbandonate", "Abandoned"),
    ("tel_within_30", "Risposte entro 30 s", "Answered within 30 s"),
    ("tel_asa", "Tempo medio di risposta", "Average speed of answer"),
    ("tel_aht", "Durata media di gestione", "Average handling time"),
    ("tel_today", "Oggi", "Today"),
    ("tel_chart", "Attesa in coda nella giornata", "Queue wait over the day"),
    ("tel_sampling", "Campionamento (secondi)", "Sampling (seconds)"),
    ("tel_print", "Versione stampabile", "Printable view"),
    ("tel_open", "Servizio aperto", "Service open"),
    ("tel_closed", "Fuori orario", "Out of service hours"),
    ("tel_calls_today", "Chiamate di oggi", "Calls today"),
    ("tel_no_line", "Rifiutate per linee occupate", "Refused, no free line"),
    ("tel_after_hours", "Fuori orario", "After hours"),
    ("tel_voicemails", "Messaggi in segreteria", "Voicemails"),
    ("tel_set_mode", "Assegna", "Assign"),
    ("tel_live", "aggiornamento in tempo reale", "live updates"),
];

/// The dictionary of `lang`, for templates (`{{ tr.search }}`).
pub fn dictionary(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    STRINGS.iter().map(|(k, it, en)| (*k, if lang == Lang::En { *en } else { *it })).collect()
}

/// One interface string.
pub fn tr(lang: Lang, key: &str) -> &'static str {
    STRINGS.iter().find(|(k, _, _)| *k == key).map(|(_, it, en)| if lang == Lang::En { *en } else { *it }).unwrap_or("")
}

/// Static assets: (path, content type, body).
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../static/app.js")),
    ("telephony.js", "text/javascript; charset=utf-8", include_str!("../static/telephony.js")),
];

/// `GET /static/{file}`.
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(p, _, _)| *p == file) {
        Some((_, ty, body)) => ([(header::CONTENT_TYPE, *ty), (header::CACHE_CONTROL, "public, max-age=3600")], *body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Sanitises HTML of an answer to a safe subset (no scripts, no event
/// handlers, no styles; links get `rel="noopener noreferrer"`). Plain text
/// keeps its line breaks.
pub fn safe_answer(text: &str) -> String {
    let looks_html = text.contains('<') && text.contains('>');
    if looks_html {
        ammonia::Builder::default()
            .tags(
                [
                    "b",
                    "strong",
                    "i",
                    "em",
                    "u",
                    "p",
                    "br",
                    "ul",
                    "ol",
                    "li",
                    "a",
                    "h3",
                    "h4",
                    "blockquote",
                    "code",
                    "table",
                    "thead",
                    "tbody",
                    "tr",
                    "th",
                    "td",
                ]
                .into(),
            )
            .link_rel(Some("noopener noreferrer"))
            .url_schemes(["http", "https", "mailto", "tel"].into())
            .clean(text)
            .to_string()
    } else {
        let escaped = escape(text);
        escaped.split('\n').map(|l| format!("<p>{l}</p>")).collect::<Vec<_>>().join("")
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// What went wrong, shown as a page (or as JSON to API clients) with the
/// right status; never a stack trace.
#[derive(Debug)]
pub enum AppError {
    /// 400 with a message.
    BadRequest(String),
    /// 401: not signed in (API clients).
    Unauthorized,
    /// 403 with the reason.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 409: someone else changed it, or a rule of the life cycle.
    Conflict(String),
    /// 413.
    TooLarge(String),
    /// 429: too many attempts.
    TooManyRequests(String),
    /// 503/504: timeouts.
    Timeout(String),
    /// 500: logged, shown as a generic message.
    Internal(String),
    /// A response prepared by the caller (redirects).
    Response(Response),
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Response(r) => r.status(),
        }
    }

    /// The message shown to the user.
    pub fn message(&self) -> String {
        match self {
            AppError::BadRequest(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::TooLarge(m)
            | AppError::TooManyRequests(m)
            | AppError::Timeout(m) => m.clone(),
            AppError::Unauthorized => "sign in first".into(),
            AppError::Internal(_) => "internal error: the details are in the server log".into(),
            AppError::Response(_) => String::new(),
        }
    }

    /// As a JSON response `{"error": {"status": …, "message": …}}`.
    pub fn into_json(self) -> Response {
        if let AppError::Response(r) = self {
            return r;
        }
        if let AppError::Internal(m) = &self {
            tracing::error!(error = %m, "internal error");
        }
        let status = self.status();
        (status, axum::Json(serde_json::json!({"error": {"status": status.as_u16(), "message": self.message()}}))).into_response()
    }
}

impl From<kb::Error> for AppError {
    fn from(e: kb::Error) -> Self {
        use kb::Error as E;
        match &e {
            E::Forbidden { .. } => AppError::Forbidden(e.to_string()),
            E::NotFound { .. } => AppError::NotFound(e.to_string()),
            E::AlreadyExists { .. } | E::IllegalTransition { .. } | E::StaleRevision { .. } | E::SelfApproval { .. } | E::InUse { .. } => {
                AppError::Conflict(e.to_string())
            }
            E::QueryTimeout { .. } => AppError::Timeout(e.to_string()),
            E::SparqlSyntax(_)
            | E::ResultTooLarge { .. }
            | E::RdfSyntax { .. }
            | E::InvalidIri { .. }
            | E::InvalidValue { .. }
            | E::MissingField { .. }
            | E::SparqlEvaluation(_)
            | E::SparqlUpdate(_) => AppError::BadRequest(e.to_string()),
            _ => AppError::Internal(e.to_string()),
        }
    }
}

impl From<crm::Error> for AppError {
    fn from(e: crm::Error) -> Self {
        use crm::Error as E;
        match e {
            E::Kb(k) => AppError::from(k),
            E::Forbidden { .. } => AppError::Forbidden(e.to_string()),
            E::NotFound { .. } => AppError::NotFound(e.to_string()),
            E::IllegalTransition { .. } | E::Stale { .. } => AppError::Conflict(e.to_string()),
            E::InvalidValue { .. } | E::MissingField { .. } => AppError::BadRequest(e.to_string()),
        }
    }
}

impl From<telephony::Error> for AppError {
    fn from(e: telephony::Error) -> Self {
        use telephony::Error as E;
        match e {
            E::Kb(k) => AppError::from(k),
            E::Crm(c) => AppError::from(c),
            E::Invalid { .. } => AppError::BadRequest(e.to_string()),
            E::NotFound { .. } => AppError::NotFound(e.to_string()),
            E::Conflict(m) => AppError::Conflict(m),
            E::Forbidden(m) => AppError::Forbidden(m),
            E::Stopped => AppError::Timeout(e.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::Internal(format!("background task failed: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Response(r) = self {
            return r;
        }
        if let AppError::Internal(m) = &self {
            tracing::error!(error = %m, "internal error");
        }
        let status = self.status();
        let message = self.message();
        // A minimal page that cannot fail (no template engine involved).
        let title = match status {
            StatusCode::NOT_FOUND => "Non trovato / Not found",
            StatusCode::FORBIDDEN => "Accesso negato / Forbidden",
            StatusCode::UNAUTHORIZED => "Accesso richiesto / Sign in",
            _ => "Errore / Error",
        };
        let body = format!(
            "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>{title}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
             <body><main class=\"narrow\"><h1>{code} — {title}</h1><p class=\"error\">{msg}</p><p><a href=\"/\">Torna alla ricerca / Back to search</a></p></main></body></html>",
            code = status.as_u16(),
            msg = escape(&message),
        );
        (status, Html(body)).into_response()
    }
}

/// Result of a page handler.
pub type PageResult = Result<Response, AppError>;
