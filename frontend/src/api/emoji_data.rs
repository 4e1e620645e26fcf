//! The emoji picker's data: a static asset of the build (`frontend/build.rs` writes it, named
//! after a hash of its content, so it is cached for good), fetched the first time a picker opens
//! and kept for the rest of the session. Not compiled into the app, where it cost every first
//! visit 19 KB of brotli (about 0.1 s on Slow 4G) for a picker many sessions never open.

use std::sync::OnceLock;

use gloo_net::http::Request;

include!(concat!(env!("OUT_DIR"), "/emoji_data_path.rs"));

/// One emoji of the picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The emoji itself, what the picker inserts.
    pub emoji: &'static str,
    /// Its Unicode name ("party popper"), searched and read out by screen readers.
    pub name: &'static str,
    /// Its shortcodes separated by spaces ("tada"), searched too.
    pub shortcodes: &'static str,
}

/// One category of the picker, in the data's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Its label's key in the `composer` translations (`emoji_group_flags`).
    pub label: &'static str,
    /// Its emoji, in Unicode's order.
    pub entries: Vec<Entry>,
}

/// Why the data is not there: only logged, the picker says the same sentence either way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError(pub String);

/// The data once loaded in this session.
static LOADED: OnceLock<&'static [Group]> = OnceLock::new();

/// The data if this session has already loaded it: the picker then shows it at once.
pub fn loaded() -> Option<&'static [Group]> {
    LOADED.get().copied()
}

/// The data, fetched on the first call and kept for the session.
pub async fn load() -> Result<&'static [Group], LoadError> {
    if let Some(groups) = loaded() {
        return Ok(groups);
    }
    let response = Request::get(EMOJI_DATA_PATH).send().await.map_err(|e| LoadError(e.to_string()))?;
    if !response.ok() {
        return Err(LoadError(format!("{EMOJI_DATA_PATH} answered {}", response.status())));
    }
    let text = response.text().await.map_err(|e| LoadError(e.to_string()))?;
    // Another picker's fetch may have finished meanwhile: keep the first, parse nothing twice.
    if let Some(groups) = loaded() {
        return Ok(groups);
    }
    let groups = parse(&text)?;
    Ok(LOADED.get_or_init(|| groups))
}

/// The categories of the asset's JSON, `[[label key, [[emoji, name, shortcodes], …]], …]`.
///
/// The strings are leaked on purpose: the data is kept for the rest of the session anyway,
/// and `&'static` lets the picker copy entries into its views as it did when they were
/// compiled in.
pub fn parse(json: &str) -> Result<&'static [Group], LoadError> {
    type Raw = Vec<(String, Vec<(String, String, String)>)>;
    let raw: Raw = serde_json::from_str(json).map_err(|e| LoadError(format!("{EMOJI_DATA_PATH}: {e}")))?;
    let groups = raw
        .into_iter()
        .map(|(label, entries)| Group {
            label: label.leak(),
            entries: entries
                .into_iter()
                .map(|(emoji, name, shortcodes)| Entry {
                    emoji: emoji.leak(),
                    name: name.leak(),
                    shortcodes: shortcodes.leak(),
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    Ok(groups.leak())
}

/// The asset as this build wrote it, for tests (run natively, beside the build's `OUT_DIR`).
#[cfg(test)]
pub fn built() -> &'static [Group] {
    let path = format!("{}{EMOJI_DATA_PATH}", env!("OUT_DIR"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse(&json).unwrap_or_else(|e| panic!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_asset_is_named_after_a_hash_of_its_content() {
        let name = EMOJI_DATA_PATH.strip_prefix("/emoji-").and_then(|n| n.strip_suffix(".json"));
        assert!(name.is_some_and(|hash| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())));
    }

    #[test]
    fn the_asset_parses_into_every_category_without_skin_tone_variants() {
        let groups = built();
        assert_eq!(groups.len(), 9);
        assert_eq!(groups[0].label, "emoji_group_smileys_emotion");
        let all = groups.iter().flat_map(|g| &g.entries).collect::<Vec<_>>();
        assert!(all.len() > 1_500, "{}", all.len());
        assert!(all.iter().all(|e| !e.emoji.is_empty() && !e.name.is_empty()));
        assert!(!all.iter().any(|e| e.emoji == "👍🏽"));
        let tada = all.iter().find(|e| e.emoji == "🎉");
        assert_eq!(tada.map(|e| (e.name, e.shortcodes)), Some(("party popper", "tada")));
    }

    #[test]
    fn a_damaged_asset_is_an_error_not_a_panic() {
        assert!(parse("").is_err());
        assert!(parse("<!doctype html>").is_err());
        assert!(parse(r#"[["emoji_group_flags", [["🏁"]]]]"#).is_err());
        assert_eq!(parse("[]"), Ok(&[][..]));
    }
}
