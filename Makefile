# Vigil — two commands set everything up on a fresh Debian machine:
#   make run    installs what is missing, builds (release), analyzes fixtures/, prints findings
#   make test   installs what is missing, builds, runs the whole test suite
SWIFT ?= swift
APT_PACKAGES := libsqlite3-dev libmaxminddb-dev zlib1g-dev pkg-config python3
RUN_DB := .build/vigil-fixtures.sqlite
# The shipped logs (not the golden *.expected.jsonl beside them, nor the real-data samples).
FIXTURE_LOGS := $(filter-out %.expected.jsonl,$(wildcard fixtures/sshd/*.log fixtures/mcp/*.jsonl fixtures/mcp/*.jsonl.gz fixtures/combined/*.log))
# The journal fixture, a real journal file built from fixtures/journal/sshd.export by
# systemd-journal-remote (scripts/build-journal-fixture.sh), read through journalctl.
FIXTURE_JOURNAL := journal:fixtures/journal/sshd.journal

.PHONY: all deps build build-debug run report screenshots test test-tsan bench bench-tail bench-journal golden geoip-fixtures lint lint-policies format clean

all: build

# Installs the C libraries' development packages when one is missing (root, or sudo).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

build-debug: deps
	$(SWIFT) build

# Vigil's main job on the shipped fixtures, into a fresh database.
run: APT_PACKAGES += systemd-journal-remote
run: build
	@rm -f $(RUN_DB) $(RUN_DB)-wal $(RUN_DB)-shm
	scripts/build-journal-fixture.sh
	.build/release/vigil analyze --db $(RUN_DB) --year 2026 $(FIXTURE_LOGS) $(FIXTURE_JOURNAL)
	.build/release/vigil findings --db $(RUN_DB)

# The weekly report of the fixtures' week (after `make run`), as HTML and Markdown.
report: run
	.build/release/vigil report --db $(RUN_DB) --week 2026-W45 --format html --out .build/report-2026-W45.html
	.build/release/vigil report --db $(RUN_DB) --week 2026-W45 --format md --out .build/report-2026-W45.md

# PNGs of the fixtures' report at 1400 and 700 px in .build/screenshots/ (headless Chromium).
screenshots: build-debug
	scripts/report-screenshots.sh .build/screenshots

# The report layout test renders in Debian's chromium: `make test` installs it.
test: APT_PACKAGES += chromium
# The journal tests write journal files with systemd-journal-remote.
test: APT_PACKAGES += systemd-journal-remote
test: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The whole suite under ThreadSanitizer (analyze's two threads, tail's sinks and metrics);
# a separate build folder, about 2 min to build and 4 min to run here.
test-tsan: deps
	$(SWIFT) build --build-tests --sanitize=thread --build-path .build-tsan
	$(SWIFT) test --skip-build --build-path .build-tsan

# Throughput and peak memory on generated logs (release build); see Benchmarks/README.md.
bench: build
	Benchmarks/bench.sh

# vigil tail: sustained ingest on a growing file and append-to-commit latency at 20k lines/s.
bench-tail: build
	python3 Benchmarks/tail-bench.py

# journal:DIR throughput against journalctl -o json | wc -l on the same generated journal.
bench-journal: APT_PACKAGES += systemd-journal-remote
bench-journal: build
	Benchmarks/journal-bench.sh

# The code's shape: swift-format's rules (.swift-format; `make format` applies them) and the
# one-way layering of Sources/VigilCore (scripts/check-layers.py). `make test` runs it first.
lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests
	python3 scripts/check-layers.py

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests

# Rewrites the golden findings beside each fixture from the current build. Review the diff!
golden: build-debug
	scripts/update-golden.sh
	python3 scripts/sshd-verdicts.py

# Regenerates Vigil's own GeoIP test databases (needs libmaxmind-db-writer-perl).
geoip-fixtures:
	fixtures/geoip/make-test-db.pl

# What CI should run on a policy repository: lint (warnings fail) and the policy's tests.
lint-policies: build
	.build/release/vigil policy lint --strict policies
	.build/release/vigil policy test policies

clean:
	rm -rf .build

# Installs vigil, its man page and its bash, zsh and fish completions under PREFIX (default
# /usr/local), staged under DESTDIR for packaging: `make install PREFIX=$HOME/.local`,
# `make install DESTDIR=/tmp/pkg PREFIX=/usr`. The completions are generated from the binary
# being installed; the man page is dist/man/vigil.1 (regenerate it with `make man`).
.PHONY: install install-files man
PREFIX ?= /usr/local
DESTDIR ?=
VIGIL_BIN ?= .build/release/vigil
MANPAGE ?= dist/man/vigil.1

install: build
	$(MAKE) install-files VIGIL_BIN=.build/release/vigil

install-files:
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1" \
		"$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
		"$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	install -m 755 "$(VIGIL_BIN)" "$(DESTDIR)$(PREFIX)/bin/vigil"
	install -m 644 "$(MANPAGE)" "$(DESTDIR)$(PREFIX)/share/man/man1/vigil.1"
	"$(VIGIL_BIN)" --generate-completion-script bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vigil"
	"$(VIGIL_BIN)" --generate-completion-script zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_vigil"
	"$(VIGIL_BIN)" --generate-completion-script fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/vigil.fish"
	chmod 644 "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vigil" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_vigil" \
		"$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/vigil.fish"

# The man page, from the commands' own help, with swift-argument-parser's generate-manual plugin
# (works offline: the plugin comes with the argument-parser checkout). A test fails when a
# command or option is missing from dist/man/vigil.1: run this and commit the result.
man: build
	$(SWIFT) package plugin generate-manual --configuration release
	install -d dist/man
	install -m 644 .build/plugins/GenerateManual/outputs/vigil/vigil.1 dist/man/vigil.1
