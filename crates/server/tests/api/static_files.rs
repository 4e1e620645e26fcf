//! The web app's files, the fallback that makes client-side routes reloadable, the cache and
//! compression policy that makes a first visit on a slow phone bearable, and the hardening
//! headers on every response.

use std::io::Read;

use crate::support::{HASHED_ASSET, INLINE_SCRIPT, INLINE_STYLE, TestApp, hashed_asset_bytes};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[tokio::test]
async fn client_side_routes_fall_back_to_index_html() {
    let app = TestApp::spawn().await;
    for path in ["/", "/index.html", "/chat/some-conversation", "/settings"] {
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
async fn hashed_assets_are_cached_for_a_year_and_other_files_revalidated() {
    let app = TestApp::spawn().await;
    let hashed = app.http.get(app.at(HASHED_ASSET)).send().await.unwrap();
    assert_eq!(hashed.status(), 200);
    assert_eq!(hashed.headers()["cache-control"], IMMUTABLE);
    assert_eq!(hashed.bytes().await.unwrap(), hashed_asset_bytes());
    // A name without a content hash may change content under the same URL.
    let plain = app.http.get(app.at("/app.js")).send().await.unwrap();
    assert_eq!(plain.headers()["cache-control"], "no-cache");
    // A missing asset falls back to index.html, which must not be cached under its name.
    let missing = app.http.get(app.at("/app-0123456789abcdef_bg.wasm")).send().await.unwrap();
    assert_eq!(missing.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn manifest_and_service_worker_are_served_from_the_root() {
    // The real files trunk copies to the site root, so the test breaks if they stop parsing.
    let frontend = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend");
    let app = TestApp::spawn_with(|settings| {
        for file in ["manifest.webmanifest", "sw.js"] {
            std::fs::copy(frontend.join(file), settings.static_dir.join(file)).unwrap();
        }
    })
    .await;
    let manifest = app.http.get(app.at("/manifest.webmanifest")).send().await.unwrap();
    assert_eq!(manifest.status(), 200);
    assert_eq!(manifest.headers()["content-type"], "application/manifest+json");
    let manifest: serde_json::Value = manifest.json().await.unwrap();
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    // A browser checks for an updated worker on each visit only if it is not cached as is.
    let worker = app.http.get(app.at("/sw.js")).send().await.unwrap();
    assert_eq!(worker.status(), 200);
    assert_eq!(worker.headers()["cache-control"], "no-cache");
    assert!(worker.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert!(worker.text().await.unwrap().contains("addEventListener('push'"));
}

#[tokio::test]
async fn precompressed_siblings_are_served_to_clients_that_accept_them() {
    let app = TestApp::spawn().await;
    let original = hashed_asset_bytes();
    // (Accept-Encoding sent, Content-Encoding expected); Chromium sends the last one.
    let cases = [
        (None, None),
        (Some("identity"), None),
        (Some("gzip"), Some("gzip")),
        (Some("br"), Some("br")),
        (Some("gzip, deflate, br, zstd"), Some("br")),
        (Some("br;q=0, gzip"), Some("gzip")),
    ];
    for (accept, expected) in cases {
        let mut request = app.http.get(app.at(HASHED_ASSET));
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{accept:?}");
        let headers = response.headers().clone();
        assert_eq!(headers.get("content-encoding").map(|v| v.to_str().unwrap()), expected, "{accept:?}");
        assert!(headers["content-type"].to_str().unwrap().contains("javascript"), "{accept:?}: {headers:?}");
        assert_eq!(headers["vary"].to_str().unwrap().to_ascii_lowercase(), "accept-encoding", "{accept:?}");
        assert_eq!(headers["cache-control"], IMMUTABLE, "{accept:?}");
        let body = response.bytes().await.unwrap();
        let decoded = match expected {
            None => body.to_vec(),
            Some("br") => {
                let mut out = Vec::new();
                brotli::Decompressor::new(&body[..], 4096).read_to_end(&mut out).unwrap();
                out
            }
            Some(_) => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out).unwrap();
                out
            }
        };
        assert!(expected.is_none() || body.len() < original.len(), "{accept:?}: compressed is smaller");
        assert_eq!(decoded, original, "{accept:?}: the same bytes once decoded");
    }
    // The page itself is compressed too (once, at load), but never cached without asking.
    for path in ["/", "/chat/some-conversation"] {
        let index =
            app.http.get(app.at(path)).header("accept-encoding", "gzip, deflate, br, zstd").send().await.unwrap();
        assert_eq!(index.headers()["cache-control"], "no-cache", "{path}");
        assert_eq!(index.headers()["vary"], "accept-encoding", "{path}");
        assert_eq!(index.headers()["content-encoding"], "br", "{path}");
        let mut page = String::new();
        brotli::Decompressor::new(&index.bytes().await.unwrap()[..], 4096).read_to_string(&mut page).unwrap();
        assert!(page.contains("confab test app"), "{path}");
    }
}

#[tokio::test]
async fn every_response_carries_the_hardening_headers() {
    use base64::Engine;
    use sha2::Digest;

    let app = TestApp::spawn().await;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(INLINE_SCRIPT.as_bytes()));
    let style_hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(INLINE_STYLE.as_bytes()));
    for path in ["/", "/healthz", "/api/v1/nothing"] {
        let response = app.http.get(app.at(path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains(&format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}';")), "{path}: {csp}");
        assert!(csp.contains(&format!("style-src 'self' 'sha256-{style_hash}';")), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
}
