//! The announcement registry (TEL-3) against a real store on disk: upload,
//! versions, activation, time bands and what the IVR picks, deletion, role
//! refusals, and backup → restore, including archives that must change
//! nothing.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Rome;
use kb::{Actor, Kb, KbConfig, Role};
use std::io::{Read, Write};
use telephony::{AnnouncementKind, AnnouncementLimits, Announcements, AudioFormat, Error, Heard, TimeBand, WavLimits};
use tempfile::TempDir;

/// A fresh store with the registry over it.
struct World {
    _dir: TempDir,
    kb: Kb,
    reg: Announcements,
    admin: Actor,
    supervisor: Actor,
    l1: Actor,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let kb = Kb::open(dir.path(), KbConfig::default()).unwrap();
    let reg = Announcements::new(&kb);
    World {
        _dir: dir,
        reg,
        kb,
        admin: Actor::new("anna", [Role::Admin]),
        supervisor: Actor::new("sergio", [Role::Supervisor]),
        l1: Actor::new("olga", [Role::OperatorL1]),
    }
}

/// A valid mono WAV of `ms` milliseconds: 16-bit PCM (`tag` 1) or 8-bit
/// G.711 (`tag` 6 or 7) at 8 kHz; `seed` varies the samples so that two
/// files differ.
fn wav(tag: u16, ms: u32, seed: u8) -> Vec<u8> {
    let bits: u16 = if tag == 1 { 16 } else { 8 };
    let align = bits / 8;
    let frames = 8000 * ms as usize / 1000;
    let data: Vec<u8> = (0..frames * usize::from(align)).map(|i| (i as u8).wrapping_mul(seed)).collect();
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt ");
    f.extend_from_slice(&16u32.to_le_bytes());
    f.extend_from_slice(&tag.to_le_bytes());
    f.extend_from_slice(&1u16.to_le_bytes());
    f.extend_from_slice(&8000u32.to_le_bytes());
    f.extend_from_slice(&(8000 * u32::from(align)).to_le_bytes());
    f.extend_from_slice(&align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(data.len() as u32).to_le_bytes());
    f.extend_from_slice(&data);
    f
}

/// An instant given in Rome's local time.
fn rome(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Rome.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc)
}

fn heard(name: &str, version: u32) -> Option<Heard> {
    Some(Heard { name: name.into(), version })
}

/// Every quad of the telephony graph, sorted (to show that nothing changed).
fn telephony_quads(kb: &Kb) -> Vec<String> {
    let g = kb.graph(kb::Graph::Telephony);
    let mut v: Vec<String> = kb.store().quads_for_pattern(None, None, None, Some(g.into())).map(|q| q.unwrap().to_string()).collect();
    v.sort();
    v
}

