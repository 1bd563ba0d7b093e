//! End-to-end tests in a real headless browser: Debian's chromium driven
//! through chromedriver (WebDriver) against the real server on loopback.
//!
//! `.ci/run` installs `chromium` and `chromium-driver`. Without them the
//! test prints why and passes, unless `CENTRALINO_REQUIRE_BROWSER=1` (as in
//! CI), when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::PASSWORD;
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn browser() -> Option<(Driver, Client)> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("CENTRALINO_REQUIRE_BROWSER").is_err(),
            "chromium and chromium-driver are required (apt-get install chromium chromium-driver)"
        );
        eprintln!("browser test skipped: {CHROMEDRIVER} or {CHROMIUM} missing (apt-get install chromium chromium-driver)");
        return None;
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let driver = Driver(child);
    let profile = tempfile::tempdir().unwrap();
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.path().display())]
        }
    }))
    .unwrap();
    // chromedriver takes a moment to listen.
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                std::mem::forget(profile);
                return Some((driver, c));
            }
            Err(e) => last = Some(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not start chromium through chromedriver: {last:?}");
}

/// Starts the real server on a free port; returns its base URL.
async fn serve(t: &common::TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = t.app.clone();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
    });
    format!("http://{addr}")
}

async fn sign_in(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=username]")).await.unwrap().send_keys(user).await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Css("form[action='/login'] button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#q")).await.unwrap();
}

async fn sign_out(c: &Client) {
    click_live(c, "form[action='/logout'] button").await;
    c.wait().for_element(Locator::Css("input[name=username]")).await.unwrap();
}

/// Waits until the browser is at `path` (a form's redirect has landed).
async fn wait_for_path(c: &Client, path: &str) {
    wait_for_path_where(c, |p| p == path).await;
}

