//! Shared helpers of the web tests: an app over a temporary knowledge base
//! with the demo data and one user per role, and a small HTTP client that
//! signs in like a browser (cookies, CSRF tokens).
#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kb::{Kb, KbConfig, Role};
use tempfile::TempDir;
use tower::ServiceExt;

/// The password of every test account.
pub const PASSWORD: &str = "password-123";

/// An application over a fresh data directory.
pub struct TestApp {
    pub dir: TempDir,
    pub kb: Kb,
    pub state: web::AppState,
    pub app: Router,
}

impl TestApp {
    /// With the demo data and one account per role, named after the role
    /// (`admin`, `publisher`, ..., `operator_l1`), password [`PASSWORD`].
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let kb = Kb::open(dir.path(), KbConfig::default()).unwrap();
        web::demo::load(&kb).unwrap();
        for role in Role::ALL {
            let name = role.as_str().replace('_', "-");
            if kb.user(&name).unwrap().is_none() {
                kb.create_user(&kb::Actor::system(), &name, PASSWORD, &[role]).unwrap();
            } else {
                kb.set_password(&kb::Actor::system(), &name, PASSWORD).unwrap();
            }
        }
        kb.wait_for_search(std::time::Duration::from_secs(10)).unwrap();
        let state = web::AppState::new(kb.clone()).expect("state");
        let app = web::app(state.clone());
        TestApp { dir, kb, state, app }
    }

    /// Like [`TestApp::new`], with the telephony engine on `clock`.
    pub fn with_clock(clock: telephony::Clock) -> Self {
        let mut t = Self::new();
        t.state.telephony.stop();
        t.state.telephony =
            telephony::Telephony::start_with_clock(t.kb.clone(), t.state.crm.clone(), &t.state.config.telephony, None, clock)
                .expect("telephony");
        t.app = web::app(t.state.clone());
        t
    }

    /// An anonymous browser.
    pub fn browser(&self) -> Browser {
        Browser { app: self.app.clone(), cookies: Vec::new(), csrf: String::new() }
    }

    /// A browser signed in as the account of `role`.
    pub async fn signed_in(&self, role: Role) -> Browser {
        let mut b = self.browser();
        let r = b.login(&role.as_str().replace('_', "-"), PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "sign-in as {role}: {}", r.body);
        b
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: String,
    pub body: String,
}

/// Cookies and the session's CSRF token, like a browser.
#[derive(Clone)]
pub struct Browser {
    pub app: Router,
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
}

impl Browser {
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub async fn send(&mut self, req: Request<Body>) -> Page {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let c = v.to_str().unwrap();
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
        let status = resp.status();
        let location = resp.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned());
        let content_type = resp.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(t) = meta_csrf(&body) {
            self.csrf = t;
        }
        Page { status, location, content_type, body }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// Posts a form, adding the session's CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone();
        all.push(("csrf", &csrf));
        self.post_raw(path, &all).await
    }

    /// Posts a form as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// A GET that keeps the response headers and the raw bytes (downloads,
    /// audio, archives).
    pub async fn fetch(&self, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let req = Request::get(path).header(header::COOKIE, self.cookie_header()).body(Body::empty()).unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.into_body().collect().await.unwrap().to_bytes().to_vec())
    }

    /// A JSON API call with a bearer token; the answer parsed (`Null` when
    /// it is not JSON).
    pub async fn api(&mut self, method: &str, path: &str, token: &str, body: Option<serde_json::Value>) -> (StatusCode, serde_json::Value) {
        let mut req = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let p = self.send(req.body(body).unwrap()).await;
        (p.status, serde_json::from_str(&p.body).unwrap_or(serde_json::Value::Null))
    }

    /// Posts a multipart form (fields and an optional `file`), the CSRF
    /// token in the query string as the pages do (`csrf: false` leaves it out).
    pub async fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>, csrf: bool) -> Page {
        let boundary = "----centralino-test-boundary";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let uri = if csrf { format!("{path}?csrf={}", self.csrf) } else { path.to_owned() };
        let req = Request::post(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::ACCEPT, "text/html")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Signs in through the sign-in form; then loads `/` to learn the CSRF token.
    pub async fn login(&mut self, user: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let token = hidden(&form.body, "csrf").expect("csrf field on the sign-in form");
        let r = self.post_raw("/login", &[("username", user), ("password", password), ("csrf", &token), ("next", "/")]).await;
        if r.status == StatusCode::SEE_OTHER {
            self.get("/").await;
        }
        r
    }
}

/// The value of hidden input `name` in a page.
pub fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    Some(body[start..].split('"').next()?.to_owned())
}

fn meta_csrf(body: &str) -> Option<String> {
    let marker = "<meta name=\"csrf-token\" content=\"";
    let start = body.find(marker)? + marker.len();
    Some(body[start..].split('"').next()?.to_owned())
}