#[test]
fn upload_versions_activate_and_listen() {
    let w = world();
    let first = wav(1, 1500, 3);
    let a = w.reg.upload(&w.supervisor, "benvenuto", "Benvenuto", AnnouncementKind::Welcome, &first).unwrap();
    assert_eq!((a.active, a.last_version, a.versions.len()), (1, 1, 1));
    let v1 = &a.versions[0];
    assert_eq!((v1.info.format, v1.info.duration_ms, v1.info.sample_rate), (AudioFormat::Pcm, 1500, 8000));
    assert_eq!((v1.uploaded_by.as_str(), v1.size), ("sergio", first.len() as u64));
    // The bytes are stored content-addressed under blobs/.
    let blob = w.kb.data_dir().join("blobs").join(&v1.sha256[..2]).join(&v1.sha256);
    assert_eq!(std::fs::read(&blob).unwrap(), first);

    // A new version becomes active; a blank title keeps the old one.
    let second = wav(6, 800, 5);
    let a = w.reg.upload(&w.admin, "benvenuto", " ", AnnouncementKind::Welcome, &second).unwrap();
    assert_eq!((a.active, a.versions.len(), a.title.as_str()), (2, 2, "Benvenuto"));
    assert_eq!(a.versions[1].info.format, AudioFormat::Alaw);
    // The same bytes again are refused; so is another kind under the same name.
    let e = w.reg.upload(&w.admin, "benvenuto", "", AnnouncementKind::Welcome, &first).unwrap_err();
    assert!(matches!(&e, Error::Conflict(m) if m.contains("identical to version 1")), "{e}");
    let e = w.reg.upload(&w.admin, "benvenuto", "", AnnouncementKind::Queue, &wav(1, 300, 9)).unwrap_err();
    assert!(matches!(e, Error::Conflict(_)), "{e}");

    // Listen to both versions, switch back to the first.
    let (info, bytes) = w.reg.audio(&w.l1, "benvenuto", 1).unwrap();
    assert_eq!((info.duration_ms, bytes), (1500, first.clone()));
    assert_eq!(w.reg.audio(&w.l1, "benvenuto", 2).unwrap().1, second);
    let a = w.reg.activate(&w.supervisor, "benvenuto", 1).unwrap();
    assert_eq!(a.active, 1);
    assert_eq!(w.reg.get(&w.l1, "benvenuto").unwrap().active, 1);
    assert!(matches!(w.reg.activate(&w.admin, "benvenuto", 7), Err(Error::NotFound { .. })));
    assert!(matches!(w.reg.audio(&w.l1, "benvenuto", 7), Err(Error::NotFound { .. })));
    assert!(matches!(w.reg.get(&w.l1, "nessuno"), Err(Error::NotFound { .. })));
    assert!(matches!(w.reg.get(&w.l1, "../etc"), Err(Error::NotFound { .. })));

    // Survives a reopening of the store.
    let dir = w._dir;
    drop(w.reg);
    drop(w.kb);
    let kb = Kb::open(dir.path(), KbConfig::default()).unwrap();
    let a = Announcements::new(&kb).get(&w.l1, "benvenuto").unwrap();
    assert_eq!((a.active, a.versions.len(), a.title.as_str()), (1, 2, "Benvenuto"));
}

#[test]
fn uploads_are_validated_before_anything_is_written() {
    let w = world();
    let before = telephony_quads(&w.kb);
    let err = |name: &str, title: &str, bytes: &[u8]| {
        w.reg.upload(&w.admin, name, title, AnnouncementKind::Queue, bytes).err().map(|e| e.to_string()).unwrap_or_default()
    };
    assert!(err("Coda Principale", "Coda", &wav(1, 500, 1)).contains("name: \"Coda Principale\""));
    assert!(err("-coda", "Coda", &wav(1, 500, 1)).contains("name"));
    assert!(err("coda", "", &wav(1, 500, 1)).contains("a new announcement needs a title"));
    assert!(err("coda", "riga\nnuova", &wav(1, 500, 1)).contains("control characters"));
    assert!(err("coda", "Coda", b"ID3\x03\0\0\0\0\0\0mp3 data").contains("not a WAV file: it looks like MP3"));
    assert!(err("coda", "Coda", &wav(1, 100, 1)).contains("shorter than the minimum 0.2 s"));
    assert_eq!(telephony_quads(&w.kb), before);
    // The maximum duration and size are configurable.
    let strict = Announcements::new(&w.kb)
        .with_limits(AnnouncementLimits { wav: WavLimits { max_duration_ms: 1000, max_bytes: 1 << 20 }, ..Default::default() });
    let e = strict.upload(&w.admin, "coda", "Coda", AnnouncementKind::Queue, &wav(1, 1500, 1)).unwrap_err();
    assert!(e.to_string().contains("longer than the maximum 1 s"), "{e}");
    assert_eq!(telephony_quads(&w.kb), before);
}

