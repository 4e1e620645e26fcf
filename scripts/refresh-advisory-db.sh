#!/usr/bin/env bash
# Updates the snapshot of the RustSec advisory database in third_party/advisory-db/, which
# `cargo deny` checks offline (scripts/setup.sh unpacks it into .tools/advisory-db).
#
#   scripts/refresh-advisory-db.sh              # from RustSec on GitHub (needs that network)
#   scripts/refresh-advisory-db.sh PATH-OR-URL  # from another clone or mirror of the database
#
# It takes the newest commit of the default branch, keeps what cargo-deny reads (the `crates/`
# tree) plus the licence (CC0-1.0), lists the advisories added, changed and removed since the
# previous snapshot, and rewrites third_party/advisory-db/{crates.tar.gz,SNAPSHOT}. Then run the
# check (`scripts/setup.sh && cargo deny --locked --offline check`) and commit that directory.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C

SOURCE=${1:-https://github.com/RustSec/advisory-db}
DEST=third_party/advisory-db

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git init --quiet --bare "$tmp/db.git"
if ! git -C "$tmp/db.git" fetch --quiet --depth 1 "$SOURCE" HEAD; then
  echo "cannot fetch the advisory database from $SOURCE; pass a reachable clone or mirror" >&2
  exit 1
fi
commit=$(git -C "$tmp/db.git" rev-parse FETCH_HEAD)
date=$(git -C "$tmp/db.git" show -s --format=%cI FETCH_HEAD)

# git archive stamps every entry with the commit's time and gzip -n leaves out its own, so the
# same commit always gives the same bytes.
git -C "$tmp/db.git" archive --format=tar FETCH_HEAD crates LICENSE.txt | gzip -9n >"$tmp/crates.tar.gz"

mkdir -p "$tmp/old/crates" "$tmp/new"
tar -xzf "$tmp/crates.tar.gz" -C "$tmp/new"
if [ -f "$DEST/crates.tar.gz" ]; then tar -xzf "$DEST/crates.tar.gz" -C "$tmp/old"; fi
# "<sha256>  crates/<crate>/<id>.md" per advisory, to tell what was added, changed or removed.
for side in old new; do
  (cd "$tmp/$side" && find crates -type f -name '*.md' -exec sha256sum {} +) | sort >"$tmp/$side.sums"
  cut -c67- "$tmp/$side.sums" | sort >"$tmp/$side.paths"
done
count=$(wc -l <"$tmp/new.paths")
short() { sed -E "s|^crates/([^/]+)/(.+)\.md$|  $(printf '%-8s' "$1") \2 (\1)|"; }
{
  comm -13 "$tmp/old.paths" "$tmp/new.paths" | short added:
  comm -13 "$tmp/old.sums" "$tmp/new.sums" | cut -c67- | sort | comm -12 - "$tmp/old.paths" | short changed:
  comm -23 "$tmp/old.paths" "$tmp/new.paths" | short removed:
} >"$tmp/changes"

mkdir -p "$DEST"
cp "$tmp/crates.tar.gz" "$DEST/crates.tar.gz"
cat >"$DEST/SNAPSHOT" <<EOF
# The RustSec advisory database (CC0-1.0), for cargo deny's offline advisory check.
# crates.tar.gz holds the crates/ tree and LICENSE.txt of this commit; scripts/setup.sh unpacks
# it into .tools/advisory-db. Written by scripts/refresh-advisory-db.sh: refresh, don't edit.
commit=$commit
date=$date
advisories=$count
EOF

echo "advisory database snapshot: $commit ($date), $count advisories"
if [ -s "$tmp/changes" ]; then
  echo "since the previous snapshot:"
  cat "$tmp/changes"
else
  echo "no change since the previous snapshot"
fi
