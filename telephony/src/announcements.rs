//! The announcement registry of the IVR (TEL-3): welcome, queue,
//! after-hours messages and music on hold, uploaded as WAV files.
//!
//! An announcement has a slug name, a title and a kind; a welcome
//! announcement may have a time band (days of the week and local hours),
//! so that the welcome differs by time of day. Each upload is a new
//! numbered version (validated by [`crate::validate_wav`]) that becomes
//! the active one; supervisors listen to versions, switch back to an older
//! one, delete versions or the whole announcement, back up the registry as
//! one zip archive and restore it.
//!
//! Metadata lives in the `telephony` graph (`cc:Announcement`,
//! `cc:AnnouncementVersion`), written through [`Kb::write_with`]: one
//! transaction per operation, so a refused operation changes nothing.
//! Audio is stored once, content-addressed by SHA-256 in `blobs/` of the
//! data directory (the store the CRM's attachments use), written to a
//! temporary file and renamed, so a blob is whole or absent. Blobs are
//! never removed here: the same bytes may be a CRM attachment or another
//! version, and a removal could race with an upload of the same bytes.
//!
//! [`Announcements::pick`] answers the IVR engine: which announcement a
//! caller hears now, as a [`Heard`] the engine records with the call.

mod archive;
mod model;

pub use model::{Announcement, AnnouncementKind, AnnouncementVersion, Heard, TimeBand};

use crate::error::{Error, Result};
use crate::wav::{AudioFormat, WavInfo, WavLimits, validate_wav};
use chrono::{DateTime, Utc};
use kb::rdf::{Reader, lit, lit_datetime, lit_int, nn, term_datetime, term_value};
use kb::{Actor, Graph, Kb, Role, WriteTx};
use ontologies::vocab::{cc, dcterms, prov, rdf};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::io::Write;
use std::path::PathBuf;

/// Who manages announcements: upload, activate, bands, delete, back up, restore.
pub const ANNOUNCEMENT_MANAGERS: &[Role] = &[Role::Admin, Role::Supervisor];
/// Who may list and listen to announcements.
pub const ANNOUNCEMENT_LISTENERS: &[Role] = &[Role::Admin, Role::Supervisor, Role::OperatorL1, Role::OperatorL2];

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// The limits of the registry (`with_limits` to change them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnnouncementLimits {
    /// Each WAV file: largest size and longest duration.
    pub wav: WavLimits,
    /// A backup archive being restored: largest size, and largest total of
    /// its entries once inflated (zip bombs are cut off at this size).
    pub max_restore_bytes: u64,
    /// A backup archive being restored: most entries.
    pub max_restore_entries: usize,
}

impl Default for AnnouncementLimits {
    fn default() -> Self {
        Self { wav: WavLimits::default(), max_restore_bytes: 256 * 1024 * 1024, max_restore_entries: 2000 }
    }
}

/// The registry over a knowledge base: cheap to build, stateless (all
/// state is in the graph and the blob store).
#[derive(Debug, Clone)]
pub struct Announcements {
    kb: Kb,
    limits: AnnouncementLimits,
}

/// Fails with [`Error::Forbidden`] unless the actor holds one of `roles`.
fn require(actor: &Actor, action: &str, roles: &[Role]) -> Result<()> {
    if actor.roles.has_any(roles) {
        Ok(())
    } else {
        let needed = roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        Err(Error::Forbidden(format!("permission denied: {action} needs one of the roles {needed}")))
    }
}

/// Checks an announcement's name: 1 to 64 characters among `a-z`, `0-9`
/// and `-`, starting and ending with a letter or digit.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            format!(
                "{name:?}: use 1 to {MAX_NAME_CHARS} characters among a-z, 0-9 and '-', starting and ending with a letter or digit (e.g. benvenuto-mattina)"
            ),
        ))
    }
}

/// A title: trimmed, not blank, no control characters, at most [`MAX_TITLE_CHARS`].
fn clean_title(title: &str) -> Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(Error::invalid("title", "the title is empty"));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::invalid("title", "the title contains control characters (line breaks, tabs)"));
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(Error::invalid("title", format!("the title is longer than {MAX_TITLE_CHARS} characters")));
    }
    Ok(t.to_owned())
}

