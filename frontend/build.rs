//! Writes the emoji picker's data as a static asset of the web app: the `emojis` crate's Unicode
//! set, default skin tone only and emoji 15.0 or older (what most systems can draw), as JSON
//! arrays, `[[label key, [[emoji, name, shortcodes], …]], …]`, 1,870 emoji. The file is
//! `$OUT_DIR/emoji-<hash of its content>.json`, and `$OUT_DIR/emoji_data_path.rs` gives the app
//! that name, so the file can be cached for good; `scripts/stage-emoji-data.sh` copies it into
//! trunk's build. Fetched when the picker first opens rather than compiled in: as strings in the
//! wasm it cost every first visit 61 KB (19 KB brotli) before the chats showed, for a picker
//! many sessions never open. (Generated, not read from the crate at run time, because the crate's
//! own table, every skin tone, versions and lookup maps, made the wasm 271 KB larger still.)
//!
//! It also generates the translations' `i18n` module (`$OUT_DIR/i18n/mod.rs`, included by
//! `src/locale/mod.rs`) from `locales/<language>/<namespace>.json`, with leptos_i18n's own parser
//! and code generator; a key German lacks fails the build.

use std::error::Error;
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::{env, fs};

use emojis::{Group, UnicodeVersion};

/// The newest emoji shown: newer ones are boxes on most phones and desktops still in use.
const NEWEST: UnicodeVersion = UnicodeVersion::new(15, 0);

/// The category's label, as its key in the `composer` translations (the picker looks it up).
fn label(group: Group) -> &'static str {
    match group {
        Group::SmileysAndEmotion => "emoji_group_smileys_emotion",
        Group::PeopleAndBody => "emoji_group_people_body",
        Group::AnimalsAndNature => "emoji_group_animals_nature",
        Group::FoodAndDrink => "emoji_group_food_drink",
        Group::TravelAndPlaces => "emoji_group_travel_places",
        Group::Activities => "emoji_group_activities",
        Group::Objects => "emoji_group_objects",
        Group::Symbols => "emoji_group_symbols",
        Group::Flags => "emoji_group_flags",
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(env::var_os("OUT_DIR").ok_or("cargo sets OUT_DIR for build scripts")?);
    write_emoji_data(&dir)?;
    println!("cargo::rerun-if-changed=build.rs");
    generate_translations(&dir)
}

/// Writes the picker's data as `out/emoji-<hash>.json` and its path on the site as
/// `out/emoji_data_path.rs` (`EMOJI_DATA_PATH`, read by `src/api/emoji_data.rs`).
fn write_emoji_data(out: &Path) -> Result<(), Box<dyn Error>> {
    let groups = Group::iter()
        .map(|group| {
            let emojis = group
                .emojis()
                .filter(|e| e.unicode_version() <= NEWEST)
                .map(|e| (e.as_str(), e.name(), e.shortcodes().collect::<Vec<_>>().join(" ")))
                .collect::<Vec<_>>();
            (label(group), emojis)
        })
        .collect::<Vec<_>>();
    let json = serde_json::to_string(&groups)?;
    // 64 bits, as in trunk's names for its assets, from the standard library's hasher: no
    // dependency for it. A toolchain whose hasher differs renames the file (one download more),
    // never serves stale data under an old name.
    let mut hasher = DefaultHasher::new();
    hasher.write(json.as_bytes());
    // 16 digits always: the server and the service worker recognise a hash by its length.
    let name = format!("emoji-{:016x}.json", hasher.finish());
    fs::write(out.join(&name), json)?;
    let path = format!(
        "/// Where the app fetches the emoji picker's data: a file named after a hash of its content\n\
         /// (`frontend/build.rs`), so it is cached for good.\n\
         pub const EMOJI_DATA_PATH: &str = \"/{name}\";\n"
    );
    fs::write(out.join("emoji_data_path.rs"), path)?;
    Ok(())
}

/// The languages, the default first.
const LANGUAGES: [&str; 2] = ["en", "de"];
/// The translation files of each language (`locales/README.md` says which holds what).
const NAMESPACES: [&str; 10] =
    ["common", "auth", "settings", "time", "chat", "composer", "social", "admin", "integrations", "security"];

/// Writes `out/i18n/mod.rs`, the `i18n` module of `leptos_i18n` for the translations.
fn generate_translations(out: &std::path::Path) -> Result<(), Box<dyn Error>> {
    use leptos_i18n_parser::parse_locales::{options::Config, options::ParseOptions, parse_locales};

    // `interpolate_display`: `t_string!` with values, for attributes and Rust code.
    let options = ParseOptions::default().interpolate_display(true);
    let config = Config::new(LANGUAGES[0])?
        .add_locales(&LANGUAGES[1..])?
        .add_namespaces(NAMESPACES)?
        .locales_path("locales")
        .parse_options(options);
    let parsed = parse_locales(None, config)?;
    for path in parsed.tracked_files.iter().flatten() {
        println!("cargo::rerun-if-changed={path}");
    }
    // A missing or surplus key is only a warning to the parser; a language must be complete.
    let warnings: Vec<String> = parsed.diag.warnings().iter().map(ToString::to_string).collect();
    if !warnings.is_empty() {
        return Err(format!("incomplete translations:\n{}", warnings.join("\n")).into());
    }
    let code = leptos_i18n_codegen::gen_code(&parsed, None, false, None, false)?;
    fs::create_dir_all(out.join("i18n"))?;
    // A binary uses only some of what the module offers (providers, macro variants), and the
    // generated code is the crate's, not ours to hold to the workspace's lints (it calls
    // `expect` on values it made itself). Inner attributes, beside the generator's own: an outer
    // one as well would be clippy's `mixed_attributes_style`.
    let code = code.to_string();
    let code = code.replacen(
        "pub mod i18n {",
        "pub mod i18n { #![allow(unused_imports, dead_code, clippy::expect_used, clippy::unwrap_used)]",
        1,
    );
    if !code.contains("#![allow(unused_imports") {
        return Err("leptos_i18n_codegen no longer starts its module with `pub mod i18n {`".into());
    }
    fs::write(out.join("i18n").join("mod.rs"), code)?;
    Ok(())
}