#[test]
fn roles_are_checked_for_every_operation() {
    let w = world();
    w.reg.upload(&w.admin, "coda", "Attesa", AnnouncementKind::Queue, &wav(1, 500, 1)).unwrap();
    let before = telephony_quads(&w.kb);
    let analyst = Actor::new("ada", [Role::Analyst]);
    let office = Actor::new("uff", [Role::Office]);
    let publisher = Actor::new("pub", [Role::Publisher]);
    let forbidden = |r: telephony::Result<()>| matches!(r, Err(Error::Forbidden(m)) if m.contains("admin, supervisor"));
    for reader in [&analyst, &office, &publisher] {
        assert!(matches!(w.reg.list(reader), Err(Error::Forbidden(_))));
        assert!(matches!(w.reg.get(reader, "coda"), Err(Error::Forbidden(_))));
        assert!(matches!(w.reg.audio(reader, "coda", 1), Err(Error::Forbidden(_))));
    }
    for who in [&w.l1, &Actor::new("luca", [Role::OperatorL2]), &analyst, &office] {
        assert!(forbidden(w.reg.upload(who, "coda", "x", AnnouncementKind::Queue, &wav(1, 500, 2)).map(|_| ())));
        assert!(forbidden(w.reg.activate(who, "coda", 1).map(|_| ())));
        assert!(forbidden(w.reg.set_band(who, "coda", None).map(|_| ())));
        assert!(forbidden(w.reg.delete_version(who, "coda", 1).map(|_| ())));
        assert!(forbidden(w.reg.delete(who, "coda")));
        assert!(forbidden(w.reg.backup(who).map(|_| ())));
        assert!(forbidden(w.reg.restore(who, b"PK").map(|_| ())));
    }
    assert_eq!(telephony_quads(&w.kb), before);
    // Operators may list and listen.
    assert_eq!(w.reg.list(&w.l1).unwrap().len(), 1);
    assert!(w.reg.audio(&w.l1, "coda", 1).is_ok());
}