/// The lowercase hexadecimal SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Announcements {
    /// The registry of `kb`, with the default limits.
    pub fn new(kb: &Kb) -> Self {
        Self { kb: kb.clone(), limits: AnnouncementLimits::default() }
    }

    /// The same registry with other limits.
    pub fn with_limits(mut self, limits: AnnouncementLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &AnnouncementLimits {
        &self.limits
    }

    // ------------------------------------------------------------ storage

    fn graph(&self) -> NamedNode {
        self.kb.graph(Graph::Telephony).into_owned()
    }

    fn prefix(&self) -> String {
        self.kb.iri("id/announcement/").into_string()
    }

    fn announcement_iri(&self, name: &str) -> NamedNode {
        self.kb.iri(&format!("id/announcement/{name}"))
    }

    fn version_iri(&self, name: &str, number: u32) -> NamedNode {
        self.kb.iri(&format!("id/announcement/{name}/v/{number}"))
    }

    fn blob_path(&self, sha: &str) -> PathBuf {
        self.kb.data_dir().join("blobs").join(&sha[..2]).join(sha)
    }

    /// Writes `bytes` content-addressed (temporary file, then rename);
    /// returns the SHA-256.
    fn store_blob(&self, bytes: &[u8]) -> Result<String> {
        let sha = sha256_hex(bytes);
        let path = self.blob_path(&sha);
        if path.exists() {
            return Ok(sha);
        }
        let io = |e: std::io::Error| Error::Kb(kb::Error::Io { path: path.clone(), source: e });
        let dir = path.parent().map(PathBuf::from).unwrap_or_else(|| self.kb.data_dir().join("blobs"));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(e));
        }
        Ok(sha)
    }

    /// Reads a blob back, checking it still has its digest.
    fn read_blob(&self, sha: &str) -> Result<Vec<u8>> {
        let path = self.blob_path(sha);
        let bytes = std::fs::read(&path).map_err(|e| Error::Kb(kb::Error::Io { path: path.clone(), source: e }))?;
        if sha256_hex(&bytes) != sha {
            let e =
                std::io::Error::new(std::io::ErrorKind::InvalidData, "the stored audio does not match its SHA-256: the file is damaged");
            return Err(Error::Kb(kb::Error::Io { path, source: e }));
        }
        Ok(bytes)
    }

    /// Writes every triple of `a` and its versions.
    fn insert(&self, w: &mut WriteTx<'_>, a: &Announcement) {
        let g = self.graph();
        let s = self.announcement_iri(&a.name);
        let mut add = |s: &NamedNode, p: &'static str, o: Term| w.insert(&Quad::new(s.clone(), nn(p), o, g.clone()));
        add(&s, rdf::TYPE, nn(cc::ANNOUNCEMENT).into_owned().into());
        add(&s, dcterms::IDENTIFIER, lit(&a.name).into());
        add(&s, dcterms::TITLE, lit(&a.title).into());
        add(&s, cc::ANNOUNCEMENT_KIND, lit(a.kind.as_str()).into());
        add(&s, cc::LAST_VERSION_NUMBER, lit_int(u64::from(a.last_version)).into());
        add(&s, cc::ACTIVE_VERSION, self.version_iri(&a.name, a.active).into());
        if let Some(b) = &a.band {
            for d in b.day_names() {
                add(&s, cc::BAND_DAY, lit(d).into());
            }
            add(&s, cc::BAND_FROM, lit(&b.from_hhmm()).into());
            add(&s, cc::BAND_TO, lit(&b.to_hhmm()).into());
        }
        for v in &a.versions {
            let vs = self.version_iri(&a.name, v.number);
            add(&vs, rdf::TYPE, nn(cc::ANNOUNCEMENT_VERSION).into_owned().into());
            add(&vs, cc::VERSION_OF_ANNOUNCEMENT, s.clone().into());
            add(&vs, cc::VERSION_NUMBER, lit_int(u64::from(v.number)).into());
            add(&vs, cc::AUDIO_SHA256, lit(&v.sha256).into());
            add(&vs, cc::AUDIO_BYTE_SIZE, lit_int(v.size).into());
            add(&vs, cc::AUDIO_FORMAT, lit(v.info.format.as_str()).into());
            add(&vs, cc::AUDIO_CHANNELS, lit_int(u64::from(v.info.channels)).into());
            add(&vs, cc::SAMPLE_RATE, lit_int(u64::from(v.info.sample_rate)).into());
            add(&vs, cc::BITS_PER_SAMPLE, lit_int(u64::from(v.info.bits_per_sample)).into());
            add(&vs, cc::DURATION_MS, lit_int(v.info.duration_ms).into());
            add(&vs, prov::WAS_ATTRIBUTED_TO, self.kb.agent_iri(&v.uploaded_by).into());
            add(&vs, prov::GENERATED_AT_TIME, lit_datetime(v.uploaded_at).into());
        }
    }

    /// Removes every triple of the announcement `name` and its versions.
    fn remove(&self, w: &mut WriteTx<'_>, name: &str) -> Result<()> {
        let g = self.graph();
        let s = self.announcement_iri(name);
        for q in w.quads(None, Some(nn(cc::VERSION_OF_ANNOUNCEMENT)), Some(s.as_ref().into()), Some(g.as_ref().into()))? {
            if let NamedOrBlankNode::NamedNode(v) = q.subject {
                w.remove_subject(v.as_ref(), g.as_ref())?;
            }
        }
        w.remove_subject(s.as_ref(), g.as_ref())?;
        Ok(())
    }

    /// Replaces the stored announcement with `a` (same name).
    fn rewrite(&self, w: &mut WriteTx<'_>, a: &Announcement) -> Result<()> {
        self.remove(w, &a.name)?;
        self.insert(w, a);
        Ok(())
    }

    fn read_version(&self, r: &impl Reader, iri: &NamedNode) -> Result<Option<AnnouncementVersion>> {
        let quads = r.quads(Some(iri.as_ref().into()), None, None, Some(self.graph().as_ref().into()))?;
        if quads.is_empty() {
            return Ok(None);
        }
        let mut v = AnnouncementVersion {
            number: 0,
            sha256: String::new(),
            size: 0,
            info: WavInfo { format: AudioFormat::Pcm, channels: 0, sample_rate: 0, bits_per_sample: 0, duration_ms: 0 },
            uploaded_by: String::new(),
            uploaded_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        let agents = self.kb.agent_iri("").into_string();
        for q in &quads {
            let val = term_value(&q.object);
            match q.predicate.as_str() {
                cc::VERSION_NUMBER => v.number = val.parse().unwrap_or(0),
                cc::AUDIO_SHA256 => v.sha256 = val.to_owned(),
                cc::AUDIO_BYTE_SIZE => v.size = val.parse().unwrap_or(0),
                cc::AUDIO_FORMAT => v.info.format = AudioFormat::parse(val).unwrap_or(AudioFormat::Pcm),
                cc::AUDIO_CHANNELS => v.info.channels = val.parse().unwrap_or(0),
                cc::SAMPLE_RATE => v.info.sample_rate = val.parse().unwrap_or(0),
                cc::BITS_PER_SAMPLE => v.info.bits_per_sample = val.parse().unwrap_or(0),
                cc::DURATION_MS => v.info.duration_ms = val.parse().unwrap_or(0),
                prov::WAS_ATTRIBUTED_TO => v.uploaded_by = val.strip_prefix(agents.as_str()).unwrap_or(val).to_owned(),
                prov::GENERATED_AT_TIME => v.uploaded_at = term_datetime(&q.object).unwrap_or(v.uploaded_at),
                _ => {}
            }
        }
        Ok((v.number > 0 && is_sha256_hex(&v.sha256)).then_some(v))
    }

    /// The announcement `name` as stored, if any.
    fn read(&self, r: &impl Reader, name: &str) -> Result<Option<Announcement>> {
        let g = self.graph();
        let s = self.announcement_iri(name);
        let quads = r.quads(Some(s.as_ref().into()), None, None, Some(g.as_ref().into()))?;
        if !quads.iter().any(|q| q.predicate.as_str() == rdf::TYPE && term_value(&q.object) == cc::ANNOUNCEMENT) {
            return Ok(None);
        }
        let mut versions = Vec::new();
        for q in r.quads(None, Some(nn(cc::VERSION_OF_ANNOUNCEMENT)), Some(s.as_ref().into()), Some(g.as_ref().into()))? {
            if let NamedOrBlankNode::NamedNode(v) = &q.subject {
                versions.extend(self.read_version(r, v)?);
            }
        }
        versions.sort_by_key(|v| v.number);
        let (mut title, mut kind, mut active, mut last) = (String::new(), AnnouncementKind::Other, 0, 0);
        let (mut days, mut from, mut to) = (Vec::new(), None, None);
        for q in &quads {
            let val = term_value(&q.object);
            match q.predicate.as_str() {
                dcterms::TITLE => title = val.to_owned(),
                cc::ANNOUNCEMENT_KIND => kind = val.parse().unwrap_or(AnnouncementKind::Other),
                cc::LAST_VERSION_NUMBER => last = val.parse().unwrap_or(0),
                cc::ACTIVE_VERSION => active = val.rsplit('/').next().and_then(|n| n.parse().ok()).unwrap_or(0),
                cc::BAND_DAY => days.push(val.to_owned()),
                cc::BAND_FROM => from = Some(val.to_owned()),
                cc::BAND_TO => to = Some(val.to_owned()),
                _ => {}
            }
        }
        let band = match (from, to) {
            (Some(f), Some(t)) => TimeBand::parse(&days, &f, &t).ok(),
            _ => None,
        };
        let last = versions.iter().map(|v| v.number).max().unwrap_or(0).max(last);
        Ok(Some(Announcement { name: name.to_owned(), title, kind, band, active, last_version: last, versions }))
    }

    /// Every stored announcement, by name.
    fn read_all(&self, r: &impl Reader) -> Result<Vec<Announcement>> {
        let g = self.graph();
        let prefix = self.prefix();
        let typed = r.quads(None, Some(nn(rdf::TYPE)), Some(nn(cc::ANNOUNCEMENT).into()), Some(g.as_ref().into()))?;
        let mut names: Vec<String> = typed
            .into_iter()
            .filter_map(|q| match q.subject {
                NamedOrBlankNode::NamedNode(n) => n.as_str().strip_prefix(prefix.as_str()).map(str::to_owned),
                NamedOrBlankNode::BlankNode(_) => None,
            })
            .filter(|n| validate_name(n).is_ok())
            .collect();
        names.sort();
        names.dedup();
        let mut out = Vec::new();
        for n in names {
            out.extend(self.read(r, &n)?);
        }
        Ok(out)
    }

    /// The announcement `name` in a write, or [`Error::NotFound`].
    fn existing(&self, w: &WriteTx<'_>, name: &str) -> Result<Announcement> {
        if validate_name(name).is_err() {
            return Err(Error::not_found("announcement", name));
        }
        self.read(w, name)?.ok_or_else(|| Error::not_found("announcement", name))
    }

    // --------------------------------------------------------- operations

    /// Uploads a recording: a new announcement (version 1), or a new
    /// version of an existing one, which becomes the active version. A
    /// blank title keeps the existing announcement's title; the kind of an
    /// existing announcement cannot change; the same bytes as an existing
    /// version are refused (activate that version instead).
    #[tracing::instrument(skip_all, err, fields(actor = %actor.username, name = %name))]
    pub fn upload(&self, actor: &Actor, name: &str, title: &str, kind: AnnouncementKind, bytes: &[u8]) -> Result<Announcement> {
        require(actor, "uploading announcements", ANNOUNCEMENT_MANAGERS)?;
        let name = name.trim();
        validate_name(name)?;
        let title = if title.trim().is_empty() { None } else { Some(clean_title(title)?) };
        let info = validate_wav(bytes, &self.limits.wav)?;
        let sha = self.store_blob(bytes)?;
        let now = Utc::now();
        let a = self.kb.write_with(|w| {
            let mut a = match self.read(w, name)? {
                Some(a) => {
                    if a.kind != kind {
                        return Err(Error::Conflict(format!(
                            "announcement {name:?} is of kind {}, not {}: upload under another name, or delete it first",
                            a.kind, kind
                        )));
                    }
                    if let Some(same) = a.versions.iter().find(|v| v.sha256 == sha) {
                        return Err(Error::Conflict(format!(
                            "this file is identical to version {} of {name:?}: activate that version instead",
                            same.number
                        )));
                    }
                    a
                }
                None => Announcement {
                    name: name.to_owned(),
                    title: title.clone().ok_or_else(|| Error::invalid("title", "a new announcement needs a title"))?,
                    kind,
                    band: None,
                    active: 0,
                    last_version: 0,
                    versions: Vec::new(),
                },
            };
            if let Some(t) = &title {
                a.title = t.clone();
            }
            let number = a.last_version + 1;
            a.versions.push(AnnouncementVersion {
                number,
                sha256: sha.clone(),
                size: bytes.len() as u64,
                info,
                uploaded_by: actor.username.clone(),
                uploaded_at: now,
            });
            a.last_version = number;
            a.active = number;
            self.rewrite(w, &a)?;
            Ok(a)
        })?;
        tracing::info!(name = %a.name, version = a.active, duration_ms = info.duration_ms, "announcement uploaded");
        Ok(a)
    }

    /// Makes `version` the one the IVR plays.
    #[tracing::instrument(skip_all, err, fields(actor = %actor.username, name = %name, version = version))]
    pub fn activate(&self, actor: &Actor, name: &str, version: u32) -> Result<Announcement> {
        require(actor, "activating announcements", ANNOUNCEMENT_MANAGERS)?;
        self.kb.write_with(|w| {
            let mut a = self.existing(w, name)?;
            if !a.versions.iter().any(|v| v.number == version) {
                return Err(Error::not_found("announcement version", format!("{name} v{version}")));
            }
            a.active = version;
            self.rewrite(w, &a)?;
            Ok(a)
        })
    }

    /// Sets or removes the time band of a welcome announcement.
    #[tracing::instrument(skip_all, err, fields(actor = %actor.username, name = %name))]
    pub fn set_band(&self, actor: &Actor, name: &str, band: Option<TimeBand>) -> Result<Announcement> {
        require(actor, "changing announcement time bands", ANNOUNCEMENT_MANAGERS)?;
        self.kb.write_with(|w| {
            let mut a = self.existing(w, name)?;
            if band.is_some() && a.kind != AnnouncementKind::Welcome {
                return Err(Error::invalid(
                    "band",
                    format!("{name:?} is a {} announcement: time bands apply to welcome announcements only", a.kind),
                ));
            }
            a.band = band;
            self.rewrite(w, &a)?;
            Ok(a)
        })
    }

    /// Deletes one version. The active version cannot be deleted: activate
    /// another one first, or delete the whole announcement.
    #[tracing::instrument(skip_all, err, fields(actor = %actor.username, name = %name, version = version))]
    pub fn delete_version(&self, actor: &Actor, name: &str, version: u32) -> Result<Announcement> {
        require(actor, "deleting announcement versions", ANNOUNCEMENT_MANAGERS)?;
        self.kb.write_with(|w| {
            let mut a = self.existing(w, name)?;
            if !a.versions.iter().any(|v| v.number == version) {
                return Err(Error::not_found("announcement version", format!("{name} v{version}")));
            }
            if a.active == version {
                return Err(Error::Conflict(format!(
                    "version {version} is the active version of {name:?}: activate another version first, or delete the announcement"
                )));
            }
            a.versions.retain(|v| v.number != version);
            self.rewrite(w, &a)?;
            Ok(a)
        })
    }

    /// Deletes an announcement with all its versions.
    #[tracing::instrument(skip_all, err, fields(actor = %actor.username, name = %name))]
    pub fn delete(&self, actor: &Actor, name: &str) -> Result<()> {
        require(actor, "deleting announcements", ANNOUNCEMENT_MANAGERS)?;
        self.kb.write_with(|w| {
            self.existing(w, name)?;
            self.remove(w, name)
        })?;
        tracing::info!(name, "announcement deleted");
        Ok(())
    }

    /// Every announcement, by name.
    pub fn list(&self, actor: &Actor) -> Result<Vec<Announcement>> {
        require(actor, "listing announcements", ANNOUNCEMENT_LISTENERS)?;
        self.read_all(self.kb.store())
    }

    /// One announcement.
    pub fn get(&self, actor: &Actor, name: &str) -> Result<Announcement> {
        require(actor, "reading announcements", ANNOUNCEMENT_LISTENERS)?;
        if validate_name(name).is_err() {
            return Err(Error::not_found("announcement", name));
        }
        self.read(self.kb.store(), name)?.ok_or_else(|| Error::not_found("announcement", name))
    }

    /// The recording of one version, checked against its SHA-256.
    pub fn audio(&self, actor: &Actor, name: &str, version: u32) -> Result<(WavInfo, Vec<u8>)> {
        require(actor, "listening to announcements", ANNOUNCEMENT_LISTENERS)?;
        let a = self.get(actor, name)?;
        let v = a
            .versions
            .iter()
            .find(|v| v.number == version)
            .ok_or_else(|| Error::not_found("announcement version", format!("{name} v{version}")))?;
        Ok((v.info, self.read_blob(&v.sha256)?))
    }

    /// What a caller hears now for `kind`, in the service's time zone `tz`:
    /// for `welcome`, the announcement whose time band contains the local
    /// time (by name when several do), else the first without a band; for
    /// other kinds, the first by name. `None` when there is none (or the
    /// graph cannot be read, which is logged: a caller is never refused
    /// because of an announcement).
    pub fn pick(&self, kind: AnnouncementKind, at: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<Heard> {
        let all = match self.read_all(self.kb.store()) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "announcements cannot be read: none is played");
                return None;
            }
        };
        let local = at.with_timezone(&tz).naive_local();
        let playable = all.into_iter().filter(|a| a.kind == kind && a.active_version().is_some());
        let chosen = if kind == AnnouncementKind::Welcome {
            let (banded, plain): (Vec<_>, Vec<_>) = playable.partition(|a| a.band.is_some());
            banded.into_iter().find(|a| a.band.as_ref().is_some_and(|b| b.contains(local))).or_else(|| plain.into_iter().next())
        } else {
            playable.into_iter().next()
        };
        chosen.map(|a| Heard { name: a.name, version: a.active })
    }
}
