# Shared by the scripts: toolchain selection, phase timing, loud failures.
# Source it; it sets CARGO, WASM_CARGO, WASM_BUILD_ARGS and PATH.

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The Vulkan loader (the preview renderer's GPU path) wants a private runtime dir; give it one when the session has none.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
  export XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/colophon-runtime-$(id -u)"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
fi

die() { printf '\nerror: %s\n' "$*" >&2; exit 1; }
say() { printf '%s\n' "$*"; }

# --- phase timings ---------------------------------------------------------
PHASES=()
T_START=$(date +%s)
phase() {
  local name=$1; shift
  local t0; t0=$(date +%s)
  printf '\n==> %s\n' "$name"
  # A subshell outside any `if`, so `set -e` stops the phase at its first failure.
  set +e; ( set -e; "$@" ); local rc=$?; set -e
  local dt=$(( $(date +%s) - t0 ))
  if [ $rc -eq 0 ]; then
    PHASES+=("$(printf '%-28s %5ss' "$name" "$dt")")
    printf '<== %s (%ss)\n' "$name" "$dt"
  else
    PHASES+=("$(printf '%-28s %5ss  FAILED' "$name" "$dt")")
    printf '<== %s FAILED after %ss\n' "$name" "$dt" >&2
    exit "$rc"
  fi
}
print_phases() {
  local rc=$?
  [ ${#PHASES[@]} -eq 0 ] && return
  printf '\nPhase timings:\n'
  printf '  %s\n' "${PHASES[@]}"
  printf '  %-28s %5ss\n' total "$(( $(date +%s) - T_START ))"
  return $rc
}
trap print_phases EXIT

# --- compilation cache -----------------------------------------------------
# Cargo's intermediate artefacts (compiled dependencies, fingerprints) live in
# one build directory per machine and user, outside the checkout, so a fresh
# clone on the same machine (CI's, a second worktree) compiles only its own
# crates. Final artefacts (binaries, wasm, the site) stay in ./target.
# Correctness is cargo's: fingerprints decide what is stale. Override with
# CARGO_BUILD_BUILD_DIR; set it to "target" to keep everything in the clone.
export CARGO_BUILD_BUILD_DIR="${CARGO_BUILD_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/colophon/cargo-build}"

# --- toolchain -------------------------------------------------------------
# One compiler for the server and the browser. A rustup toolchain that has the
# wasm32 target (a normal laptop) is used as is. Otherwise (our machines and CI,
# whose rustup cannot download targets) Debian's rustc-web builds std for
# wasm32 from source; the server uses the same compiler so build scripts and
# proc macros are shared.
WASM_TARGET=wasm32-unknown-unknown
if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
  TOOLCHAIN=rustup
  CARGO=cargo
  WASM_BUILD_ARGS=()
else
  TOOLCHAIN=debian
  CARGO=/usr/bin/cargo
  export RUSTC=/usr/bin/rustc
  export PATH="/usr/bin:$PATH"
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19
  WASM_BUILD_ARGS=(-Zbuild-std=std,panic_abort)
fi
# cargo gates -Z flags; only the wasm build needs them.
wasm_cargo() { if [ "$TOOLCHAIN" = debian ]; then RUSTC_BOOTSTRAP=1 "$CARGO" "$@"; else "$CARGO" "$@"; fi; }

# The native binaries inside the npm packages (the .bin wrappers are node
# scripts that would not pass SIGTERM on, and anvil must get it to save state).
native_bin() { compgen -G "$ROOT/node_modules/@foundry-rs/$1-*/bin/$1" | head -n 1 || true; }

# --- benchmark results -----------------------------------------------------
# One row of docs/BENCHMARKS.md's summary, as a JSON line appended to
# $COLOPHON_BENCH_RESULTS (set by `make bench`; a no-op otherwise):
# bench_result METRIC OURS PEER RATIO COMMAND
bench_result() {
  [ -n "${COLOPHON_BENCH_RESULTS:-}" ] || return 0
  python3 -c 'import json, sys; print(json.dumps(dict(zip(["metric", "ours", "peer", "ratio", "command"], sys.argv[1:])), ensure_ascii=False))' \
    "$@" >> "$COLOPHON_BENCH_RESULTS"
}
