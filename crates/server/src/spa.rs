//! Serves the built single-page app from the static dir: files as they are, and `index.html`
//! for every other path, so client-side routes like `/chat/…` survive a reload.
//!
//! First visits on slow phones are what this is tuned for (issue #15: a blank page for ~20 s on
//! Slow 4G). Files are precompressed at build time (`scripts/compress-assets.sh`, brotli -q 11
//! and gzip -9, run by trunk's post-build hook), and actix-files' `try_compressed` answers each
//! request with the `.br` or `.gz` sibling its `Accept-Encoding` allows, with the original's
//! Content-Type and a `Content-Encoding`: the best ratio at no CPU cost per request, which
//! on-the-fly compression (actix's `Compress`) cannot give at quality 11. `index.html`, which the
//! server keeps in memory, is compressed the same way once when it is loaded: 7.7 KB become
//! 2.8 KB brotli, and on Slow 4G the page arrives 25 ms sooner, with 5 KB less of the link left
//! to the wasm's download. Trunk names every asset after a hash of its content, so those are
//! cached for a year as `immutable`; anything else (and `index.html`, which names the assets of
//! the current build) is `no-cache`.
//!
//! It also reads the inline scripts and style sheets of `index.html` (trunk's loader, the
//! loading shell's style), so the Content-Security-Policy can allow exactly those, by hash.

use std::io::Write;
use std::path::{Path, PathBuf};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::security::InlineHashes;

/// `Cache-Control` of a file whose name carries a hash of its content: a new build gives it a
/// new name, so a browser never needs to ask again.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` of everything else: cached, but revalidated (by ETag) before each use.
pub const REVALIDATE: &str = "no-cache";

/// The loaded web app.
#[derive(Clone, Debug)]
pub struct Spa {
    dir: PathBuf,
    index_html: IndexHtml,
    /// CSP sources (`'sha256-…'`) of the inline scripts and styles in `index.html`.
    pub inline_hashes: InlineHashes,
}

impl Spa {
    /// Loads `index.html` from `dir`; a missing build serves a page that says how to build it.
    pub fn load(dir: &Path) -> Self {
        match std::fs::read_to_string(dir.join("index.html")) {
            Ok(html) => Self {
                dir: dir.to_path_buf(),
                inline_hashes: InlineHashes {
                    scripts: inline_hashes(&html, "script"),
                    styles: inline_hashes(&html, "style"),
                },
                index_html: IndexHtml::new(Bytes::from(html)),
            },
            Err(_) => {
                tracing::warn!(dir = %dir.display(), "no built web app found; serving the API only");
                Self {
                    dir: dir.to_path_buf(),
                    index_html: IndexHtml::new(Bytes::from_static(NOT_BUILT.as_bytes())),
                    inline_hashes: InlineHashes::default(),
                }
            }
        }
    }

    /// Mounts the app: `/`, `/index.html` and unknown paths get `index.html` (uncached), existing
    /// files are served as is, precompressed when the client accepts it, with their cache policy.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        let index = self.index_html.clone();
        let fallback = fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                let response = index.response(&req);
                Ok::<_, actix_web::Error>(ServiceResponse::new(req, response))
            }
        });
        // actix-files answers a directory itself (an error without `index_file`, or a cacheable
        // file with it), so `/` gets its own route that serves the uncached index; so does
        // `/index.html`, which would otherwise be served as a plain, revalidated file.
        for path in ["/", "/index.html"] {
            let index = self.index_html.clone();
            cfg.service(web::resource(path).route(web::get().to(move |req: HttpRequest| {
                let response = index.response(&req);
                async move { response }
            })));
        }
        cfg.service(
            web::scope("")
                .wrap(from_fn(cache_policy))
                .service(actix_files::Files::new("/", &self.dir).try_compressed().default_handler(fallback)),
        );
    }
}

/// `index.html` as written, and brotli and gzip encodings of it made once at load, each kept
/// only if it is smaller.
#[derive(Clone, Debug)]
struct IndexHtml {
    identity: Bytes,
    packed: Vec<(ContentEncoding, Bytes)>,
}

impl IndexHtml {
    fn new(identity: Bytes) -> Self {
        let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
        let mut brotli = Vec::new();
        let brotli = brotli::BrotliCompress(&mut &identity[..], &mut brotli, &params).map(|_| brotli);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gzip = gzip.write_all(&identity).and_then(|()| gzip.finish());
        let packed = [(ContentEncoding::Brotli, brotli), (ContentEncoding::Gzip, gzip)]
            .into_iter()
            .filter_map(|(encoding, body)| {
                body.ok().filter(|body| body.len() < identity.len()).map(|b| (encoding, b.into()))
            })
            .collect();
        Self { identity, packed }
    }

    /// The page in the best encoding `req` accepts. index.html names the hashed assets of the
    /// current build: never cached without asking.
    fn response(&self, req: &HttpRequest) -> HttpResponse {
        let offered = std::iter::once(Encoding::identity())
            .chain(self.packed.iter().map(|(encoding, _)| Encoding::Known(*encoding)))
            .collect::<Vec<_>>();
        let chosen = req.get_header::<AcceptEncoding>().and_then(|accept| accept.negotiate(offered.iter()));
        let packed = self.packed.iter().find(|(encoding, _)| chosen == Some(Encoding::Known(*encoding)));
        let mut response = HttpResponse::Ok();
        response
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, REVALIDATE))
            .insert_header((header::VARY, "accept-encoding"));
        match packed {
            Some((encoding, body)) => {
                response.insert_header((header::CONTENT_ENCODING, encoding.to_header_value()));
                response.body(body.clone())
            }
            None => response.body(self.identity.clone()),
        }
    }
}

