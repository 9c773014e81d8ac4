# RH Console — the one place that knows how to build, run, test and benchmark.
#
#   make run    install what is missing, build (release), serve on http://127.0.0.1:3000
#   make test   install what is missing, lint, run every test (Rust + Playwright in Chromium)
#   make bench  run the benchmarks and write BENCHMARKS.md
#
# Builds always go through the same targets with the same flags, so the cache is reused.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TOOLS        := $(CURDIR)/.tools
export PATH  := $(HOME)/.cargo/bin:$(TOOLS)/node_modules/.bin:$(PATH)
# Queries are checked at compile time against the committed .sqlx data: no database needed.
export SQLX_OFFLINE := true
# cargo-leptos sets this when it builds; Leptos reads it at compile time (to name the wasm file).
# Setting it for every cargo command keeps plain `cargo test` builds identical to cargo-leptos
# ones, so they share the cache instead of rebuilding each other.
export LEPTOS_OUTPUT_NAME := rhconsole

CARGO_LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3 }' Cargo.lock)
BINARYEN_VERSION     := 132
# cargo-leptos debug builds use this; the Rust tests use the same so they share the cache.
DEBUG_RUSTFLAGS      := --cfg erase_components
SUDO                 := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

RUN_ARGS ?=

.PHONY: help run test bench tools test-tools build build-debug rust-test e2e lint fmt sqlx-prepare clean

help:
	@echo "make run    build (release) and serve RH Console on http://127.0.0.1:3000"
	@echo "make test   lint, then every test: Rust unit + integration, Playwright in Chromium"
	@echo "make bench  benchmarks, results in BENCHMARKS.md"
	@echo "make lint   clippy (server and browser builds) and rustfmt --check"

# ---------------------------------------------------------------- tools

tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)" || { \
		echo "Installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 10 minutes on 2 cores)…"; \
		cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --debug; }
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || { \
		echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 4 minutes)…"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); }
	@test -x $(TOOLS)/node_modules/.bin/wasm-opt || { \
		echo "Installing binaryen $(BINARYEN_VERSION) from npm…"; \
		mkdir -p $(TOOLS) && npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error binaryen@$(BINARYEN_VERSION); }

test-tools: tools
	@command -v chromium >/dev/null || { \
		echo "Installing Chromium from Debian…"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@test -d end2end/node_modules/@playwright/test || (cd end2end && npm ci --no-audit --no-fund --loglevel=error)

# ---------------------------------------------------------------- build

# Both builds write the site to target/site; a stamp records which one is there. The release
# build re-runs wasm-opt on every chunk each time (minutes), so it is skipped when no tracked
# source is newer than its stamp and the binary is there. It also writes .gz and .br copies of
# the static files, which the server sends to browsers that accept them.
SOURCES       := $(shell git ls-files Cargo.toml Cargo.lock app frontend server style migrations public .sqlx 2>/dev/null)
RELEASE_STAMP := target/.site-release
DEBUG_STAMP   := target/.site-debug

build: tools
	@if [ -f $(RELEASE_STAMP) ] && [ -x target/release/rhconsole ] && \
	    [ -z "$$(find $(SOURCES) -newer $(RELEASE_STAMP) -print -quit 2>/dev/null)" ]; then \
		echo "Release build is up to date (touch a source or delete $(RELEASE_STAMP) to rebuild)."; \
	else \
		rm -f $(RELEASE_STAMP) $(DEBUG_STAMP); \
		cargo leptos build --release --split --precompress; \
		touch $(RELEASE_STAMP); \
	fi

build-debug: tools
	rm -f $(RELEASE_STAMP)
	cargo leptos build --split
	touch $(DEBUG_STAMP)

# ---------------------------------------------------------------- run

run: build
	@mkdir -p data
	./target/release/rhconsole serve $(RUN_ARGS)

# ---------------------------------------------------------------- test

# Lint first: CI enforces clippy -D warnings (server and wasm builds) and rustfmt.
test: test-tools lint build-debug rust-test e2e

# The integration tests are one binary; each test starts a whole console of its own, and they
# run in parallel (each request keeps its own server-side context: see server/src/web/scope.rs).
rust-test:
	RUSTFLAGS="$(DEBUG_RUSTFLAGS)" cargo test -p app -p bench --no-fail-fast
	RUSTFLAGS="$(DEBUG_RUSTFLAGS)" cargo test -p server --no-fail-fast --lib --bins
	RUSTFLAGS="$(DEBUG_RUSTFLAGS)" cargo test -p server --test it --no-fail-fast

e2e: build-debug
	cd end2end && CI=$${CI:-} RHCONSOLE_BIN=$(CURDIR)/target/debug/rhconsole RHCONSOLE_SITE_ROOT=$(CURDIR)/target/site npx playwright test

# ---------------------------------------------------------------- bench

bench: build test-tools
	# The same RUSTFLAGS as cargo-leptos release builds (components erased), so the cache is shared.
	RUSTFLAGS="--cfg erase_components" cargo build --release -p bench --bin rhbench
	./target/release/rhbench --bin target/release/rhconsole --site target/site --out BENCHMARKS.md

# ---------------------------------------------------------------- maintenance

lint: tools
	RUSTFLAGS="$(DEBUG_RUSTFLAGS)" cargo clippy -p app -p server -p bench --all-targets -- -D warnings
	RUSTFLAGS="$(DEBUG_RUSTFLAGS)" cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
	cargo fmt --all -- --check

fmt:
	cargo fmt --all

# Regenerates .sqlx after a query or migration changed (needs sqlx-cli 0.8.6).
sqlx-prepare:
	rm -f target/sqlx-dev.db && for f in migrations/*.sql; do sqlite3 target/sqlx-dev.db < $$f; done
	SQLX_OFFLINE=false DATABASE_URL=sqlite://$(CURDIR)/target/sqlx-dev.db RUSTFLAGS="$(DEBUG_RUSTFLAGS)" \
		cargo sqlx prepare --workspace -- -p server --all-targets

clean:
	cargo clean
	rm -rf end2end/test-results end2end/playwright-report
