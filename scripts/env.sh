# Sourced by the scripts: puts the locally installed tools first on PATH.
# shellcheck shell=bash
# .tools/split-bindgen/bin first: its `wasm-bindgen` (crates/split-bindgen) is the one trunk must
# find; it runs the real one from ~/.cargo/bin after cutting the web app into chunks.
export PATH="$PWD/.tools/split-bindgen/bin:$HOME/.cargo/bin:$PWD/frontend/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
