//! Browser hardening headers on every response: a Content-Security-Policy allowing only our own
//! scripts and styles (plus the wasm compiler, and the inline code of `index.html` by hash:
//! trunk's loader script and the loading shell's style sheet), no framing, no sniffing. Images
//! come from ourselves only, plus the operator's map tile server when one is configured. The web
//! app manifest and the service worker (`/sw.js`) are named explicitly as our own files: a
//! worker falls back to `script-src`, whose inline hashes a worker has no use for.

use actix_web::middleware::DefaultHeaders;

/// The inline code `index.html` may run, as CSP hash sources (`'sha256-…'`). Anything else
/// inline (an injected `<script>` or `<style>`, a `style` attribute) stays blocked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InlineHashes {
    /// Hashes of the inline `<script>` elements.
    pub scripts: Vec<String>,
    /// Hashes of the inline `<style>` elements.
    pub styles: Vec<String>,
}

/// The Content-Security-Policy for a web app whose inline scripts and styles hash to `inline`,
/// whose maps load tiles from `map_tiles_origin` (`scheme://host[:port]`, already checked by
/// [`crate::map_tiles::MapTilesUrl`]) if set.
pub fn content_security_policy(inline: &InlineHashes, map_tiles_origin: Option<&str>) -> String {
    let sources = |base: &str, hashes: &[String]| {
        let mut list = String::from(base);
        for hash in hashes {
            list.push(' ');
            list.push_str(hash);
        }
        list
    };
    let script_src = sources("'self' 'wasm-unsafe-eval'", &inline.scripts);
    let style_src = sources("'self'", &inline.styles);
    let img_src = match map_tiles_origin {
        Some(origin) => format!("'self' data: {origin}"),
        None => "'self' data:".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {script_src}; style-src {style_src}; img-src {img_src}; \
         connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The middleware adding the hardening headers (unless a handler set its own).
pub fn headers(inline: &InlineHashes, map_tiles_origin: Option<&str>) -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", content_security_policy(inline, map_tiles_origin)))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_only_own_scripts_and_forbids_framing() {
        let inline = InlineHashes { scripts: vec!["'sha256-abc'".into()], styles: vec!["'sha256-def'".into()] };
        let csp = content_security_policy(&inline, None);
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc';"));
        assert!(csp.contains("style-src 'self' 'sha256-def';"));
        assert!(csp.contains("img-src 'self' data:;"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("manifest-src 'self';"), "{csp}");
        assert!(csp.contains("worker-src 'self';"), "{csp}");
    }

    #[test]
    fn images_may_come_from_the_map_tile_origin_only_when_set() {
        let csp = content_security_policy(&InlineHashes::default(), Some("https://tiles.example.org"));
        assert!(csp.contains("img-src 'self' data: https://tiles.example.org;"), "{csp}");
        assert!(csp.contains("connect-src 'self';"), "{csp}");
    }
}
