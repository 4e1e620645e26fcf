#!/usr/bin/env bash
# Puts the emoji picker's data into the web app's build. frontend/build.rs writes it into its
# OUT_DIR as emoji-<hash of its content>.json and compiles that name into the app, which fetches
# it when a picker first opens (frontend/src/api/emoji_data.rs); trunk does not know the file.
# This copies the file the built wasm (or one of its lazily loaded chunks) names into the
# build, beside the wasm (a hashed name, so the server caches it for good, spa.rs), and writes
# its path into index.html's `confab-emoji-data` meta, from which the service worker
# (frontend/sw.js) caches it with the other assets for offline use. trunk runs it after a build, after stage-wasm-chunks.sh and
# before compress-assets.sh (Trunk.toml); by hand: `scripts/stage-emoji-data.sh DIR`.
#
# The name is read from the wasm itself, so it is the data of this very build, whichever of
# cargo's OUT_DIRs (one per profile and flag set) the file is taken from: a name is a content hash.
set -euo pipefail

dir=${1:-${TRUNK_STAGING_DIR:-}}
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "usage: scripts/stage-emoji-data.sh DIR (or run by trunk with TRUNK_STAGING_DIR set)" >&2
  exit 2
fi
fail() { echo "stage-emoji-data: $*" >&2; exit 1; }

shopt -s nullglob
wasm=("$dir"/*_bg.wasm)
[ "${#wasm[@]}" -eq 1 ] || fail "expected one *_bg.wasm in $dir, found ${#wasm[@]}"
# The picker may sit in a lazily loaded chunk (scripts/stage-wasm-chunks.sh runs first).
chunks=("$dir"/snippets/wasm-split/*.wasm)
names=$(grep -aohE 'emoji-[0-9a-f]{16}\.json' "${wasm[0]}" "${chunks[@]}" || true)
name=${names%%$'\n'*}
[ -n "$name" ] || fail "neither ${wasm[0]} nor a chunk names emoji data (frontend/src/api/emoji_data.rs)"

target=${CARGO_TARGET_DIR:-target}
built=("$target"/wasm32-unknown-unknown/*/build/frontend-*/out/"$name")
[ "${#built[@]}" -ge 1 ] || fail "$name is in no $target/wasm32-unknown-unknown/*/build/frontend-*/out/"
cp "${built[0]}" "$dir/$name"

html="$dir/index.html"
sed -i "s|<meta name=\"confab-emoji-data\" content=\"[^\"]*\"|<meta name=\"confab-emoji-data\" content=\"/$name\"|" "$html"
grep -qF "<meta name=\"confab-emoji-data\" content=\"/$name\"" "$html" ||
  fail "index.html has no <meta name=\"confab-emoji-data\" content=\"\"> to fill (frontend/index.html)"
