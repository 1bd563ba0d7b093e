//! Backup and restore of the whole registry as one zip archive:
//! `manifest.json` (every announcement, version, checksum and what each
//! file holds) and `audio/{name}-v{number}.wav` per version.
//!
//! A restore checks everything before writing anything: the archive's size
//! and entry count, the manifest, every name, band and version, every WAV
//! file (read with a cap, so an entry that inflates beyond the limits is
//! cut off: zip bombs), its size, its SHA-256 and what it holds. Only then
//! is the registry replaced, in one transaction.

use super::{
    ANNOUNCEMENT_MANAGERS, Announcement, AnnouncementKind, AnnouncementVersion, Announcements, TimeBand, clean_title, is_sha256_hex,
    require, sha256_hex, validate_name,
};
use crate::error::{Error, Result};
use crate::wav::{WavInfo, validate_wav};
use chrono::{DateTime, Utc};
use kb::Actor;
use kb::rdf::{Reader, nn};
use ontologies::vocab::{cc, rdf};
use oxigraph::model::NamedOrBlankNode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

/// The `format` of a backup's manifest.
pub const FORMAT: &str = "centralino-announcements";
/// The version of the manifest's layout.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's entry name.
const MANIFEST: &str = "manifest.json";
/// Largest manifest read.
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

/// `manifest.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    version: u32,
    created_at: DateTime<Utc>,
    created_by: String,
    announcements: Vec<ManifestAnnouncement>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestAnnouncement {
    name: String,
    title: String,
    kind: AnnouncementKind,
    band: Option<TimeBand>,
    active: u32,
    last_version: u32,
    versions: Vec<ManifestVersion>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestVersion {
    number: u32,
    file: String,
    sha256: String,
    size: u64,
    info: WavInfo,
    uploaded_by: String,
    uploaded_at: DateTime<Utc>,
}

/// The entry name of a version's audio.
fn entry_name(name: &str, number: u32) -> String {
    format!("audio/{name}-v{number}.wav")
}

/// A refusal naming the archive entry at fault.
fn bad(entry: &str, message: impl Into<String>) -> Error {
    Error::invalid(format!("archive entry {entry}"), message)
}

/// Reads one entry whole, refusing it past `limit` bytes once inflated and
/// counting what was read against the archive's `budget`.
fn read_entry<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, name: &str, limit: u64, budget: &mut u64) -> Result<Vec<u8>> {
    let entry = zip.by_name(name).map_err(|e| bad(name, format!("cannot be opened: {e}")))?;
    if entry.encrypted() {
        return Err(bad(name, "is encrypted"));
    }
    let cap = limit.min(*budget);
    let mut buf = Vec::new();
    entry.take(cap.saturating_add(1)).read_to_end(&mut buf).map_err(|e| bad(name, format!("cannot be read (damaged archive?): {e}")))?;
    let read = buf.len() as u64;
    if read > limit {
        return Err(bad(name, format!("inflates to more than {limit} bytes")));
    }
    if read > *budget {
        return Err(bad(name, "the archive inflates to more than the limit for a restore: refused (zip bomb?)"));
    }
    *budget -= read;
    Ok(buf)
}