#[test]
fn welcome_bands_decide_what_a_caller_hears_in_rome_time() {
    let w = world();
    let (a, s) = (&w.admin, &w.supervisor);
    w.reg.upload(a, "benvenuto", "Benvenuto (sempre)", AnnouncementKind::Welcome, &wav(1, 500, 1)).unwrap();
    w.reg.upload(a, "mattina", "Mattina feriale", AnnouncementKind::Welcome, &wav(1, 500, 2)).unwrap();
    w.reg.upload(a, "pomeriggio", "Pomeriggio", AnnouncementKind::Welcome, &wav(1, 500, 3)).unwrap();
    w.reg.upload(a, "pomeriggio", "", AnnouncementKind::Welcome, &wav(1, 500, 4)).unwrap();
    w.reg.upload(a, "coda", "Attesa", AnnouncementKind::Queue, &wav(1, 500, 5)).unwrap();
    w.reg.upload(a, "chiuso", "Fuori orario", AnnouncementKind::AfterHours, &wav(1, 500, 6)).unwrap();
    let weekdays = TimeBand::parse(&["mon", "tue", "wed", "thu", "fri"], "08:00", "13:00").unwrap();
    w.reg.set_band(s, "mattina", Some(weekdays.clone())).unwrap();
    w.reg.set_band(s, "pomeriggio", Some(TimeBand::parse(&["lun,mar,mer,gio,ven"], "14:00", "18:00").unwrap())).unwrap();
    assert_eq!(w.reg.get(&w.l1, "mattina").unwrap().band, Some(weekdays));
    let pick = |at| w.reg.pick(AnnouncementKind::Welcome, at, Rome);
    // Winter (UTC+1) and summer (UTC+2): the band is in local time.
    assert_eq!(pick(rome(2026, 1, 12, 8, 0)), heard("mattina", 1), "Monday 08:00 in January");
    assert_eq!(pick(rome(2026, 7, 13, 12, 59)), heard("mattina", 1), "Monday 12:59 in July");
    assert_eq!(pick(rome(2026, 7, 13, 13, 0)), heard("benvenuto", 1), "between the bands, the default");
    assert_eq!(pick(rome(2026, 7, 13, 15, 30)), heard("pomeriggio", 2), "the active version");
    assert_eq!(pick(rome(2026, 7, 11, 10, 0)), heard("benvenuto", 1), "Saturday");
    assert_eq!(pick(Utc.with_ymd_and_hms(2026, 7, 13, 6, 30, 0).unwrap()), heard("mattina", 1), "06:30 UTC is 08:30 in Rome");
    // Other kinds: the first active one of the kind.
    assert_eq!(w.reg.pick(AnnouncementKind::Queue, rome(2026, 7, 13, 10, 0), Rome), heard("coda", 1));
    assert_eq!(w.reg.pick(AnnouncementKind::AfterHours, rome(2026, 7, 13, 22, 0), Rome), heard("chiuso", 1));
    assert_eq!(w.reg.pick(AnnouncementKind::MusicOnHold, rome(2026, 7, 13, 10, 0), Rome), None);
    // Bands are for welcome announcements only; removing one makes it a default.
    let e = w.reg.set_band(s, "coda", Some(TimeBand::parse(&["mon"], "08:00", "09:00").unwrap())).unwrap_err();
    assert!(e.to_string().contains("welcome announcements only"), "{e}");
    w.reg.set_band(s, "mattina", None).unwrap();
    w.reg.delete(s, "benvenuto").unwrap();
    assert_eq!(pick(rome(2026, 7, 11, 10, 0)), heard("mattina", 1), "now the only unbanded welcome");
    // Heard serialises for the engine's records.
    assert_eq!(serde_json::to_string(&heard("mattina", 1)).unwrap(), r#"{"name":"mattina","version":1}"#);
}

#[test]
fn versions_and_announcements_are_deleted() {
    let w = world();
    let a = &w.admin;
    w.reg.upload(a, "coda", "Attesa", AnnouncementKind::Queue, &wav(1, 500, 1)).unwrap();
    w.reg.upload(a, "coda", "", AnnouncementKind::Queue, &wav(1, 500, 2)).unwrap();
    w.reg.upload(a, "coda", "", AnnouncementKind::Queue, &wav(1, 500, 3)).unwrap();
    // The active version (3) cannot go.
    let e = w.reg.delete_version(a, "coda", 3).unwrap_err();
    assert!(matches!(&e, Error::Conflict(m) if m.contains("active version")), "{e}");
    let c = w.reg.delete_version(a, "coda", 2).unwrap();
    assert_eq!(c.versions.iter().map(|v| v.number).collect::<Vec<_>>(), [1, 3]);
    assert!(matches!(w.reg.delete_version(a, "coda", 2), Err(Error::NotFound { .. })));
    // Numbers are never reused.
    let c = w.reg.upload(a, "coda", "", AnnouncementKind::Queue, &wav(1, 500, 4)).unwrap();
    assert_eq!((c.active, c.last_version), (4, 4));
    w.reg.upload(a, "altro", "Altro", AnnouncementKind::Other, &wav(7, 500, 1)).unwrap();
    w.reg.delete(a, "coda").unwrap();
    assert!(matches!(w.reg.get(&w.l1, "coda"), Err(Error::NotFound { .. })));
    assert!(matches!(w.reg.delete(a, "coda"), Err(Error::NotFound { .. })));
    let left: Vec<String> = w.reg.list(&w.l1).unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(left, ["altro"]);
    // Nothing of "coda" is left in the graph.
    assert!(telephony_quads(&w.kb).iter().all(|q| !q.contains("announcement/coda")), "{:#?}", telephony_quads(&w.kb));
}

/// A registry with a banded welcome (two versions, the first active), a queue and music on hold.
fn populated(w: &World) {
    let a = &w.admin;
    w.reg.upload(a, "benvenuto", "Benvenuto <b>ufficio</b>", AnnouncementKind::Welcome, &wav(1, 1200, 1)).unwrap();
    w.reg.upload(a, "benvenuto", "", AnnouncementKind::Welcome, &wav(6, 700, 2)).unwrap();
    w.reg.activate(a, "benvenuto", 1).unwrap();
    w.reg.set_band(a, "benvenuto", Some(TimeBand::parse(&["mon", "fri"], "08:30", "12:00").unwrap())).unwrap();
    w.reg.upload(a, "coda", "Attesa", AnnouncementKind::Queue, &wav(7, 400, 3)).unwrap();
    w.reg.upload(a, "musica", "Musica", AnnouncementKind::MusicOnHold, &wav(1, 2000, 4)).unwrap();
}

/// The entries of a zip archive, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().into_owned(), b)
        })
        .collect()
}