/// Waits until the browser's path passes `wanted`.
async fn wait_for_path_where(c: &Client, wanted: impl Fn(&str) -> bool) {
    let mut at = None;
    for _ in 0..100 {
        match c.current_url().await {
            Ok(u) if wanted(u.path()) => return,
            Ok(u) => at = Some(u.to_string()),
            Err(e) => at = Some(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never reached the page wanted: at {at:?}");
}

/// Clicks `css` once it is there, again if the live page replaced it
/// between finding and clicking (a stale element).
async fn click_live(c: &Client, css: &str) {
    let mut last = None;
    for _ in 0..50 {
        match c.find(Locator::Css(css)).await {
            Ok(e) => match e.click().await {
                Ok(()) => return,
                Err(err) => last = Some(err.to_string()),
            },
            Err(err) => last = Some(err.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cannot click {css}: {last:?}");
}

/// The text of `css`, read again if the live page replaced the element
/// between finding and reading it (a stale element).
async fn text(c: &Client, css: &str) -> String {
    let mut last = None;
    for _ in 0..50 {
        match c.find(Locator::Css(css)).await {
            Ok(e) => match e.text().await {
                Ok(t) => return t,
                Err(err) => last = Some(err.to_string()),
            },
            Err(err) => last = Some(err.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cannot read {css}: {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_search_as_you_type_open_an_item() {
    let Some((_driver, c)) = browser().await else { return };
    let t = common::TestApp::new();
    let base = serve(&t).await;
    sign_in(&c, &base, "operator-l1").await;
    // Results appear as the operator types, without submitting the form.
    c.find(Locator::Css("#q")).await.unwrap().send_keys("bollo macchina").await.unwrap();
    let first = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#results article.hit h2 a")).await.unwrap();
    let title = first.text().await.unwrap();
    assert!(title.to_lowercase().contains("bollo"), "{title}");
    first.click().await.unwrap();
    c.wait().for_element(Locator::Css("section.answer")).await.unwrap();
    assert!(text(&c, "section.answer").await.contains("PagoPA"));
    assert!(text(&c, "section.contacts").await.contains("4110"), "the office's extension");
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_approver_operator_in_the_browser_with_an_inert_xss_payload() {
    let Some((_driver, c)) = browser().await else { return };
    let t = common::TestApp::new();
    let base = serve(&t).await;
    // The publisher writes an item whose answer carries a script.
    sign_in(&c, &base, "publisher").await;
    c.goto(&format!("{base}/editor/new")).await.unwrap();
    c.find(Locator::Css("input[name=title]")).await.unwrap().send_keys("Rilascio del contrassegno invalidi").await.unwrap();
    let answer =
        "Il contrassegno si chiede al Comune. <script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">";
    c.find(Locator::Css("textarea[name=answer]")).await.unwrap().send_keys(answer).await.unwrap();
    c.find(Locator::Css("input[name=keywords]")).await.unwrap().send_keys("contrassegno, parcheggio disabili").await.unwrap();
    let concept = c.find(Locator::Css("select[name=concept]")).await.unwrap();
    concept.select_by_value(t.kb.iri("id/concept/trasporti-libera-circolazione").as_str()).await.unwrap();
    c.find(Locator::Css("button[name=and_submit]")).await.unwrap().click().await.unwrap();
    // The new-item page has the same form: wait for the item's own page.
    wait_for_path_where(&c, |p| p.starts_with("/editor/") && p != "/editor/new").await;
    c.wait().for_element(Locator::Css("form.edit")).await.unwrap();
    let url = c.current_url().await.unwrap();
    let id = url.path().rsplit('/').next().unwrap().to_owned();
    assert!(id.starts_with("PIL-"), "{url}");
    sign_out(&c).await;
    // The approver approves it from the review inbox.
    sign_in(&c, &base, "approver").await;
    c.goto(&format!("{base}/review")).await.unwrap();
    c.find(Locator::LinkText("Rilascio del contrassegno invalidi")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("table.diff")).await.unwrap();
    c.find(Locator::Css("form[action$='/approve'] button")).await.unwrap().click().await.unwrap();
    // The review page has an h1 too: wait for the redirect to the inbox.
    wait_for_path(&c, "/review").await;
    sign_out(&c).await;
    assert!(t.kb.wait_for_search(Duration::from_secs(5)).unwrap());
    // The operator finds it; the script is shown inert.
    sign_in(&c, &base, "operator-l1").await;
    c.find(Locator::Css("#q")).await.unwrap().send_keys("contrassegno parcheggio").await.unwrap();
    let hit =
        c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(&format!("#results a[href^='/items/{id}']"))).await.unwrap();
    hit.click().await.unwrap();
    c.wait().for_element(Locator::Css("section.answer")).await.unwrap();
    assert!(text(&c, "section.answer").await.contains("Il contrassegno si chiede al Comune."));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let title = c.title().await.unwrap();
    assert_ne!(title, "pwned", "the payload did not run");
    let html = c.source().await.unwrap();
    assert!(!html.contains("onerror"), "no event handler in the page");
    c.close().await.unwrap();
}

/// The workbook an administrator uploads: the administration's handover
/// sample when `CENTRALINO_SHARED_FIXTURES` points at it (as in CI), else
/// one generated here. Returns its path, a query and the title it must find.
fn workbook_to_upload(dir: &std::path::Path) -> (std::path::PathBuf, &'static str, &'static str) {
    if let Some(shared) = std::env::var_os("CENTRALINO_SHARED_FIXTURES") {
        let path = std::path::Path::new(&shared).join("kb/pillole-sample.xlsx");
        if path.exists() {
            return (path, "carburante agricolo", "Assegnazione del carburante agricolo agevolato");
        }
    }
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Pillole").unwrap();
    sheet.write_string(0, 0, "Estrazione della base di conoscenza").unwrap();
    for (c, h) in importers::HANDOVER_KB_HEADERS.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let rows = [
        ["PIL-8001", "Ambiente", "", "Contributo per sostituire le stufe a pellet", "Chi può chiederlo?", "La domanda si presenta online."],
        ["PIL-8002", "Ambiente", "", "Bonifica dell'amianto nelle abitazioni", "", "Si presenta la domanda al Comune."],
    ];
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r as u32 + 3, c as u16, *v).unwrap();
        }
    }
    let path = dir.join("pillole.xlsx");
    book.save(&path).unwrap();
    (path, "stufe pellet", "Contributo per sostituire le stufe a pellet")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_imports_a_workbook_and_operators_find_its_answers() {
    let Some((_driver, c)) = browser().await else { return };
    let t = common::TestApp::new();
    let base = serve(&t).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, query, title) = workbook_to_upload(dir.path());
    sign_in(&c, &base, "admin").await;
    c.goto(&format!("{base}/admin/import")).await.unwrap();
    c.find(Locator::Css("input[type=file][name=file]")).await.unwrap().send_keys(path.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("form[enctype='multipart/form-data'] button[type=submit]")).await.unwrap().click().await.unwrap();
    // The report comes first, as a preview; nothing is written yet.
    c.wait().at_most(Duration::from_secs(60)).for_element(Locator::Css("table.report")).await.unwrap();
    assert!(
        t.kb.search(&kb::Actor::new("o", [kb::Role::OperatorL1]), &kb::SearchQuery::new(query))
            .unwrap()
            .hits
            .iter()
            .all(|h| h.title != title)
    );
    c.find(Locator::Css("form[action='/admin/import/confirm'] button")).await.unwrap().click().await.unwrap();
    c.wait().at_most(Duration::from_secs(60)).for_element(Locator::Css("p.ok")).await.unwrap();
    sign_out(&c).await;
    assert!(t.kb.wait_for_search(Duration::from_secs(10)).unwrap());
    // An operator finds the imported answer.
    sign_in(&c, &base, "operator-l1").await;
    c.find(Locator::Css("#q")).await.unwrap().send_keys(query).await.unwrap();
    let first = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#results article.hit h2 a")).await.unwrap();
    assert_eq!(first.text().await.unwrap(), title);
    first.click().await.unwrap();
    c.wait().for_element(Locator::Css("section.answer")).await.unwrap();
    assert!(!text(&c, "section.answer").await.trim().is_empty());
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_recorded_while_the_server_is_unreachable_are_sent_later_once() {
    let Some((_driver, c)) = browser().await else { return };
    let t = common::TestApp::new();
    let base = serve(&t).await;
    sign_in(&c, &base, "operator-l1").await;
    c.goto(&format!("{base}/tickets/new")).await.unwrap();
    c.wait().for_element(Locator::Css("#new-ticket textarea[name=description]")).await.unwrap();
    // The server becomes unreachable: every request fails at the network level.
    c.execute("window.__fetch = window.fetch; window.fetch = function () { return Promise.reject(new TypeError('offline')); };", vec![])
        .await
        .unwrap();
    c.find(Locator::Css("#new-ticket textarea[name=description]"))
        .await
        .unwrap()
        .send_keys("Registrata senza rete: chiede del bollo")
        .await
        .unwrap();
    c.find(Locator::Css("#new-ticket button[type=submit]")).await.unwrap().click().await.unwrap();
    let banner = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#offline-banner:not([hidden])")).await.unwrap();
    assert!(banner.text().await.unwrap().contains("senza connessione"));
    let kept = c.execute("return JSON.parse(localStorage.getItem('centralino.outbox') || '[]');", vec![]).await.unwrap();
    assert_eq!(kept.as_array().map(Vec::len), Some(1), "{kept}");
    assert_eq!(t.state.crm.board().len(), 0);
    // The server is back: the outbox is sent.
    c.execute("window.fetch = window.__fetch; window.dispatchEvent(new Event('online'));", vec![]).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while t.state.crm.board().len() == 0 {
        assert!(std::time::Instant::now() < deadline, "the recorded request never arrived");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Sending the same entry again (a lost answer) creates no duplicate.
    c.execute(
        "localStorage.setItem('centralino.outbox', JSON.stringify(arguments[0])); window.dispatchEvent(new Event('online'));",
        vec![kept],
    )
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let left = c.execute("return JSON.parse(localStorage.getItem('centralino.outbox') || '[]').length;", vec![]).await.unwrap();
        if left.as_u64() == Some(0) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the outbox was not emptied");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(t.state.crm.board().len(), 1);
    let listing = t.state.crm.list_tickets(&kb::Actor::new("operator-l1", [kb::Role::OperatorL1]), &crm::TicketFilter::default()).unwrap();
    assert!(listing.rows[0].ticket.description.contains("senza rete"));
    c.close().await.unwrap();
}

/// The operator console and the supervisor wallboard, live in the browser:
/// the offer pops up with the time waited, the operator answers, the ticket
/// opens beside the knowledge search, the wallboard counts it by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_takes_a_call_and_the_wallboard_follows_live() {
    let Some((_driver, c)) = browser().await else { return };
    // Monday 7 December 2026, 10:00 in Rome: service time.
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 7, 9, 0, 0).single().unwrap();
    let t = common::TestApp::with_clock(std::sync::Arc::new(move || at));
    let base = serve(&t).await;
    let offer = |call: &str| {
        let mut e =
            telephony::CtiEvent::new(format!("pbx-{call}"), telephony::EventKind::Offered, at - chrono::Duration::seconds(12)).call(call);
        e.caller = Some("+390874000321".into());
        e
    };
    sign_in(&c, &base, "operator-l1").await;
    c.goto(&format!("{base}/console")).await.unwrap();
    c.find(Locator::Css("input[name=terminal]")).await.unwrap().send_keys("201").await.unwrap();
    c.find(Locator::Css("#login")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#pause")).await.unwrap();
    assert!(text(&c, "#agent-status").await.contains("disponibile"));
    // A call arrives: the alert shows the channel and the seconds already waited.
    t.state.telephony.submit(vec![offer("k1")]).await.unwrap();
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#offer:not([hidden])")).await.unwrap();
    let alert = text(&c, "#offer").await;
    assert!(alert.contains("phone") && alert.contains("12"), "{alert}");
    click_live(&c, "#answer").await;
    // The ticket opens by itself; the knowledge search sits beside it.
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#ticket")).await.unwrap();
    // Let the last notices of the answer settle before typing in the panel.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(text(&c, "#call").await.contains("+390874000321"));
    c.find(Locator::Css("#q")).await.unwrap().send_keys("bollo").await.unwrap();
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#results article.hit")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/console"), "searching keeps the console");
    c.find(Locator::Css("#ticket textarea[name=answer]")).await.unwrap().send_keys("Bollo pagabile con PagoPA").await.unwrap();
    c.find(Locator::Css("#close-first")).await.unwrap().click().await.unwrap();
    click_live(&c, "#hangup").await;
    c.wait().for_element(Locator::Css("#no-contact")).await.unwrap();
    sign_out(&c).await;

    // The supervisor's wallboard counts it and follows the next call live.
    sign_in(&c, &base, "supervisor").await;
    c.goto(&format!("{base}/wallboard")).await.unwrap();
    assert_eq!(text(&c, "#wb-queues tr[data-queue='1'] .answered").await, "1");
    assert!(text(&c, "#wb-queues tr[data-queue='1'] .agents").await.contains("operator-l1"));
    t.state.telephony.submit(vec![offer("k2")]).await.unwrap();
    let mut live = String::new();
    for _ in 0..50 {
        live = text(&c, "#wb-queues tr[data-queue='1'] .offered").await;
        if live == "2" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(live, "2", "the wallboard updated without a reload");
    let points = c.find(Locator::Css("#wb-chart polyline[data-channel='phone']")).await.unwrap().attr("points").await.unwrap();
    assert!(points.is_some());
    c.goto(&format!("{base}/wallboard?print=1")).await.unwrap();
    assert!(c.find(Locator::Css("#wallboard.print #wb-queues")).await.is_ok());
    c.close().await.unwrap();
}
