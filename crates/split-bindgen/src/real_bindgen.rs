//! Finds the real wasm-bindgen: the first `wasm-bindgen` on PATH that is not this binary.

use std::path::PathBuf;

pub fn locate() -> Result<PathBuf, String> {
    let this = std::env::current_exe().and_then(|path| path.canonicalize()).map_err(|error| error.to_string())?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("wasm-bindgen"))
        .find(|candidate| candidate.is_file() && candidate.canonicalize().is_ok_and(|real| real != this))
        .ok_or_else(|| "no other wasm-bindgen on PATH (scripts/setup.sh installs wasm-bindgen-cli)".to_owned())
}
