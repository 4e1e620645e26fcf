#!/usr/bin/env bash
# Installs whatever this machine lacks to build and test Confab, and nothing it already has:
# Debian packages (PostgreSQL, brotli, nats-server, Chromium), the wasm32 target, trunk,
# wasm-bindgen-cli at the version Cargo.lock resolves and our code-splitting wrapper around it
# (crates/split-bindgen), cargo-deny and its offline advisory
# database (from the snapshot in third_party/advisory-db), the npm tools (wasm-opt from binaryen,
# Playwright), moto (an S3-compatible server for the media-store tests) and schemathesis (the
# API contract checker of scripts/api-contract.sh), each in a Python venv under .tools/.
# Nothing here downloads a prebuilt binary: Rust tools are compiled from the Rust registry,
# wasm-opt is binaryen's npm build, the browser is Debian's, moto and schemathesis come from the
# Python registry.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TRUNK_VERSION=0.21.14
CARGO_DENY_VERSION=0.20.2
# moto in server mode: the S3-compatible server that the media-store tests start on loopback.
MOTO_SPEC='moto[server]==5.2.6'
# schemathesis: checks the running API against its OpenAPI document (scripts/api-contract.sh).
SCHEMATHESIS_SPEC='schemathesis==4.32.5'
WITH_E2E=0
for arg in "$@"; do
  case "$arg" in
    --e2e) WITH_E2E=1 ;;
    *) echo "usage: scripts/setup.sh [--e2e]" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else echo "need root to run: $*" >&2; return 1
  fi
}

# --- Debian packages -------------------------------------------------------------------
# brotli compresses the web app's assets at build time (scripts/compress-assets.sh);
# nats-server is started by the tests of the NATS bus (on a free loopback port, never as a service);
# stunnel4 is the TLS terminator the SDK's wss:// test starts (tests/api/sdk_resume.rs);
# systemd brings systemd-analyze, which checks deploy/confab.service (nothing is started).
apt_packages=(postgresql-15 acl brotli nats-server stunnel4 systemd)
if [ "$WITH_E2E" = 1 ]; then apt_packages+=(chromium); fi
# The moto venv below needs `python3 -m venv` with ensurepip, which Debian ships apart.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then apt_packages+=(python3-venv); fi
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# The PostgreSQL binaries may come from elsewhere; only install the package when none exist.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  missing=("${missing[@]/postgresql-15}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ -f /etc/postgresql/15/main/postgresql.conf ] && [ "$(id -u)" -eq 0 ]; then
  # Debian's package starts a system cluster we do not use; Confab runs its own.
  :
fi

# --- Rust targets and tools ------------------------------------------------------------
if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

installed_version() { "$1" --version 2>/dev/null | awk '{print $2}'; }

