#!/usr/bin/env bash
# Precompresses the web app's assets next to themselves (`x.wasm` -> `x.wasm.br`, `x.wasm.gz`),
# so the server can send each browser the smallest encoding it accepts without compressing per
# request (see crates/server/src/spa.rs). trunk runs it as a post-build hook on its staging
# dir (Trunk.toml); by hand: `scripts/compress-assets.sh DIR`.
#
# Debian's `brotli` at quality 11 and `gzip -9`: the best ratios the two encodings offer, which
# only pays off done once per build (brotli -q 11 takes a few seconds on the wasm). index.html
# is skipped: the server keeps it in memory and compresses it itself when it loads it, so the
# page it sends is always the one on disk. A debug build (`trunk serve`) is left alone: there
# speed matters, not bytes.
set -euo pipefail

dir=${1:-${TRUNK_STAGING_DIR:-}}
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "usage: scripts/compress-assets.sh DIR (or run by trunk with TRUNK_STAGING_DIR set)" >&2
  exit 2
fi
if [ "${TRUNK_PROFILE:-release}" != "release" ]; then
  exit 0
fi
for tool in brotli gzip; do
  command -v "$tool" >/dev/null || { echo "compress-assets: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

# .json: the emoji picker's data (scripts/stage-emoji-data.sh); snippets/wasm-split: the lazily
# loaded wasm chunks and their loader (scripts/stage-wasm-chunks.sh).
dirs=("$dir")
if [ -d "$dir/snippets/wasm-split" ]; then dirs+=("$dir/snippets/wasm-split"); fi
find "${dirs[@]}" -maxdepth 1 -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' -o -name '*.json' \) -print0 |
  while IFS= read -r -d '' file; do
    brotli --force --best --output="$file.br" "$file"
    gzip --force --best --keep --no-name --stdout "$file" > "$file.gz"
    # Serving a "compressed" file larger than the original would only cost bytes.
    for packed in "$file.br" "$file.gz"; do
      if [ "$(stat -c %s "$packed")" -ge "$(stat -c %s "$file")" ]; then rm -f "$packed"; fi
    done
  done
