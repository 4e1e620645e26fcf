#!/usr/bin/env bash
# Runs Confab: installs what is missing, builds the web app and the server in release mode,
# and serves both on http://127.0.0.1:8080 (or --port N). Without DATABASE_URL, Confab starts
# its own PostgreSQL under ./data/. Extra arguments go to the server (see `--help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

# The web app is rebuilt only when its inputs changed (wasm-opt alone takes ~15 s).
web_inputs_hash() {
  find frontend/src frontend/style frontend/assets frontend/index.html frontend/Cargo.toml frontend/build.rs \
    frontend/locales frontend/sw.js frontend/manifest.webmanifest crates/protocol Cargo.toml Cargo.lock Trunk.toml \
    .cargo/config.toml crates/split-bindgen scripts/stage-emoji-data.sh scripts/stage-wasm-chunks.sh scripts/compress-assets.sh \
    -type f -print0 |
    sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}
hash=$(web_inputs_hash)
if [ ! -f dist/index.html ] || [ "$(cat target/web-inputs.hash 2>/dev/null)" != "$hash" ]; then
  printf '\033[1;34m[run]\033[0m building the web app\n' >&2
  trunk build --release >/dev/null
  mkdir -p target && echo "$hash" > target/web-inputs.hash
fi
printf '\033[1;34m[run]\033[0m building the server\n' >&2
cargo build --release --locked -p server --bin confab
exec target/release/confab "$@"