impl Announcements {
    /// The whole registry as a zip archive: `manifest.json` and one WAV
    /// file per version.
    #[tracing::instrument(skip_all, err, fields(actor = %actor.username))]
    pub fn backup(&self, actor: &Actor) -> Result<Vec<u8>> {
        require(actor, "backing up announcements", ANNOUNCEMENT_MANAGERS)?;
        let all = self.read_all(self.kb.store())?;
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut announcements = Vec::new();
        for a in &all {
            let mut versions = Vec::new();
            for v in &a.versions {
                let file = entry_name(&a.name, v.number);
                files.push((file.clone(), self.read_blob(&v.sha256)?));
                versions.push(ManifestVersion {
                    number: v.number,
                    file,
                    sha256: v.sha256.clone(),
                    size: v.size,
                    info: v.info,
                    uploaded_by: v.uploaded_by.clone(),
                    uploaded_at: v.uploaded_at,
                });
            }
            announcements.push(ManifestAnnouncement {
                name: a.name.clone(),
                title: a.title.clone(),
                kind: a.kind,
                band: a.band.clone(),
                active: a.active,
                last_version: a.last_version,
                versions,
            });
        }
        let manifest = Manifest {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            created_at: Utc::now(),
            created_by: actor.username.clone(),
            announcements,
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Conflict(format!("the manifest cannot be written: {e}")))?;
        let zip_err = |e: zip::result::ZipError| Error::Conflict(format!("the backup archive cannot be written: {e}"));
        let io_err = |e: std::io::Error| Error::Conflict(format!("the backup archive cannot be written: {e}"));
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(false);
        zip.start_file(MANIFEST, options).map_err(zip_err)?;
        zip.write_all(&json).map_err(io_err)?;
        for (name, bytes) in &files {
            zip.start_file(name.as_str(), options).map_err(zip_err)?;
            zip.write_all(bytes).map_err(io_err)?;
        }
        let out = zip.finish().map_err(zip_err)?.into_inner();
        tracing::info!(announcements = all.len(), files = files.len(), bytes = out.len(), "announcements backed up");
        Ok(out)
    }

