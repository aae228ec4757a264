//! Every page and answer of the centre carries the security headers, the phone
//! page runs under a CSP without inline script or style, and every error is
//! JSON, extractor rejections included. Real centre on 127.0.0.1.

mod common;

use common::{error_code, raw, ticket_request, TestCentre, TOKEN};
use motcua_kiosk::domain::clock;
use reqwest::header::HeaderMap;

fn assert_hardened(what: &str, h: &HeaderMap) {
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("{what}: no {k}"));
    let csp = get("content-security-policy");
    for needed in ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(needed), "{what}: CSP lacks {needed}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_html_page_has_the_headers_and_no_inline_script_or_style() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let t = c.client().issue_ticket(&ticket_request("HT", "h1")).await.unwrap();
    for (path, status) in
        [(format!("/t/{}", t.tracking_code), 200), ("/t/0000000000000000000Z".to_string(), 404)]
    {
        let (s, h, body) = raw("GET", &format!("{}{path}", c.url), None, None).await;
        assert_eq!(s, status, "{path}");
        assert!(h.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
        assert_hardened(&path, &h);
        let lower = body.to_lowercase();
        for inline in ["<script", "<style", " style=", "javascript:", " onload=", " onclick="] {
            assert!(!lower.contains(inline), "{path} has inline `{inline}`: {body}");
        }
        assert!(body.contains("href=\"/static/ticket.css\""), "{path}: {body}");
    }
    let (s, h, _) = raw("GET", &format!("{}/static/ticket.css", c.url), None, None).await;
    assert_eq!(s, 200);
    assert_hardened("css", &h);
    let (_, h, _) = raw("GET", &format!("{}/api/v1/services", c.url), Some(TOKEN), None).await;
    assert_hardened("JSON", &h);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_json_extractor_rejections_included() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let u = |p: &str| format!("{}{p}", c.url);
    let big = format!("{{\"service\": \"{}\"}}", "x".repeat(70 * 1024));
    /// (method, URL, token, body, status, code)
    type Case<'a> = (&'a str, String, Option<&'a str>, Option<&'a str>, u16, &'a str);
    let cases: Vec<Case> = vec![
        // A path that is not UTF-8 once decoded (the path extractor refuses it).
        ("GET", u("/api/v1/tickets/%FF%FE"), None, None, 400, "bad_request"),
        ("GET", u("/api/v1/dossiers/%C0"), Some(TOKEN), None, 400, "bad_request"),
        // A query the query extractor cannot read.
        ("GET", u("/api/v1/events?last_event_id=1&last_event_id=2"), Some(TOKEN), None, 400, "bad_request"),
        ("GET", u("/api/v1/no-such-thing"), None, None, 404, "not_found"),
        ("DELETE", u("/api/v1/services"), Some(TOKEN), None, 405, "method_not_allowed"),
        ("POST", u("/api/v1/tickets"), Some(TOKEN), Some(big.as_str()), 413, "payload_too_large"),
    ];
    for (method, url, token, body, status, code) in cases {
        let (s, h, b) = raw(method, &url, token, body).await;
        assert_eq!(s, status, "{method} {url}: {b}");
        assert!(
            h.get("content-type").unwrap().to_str().unwrap().starts_with("application/json"),
            "{url}: {h:?}"
        );
        assert_eq!(error_code(&b), code, "{method} {url}");
        assert_hardened(&url, &h);
    }
    // A body without Content-Type: application/json.
    let r =
        reqwest::Client::new().post(u("/api/v1/tickets")).bearer_auth(TOKEN).body("{}").send().await.unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(error_code(&r.text().await.unwrap()), "unsupported_media_type");
    c.stop().await;
}
