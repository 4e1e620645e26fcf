# Sourced by the scripts: puts the locally installed tools first on PATH.
# shellcheck shell=bash
export PATH="$HOME/.cargo/bin:$PWD/frontend/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
