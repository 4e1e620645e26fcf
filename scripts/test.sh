#!/usr/bin/env bash
# Runs every check Confab has: formatting, clippy (warnings are errors) on the native crates and
# on the wasm frontend, the dependency policy (cargo deny), the protocol crate's browser-safety,
# all Rust tests against a real PostgreSQL, the frontend's unit tests (natively), the load
# generator at a tiny size, the REST API against its OpenAPI document (schemathesis), and the
# Playwright e2e suite in Chromium.
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --e2e
source scripts/env.sh

step() { printf '\n\033[1;34m[test]\033[0m %s\n' "$*" >&2; }

step "format"
cargo fmt --all -- --check

step "clippy (native crates)"
cargo clippy --locked --all-targets -- -D warnings

# --all-targets lints the frontend's unit tests too, without a native build of the frontend.
step "clippy (frontend, wasm32)"
cargo clippy --locked -p frontend --target wasm32-unknown-unknown --all-targets -- -D warnings

# Advisories (from the snapshot in third_party/advisory-db, never fetched), licences, duplicate
# versions and sources, as deny.toml says. cargo metadata wants every package in Cargo.lock,
# other platforms' too, hence the fetch (from the crate registry, a no-op once cached).
step "dependency policy (cargo deny; advisories as of $(sed -n 's/^date=//p' third_party/advisory-db/SNAPSHOT | cut -c1-10))"
cargo fetch --locked --quiet
cargo deny --locked --offline check

step "protocol is browser-safe"
cargo build --locked -p protocol --target wasm32-unknown-unknown
if cargo tree --locked -p protocol -e normal --prefix none | grep -E '^(diesel|diesel-async|actix[a-z_-]*|tokio) ' ; then
  echo "protocol must not depend on diesel, actix or tokio" >&2
  exit 1
fi

step "Rust tests (real PostgreSQL)"
cargo test --locked

# The frontend is left out of the default members (it ships as wasm32), but its pure parts
# (the chat reducer, the catch-up's stopping rule) are plain Rust: their unit tests run
# natively, no browser needed.
step "frontend unit tests (native)"
cargo test --locked -p frontend --bins

step "build for e2e (web app + server)"
trunk build --release >/dev/null
cargo build --locked -p server --bin confab -p bench --bin confab-bench
# The example bot runs against the e2e server in e2e/tests/faq-bot.spec.ts.
cargo build --locked -p client --example faq_bot

# The unit names /usr/local/bin/confab, where it is installed, and verify wants an executable
# there: a copy names the binary just built. A warning (an unknown key, a value it cannot
# parse) leaves verify's exit code at 0, so any output fails the step too.
step "systemd unit (systemd-analyze verify deploy/confab.service)"
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze is missing (Debian package systemd)" >&2
  exit 1
fi
unit_dir=$(mktemp -d)
sed "s|^ExecStart=/usr/local/bin/confab |ExecStart=$PWD/target/debug/confab |" deploy/confab.service >"$unit_dir/confab.service"
if ! grep -q "^ExecStart=$PWD/target/debug/confab " "$unit_dir/confab.service"; then
  echo "deploy/confab.service: ExecStart no longer runs /usr/local/bin/confab; update this check" >&2
  exit 1
fi
verified=0
unit_report=$(systemd-analyze verify --man=no "$unit_dir/confab.service" 2>&1) || verified=$?
rm -rf "$unit_dir"
if [ "$verified" -ne 0 ] || [ -n "$unit_report" ]; then
  printf '%s\n' "$unit_report" >&2
  exit 1
fi

step "load generator smoke run"
scripts/bench-smoke.sh

# A private server checked by schemathesis with every check, as a third party would run it
# (the committed docs/openapi.json and docs/frames.schema.json are checked by the Rust tests).
step "API contract (schemathesis against the OpenAPI document)"
scripts/api-contract.sh

step "e2e (Playwright, Chromium)"
(cd e2e && npx playwright test)

step "all checks passed"
