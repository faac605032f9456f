# Colophon: two commands. Everything else is a helper they call.
#   make run   build and serve on the embedded defaults (SQLite, local files, local chain)
#   make test  every check: fmt, clippy (ssr + wasm32), cargo-deny, forge, Rust tests on SQLite and PostgreSQL, browser journeys
# Measurements (not part of `make test`): make bench | make soak | make faults | make fuzz
.DEFAULT_GOAL := help
.PHONY: help run test bench soak faults fuzz build setup sqlx-prepare contract-artifacts clean

help:
	@echo "make run    build and serve Colophon at http://127.0.0.1:3000"
	@echo "make test   run every check"

run:
	@scripts/run

test:
	@scripts/test

# Every benchmark against its peer; rewrites the summary in docs/BENCHMARKS.md.
bench:
	@scripts/bench

# 10 minutes of mixed traffic: errors, p99, RSS.
soak:
	@scripts/soak

# 100 SIGKILLs of the server (and chain) mid-operation, then every promise checked.
faults:
	@scripts/faults

# Every cargo-fuzz target for FUZZ_SECONDS (default 300) each; exits 1 on a crash.
fuzz:
	@scripts/fuzz

# Helpers
build:
	@scripts/setup run && scripts/build release

setup:
	@scripts/setup test

sqlx-prepare:
	@scripts/sqlx-prepare

contract-artifacts:
	@cd contracts && PATH="$(CURDIR)/node_modules/.bin:$$PATH" forge build && \
	  PATH="$(CURDIR)/node_modules/.bin:$$PATH" forge snapshot --no-match-test "testFuzz|invariant" && \
	  cd .. && node scripts/contract-artifact.mjs

clean:
	rm -rf target/site end2end/artifacts