/// Gives a static file its `Cache-Control` (see [`IMMUTABLE`]) and `Vary: Accept-Encoding`.
/// actix-files adds `Vary` only to a compressed answer; the identity answer varies by the
/// same header, and a shared cache must not hand it to a browser that accepts brotli.
/// Answers that set their own policy (the `index.html` fallback) are left alone.
async fn cache_policy(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let hashed = is_content_hashed(req.path());
    let mut response = next.call(req).await?;
    let status = response.status();
    let headers = response.headers_mut();
    if headers.contains_key(header::CACHE_CONTROL) {
        return Ok(response);
    }
    let cacheable = status.is_success() || status == actix_web::http::StatusCode::NOT_MODIFIED;
    let policy = if hashed && cacheable { IMMUTABLE } else { REVALIDATE };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    Ok(response)
}

/// Whether the last segment of `path` carries a content hash as trunk writes them: a u64 in
/// lowercase hex between `-`, `_` or `.` (`main-6f0c1d2e3a4b5c6d.css`,
/// `frontend-6f0c1d2e3a4b5c6d_bg.wasm`). Trunk does not pad the hex, so 12 to 16 digits are
/// accepted; a hash that happens to be shorter (one in 65,536) is merely revalidated.
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split(['-', '_', '.'])
        .skip(1)
        .any(|part| (12..=16).contains(&part.len()) && part.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Confab</title></head>\
<body><h1>Confab</h1><p>The web app is not built. Run <code>./scripts/run.sh</code>, which builds it, \
or point <code>--static-dir</code> at trunk's output.</p><p>The API is at <a href=\"/api/v1/docs\">/api/v1/docs</a>.</p>\
</body></html>";

/// CSP hash sources of every inline `<tag>` element in `html` (`script` or `style`); a script
/// with `src` is not inline and needs no hash.
pub fn inline_hashes(html: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let attributes = &rest[..tag_end];
        let body_start = tag_end + 1;
        let Some(body_len) = rest[body_start..].find(&close) else {
            break;
        };
        let body = &rest[body_start..body_start + body_len];
        if !attributes.contains(" src=") && !body.is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &rest[body_start + body_len..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html = r#"<html><script src="/app.js"></script><script type="module">init()</script></html>"#;
        let hashes = inline_hashes(html, "script");
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn hashes_inline_styles_apart_from_scripts() {
        let html = "<head><style>body{margin:0}</style><script>go()</script></head>";
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"body{margin:0}"));
        assert_eq!(inline_hashes(html, "style"), [format!("'sha256-{expected}'")]);
        assert_eq!(inline_hashes(html, "script").len(), 1);
    }

    #[test]
    fn unterminated_script_is_ignored_without_panic() {
        assert!(inline_hashes("<script>never closed", "script").is_empty());
        assert!(inline_hashes("<script", "script").is_empty());
    }

    #[actix_web::test]
    async fn index_html_goes_in_the_best_encoding_the_browser_accepts() {
        use std::io::Read;
        let page = "<!doctype html><title>Confab</title>".repeat(50);
        let index = IndexHtml::new(Bytes::from(page.clone()));
        // (Accept-Encoding sent, Content-Encoding expected); Chromium sends the last one.
        for (accept, expected) in [
            (None, None),
            (Some("identity"), None),
            (Some("gzip"), Some("gzip")),
            (Some("br;q=0, gzip"), Some("gzip")),
            (Some("gzip, deflate, br, zstd"), Some("br")),
        ] {
            let mut request = actix_web::test::TestRequest::get().uri("/chat");
            if let Some(accept) = accept {
                request = request.insert_header((header::ACCEPT_ENCODING, accept));
            }
            let response = index.response(&request.to_http_request());
            let headers = response.headers().clone();
            let encoding = headers.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap());
            assert_eq!(encoding, expected, "{accept:?}");
            assert_eq!(headers.get(header::VARY).unwrap(), "accept-encoding", "{accept:?}");
            assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), REVALIDATE, "{accept:?}");
            let body = actix_web::body::to_bytes(response.into_body()).await.unwrap();
            let mut decoded = String::new();
            match encoding {
                None => decoded = String::from_utf8(body.to_vec()).unwrap(),
                Some("br") => drop(brotli::Decompressor::new(&body[..], 4096).read_to_string(&mut decoded).unwrap()),
                Some(_) => drop(flate2::read::GzDecoder::new(&body[..]).read_to_string(&mut decoded).unwrap()),
            }
            assert_eq!(decoded, page, "{accept:?}");
            assert!(expected.is_none() || body.len() < page.len() / 4, "{accept:?}: {} bytes", body.len());
        }
    }

    #[test]
    fn a_page_too_small_to_compress_goes_as_it_is() {
        let index = IndexHtml::new(Bytes::from_static(b"<p>"));
        let request = actix_web::test::TestRequest::get().insert_header((header::ACCEPT_ENCODING, "br, gzip"));
        let response = index.response(&request.to_http_request());
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
    }

    #[test]
    fn trunk_hashed_names_are_recognised() {
        for hashed in [
            "/main-6f0c1d2e3a4b5c6d.css",
            "/frontend-6f0c1d2e3a4b5c6d_bg.wasm",
            "/frontend-6f0c1d2e3a4b5c6d_bg.wasm.br",
            "/frontend-f0c1d2e3a4b5c6d.js",
            "/favicon-123456789abc.svg",
        ] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for plain in ["/", "/index.html", "/favicon.svg", "/robots.txt", "/6f0c1d2e3a4b5c6d.js", "/app-cafe.js"] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
    }
}
