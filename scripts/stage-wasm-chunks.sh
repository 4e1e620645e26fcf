#!/usr/bin/env bash
# Puts the web app's lazily loaded wasm chunks on the site: crates/split-bindgen (the
# wasm-bindgen trunk runs) cuts them out of the app and writes their loader into
# snippets/wasm-split/, which trunk copies; the chunks themselves trunk does not know (it would
# preload every file under snippets/, defeating the point). This copies the ones the loader
# fetches beside it, runs wasm-opt on them in a release build (trunk runs it on the main
# module only), and names each in index.html (`<meta name="confab-wasm-chunk">`) so the service
# worker keeps them for offline use. trunk runs it after a build (Trunk.toml); by hand:
# `scripts/stage-wasm-chunks.sh DIR`.
set -euo pipefail

dir=${1:-${TRUNK_STAGING_DIR:-}}
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "usage: scripts/stage-wasm-chunks.sh DIR (or run by trunk with TRUNK_STAGING_DIR set)" >&2
  exit 2
fi
fail() { echo "stage-wasm-chunks: $*" >&2; exit 1; }
profile=${TRUNK_PROFILE:-release}
built="${CARGO_TARGET_DIR:-target}/wasm-bindgen/$profile/wasm-split"
html="$dir/index.html"

shopt -s nullglob
loaders=("$dir"/snippets/wasm-split/loader-*.js)
[ "${#loaders[@]}" -gt 0 ] || exit 0 # nothing split
[ "${#loaders[@]}" -eq 1 ] || fail "expected one loader in $dir/snippets/wasm-split, found ${#loaders[@]}"
loader=${loaders[0]}

# The loader imports the app's JS by the name split-bindgen expected trunk to give it.
main_js=$(grep -oE 'from "\.\./\.\./[^"]+\.js"' "$loader" | head -n 1 | sed -E 's|from "\.\./\.\./(.*)"|\1|')
[ -n "$main_js" ] && [ -f "$dir/$main_js" ] || fail "$loader imports ../../$main_js, which trunk did not write"

chunks=$(grep -oE '"\./[A-Za-z0-9_]+-[0-9a-f]{16}\.wasm"' "$loader" | tr -d '"' | sed 's|^\./||' | sort -u)
[ -n "$chunks" ] || fail "$loader fetches no chunks"
metas=""
for chunk in $chunks; do
  [ -f "$built/$chunk" ] || fail "$built/$chunk is missing (the loader fetches it)"
  target="$dir/snippets/wasm-split/$chunk"
  if [ "$profile" = release ]; then
    wasm-opt -Oz --output="$target" "$built/$chunk"
  else
    cp "$built/$chunk" "$target"
  fi
  metas+="<meta name=\"confab-wasm-chunk\" content=\"/snippets/wasm-split/$chunk\">"
done
grep -q '<meta name="confab-wasm-chunk"' "$html" && fail "$html already names chunks"
sed -i "s|</head>|$metas</head>|" "$html"