if [ "$(installed_version trunk)" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (compiles from source, ~8 min on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must equal the wasm-bindgen library version in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [ -z "$WASM_BINDGEN_VERSION" ]; then
  echo "cannot find wasm-bindgen in Cargo.lock" >&2; exit 1
fi
if [ "$(installed_version wasm-bindgen)" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (~3 min)"
  # Not --locked: its lock file names a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# crates/split-bindgen, linked as the `wasm-bindgen` trunk must find first on PATH (scripts/env.sh
# puts .tools/split-bindgen/bin there); it cuts the web app into lazily loaded chunks, then runs the
# real one above. Reinstalled when its sources or Cargo.lock change (it shares the workspace's
# target dir, so that is a relink at most).
split_bindgen_sum=$(cat Cargo.lock crates/split-bindgen/Cargo.toml crates/split-bindgen/src/*.rs | sha256sum | cut -d' ' -f1)
split_bindgen_stamp=$ROOT/.tools/split-bindgen/.confab-installed
if [ ! -x "$ROOT/.tools/split-bindgen/bin/wasm-bindgen" ] || [ "$(cat "$split_bindgen_stamp" 2>/dev/null)" != "$split_bindgen_sum" ]; then
  say "installing split-bindgen (crates/split-bindgen)"
  cargo install --locked --quiet --path crates/split-bindgen --root "$ROOT/.tools/split-bindgen" --target-dir "${CARGO_TARGET_DIR:-$ROOT/target}"
  ln -sf split-bindgen "$ROOT/.tools/split-bindgen/bin/wasm-bindgen"
  printf '%s\n' "$split_bindgen_sum" >"$split_bindgen_stamp"
fi

# cargo-deny checks deny.toml's dependency policy (needs rustc 1.88; no network stack compiled
# in, it runs `git` for the advisory database). Its install took 3 min 2 s here on 2 cores.
if [ "$(installed_version cargo-deny)" != "$CARGO_DENY_VERSION" ]; then
  say "installing cargo-deny $CARGO_DENY_VERSION (compiles from source, ~3 min)"
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
fi

# --- The advisory database for cargo deny -----------------------------------------------
# The snapshot of RustSec's database in third_party/advisory-db becomes the git checkout
# cargo-deny 0.20 reads under deny.toml's db-path (in the directory it names after the default
# URL), committed at the snapshot's date, since cargo-deny dates the database by HEAD.
ADVISORY_DB=$ROOT/.tools/advisory-db/advisory-db-3157b0e258782691
advisory_snapshot_date=$(sed -n 's/^date=//p' third_party/advisory-db/SNAPSHOT)
advisory_sum=$(sha256sum third_party/advisory-db/crates.tar.gz | cut -d' ' -f1)
advisory_stamp=$ROOT/.tools/advisory-db/.confab-installed
if [ ! -d "$ADVISORY_DB/.git" ] || [ "$(cat "$advisory_stamp" 2>/dev/null)" != "$advisory_sum" ]; then
  say "unpacking the advisory database snapshot of $advisory_snapshot_date into ${ADVISORY_DB#"$ROOT"/}"
  rm -rf "$ADVISORY_DB"
  mkdir -p "$ADVISORY_DB"
  tar -xzf third_party/advisory-db/crates.tar.gz -C "$ADVISORY_DB"
  git -C "$ADVISORY_DB" init --quiet
  git -C "$ADVISORY_DB" add --all
  GIT_AUTHOR_DATE=$advisory_snapshot_date GIT_COMMITTER_DATE=$advisory_snapshot_date \
    git -C "$ADVISORY_DB" -c user.name=confab-setup -c user.email=setup@confab.invalid \
    -c commit.gpgsign=false commit --quiet --no-verify -m "advisory-db snapshot"
  # cargo-deny takes the later of that commit's date and the HEAD file's time.
  touch -d "$advisory_snapshot_date" "$ADVISORY_DB/.git/HEAD"
  printf '%s\n' "$advisory_sum" >"$advisory_stamp"
fi
advisory_age_days=$(( ($(date +%s) - $(date -d "$advisory_snapshot_date" +%s)) / 86400 ))
if [ "$advisory_age_days" -gt 90 ]; then
  say "note: the advisory database snapshot is $advisory_age_days days old; refresh it with scripts/refresh-advisory-db.sh where GitHub is reachable"
fi

# --- npm tools --------------------------------------------------------------------------
npm_install() {
  local dir=$1
  # package-lock.json changes => reinstall; the stamp records what was installed.
  local stamp="$dir/node_modules/.confab-installed"
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    say "installing npm packages in ${dir#"$ROOT"/}"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
}
npm_install "$ROOT/frontend"
if [ "$WITH_E2E" = 1 ]; then npm_install "$ROOT/e2e"; fi

# --- Python tools -----------------------------------------------------------------------
# Each tool lives in a venv of its own under .tools/ (off the system's Python, and apart from the
# others, whose dependencies pin other versions); a stamp records the spec installed, so changing
# the spec reinstalls from scratch.
python_tool() { # DIR SPEC EXECUTABLE
  local venv=$1 spec=$2 executable=$3
  if [ ! -x "$venv/bin/$executable" ] || ! "$venv/bin/python" -c '' 2>/dev/null \
    || [ "$(cat "$venv/.confab-installed" 2>/dev/null)" != "$spec" ]; then
    say "installing $spec in ${venv#"$ROOT"/} (~1 min)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "$spec"
    printf '%s\n' "$spec" >"$venv/.confab-installed"
  fi
}
# moto_server speaks S3 over HTTP; crates/server/tests/api/s3_server.rs starts one per test run.
python_tool "$ROOT/.tools/moto" "$MOTO_SPEC" moto_server
# schemathesis checks the running API against its OpenAPI document (scripts/api-contract.sh).
python_tool "$ROOT/.tools/schemathesis" "$SCHEMATHESIS_SPEC" schemathesis

say "tools ready"
