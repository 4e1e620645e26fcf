//! Splits cargo's wasm into a main module and chunks, names each chunk after its content and
//! leaves the loader that fetches them where trunk will pick it up (main.rs says where).

use std::fs;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

use wasm_split_cli_support::{Options, transform};

use crate::invocation::Invocation;

/// The import module of a split point, as `#[wasm_split]` declares it (wasm_split_macros).
const SPLIT_POINT_MODULE: &str = "__wasm_split_placeholder__";
/// Where the loader goes, under wasm-bindgen's out dir; trunk copies `snippets/` to the site.
pub const LOADER_DIR: &str = "snippets/wasm-split";
/// Where the chunks go, under wasm-bindgen's out dir (scripts/stage-wasm-chunks.sh reads it).
pub const CHUNK_DIR: &str = "wasm-split";

#[derive(Debug)]
pub enum Outcome {
    /// The main module to give wasm-bindgen instead of cargo's wasm.
    Split {
        main_module: PathBuf,
    },
    NothingToSplit,
}

pub fn split(run: &Invocation) -> Result<Outcome, String> {
    let input = fs::read(run.input()).map_err(|error| format!("reading {}: {error}", run.input().display()))?;
    let loader_dir = run.out_dir.join(LOADER_DIR);
    let chunk_dir = run.out_dir.join(CHUNK_DIR);
    // An earlier build's loader would be copied to the site with the new one.
    for dir in [&loader_dir, &chunk_dir] {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(|error| format!("clearing {}: {error}", dir.display()))?;
        }
    }
    if !has_split_points(&input)? {
        return Ok(Outcome::NothingToSplit);
    }

    let hash = trunk_hash(&input);
    let link_name = format!("./{LOADER_DIR}/loader-{hash}.js");
    // From snippets/wasm-split/ back to the app's JS, which trunk names `<out-name>-<hash>.js`.
    let main_js = format!("../../{}-{hash}.js", run.out_name);
    let main_module = run.out_dir.join("wasm-split-main.wasm");
    fs::create_dir_all(&loader_dir).map_err(|error| format!("creating {}: {error}", loader_dir.display()))?;
    let mut options = Options::new(&input);
    options.output_dir = &run.out_dir;
    options.main_out_path = &main_module;
    options.link_name = &link_name;
    options.main_module = &main_js;
    let split = transform(options).map_err(|error| format!("splitting {}: {error:#}", run.input().display()))?;

    let loader_path = run.out_dir.join(&link_name);
    let mut loader =
        fs::read_to_string(&loader_path).map_err(|error| format!("reading {}: {error}", loader_path.display()))?;
    fs::create_dir_all(&chunk_dir).map_err(|error| format!("creating {}: {error}", chunk_dir.display()))?;
    for chunk in &split.split_modules {
        loader = name_by_content(chunk, &chunk_dir, &loader)?;
    }
    fs::write(&loader_path, loader).map_err(|error| format!("writing {}: {error}", loader_path.display()))?;
    Ok(Outcome::Split { main_module })
}

/// Moves `chunk` into `chunk_dir` under a name that carries a hash of its bytes (so the site
/// can cache it for good) and returns `loader` fetching it by that name. A chunk the loader
/// never fetches (an empty one) is dropped.
fn name_by_content(chunk: &Path, chunk_dir: &Path, loader: &str) -> Result<String, String> {
    let stem = chunk
        .file_stem()
        .and_then(|stem| stem.to_str())
        .ok_or_else(|| format!("odd chunk name {}", chunk.display()))?;
    let fetched = format!("\"./{stem}.wasm\"");
    match loader.matches(&fetched).count() {
        0 => {
            fs::remove_file(chunk).map_err(|error| format!("removing {}: {error}", chunk.display()))?;
            Ok(loader.to_owned())
        }
        1 => {
            let bytes = fs::read(chunk).map_err(|error| format!("reading {}: {error}", chunk.display()))?;
            let named = format!("{stem}-{:016x}.wasm", seahash::hash(&bytes));
            fs::rename(chunk, chunk_dir.join(&named))
                .map_err(|error| format!("moving {}: {error}", chunk.display()))?;
            Ok(loader.replacen(&fetched, &format!("\"./{named}\""), 1))
        }
        many => Err(format!("the loader names {fetched} {many} times; expected once")),
    }
}

/// Whether the module imports a split point, i.e. has functions to move into chunks.
fn has_split_points(wasm: &[u8]) -> Result<bool, String> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::ImportSection(section) = payload.map_err(|error| error.to_string())? {
            for import in section.into_imports() {
                if import.map_err(|error| error.to_string())?.module == SPLIT_POINT_MODULE {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

/// The hash trunk puts in the names of the files it makes from `wasm` (`frontend-<hash>.js`):
/// seahash's streaming hasher over the bytes, in unpadded hex (trunk's `hashed`).
fn trunk_hash(wasm: &[u8]) -> String {
    let mut hasher = seahash::SeaHasher::new();
    hasher.write(wasm);
    format!("{:x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_without_split_points_is_told_apart() {
        // (module (import "env" "f" (func)))
        let plain = [
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
            0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
            0x02, 0x09, 0x01, 0x03, b'e', b'n', b'v', 0x01, b'f', 0x00, 0x00, // import env.f
        ];
        assert!(!has_split_points(&plain).unwrap());
        let mut split = plain[..14].to_vec();
        let module = SPLIT_POINT_MODULE.as_bytes();
        let entry: Vec<u8> = [&[module.len() as u8][..], module, &[0x01, b'f', 0x00, 0x00]].concat();
        split.extend([0x02, entry.len() as u8 + 1, 0x01]);
        split.extend(entry);
        assert!(has_split_points(&split).unwrap());
    }

    #[test]
    fn chunks_are_named_after_their_content() {
        let dir = std::env::temp_dir().join(format!("split-bindgen-test-{}", std::process::id()));
        let chunks = dir.join(CHUNK_DIR);
        fs::create_dir_all(&chunks).unwrap();
        fs::write(dir.join("split_settings.wasm"), b"settings").unwrap();
        fs::write(dir.join("chunk_3.wasm"), b"unused").unwrap();
        let loader = "fetch(new URL(\"./split_settings.wasm\", import.meta.url))";
        let loader = name_by_content(&dir.join("split_settings.wasm"), &chunks, loader).unwrap();
        let named = format!("split_settings-{:016x}.wasm", seahash::hash(b"settings"));
        assert_eq!(loader, format!("fetch(new URL(\"./{named}\", import.meta.url))"));
        assert_eq!(fs::read(chunks.join(&named)).unwrap(), b"settings");
        assert_eq!(name_by_content(&dir.join("chunk_3.wasm"), &chunks, &loader).unwrap(), loader);
        assert!(!dir.join("chunk_3.wasm").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
