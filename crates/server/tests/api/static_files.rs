//! The web app's files, the fallback that makes client-side routes reloadable, and the
//! hardening headers on every response.

use crate::support::{INLINE_SCRIPT, TestApp};

#[tokio::test]
async fn client_side_routes_fall_back_to_index_html() {
    let app = TestApp::spawn().await;
    for path in ["/", "/chat/some-conversation", "/settings"] {
        let response = app.http.get(app.at(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        assert!(response.text().await.unwrap().contains("confab test app"), "{path}");
    }
}

#[tokio::test]
async fn static_assets_are_served_as_files() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.at("/app.js")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(response.text().await.unwrap(), "export default function init() {}");
}

#[tokio::test]
async fn every_response_carries_the_hardening_headers() {
    use base64::Engine;
    use sha2::Digest;

    let app = TestApp::spawn().await;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(INLINE_SCRIPT.as_bytes()));
    for path in ["/", "/healthz", "/api/v1/nothing"] {
        let response = app.http.get(app.at(path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
}
