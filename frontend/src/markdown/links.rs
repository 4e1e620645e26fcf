//! Which link targets a message may carry, and the bare URLs and e-mail addresses in its text.
//! Written by hand because the allow-list is the security boundary: only `http`, `https` and
//! `mailto` become links; `javascript:`, `data:`, relative targets and anything else stay text.

use linkify::{LinkFinder, LinkKind};

use super::tree::Inline;

/// The schemes a link may have, lower case, compared without regard to case.
const SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Whether `href` may become a link: an absolute `http`, `https` or `mailto` target.
///
/// Browsers drop tabs and newlines anywhere in a URL and strip leading controls and spaces
/// before reading the scheme (so "java\tscript:" runs as script); a target with any of them is
/// refused, so what is checked here is what the browser would read.
pub fn is_safe_href(href: &str) -> bool {
    if href.chars().any(|c| c.is_ascii_control() || c.is_whitespace()) {
        return false;
    }
    let Some((scheme, rest)) = href.split_once(':') else { return false };
    if !SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s)) {
        return false;
    }
    if scheme.eq_ignore_ascii_case("mailto") { !rest.is_empty() } else { rest.starts_with("//") && rest.len() > 2 }
}

/// Appends `text` to `out` with its bare URLs (with a scheme) and e-mail addresses as links and
/// the rest as text. A URL whose scheme is not allowed stays text.
pub fn autolink(text: &str, out: &mut Vec<Inline>) {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url, LinkKind::Email]);
    let mut plain = String::new();
    for span in finder.spans(text) {
        let href = match span.kind() {
            Some(LinkKind::Url) if is_safe_href(span.as_str()) => Some(span.as_str().to_owned()),
            Some(LinkKind::Email) => Some(format!("mailto:{}", span.as_str())),
            _ => None,
        };
        match href {
            Some(href) => {
                if !plain.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut plain)));
                }
                out.push(Inline::Link { href, children: vec![Inline::Text(span.as_str().to_owned())] });
            }
            None => plain.push_str(span.as_str()),
        }
    }
    if !plain.is_empty() {
        out.push(Inline::Text(plain));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_https_and_mailto_targets_are_safe() {
        for ok in ["https://example.com", "HTTP://example.com/a?b#c", "mailto:someone@example.com"] {
            assert!(is_safe_href(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "https://exa\nmple.com",
            "data:text/html;base64,PHNjcmlwdD4=",
            "vbscript:msgbox(1)",
            "/relative/path",
            "example.com",
            "//example.com",
            "https:",
            "https://",
            "mailto:",
            "",
        ] {
            assert!(!is_safe_href(bad), "{bad:?}");
        }
    }

    #[test]
    fn bare_urls_and_addresses_become_links_and_the_rest_stays_text() {
        let mut out = Vec::new();
        autolink("see https://example.com/a, or write to me@example.com. javascript:alert(1)", &mut out);
        assert_eq!(
            out,
            [
                Inline::Text("see ".into()),
                Inline::Link {
                    href: "https://example.com/a".into(),
                    children: vec![Inline::Text("https://example.com/a".into())]
                },
                Inline::Text(", or write to ".into()),
                Inline::Link {
                    href: "mailto:me@example.com".into(),
                    children: vec![Inline::Text("me@example.com".into())]
                },
                Inline::Text(". javascript:alert(1)".into()),
            ]
        );
    }
}
