//! The IVR announcements page (TEL-3): the role matrix over its routes,
//! upload through the page with the CSRF token, playback, a non-WAV and a
//! too-large file refused with a clear message, versions, bands, backup
//! and restore, and escaping of titles.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{StatusCode, header};
use common::{Browser, Page, TestApp};
use kb::Role;

/// A valid mono 8 kHz WAV of `ms` milliseconds: G.711 A-law, samples varied by `seed`.
fn wav(ms: u32, seed: u8) -> Vec<u8> {
    let data: Vec<u8> = (0..8 * ms as usize).map(|i| (i as u8).wrapping_mul(seed)).collect();
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt ");
    f.extend_from_slice(&16u32.to_le_bytes());
    f.extend_from_slice(&6u16.to_le_bytes());
    f.extend_from_slice(&1u16.to_le_bytes());
    f.extend_from_slice(&8000u32.to_le_bytes());
    f.extend_from_slice(&8000u32.to_le_bytes());
    f.extend_from_slice(&1u16.to_le_bytes());
    f.extend_from_slice(&8u16.to_le_bytes());
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(data.len() as u32).to_le_bytes());
    f.extend_from_slice(&data);
    f
}

/// Uploads through the page.
async fn upload(b: &mut Browser, name: &str, title: &str, kind: &str, bytes: &[u8]) -> Page {
    b.post_multipart("/telephony/announcements", &[("name", name), ("title", title), ("kind", kind)], Some(("annuncio.wav", bytes)), true)
        .await
}

fn registry(t: &TestApp) -> Vec<telephony::Announcement> {
    telephony::Announcements::new(&t.kb).list(&kb::Actor::system()).unwrap()
}

#[tokio::test]
async fn every_announcement_route_checks_the_role() {
    use Role::*;
    let t = TestApp::new();
    let mut admin = t.signed_in(Admin).await;
    assert_eq!(upload(&mut admin, "benvenuto", "Benvenuto", "welcome", &wav(500, 1)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(upload(&mut admin, "benvenuto", "", "welcome", &wav(500, 2)).await.status, StatusCode::SEE_OTHER);
    let listeners: &[Role] = &[Admin, Supervisor, OperatorL1, OperatorL2];
    let managers: &[Role] = &[Admin, Supervisor];
    let gets: &[(&str, &[Role])] = &[
        ("/telephony/announcements", listeners),
        ("/telephony/announcements/benvenuto/versions/1/audio", listeners),
        ("/telephony/announcements/backup", managers),
    ];
    let posts = [
        "/telephony/announcements/benvenuto/versions/1/activate",
        "/telephony/announcements/benvenuto/versions/1/delete",
        "/telephony/announcements/benvenuto/band",
        "/telephony/announcements/benvenuto/delete",
    ];
    let mut anonymous = t.browser();
    for (path, _) in gets {
        let p = anonymous.get(path).await;
        assert!(
            p.status == StatusCode::SEE_OTHER && p.location.as_deref().is_some_and(|l| l.starts_with("/login?next=")),
            "anonymous {path}"
        );
    }
    let before = registry(&t);
    for role in Role::ALL {
        let mut b = t.signed_in(role).await;
        for (path, allowed) in gets {
            let (status, _, _) = b.fetch(path).await;
            let expected = if allowed.contains(&role) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(status, expected, "{role} GET {path}");
        }
        if managers.contains(&role) {
            continue;
        }
        for path in posts {
            let p = b.post(path, &[("days", "mon"), ("from", "08:00"), ("to", "09:00"), ("confirm", "1")]).await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} POST {path}");
        }
        let p = upload(&mut b, "benvenuto", "Intruso", "welcome", &wav(500, 3)).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} upload");
        let p = b.post_multipart("/telephony/announcements/restore", &[], Some(("b.zip", b"PK\x05\x06")), true).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} restore");
    }
    assert_eq!(registry(&t), before, "refused requests changed nothing");
    // Operators see the players but not the management forms.
    let mut l1 = t.signed_in(OperatorL1).await;
    let page = l1.get("/telephony/announcements").await;
    assert!(page.body.contains("<audio controls") && !page.body.contains("enctype=\"multipart/form-data\""), "{}", page.body);
}

#[tokio::test]
async fn a_wav_is_uploaded_with_the_csrf_token_and_played_back() {
    let t = TestApp::new();
    let mut sup = t.signed_in(Role::Supervisor).await;
    let page = sup.get("/telephony/announcements").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("action=\"/telephony/announcements?csrf={}\"", sup.csrf)), "the form carries the token");
    let audio = wav(1200, 7);
    // Without the token: refused, nothing stored.
    let p = sup
        .post_multipart(
            "/telephony/announcements",
            &[("name", "coda"), ("title", "Attesa"), ("kind", "queue")],
            Some(("a.wav", &audio)),
            false,
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(registry(&t).is_empty());
    // With it: stored, listed, playable.
    let p = upload(&mut sup, "coda", "Attesa <script>alert(1)</script>", "queue", &audio).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/telephony/announcements?ok=uploaded#a-coda"));
    let page = sup.get("/telephony/announcements?ok=uploaded").await;
    assert!(page.body.contains("Annuncio caricato"), "{}", page.body);
    assert!(page.body.contains("Attesa &lt;script&gt;alert(1)") && !page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("src=\"/telephony/announcements/coda/versions/1/audio\""), "{}", page.body);
    assert!(page.body.contains("1.2 s"), "the duration is shown");
    let mut l2 = t.signed_in(Role::OperatorL2).await;
    let (status, headers, bytes) = l2.fetch("/telephony/announcements/coda/versions/1/audio").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "audio/wav");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(bytes, audio);
    let (status, _, _) = l2.fetch("/telephony/announcements/coda/versions/9/audio").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = l2.fetch("/telephony/announcements/coda/versions/x/audio").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = l2.fetch("/telephony/announcements/nessuno/versions/1/audio").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(l2.get("/telephony/announcements").await.body.contains("Attesa &lt;script&gt;"));
}

