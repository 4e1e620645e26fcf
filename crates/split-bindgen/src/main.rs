//! `wasm-bindgen` as trunk calls it, with code splitting in front: the web app's functions
//! marked `#[wasm_split]` (its rarely opened pages) leave the main module for chunks that the
//! browser fetches the first time one of them runs.
//!
//! Why this exists: trunk 0.21 runs cargo, then wasm-bindgen, then wasm-opt, and has no code
//! splitting (trunk-rs/trunk#1022); the splitter (`wasm_split_cli_support`, what cargo-leptos
//! uses) must see cargo's output before wasm-bindgen, which drops the relocations it reads, and
//! wasm-bindgen must then keep the exports the chunks link against (`--keep-lld-exports`).
//! trunk finds wasm-bindgen on PATH; scripts/env.sh puts a link to this binary first, and it
//! hands the split main module to the real wasm-bindgen, found further down PATH.
//!
//! What it leaves where (trunk's `--out-dir`, `<target>/wasm-bindgen/<profile>`):
//! - `snippets/wasm-split/loader-<hash>.js`: the chunks' loader, which the main module imports.
//!   trunk copies `snippets/` as it is and preloads it; `<hash>` is trunk's hash of cargo's
//!   wasm, the same as in the app's file names, so the loader can import `initSync` from them.
//! - `wasm-split/<chunk>-<hash>.wasm`: the chunks, named after their content. trunk does not
//!   know them; scripts/stage-wasm-chunks.sh (a post-build hook) puts the ones the loader names
//!   beside it, optimises and lists them.
//!
//! A module without split points goes to wasm-bindgen untouched.

mod invocation;
mod real_bindgen;
mod split;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let real = match real_bindgen::locate() {
        Ok(path) => path,
        Err(error) => {
            eprintln!("wasm-bindgen (split-bindgen): {error}");
            return ExitCode::FAILURE;
        }
    };
    let args = match invocation::Invocation::parse(&args) {
        // `--version` and the like: the real one answers.
        None => args,
        Some(invocation) => match split::split(&invocation) {
            Ok(split::Outcome::Split { main_module }) => invocation.with_input(&main_module, "--keep-lld-exports"),
            Ok(split::Outcome::NothingToSplit) => args,
            Err(error) => {
                eprintln!("wasm-bindgen (split-bindgen): {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    match std::process::Command::new(&real).args(&args).status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)),
        Err(error) => {
            eprintln!("wasm-bindgen (split-bindgen): cannot run {}: {error}", real.display());
            ExitCode::FAILURE
        }
    }
}
