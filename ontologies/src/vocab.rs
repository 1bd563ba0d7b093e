//! IRI constants of the vocabularies the platform uses.
//!
//! Each module holds the terms of one vocabulary as `&'static str`, so that
//! every crate spells an IRI once, here. The project's own terms (`cc`) are
//! declared, with labels, comments, domains and ranges, in
//! `ontologies/centralino.ttl`; a test checks that every constant of `cc`
//! is declared there.

/// Defines a module of IRI constants under one namespace.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $module:ident, $ns:literal, { $($(#[$tmeta:meta])* $name:ident = $local:literal),* $(,)? }) => {
        $(#[$meta])*
        pub mod $module {
            /// The namespace IRI.
            pub const NS: &str = $ns;
            $( $(#[$tmeta])* pub const $name: &str = concat!($ns, $local); )*
            /// Every term of this module, for checks and tooling.
            pub const ALL: &[&str] = &[$($name),*];
        }
    };
}

vocabulary!(
    /// The centralino ontology (`cc:`).
    cc, "https://w3id.org/centralino/ontology#", {
    /// Class: a knowledge item ("pillola di conoscenza").
    KNOWLEDGE_ITEM = "KnowledgeItem",
    /// Class: one immutable revision of a knowledge item's content.
    REVISION = "Revision",
    /// Class: the life-cycle state of an item or revision.
    STATE = "State",
    /// State individual: draft.
    DRAFT = "Draft",
    /// State individual: submitted for review.
    IN_REVIEW = "InReview",
    /// State individual: published (visible to operators).
    PUBLISHED = "Published",
    /// State individual: archived (withdrawn).
    ARCHIVED = "Archived",
    /// State individual: a revision replaced by a later one.
    SUPERSEDED = "Superseded",
    /// Class: level of an item (who can answer with it).
    LEVEL = "Level",
    /// Level individual: base (L1 can answer alone).
    LEVEL_BASE = "LevelBase",
    /// Level individual: advanced (needs L2 or an office).
    LEVEL_ADVANCED = "LevelAdvanced",
    /// Class: an activity on a knowledge item (a `prov:Activity`).
    ITEM_ACTIVITY = "ItemActivity",
    /// Class: a read of an item by a user (access log, KB-11).
    ACCESS = "Access",
    /// Class: a user account of the platform (a `prov:Agent`).
    USER_ACCOUNT = "UserAccount",
    /// Class: a change to the classification tree or organisation chart.
    CHANGE = "Change",
    /// Property: the frequently asked question an item answers.
    QUESTION = "question",
    /// Property: the answer text for the operator.
    ANSWER = "answer",
    /// Property: a free tag.
    TAG = "tag",
    /// Property: the competent office (an `org:Organization`).
    COMPETENT_OFFICE = "competentOffice",
    /// Property: the contact person (a `vcard:Individual`).
    CONTACT_PERSON = "contactPerson",
    /// Property: a legal reference (text).
    LEGAL_REFERENCE = "legalReference",
    /// Property: a web link (IRI).
    WEB_LINK = "webLink",
    /// Property: a form or attachment to send to citizens (name or URL).
    FORM = "form",
    /// Property: first day of validity.
    VALID_FROM = "validFrom",
    /// Property: last day of validity.
    VALID_UNTIL = "validUntil",
    /// Property: the item's level.
    LEVEL_PROP = "level",
    /// Property: the audience (a concept of the audience scheme).
    AUDIENCE = "audience",
    /// Property: the life-cycle state.
    STATE_PROP = "state",
    /// Property: the item a revision belongs to.
    REVISION_OF = "revisionOf",
    /// Property: number of a revision within its item.
    REVISION_NUMBER = "revisionNumber",
    /// Property: the revision currently published for an item.
    PUBLISHED_REVISION = "publishedRevision",
    /// Property: the revision being worked on (draft or in review).
    WORKING_REVISION = "workingRevision",
    /// Property: highest revision number allocated for an item.
    LAST_REVISION_NUMBER = "lastRevisionNumber",
    /// Property: kind of an activity (create, edit, submit, ...).
    ACTIVITY_KIND = "activityKind",
    /// Property: the item an activity or access is about.
    ON_ITEM = "onItem",
    /// Property: the resource a change is about.
    ON_RESOURCE = "onResource",
    /// Property: the user who read an item.
    READER = "reader",
    /// Property: the concept of the accessed item (for statistics by area).
    ACCESSED_CONCEPT = "accessedConcept",
    /// Property: an account's login name.
    USERNAME = "username",
    /// Property: an account's role.
    ROLE = "role",
    /// Property: an account's argon2 password hash.
    PASSWORD_HASH = "passwordHash",
    /// Property: an account is disabled.
    DISABLED = "disabled",
    /// Class: an API token of an account (for integrations and analysts' tools).
    API_TOKEN_CLASS = "ApiToken",
    /// Property: an account's API token.
    API_TOKEN = "apiToken",
    /// Property: the SHA-256 hash of an API token (never the token itself).
    TOKEN_HASH = "tokenHash",
    /// Property: a person's functions (what they do).
    FUNCTIONS = "functions",
    /// Property: telephone extension of a person or office.
    EXTENSION = "extension",
    /// Property: room or location.
    ROOM = "room",
    /// Property: a concept merged into another one.
    MERGED_INTO = "mergedInto",
    /// Property: the state a transition started from.
    FROM_STATE = "fromState",
    /// Property: the state a transition led to.
    TO_STATE = "toState",
    /// Property: a structure's competences (text).
    COMPETENCES = "competences",
    /// Property: a structure's code in the organisation chart.
    STRUCTURE_CODE = "structureCode",
    /// Property: a person's staff number ("matricola").
    STAFF_NUMBER = "staffNumber",
    /// Property: a structure's type (department, service, office).
    STRUCTURE_TYPE = "structureType",
    /// Property: a snapshot of a resource description (Turtle), kept in audit.
    SNAPSHOT = "snapshot",
    /// Property: the write generation of the knowledge base (search index freshness).
    GENERATION = "generation",
    // --- Telephony: contact events (DESIGN.md, "Contact life cycle") ---
    /// Class: one event of a contact's life cycle (offered, queued, answered...).
    CONTACT_EVENT = "ContactEvent",
    /// Class: a phone call.
    CALL = "Call",
    /// Property: the life-cycle step an event records (offered, queued, answered...).
    EVENT_TYPE = "eventType",
    /// Property: the local service day of an event.
    EVENT_DAY = "eventDay",
    /// Property: the event as received or emitted, JSON, complete.
    RAW_EVENT = "rawEvent",
    /// Property: the call an event belongs to.
    ABOUT_CALL = "aboutCall",
    /// Property: the agent (operator's user name) of an event.
    AGENT_NAME = "agentName",
    /// Property: the ACD queue number of an event.
    QUEUE_NUMBER = "queueNumber",
    /// Property: the ticket an event is linked to.
    ABOUT_TICKET = "aboutTicket",
    /// Property: the CRM contact an event is linked to.
    ABOUT_CONTACT = "aboutContact",
    /// Property: what the engine noticed about an event (late, unknown call...).
    EVENT_FLAG = "eventFlag",
    /// Property: the search text that led a user to read an item.
    QUERY_TEXT = "queryText",
    /// Class: a SPARQL query an account saved under a name (kept in the accounts graph).
    SAVED_QUERY_CLASS = "SavedQuery",
    /// Property: a saved SPARQL query of an account.
    SAVED_QUERY = "savedQuery",
    /// Property: the text of a saved SPARQL query.
    SPARQL_TEXT = "sparqlText",
    /// Class: service request ticket.
    TICKET = "Ticket",
    /// Class: ticket state.
    TICKET_STATE = "TicketState",
    /// Class: channel.
    CHANNEL_CLASS = "Channel",
    /// Class: ticket activity.
    TICKET_ACTIVITY = "TicketActivity",
    /// Class: call-back.
    CALL_BACK = "CallBack",
    /// Class: return-call request.
    RETURN_CALL_REQUEST = "ReturnCallRequest",
    /// State individual: new.
    TICKET_NEW = "TicketNew",
    /// State individual: at first level.
    TICKET_AT_L1 = "TicketAtL1",
    /// State individual: in the second-level inbox.
    TICKET_L2_INBOX = "TicketL2Inbox",
    /// State individual: at second level.
    TICKET_AT_L2 = "TicketAtL2",
    /// State individual: forwarded to an office.
    TICKET_AT_OFFICE = "TicketAtOffice",
    /// State individual: answered by the office.
    TICKET_OFFICE_ANSWERED = "TicketOfficeAnswered",
    /// State individual: in third-level triage.
    TICKET_L3_TRIAGE = "TicketL3Triage",
    /// State individual: incomplete request.
    TICKET_INCOMPLETE = "TicketIncomplete",
    /// State individual: closed.
    TICKET_CLOSED = "TicketClosed",
    /// State individual: rejected.
    TICKET_REJECTED = "TicketRejected",
    /// Channel individual: phone.
    CHANNEL_PHONE = "ChannelPhone",
    /// Channel individual: e-mail.
    CHANNEL_EMAIL = "ChannelEmail",
    /// Channel individual: fax.
    CHANNEL_FAX = "ChannelFax",
    /// Channel individual: voicemail.
    CHANNEL_VOICEMAIL = "ChannelVoicemail",
    /// Channel individual: web form.
    CHANNEL_WEB_FORM = "ChannelWebForm",
    /// Channel individual: other.
    CHANNEL_OTHER = "ChannelOther",
    /// State individual: ticket state.
    TICKET_STATE_PROP = "ticketState",
    /// Property: channel.
    CHANNEL = "channel",
    /// Property: requester.
    REQUESTER = "requester",
    /// Property: related contact.
    RELATED_CONTACT = "relatedContact",
    /// Property: related ticket.
    RELATED_TICKET = "relatedTicket",
    /// Property: related resource.
    RELATED_RESOURCE = "relatedResource",
    /// Property: priority.
    PRIORITY = "priority",
    /// Property: taken in charge at.
    TAKEN_IN_CHARGE_AT = "takenInChargeAt",
    /// Property: closed at.
    CLOSED_AT = "closedAt",
    /// Property: answer given.
    ANSWER_GIVEN = "answerGiven",
    /// Property: resolved at level.
    RESOLVED_AT_LEVEL = "resolvedAtLevel",
    /// Property: first-contact resolution.
    FIRST_CONTACT_RESOLUTION = "firstContactResolution",
    /// Property: incomplete request.
    INCOMPLETE_REQUEST = "incompleteRequest",
    /// Property: data requests.
    DATA_REQUESTS = "dataRequests",
    /// Property: assigned office.
    ASSIGNED_OFFICE = "assignedOffice",
    /// Property: assignee.
    ASSIGNEE = "assignee",
    /// Property: knowledge item used.
    USED_ITEM = "usedItem",
    /// Property: version.
    VERSION = "version",
    /// Property: last ticket number.
    LAST_TICKET_NUMBER = "lastTicketNumber",
    /// Property: on ticket.
    ON_TICKET = "onTicket",
    /// Property: to office.
    TO_OFFICE = "toOffice",
    /// Property: suggested office.
    SUGGESTED_OFFICE = "suggestedOffice",
    /// Property: due at.
    DUE_AT = "dueAt",
    /// Property: done at.
    DONE_AT = "doneAt",
    /// Property: outcome.
    OUTCOME = "outcome",
    /// Property: caller.
    CALLER = "caller",
    /// Property: for person.
    FOR_PERSON = "forPerson",
    /// Property: call-back number.
    CALLBACK_NUMBER = "callbackNumber",
    /// Property: contact merged into.
    CONTACT_MERGED_INTO = "contactMergedInto",
    /// Property: client key of a ticket recorded by a browser (offline capture).
    CLIENT_KEY = "clientKey",
    /// Class: attachment.
    ATTACHMENT = "Attachment",
    /// Property: size in bytes.
    BYTE_SIZE = "byteSize",
    /// Property: SHA-256 digest.
    SHA256 = "sha256",
    /// Property: e-mail subject.
    EMAIL_SUBJECT = "emailSubject",
    /// Property: e-mail sender.
    EMAIL_FROM = "emailFrom",
    /// Property: e-mail date.
    EMAIL_DATE = "emailDate",
    /// Class: outgoing message.
    OUTGOING_MESSAGE = "OutgoingMessage",
    /// Property: message kind.
    MESSAGE_KIND = "messageKind",
    /// Property: message body.
    MESSAGE_BODY = "messageBody",
    /// Property: delivery status.
    DELIVERY_STATUS = "deliveryStatus",
    /// Property: delivery attempts.
    ATTEMPTS = "attempts",
    /// Property: last delivery error.
    LAST_ERROR = "lastError",
    /// Property: next delivery attempt.
    NEXT_ATTEMPT_AT = "nextAttemptAt",
    // --- Announcements of the IVR (TEL-3) ---
    /// Class: an announcement of the IVR (welcome, queue, after hours, music on hold).
    ANNOUNCEMENT = "Announcement",
    /// Class: one uploaded recording of an announcement.
    ANNOUNCEMENT_VERSION = "AnnouncementVersion",
    /// Property: the kind of an announcement (welcome, queue, after_hours, music_on_hold, other).
    ANNOUNCEMENT_KIND = "announcementKind",
    /// Property: a day of the week of a welcome announcement's time band (mon ... sun).
    BAND_DAY = "bandDay",
    /// Property: local time a welcome announcement's time band starts (HH:MM).
    BAND_FROM = "bandFrom",
    /// Property: local time a welcome announcement's time band ends (HH:MM, excluded).
    BAND_TO = "bandTo",
    /// Property: the version of an announcement the IVR plays.
    ACTIVE_VERSION = "activeVersion",
    /// Property: highest version number allocated for an announcement.
    LAST_VERSION_NUMBER = "lastVersionNumber",
    /// Property: the announcement a version belongs to.
    VERSION_OF_ANNOUNCEMENT = "versionOfAnnouncement",
    /// Property: number of a version within its announcement.
    VERSION_NUMBER = "versionNumber",
    /// Property: SHA-256 digest of a recording.
    AUDIO_SHA256 = "audioSha256",
    /// Property: size of a recording in bytes.
    AUDIO_BYTE_SIZE = "audioByteSize",
    /// Property: sample encoding of a recording (pcm, alaw, ulaw).
    AUDIO_FORMAT = "audioFormat",
    /// Property: number of channels of a recording.
    AUDIO_CHANNELS = "audioChannels",
    /// Property: sample rate of a recording in hertz.
    SAMPLE_RATE = "sampleRate",
    /// Property: bits per sample of a recording.
    BITS_PER_SAMPLE = "bitsPerSample",
    /// Property: duration of a recording in milliseconds.
    DURATION_MS = "durationMs",
    // --- end of announcements (TEL-3) ---
});

vocabulary!(
    /// RDF.
    rdf, "http://www.w3.org/1999/02/22-rdf-syntax-ns#", {
    /// rdf:type.
    TYPE = "type",
    /// rdf:Property.
    PROPERTY = "Property",
    /// rdf:langString.
    LANG_STRING = "langString",
});

vocabulary!(
    /// RDF Schema.
    rdfs, "http://www.w3.org/2000/01/rdf-schema#", {
    /// rdfs:subClassOf.
    SUB_CLASS_OF = "subClassOf",
    /// rdfs:subPropertyOf.
    SUB_PROPERTY_OF = "subPropertyOf",
    /// rdfs:domain.
    DOMAIN = "domain",
    /// rdfs:range.
    RANGE = "range",
    /// rdfs:label.
    LABEL = "label",
    /// rdfs:comment.
    COMMENT = "comment",
    /// rdfs:Class.
    CLASS = "Class",
    /// rdfs:Resource.
    RESOURCE = "Resource",
    /// rdfs:Literal.
    LITERAL = "Literal",
    /// rdfs:seeAlso.
    SEE_ALSO = "seeAlso",
});

vocabulary!(
    /// OWL 2.
    owl, "http://www.w3.org/2002/07/owl#", {
    /// owl:inverseOf.
    INVERSE_OF = "inverseOf",
    /// owl:TransitiveProperty.
    TRANSITIVE_PROPERTY = "TransitiveProperty",
    /// owl:SymmetricProperty.
    SYMMETRIC_PROPERTY = "SymmetricProperty",
    /// owl:equivalentClass.
    EQUIVALENT_CLASS = "equivalentClass",
    /// owl:equivalentProperty.
    EQUIVALENT_PROPERTY = "equivalentProperty",
    /// owl:Class.
    CLASS = "Class",
    /// owl:ObjectProperty.
    OBJECT_PROPERTY = "ObjectProperty",
    /// owl:DatatypeProperty.
    DATATYPE_PROPERTY = "DatatypeProperty",
    /// owl:Ontology.
    ONTOLOGY = "Ontology",
    /// owl:versionInfo.
    VERSION_INFO = "versionInfo",
});

vocabulary!(
    /// XML Schema datatypes.
    xsd, "http://www.w3.org/2001/XMLSchema#", {
    /// xsd:string.
    STRING = "string",
    /// xsd:date.
    DATE = "date",
    /// xsd:dateTime.
    DATE_TIME = "dateTime",
    /// xsd:integer.
    INTEGER = "integer",
    /// xsd:boolean.
    BOOLEAN = "boolean",
    /// xsd:anyURI.
    ANY_URI = "anyURI",
});

vocabulary!(
    /// SKOS.
    skos, "http://www.w3.org/2004/02/skos/core#", {
    /// skos:Concept.
    CONCEPT = "Concept",
    /// skos:ConceptScheme.
    CONCEPT_SCHEME = "ConceptScheme",
    /// skos:prefLabel.
    PREF_LABEL = "prefLabel",
    /// skos:altLabel.
    ALT_LABEL = "altLabel",
    /// skos:hiddenLabel.
    HIDDEN_LABEL = "hiddenLabel",
    /// skos:broader.
    BROADER = "broader",
    /// skos:narrower.
    NARROWER = "narrower",
    /// skos:broaderTransitive.
    BROADER_TRANSITIVE = "broaderTransitive",
    /// skos:narrowerTransitive.
    NARROWER_TRANSITIVE = "narrowerTransitive",
    /// skos:inScheme.
    IN_SCHEME = "inScheme",
    /// skos:topConceptOf.
    TOP_CONCEPT_OF = "topConceptOf",
    /// skos:hasTopConcept.
    HAS_TOP_CONCEPT = "hasTopConcept",
    /// skos:notation.
    NOTATION = "notation",
    /// skos:definition.
    DEFINITION = "definition",
    /// skos:scopeNote.
    SCOPE_NOTE = "scopeNote",
});

vocabulary!(
    /// DCMI terms.
    dcterms, "http://purl.org/dc/terms/", {
    /// dcterms:identifier.
    IDENTIFIER = "identifier",
    /// dcterms:title.
    TITLE = "title",
    /// dcterms:subject.
    SUBJECT = "subject",
    /// dcterms:created.
    CREATED = "created",
    /// dcterms:modified.
    MODIFIED = "modified",
    /// dcterms:format (a MIME type).
    FORMAT = "format",
    /// dcterms:isPartOf.
    IS_PART_OF = "isPartOf",
    /// dcterms:creator.
    CREATOR = "creator",
    /// dcterms:references.
    REFERENCES = "references",
    /// dcterms:description.
    DESCRIPTION = "description",
});

vocabulary!(
    /// PROV-O.
    prov, "http://www.w3.org/ns/prov#", {
    /// prov:Activity.
    ACTIVITY = "Activity",
    /// prov:Agent.
    AGENT = "Agent",
    /// prov:Entity.
    ENTITY = "Entity",
    /// prov:wasAssociatedWith.
    WAS_ASSOCIATED_WITH = "wasAssociatedWith",
    /// prov:wasAttributedTo.
    WAS_ATTRIBUTED_TO = "wasAttributedTo",
    /// prov:wasGeneratedBy.
    WAS_GENERATED_BY = "wasGeneratedBy",
    /// prov:wasRevisionOf.
    WAS_REVISION_OF = "wasRevisionOf",
    /// prov:wasDerivedFrom.
    WAS_DERIVED_FROM = "wasDerivedFrom",
    /// prov:used.
    USED = "used",
    /// prov:startedAtTime.
    STARTED_AT_TIME = "startedAtTime",
    /// prov:endedAtTime.
    ENDED_AT_TIME = "endedAtTime",
    /// prov:atTime.
    AT_TIME = "atTime",
    /// prov:generatedAtTime.
    GENERATED_AT_TIME = "generatedAtTime",
});

vocabulary!(
    /// W3C vCard ontology.
    vcard, "http://www.w3.org/2006/vcard/ns#", {
    /// vcard:Individual.
    INDIVIDUAL = "Individual",
    /// vcard:Organization.
    ORGANIZATION = "Organization",
    /// vcard:fn (formatted name).
    FN = "fn",
    /// vcard:given-name.
    GIVEN_NAME = "given-name",
    /// vcard:family-name.
    FAMILY_NAME = "family-name",
    /// vcard:hasEmail.
    HAS_EMAIL = "hasEmail",
    /// vcard:hasTelephone.
    HAS_TELEPHONE = "hasTelephone",
    /// vcard:role.
    ROLE = "role",
    /// vcard:title.
    TITLE = "title",
    /// vcard:note.
    NOTE = "note",
    /// vcard:organization-name.
    ORGANIZATION_NAME = "organization-name",
});

vocabulary!(
    /// W3C Organization ontology.
    org, "http://www.w3.org/ns/org#", {
    /// org:Organization.
    ORGANIZATION = "Organization",
    /// org:OrganizationalUnit.
    ORGANIZATIONAL_UNIT = "OrganizationalUnit",
    /// org:FormalOrganization.
    FORMAL_ORGANIZATION = "FormalOrganization",
    /// org:Membership.
    MEMBERSHIP = "Membership",
    /// org:subOrganizationOf.
    SUB_ORGANIZATION_OF = "subOrganizationOf",
    /// org:hasSubOrganization.
    HAS_SUB_ORGANIZATION = "hasSubOrganization",
    /// org:transitiveSubOrganizationOf.
    TRANSITIVE_SUB_ORGANIZATION_OF = "transitiveSubOrganizationOf",
    /// org:unitOf.
    UNIT_OF = "unitOf",
    /// org:hasUnit.
    HAS_UNIT = "hasUnit",
    /// org:memberOf.
    MEMBER_OF = "memberOf",
    /// org:hasMember.
    HAS_MEMBER = "hasMember",
    /// org:headOf.
    HEAD_OF = "headOf",
    /// org:purpose.
    PURPOSE = "purpose",
    /// org:classification.
    CLASSIFICATION = "classification",
    /// org:identifier.
    IDENTIFIER = "identifier",
    /// org:hasSite.
    HAS_SITE = "hasSite",
});

vocabulary!(
    /// schema.org.
    schema, "https://schema.org/", {
    /// schema:Question.
    QUESTION = "Question",
    /// schema:Answer.
    ANSWER = "Answer",
    /// schema:FAQPage.
    FAQ_PAGE = "FAQPage",
    /// schema:validFrom.
    VALID_FROM = "validFrom",
    /// schema:validThrough.
    VALID_THROUGH = "validThrough",
    /// schema:url.
    URL = "url",
    /// schema:telephone.
    TELEPHONE = "telephone",
    /// schema:email.
    EMAIL = "email",
});