#[tokio::test]
async fn a_file_that_is_not_a_wav_is_refused_with_a_clear_message() {
    let t = TestApp::new();
    let mut admin = t.signed_in(Role::Admin).await;
    let p = upload(&mut admin, "coda", "Attesa", "queue", b"ID3\x04\0\0\0\0\0\0an mp3 file").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("not a WAV file: it looks like MP3"), "{}", p.body);
    assert!(p.body.contains("value=\"coda\""), "the form is filled in again");
    let p = upload(&mut admin, "coda", "Attesa", "queue", b"<html><script>alert(1)</script></html>").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("no RIFF header at byte 0"), "{}", p.body);
    let mut mp3_in_wav = wav(500, 1);
    mp3_in_wav[20..22].copy_from_slice(&85u16.to_le_bytes());
    let p = upload(&mut admin, "coda", "Attesa", "queue", &mp3_in_wav).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("fmt chunk: format tag 85 (MP3) is not PCM or G.711"), "{}", p.body);
    let p = upload(&mut admin, "Coda Grande", "Attesa", "queue", &wav(500, 1)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("name: &quot;Coda Grande&quot;"), "{}", p.body);
    let p = upload(&mut admin, "coda", "Attesa", "jingle", &wav(500, 1)).await;
    assert!(p.status == StatusCode::BAD_REQUEST && p.body.contains("unknown kind"), "{}", p.body);
    let p = admin.post_multipart("/telephony/announcements", &[("name", "coda"), ("title", "Attesa"), ("kind", "queue")], None, true).await;
    assert!(p.status == StatusCode::BAD_REQUEST && p.body.contains("choose a WAV file"));
    assert!(registry(&t).is_empty());
    // Larger than the upload limit: 413, nothing stored.
    let small =
        web::app(web::AppState::with_config(t.kb.clone(), web::WebConfig { max_upload_bytes: 4096, ..Default::default() }).expect("state"));
    let mut b = Browser { app: small, cookies: Vec::new(), csrf: String::new() };
    b.login("admin", common::PASSWORD).await;
    let p = upload(&mut b, "coda", "Attesa", "queue", &wav(1000, 1)).await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", p.body);
    assert!(p.body.contains("larger than the limit of 4096 bytes"), "{}", p.body);
    assert!(registry(&t).is_empty());
}

#[tokio::test]
async fn versions_bands_deletion_backup_and_restore_through_the_page() {
    let t = TestApp::new();
    let mut sup = t.signed_in(Role::Supervisor).await;
    for (seed, title) in [(1, "Benvenuto"), (2, "")] {
        assert_eq!(upload(&mut sup, "benvenuto", title, "welcome", &wav(600, seed)).await.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(upload(&mut sup, "musica", "Musica", "music_on_hold", &wav(900, 3)).await.status, StatusCode::SEE_OTHER);
    let p = sup.post("/telephony/announcements/benvenuto/versions/1/activate", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(registry(&t)[0].active, 1);
    // The active version cannot be deleted: 409 shown in the page.
    let p = sup.post("/telephony/announcements/benvenuto/versions/1/delete", &[]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("active version"), "{}", p.body);
    // A band, with Italian checkboxes of the form.
    let p =
        sup.post("/telephony/announcements/benvenuto/band", &[("days", "mon"), ("days", "tue"), ("from", "08:00"), ("to", "13:00")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = sup.get("/telephony/announcements").await;
    assert!(page.body.contains("lunedì, martedì 08:00–13:00"), "{}", page.body);
    let p = sup.post("/telephony/announcements/benvenuto/band", &[("days", "mon"), ("from", "14:00"), ("to", "13:00")]).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("cannot cross midnight"));
    let p = sup.post("/telephony/announcements/musica/band", &[("days", "mon"), ("from", "08:00"), ("to", "09:00")]).await;
    assert!(p.status == StatusCode::BAD_REQUEST && p.body.contains("welcome announcements only"));

    // Backup, then change everything, then restore: back as it was.
    let (status, headers, zip) = sup.fetch("/telephony/announcements/backup").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/zip");
    assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment; filename=\"centralino-annunci-"));
    let saved = registry(&t);
    assert_eq!(sup.post("/telephony/announcements/benvenuto/versions/2/delete", &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(sup.post("/telephony/announcements/musica/delete", &[("confirm", "1")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(registry(&t).len(), 1);
    // A damaged archive: refused with the entry's name, nothing changes.
    let damaged = &zip[..zip.len() - 30];
    let p = sup.post_multipart("/telephony/announcements/restore", &[("confirm", "1")], Some(("b.zip", damaged)), true).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.body);
    assert!(p.body.contains("archive: not a zip archive"), "{}", p.body);
    assert_eq!(registry(&t).len(), 1);
    let p = sup.post_multipart("/telephony/announcements/restore", &[("confirm", "1")], Some(("b.zip", &zip)), true).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(registry(&t), saved);
    assert!(sup.get("/telephony/announcements?ok=restored").await.body.contains("Backup ripristinato"));
}
