//! Serves the built single-page app from the static dir: files as they are, and `index.html`
//! for every other path, so client-side routes like `/chat/…` survive a reload.
//!
//! It also reads the inline scripts trunk puts in `index.html`, so the Content-Security-Policy
//! can allow exactly those (by hash) and nothing else.

use std::path::{Path, PathBuf};

use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The loaded web app.
#[derive(Clone, Debug)]
pub struct Spa {
    dir: PathBuf,
    index_html: Bytes,
    /// CSP sources (`'sha256-…'`) of the inline scripts in `index.html`.
    pub script_hashes: Vec<String>,
}

impl Spa {
    /// Loads `index.html` from `dir`; a missing build serves a page that says how to build it.
    pub fn load(dir: &Path) -> Self {
        match std::fs::read_to_string(dir.join("index.html")) {
            Ok(html) => Self {
                dir: dir.to_path_buf(),
                script_hashes: inline_script_hashes(&html),
                index_html: Bytes::from(html),
            },
            Err(_) => {
                tracing::warn!(dir = %dir.display(), "no built web app found; serving the API only");
                Self {
                    dir: dir.to_path_buf(),
                    index_html: Bytes::from_static(NOT_BUILT.as_bytes()),
                    script_hashes: Vec::new(),
                }
            }
        }
    }

    /// Mounts the app: `/` and unknown paths get `index.html`, existing files are served as is.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        let index = self.index_html.clone();
        let root_index = index.clone();
        let fallback = fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                Ok::<_, actix_web::Error>(ServiceResponse::new(req, index_response(index)))
            }
        });
        // actix-files answers a directory itself (an error without `index_file`, or a cacheable
        // file with it), so `/` gets its own route that serves the uncached index.
        cfg.service(web::resource("/").route(web::get().to(move || {
            let index = root_index.clone();
            async move { index_response(index) }
        })))
        .service(actix_files::Files::new("/", &self.dir).default_handler(fallback));
    }
}

fn index_response(index: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // index.html names the hashed assets of the current build: never cache it.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(index)
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Confab</title></head>\
<body><h1>Confab</h1><p>The web app is not built. Run <code>./scripts/run.sh</code>, which builds it, \
or point <code>--static-dir</code> at trunk's output.</p><p>The API is at <a href=\"/api/v1/docs\">/api/v1/docs</a>.</p>\
</body></html>";

/// CSP hash sources of every inline `<script>` (one without `src`) in `html`.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = rest[body_start..].find("</script>") else {
            break;
        };
        let body = &rest[body_start..body_start + close];
        if !tag.contains(" src=") && !body.is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &rest[body_start + close..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html = r#"<html><script src="/app.js"></script><script type="module">init()</script></html>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn unterminated_script_is_ignored_without_panic() {
        assert!(inline_script_hashes("<script>never closed").is_empty());
        assert!(inline_script_hashes("<script").is_empty());
    }
}