/// A zip archive of `entries`.
fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (n, b) in entries {
        z.start_file(n.as_str(), o).unwrap();
        z.write_all(b).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn backup_restores_onto_a_fresh_store() {
    let w = world();
    populated(&w);
    let original = w.reg.list(&w.l1).unwrap();
    let archive = w.reg.backup(&w.supervisor).unwrap();
    let names: Vec<String> = unzip(&archive).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["manifest.json", "audio/benvenuto-v1.wav", "audio/benvenuto-v2.wav", "audio/coda-v1.wav", "audio/musica-v1.wav"]);

    let fresh = world();
    // Something already there is replaced by the backup.
    fresh.reg.upload(&fresh.admin, "vecchio", "Vecchio", AnnouncementKind::Other, &wav(1, 300, 8)).unwrap();
    let restored = fresh.reg.restore(&fresh.admin, &archive).unwrap();
    assert_eq!(restored.len(), 3);
    assert_eq!(fresh.reg.list(&fresh.l1).unwrap(), original);
    for a in &original {
        for v in &a.versions {
            assert_eq!(fresh.reg.audio(&fresh.l1, &a.name, v.number).unwrap(), w.reg.audio(&w.l1, &a.name, v.number).unwrap());
        }
    }
    assert_eq!(fresh.reg.pick(AnnouncementKind::Welcome, rome(2026, 3, 6, 9, 0), Rome), heard("benvenuto", 1));
    // Restoring the same archive again changes nothing.
    let before = telephony_quads(&fresh.kb);
    fresh.reg.restore(&fresh.admin, &archive).unwrap();
    assert_eq!(telephony_quads(&fresh.kb), before);
    // An empty registry backs up and restores too.
    let empty = world();
    let blank = empty.reg.backup(&empty.admin).unwrap();
    fresh.reg.restore(&fresh.admin, &blank).unwrap();
    assert!(fresh.reg.list(&fresh.l1).unwrap().is_empty());
}