    /// Replaces the whole registry with a backup made by [`Announcements::backup`].
    /// Everything is checked first; if anything is wrong nothing changes
    /// and the error names the archive entry at fault. Returns the
    /// restored announcements.
    #[tracing::instrument(skip_all, err, fields(actor = %actor.username, bytes = archive.len()))]
    pub fn restore(&self, actor: &Actor, archive: &[u8]) -> Result<Vec<Announcement>> {
        require(actor, "restoring announcements", ANNOUNCEMENT_MANAGERS)?;
        let limits = self.limits;
        let whole = |m: String| Error::invalid("archive", m);
        if archive.len() as u64 > limits.max_restore_bytes {
            return Err(whole(format!("the archive is {} bytes; the limit is {} bytes", archive.len(), limits.max_restore_bytes)));
        }
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).map_err(|e| whole(format!("not a zip archive: {e}")))?;
        if zip.len() > limits.max_restore_entries {
            return Err(whole(format!("{} entries; the limit is {}", zip.len(), limits.max_restore_entries)));
        }
        if zip.has_duplicate_names() {
            return Err(whole("the archive holds two entries with the same name".into()));
        }
        let mut names = BTreeSet::new();
        for i in 0..zip.len() {
            match zip.name_for_index(i) {
                Some(Ok(n)) => names.insert(n.into_owned()),
                _ => return Err(whole(format!("entry {} has an unreadable name", i + 1))),
            };
        }
        if !names.contains(MANIFEST) {
            return Err(whole(format!("{MANIFEST} is missing: this is not a backup of the announcements")));
        }
        let mut budget = limits.max_restore_bytes;
        let json = read_entry(&mut zip, MANIFEST, MAX_MANIFEST_BYTES, &mut budget)?;
        let manifest: Manifest = serde_json::from_slice(&json).map_err(|e| bad(MANIFEST, format!("is not a valid manifest: {e}")))?;
        if manifest.format != FORMAT || manifest.version != FORMAT_VERSION {
            return Err(bad(
                MANIFEST,
                format!("format {:?} version {} is not {FORMAT:?} version {FORMAT_VERSION}", manifest.format, manifest.version),
            ));
        }
        let mut used = BTreeSet::from([MANIFEST.to_owned()]);
        let mut seen = BTreeSet::new();
        let mut restored = Vec::new();
        let mut blobs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (i, m) in manifest.announcements.into_iter().enumerate() {
            let what = format!("announcement {} ({:?})", i + 1, m.name);
            let in_manifest = |e: Error| bad(MANIFEST, format!("{what}: {e}"));
            validate_name(&m.name).map_err(in_manifest)?;
            if !seen.insert(m.name.clone()) {
                return Err(bad(MANIFEST, format!("{what}: the name appears twice")));
            }
            let title = clean_title(&m.title).map_err(in_manifest)?;
            if m.band.is_some() && m.kind != AnnouncementKind::Welcome {
                return Err(bad(MANIFEST, format!("{what}: a time band on a {} announcement (welcome only)", m.kind)));
            }
            if m.versions.is_empty() {
                return Err(bad(MANIFEST, format!("{what}: no versions")));
            }
            let mut versions = Vec::new();
            for v in m.versions {
                let vwhat = format!("{what} version {}", v.number);
                if v.number == 0 || v.number > m.last_version {
                    return Err(bad(MANIFEST, format!("{vwhat}: the number must be 1 to the last version {}", m.last_version)));
                }
                if versions.iter().any(|x: &AnnouncementVersion| x.number == v.number) {
                    return Err(bad(MANIFEST, format!("{vwhat}: the number appears twice")));
                }
                if !is_sha256_hex(&v.sha256) {
                    return Err(bad(MANIFEST, format!("{vwhat}: {:?} is not a SHA-256 in lowercase hexadecimal", v.sha256)));
                }
                kb::validate_username(&v.uploaded_by).map_err(|e| bad(MANIFEST, format!("{vwhat}: uploaded by: {e}")))?;
                if !names.contains(&v.file) {
                    return Err(bad(&v.file, format!("is missing (listed for {vwhat})")));
                }
                if !used.insert(v.file.clone()) {
                    return Err(bad(&v.file, "is listed twice in the manifest"));
                }
                let bytes = read_entry(&mut zip, &v.file, limits.wav.max_bytes as u64, &mut budget)?;
                if bytes.len() as u64 != v.size {
                    return Err(bad(
                        &v.file,
                        format!("is {} bytes, the manifest says {}: the archive is damaged or was altered", bytes.len(), v.size),
                    ));
                }
                if sha256_hex(&bytes) != v.sha256 {
                    return Err(bad(&v.file, "does not match its SHA-256 in the manifest: the archive is damaged or was altered"));
                }
                let info = validate_wav(&bytes, &limits.wav).map_err(|e| bad(&v.file, e.to_string()))?;
                if info != v.info {
                    return Err(bad(&v.file, "holds other audio than the manifest describes: the archive was altered"));
                }
                blobs.insert(v.sha256.clone(), bytes);
                versions.push(AnnouncementVersion {
                    number: v.number,
                    sha256: v.sha256,
                    size: v.size,
                    info,
                    uploaded_by: v.uploaded_by,
                    uploaded_at: v.uploaded_at,
                });
            }
            versions.sort_by_key(|v| v.number);
            if !versions.iter().any(|v| v.number == m.active) {
                return Err(bad(MANIFEST, format!("{what}: the active version {} is not among its versions", m.active)));
            }
            restored.push(Announcement {
                name: m.name,
                title,
                kind: m.kind,
                band: m.band,
                active: m.active,
                last_version: m.last_version,
                versions,
            });
        }
        if let Some(extra) = names.difference(&used).next() {
            return Err(bad(extra, "is not listed in manifest.json: the archive was altered"));
        }
        // All checked: the blobs first (harmless if the write then fails:
        // content-addressed, unreferenced), then the registry at once.
        for bytes in blobs.values() {
            self.store_blob(bytes)?;
        }
        self.kb.write_with(|w| {
            let g = self.graph();
            let mut subjects = Vec::new();
            for class in [cc::ANNOUNCEMENT, cc::ANNOUNCEMENT_VERSION] {
                for q in w.quads(None, Some(nn(rdf::TYPE)), Some(nn(class).into()), Some(g.as_ref().into()))? {
                    if let NamedOrBlankNode::NamedNode(s) = q.subject {
                        subjects.push(s);
                    }
                }
            }
            for s in &subjects {
                w.remove_subject(s.as_ref(), g.as_ref())?;
            }
            for a in &restored {
                self.insert(w, a);
            }
            Ok::<_, Error>(())
        })?;
        restored.sort_by(|a, b| a.name.cmp(&b.name));
        tracing::info!(announcements = restored.len(), "announcements restored");
        Ok(restored)
    }
}
