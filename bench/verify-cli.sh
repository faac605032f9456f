#!/usr/bin/env bash
# `colophon verify FILE --receipt R` (release build: hash the file, check the
# signature and the inclusion proof) against hashing the same file alone with
# `openssl dgst -sha256` and `sha256sum`, medians of RUNS runs each, on a file
# of SIZE MiB of random bytes (page-cached after the first read, so this is
# CPU cost, not disk). Goal (#8): verify ≤ 1.05× hashing alone.
# Usage: bench/verify-cli.sh [SIZE_MIB] [RUNS]   (defaults 1024 and 5). Prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
runs=${2:-5}
source scripts/lib.sh
for tool in openssl sha256sum python3; do
  command -v "$tool" >/dev/null || { echo "bench/verify-cli.sh needs $tool" >&2; exit 2; }
done
bin=target/release/colophon
[ -x "$bin" ] || "$CARGO" build --release -p colophon-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c "$((size << 20))" /dev/urandom > "$work/file"
"$CARGO" run -q -p colophon-provenance --example receipt_for -- "$work/file" > "$work/receipt.json"

median() { # command... → median wall seconds over $runs runs
  local times=()
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || [ $? -eq 3 ] # verify without --rpc exits 3: signature and proof verified, chain not checked
    t1=$(date +%s.%N)
    times+=("$(python3 -c "print($t1 - $t0)")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
cat "$work/file" > /dev/null # warm the page cache
out=$("$bin" verify "$work/file" --receipt "$work/receipt.json" 2>&1 || true)
grep -q "signature and inclusion proof verified" <<<"$out" || { echo "colophon verify did not verify: $out" >&2; exit 1; }
v=$(median "$bin" verify "$work/file" --receipt "$work/receipt.json")
o=$(median openssl dgst -sha256 "$work/file")
s=$(median sha256sum "$work/file")
python3 - "$size" "$v" "$o" "$s" <<'PY'
import sys
size, v, o, s = int(sys.argv[1]), *map(float, sys.argv[2:])
mib = lambda t: f"{size / t:,.0f} MiB/s"
print(f"| what ({size} MiB, median) | seconds | throughput | vs openssl |")
print("|---|---|---|---|")
print(f"| colophon verify --receipt | {v:.3f} | {mib(v)} | {v / o:.2f}x |")
print(f"| openssl dgst -sha256 | {o:.3f} | {mib(o)} | 1.00x |")
print(f"| sha256sum | {s:.3f} | {mib(s)} | {s / o:.2f}x |")
PY
bench_result "\`colophon verify --receipt\` of a ${size} MiB file" \
  "$(python3 -c "print(f'{$v:.3f} s')")" "openssl dgst -sha256: $(python3 -c "print(f'{$o:.3f} s')")" \
  "$(python3 -c "print(f'{$v / $o:.2f}× the time')")" "bench/verify-cli.sh $size $runs"