#[test]
fn a_bad_archive_changes_nothing_and_names_the_entry() {
    let w = world();
    populated(&w);
    let archive = w.reg.backup(&w.admin).unwrap();
    let entries = unzip(&archive);
    let target = world();
    target.reg.upload(&target.admin, "resta", "Resta", AnnouncementKind::Queue, &wav(1, 300, 9)).unwrap();
    let before = telephony_quads(&target.kb);
    let refused = |bytes: &[u8]| -> String {
        match target.reg.restore(&target.admin, bytes) {
            Ok(_) => panic!("restored"),
            Err(e @ Error::Invalid { .. }) => e.to_string(),
            Err(e) => panic!("not an Invalid error: {e}"),
        }
    };
    let with = |f: &dyn Fn(&mut Vec<(String, Vec<u8>)>)| {
        let mut e = entries.clone();
        f(&mut e);
        rezip(&e)
    };
    let manifest = |e: &mut Vec<(String, Vec<u8>)>, from: &str, to: &str| {
        let m = String::from_utf8(e[0].1.clone()).unwrap();
        assert!(m.contains(from), "{from} not in the manifest");
        e[0].1 = m.replacen(from, to, 1).into_bytes();
    };

    // Not a zip at all, or cut short.
    assert!(refused(b"just some text").contains("archive: not a zip archive"));
    assert!(refused(&archive[..archive.len() / 2]).contains("not a zip archive"));
    // A WAV whose bytes were changed: its checksum fails.
    let tampered = with(&|e| {
        let last = e[2].1.len() - 1;
        e[2].1[last] ^= 0x55;
    });
    let m = refused(&tampered);
    assert!(m.contains("archive entry audio/benvenuto-v2.wav") && m.contains("SHA-256"), "{m}");
    // A file replaced by one that is not audio, with the manifest's checksum and size fixed up.
    let evil = b"<script>alert(1)</script> not audio at all".to_vec();
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&evil).iter().map(|b| format!("{b:02x}")).collect()
    };
    let fake = with(&|e| {
        let m: serde_json::Value = serde_json::from_slice(&e[0].1).unwrap();
        let v = &m["announcements"][1]["versions"][0];
        let (old_sha, old_size) = (v["sha256"].as_str().unwrap().to_owned(), v["size"].as_u64().unwrap());
        manifest(e, &old_sha, &sha);
        manifest(e, &format!("\"size\": {old_size}"), &format!("\"size\": {}", evil.len()));
        e[3].1 = evil.clone();
    });
    let m = refused(&fake);
    assert!(m.contains("archive entry audio/coda-v1.wav") && m.contains("not a WAV file"), "{m}");
    // A missing file, an extra file, a missing manifest.
    let m = refused(&with(&|e| {
        e.remove(4);
    }));
    assert!(m.contains("archive entry audio/musica-v1.wav: is missing"), "{m}");
    let m = refused(&with(&|e| e.push(("../../evil.sh".into(), b"rm -rf /".to_vec()))));
    assert!(m.contains("archive entry ../../evil.sh: is not listed in manifest.json"), "{m}");
    assert!(
        refused(&with(&|e| {
            e.remove(0);
        }))
        .contains("manifest.json is missing")
    );
    // Manifests that lie or are malformed.
    let m = refused(&with(&|e| manifest(e, "\"active\": 1", "\"active\": 9")));
    assert!(m.contains("archive entry manifest.json") && m.contains("active version 9 is not among its versions"), "{m}");
    let m = refused(&with(&|e| manifest(e, "\"name\": \"coda\"", "\"name\": \"Coda!\"")));
    assert!(m.contains("manifest.json") && m.contains("\"Coda!\""), "{m}");
    let m = refused(&with(&|e| manifest(e, "\"kind\": \"queue\"", "\"kind\": \"jingle\"")));
    assert!(m.contains("manifest.json: is not a valid manifest"), "{m}");
    let m = refused(&with(&|e| manifest(e, "\"from\": \"08:30\"", "\"from\": \"13:30\"")));
    assert!(m.contains("manifest.json") && m.contains("cannot cross midnight"), "{m}");
    let m = refused(&with(&|e| manifest(e, "\"duration_ms\": 400", "\"duration_ms\": 401")));
    assert!(m.contains("audio/coda-v1.wav: holds other audio than the manifest describes"), "{m}");
    let m = refused(&with(&|e| manifest(e, "centralino-announcements", "something-else")));
    assert!(m.contains("is not \"centralino-announcements\""), "{m}");
    let m = refused(&with(&|e| manifest(e, "\"uploaded_by\": \"anna\"", "\"uploaded_by\": \"<bad user>\"")));
    assert!(m.contains("uploaded by"), "{m}");

    // Zip bombs: an entry that inflates past the limits is cut off.
    let small = Announcements::new(&target.kb)
        .with_limits(AnnouncementLimits { wav: WavLimits { max_bytes: 10_000, ..Default::default() }, ..Default::default() });
    let bomb = with(&|e| e[1].1 = vec![0u8; 5_000_000]);
    assert!(bomb.len() < 100_000, "deflated zeros are small: {}", bomb.len());
    let m = small.restore(&target.admin, &bomb).unwrap_err().to_string();
    assert!(m.contains("archive entry audio/benvenuto-v1.wav: inflates to more than 10000 bytes"), "{m}");
    let tight = Announcements::new(&target.kb).with_limits(AnnouncementLimits { max_restore_bytes: 60_000, ..Default::default() });
    let m = tight.restore(&target.admin, &bomb).unwrap_err().to_string();
    assert!(m.contains("inflates to more than the limit for a restore"), "{m}");
    let few = Announcements::new(&target.kb).with_limits(AnnouncementLimits { max_restore_entries: 3, ..Default::default() });
    assert!(few.restore(&target.admin, &archive).unwrap_err().to_string().contains("5 entries; the limit is 3"));

    // After all of that, the target still has exactly what it had.
    assert_eq!(telephony_quads(&target.kb), before);
    assert_eq!(target.reg.list(&target.l1).unwrap().into_iter().map(|a| a.name).collect::<Vec<_>>(), ["resta"]);
}
