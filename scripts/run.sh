#!/usr/bin/env bash
# Runs Confab: installs what is missing, builds the web app and the server in release mode,
# and serves both on http://127.0.0.1:8080 (or --port N). Without DATABASE_URL, Confab starts
# its own PostgreSQL under ./data/. Extra arguments go to the server (see `--help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

printf '\033[1;34m[run]\033[0m building the web app\n' >&2
trunk build --release >/dev/null
printf '\033[1;34m[run]\033[0m building the server\n' >&2
cargo build --release --locked -p server --bin confab
exec target/release/confab "$@"
