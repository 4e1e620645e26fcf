//! The operator's map tile server (`--map-tiles-url`), checked once at start: a URL template
//! with `{z}`, `{x}` and `{y}` in its path or query, on https (or http to this machine), so the
//! Content-Security-Policy can allow exactly its origin for images and nothing else. Without
//! it no map is drawn and the web app fetches nothing from third parties.

use std::fmt;

use url::{Host, Url};

/// The placeholders the web app replaces: zoom, column, row (the "slippy map" convention).
const PLACEHOLDERS: [&str; 3] = ["{z}", "{x}", "{y}"];

/// A checked tile URL template, e.g. `https://tiles.example.org/{z}/{x}/{y}.png`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapTilesUrl {
    template: String,
    origin: String,
}

impl MapTilesUrl {
    /// Checks `template`; the error says what to change (clap prints it at start).
    pub fn parse(template: &str) -> Result<Self, String> {
        let template = template.trim();
        for placeholder in PLACEHOLDERS {
            if !template.contains(placeholder) {
                return Err(format!(
                    "the map tile URL must contain {{z}}, {{x}} and {{y}} (it has no {placeholder}), \
                     e.g. https://tiles.example.org/{{z}}/{{x}}/{{y}}.png"
                ));
            }
        }
        let filled = |value: &str| PLACEHOLDERS.iter().fold(template.to_owned(), |url, p| url.replace(p, value));
        if filled("").contains(['{', '}']) {
            return Err("the map tile URL may only contain the placeholders {z}, {x} and {y}".to_owned());
        }
        let url = Url::parse(&filled("0")).map_err(|e| format!("the map tile URL is not a URL: {e}"))?;
        // Placeholders in the host would make every tile a different origin the CSP cannot name.
        let other = Url::parse(&filled("1")).map_err(|e| format!("the map tile URL is not a URL: {e}"))?;
        if url.origin() != other.origin() {
            return Err("the map tile URL's placeholders must be in its path or query, not its host".to_owned());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the map tile URL must not carry a user name or password".to_owned());
        }
        let loopback = match url.host() {
            Some(Host::Domain(name)) => name == "localhost",
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err("the map tile URL must use https (http only to this machine)".to_owned()),
            other => return Err(format!("the map tile URL must use https, not {other}")),
        }
        Ok(Self { template: template.to_owned(), origin: url.origin().ascii_serialization() })
    }

    /// The template as given, for the web app to fill in.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// `scheme://host[:port]`: the one image source the Content-Security-Policy adds.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

impl fmt::Display for MapTilesUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.template)
    }
}

/// Checks `--map-attribution`: one line of plain text, as the tile host's terms word it.
pub fn parse_attribution(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_ATTRIBUTION_CHARS {
        return Err(format!("the map attribution must be 1 to {MAX_ATTRIBUTION_CHARS} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("the map attribution must be one line without control characters".to_owned());
    }
    Ok(text.to_owned())
}

/// Longest attribution: it is shown under a map 256 pixels wide.
pub const MAX_ATTRIBUTION_CHARS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_template_gives_its_origin() {
        let tiles = MapTilesUrl::parse("https://Tiles.Example.org:8443/osm/{z}/{x}/{y}.png?key=k").unwrap();
        assert_eq!(tiles.origin(), "https://tiles.example.org:8443");
        assert_eq!(tiles.template(), "https://Tiles.Example.org:8443/osm/{z}/{x}/{y}.png?key=k");
        let tiles = MapTilesUrl::parse("https://tiles.example.org/{z}/{x}/{y}.png").unwrap();
        assert_eq!(tiles.origin(), "https://tiles.example.org");
    }

    #[test]
    fn http_is_allowed_to_loopback_only() {
        assert_eq!(
            MapTilesUrl::parse("http://127.0.0.1:8081/{z}/{x}/{y}.png").unwrap().origin(),
            "http://127.0.0.1:8081"
        );
        assert!(MapTilesUrl::parse("http://localhost/{z}/{x}/{y}.png").is_ok());
        assert!(MapTilesUrl::parse("http://[::1]:9/{z}/{x}/{y}.png").is_ok());
        let err = MapTilesUrl::parse("http://tiles.example.org/{z}/{x}/{y}.png").unwrap_err();
        assert!(err.contains("https"), "{err}");
        assert!(MapTilesUrl::parse("ftp://tiles.example.org/{z}/{x}/{y}.png").unwrap_err().contains("https"));
    }

    #[test]
    fn a_template_without_every_placeholder_is_refused() {
        let err = MapTilesUrl::parse("https://tiles.example.org/{z}/{x}.png").unwrap_err();
        assert!(err.contains("{y}"), "{err}");
        assert!(MapTilesUrl::parse("https://tiles.example.org/tile.png").is_err());
    }

    #[test]
    fn placeholders_in_the_host_or_unknown_ones_are_refused() {
        let err = MapTilesUrl::parse("https://{z}.tiles.example.org/{x}/{y}.png").unwrap_err();
        assert!(err.contains("host"), "{err}");
        let err = MapTilesUrl::parse("https://{s}.tiles.example.org/{z}/{x}/{y}.png").unwrap_err();
        assert!(err.contains("only"), "{err}");
        assert!(MapTilesUrl::parse("https://user:pw@tiles.example.org/{z}/{x}/{y}.png").is_err());
        assert!(MapTilesUrl::parse("not a url {z}{x}{y}").is_err());
    }

    #[test]
    fn attribution_is_one_short_line() {
        assert_eq!(parse_attribution(" © OpenStreetMap contributors ").unwrap(), "© OpenStreetMap contributors");
        assert!(parse_attribution("").is_err());
        assert!(parse_attribution("a\nb").is_err());
        assert!(parse_attribution(&"x".repeat(MAX_ATTRIBUTION_CHARS + 1)).is_err());
    }
}
