# xpresign: every target installs what it needs on a fresh machine.
PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
# checkov pins many libraries (boto3 among them) older than ours, so it lives
# in its own virtual environment instead of fighting the dev dependencies.
CHECKOV_VENV := .tools/checkov
CHECKOV      := $(CHECKOV_VENV)/bin/checkov
DIST     ?= dist
# The function's Lambda runtime: the zip carries bytecode when the Python that
# builds it is this version (see README, "The CLI").
RUNTIME  ?= python3.13

.PHONY: help install lint test test-fast demo bench bench-smoke build-lambda checkov clean

help:
	@echo "make demo          run the two-account flow on an embedded AWS emulator"
	@echo "make test          lint, then the full test suite (what CI runs)"
	@echo "make lint          ruff: lint and format check"
	@echo "make test-fast     unit tests only"
	@echo "make bench         side-by-side benchmarks; rewrites benchmarks/RESULTS.md"
	@echo "make build-lambda  deterministic Lambda zip in $(DIST)/"
	@echo "make screenshots   refresh docs/screenshots/ from the browser tests"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

$(CHECKOV): | $(STAMP)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet checkov

checkov: $(CHECKOV)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint $(CHECKOV) browser-deps wrk
	XPRESIGN_CHECKOV=$(CURDIR)/$(CHECKOV) $(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest tests/unit

demo: $(STAMP)
	$(VENV)/bin/xpresign demo

bench: $(STAMP) wrk
	$(PY) -m benchmarks

bench-smoke: $(STAMP) wrk
	$(PY) -m benchmarks --smoke --output .benchmarks-tmp

build-lambda: $(STAMP)
	$(VENV)/bin/xpresign build-lambda --output $(DIST) --runtime $(RUNTIME)

clean:
	rm -rf $(VENV) .tools $(DIST) .pytest_cache .hypothesis

# --- Browser test toolchain (issues 16/17) -----------------------------------
# Headless Chromium from Debian's packages (installed when missing; CI runs as
# root) and browser/'s pinned npm packages: playwright-core, which drives that
# Chromium through executablePath and downloads no browser, and uppy, the
# source of the bundle vendored in src/xpresign/static/uppy/.
.PHONY: browser-deps
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "browser-deps: installing Debian chromium"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	npm ci --prefix browser --no-audit --no-fund
# -----------------------------------------------------------------------------

# --- Screenshots for the docs (issue 17) -------------------------------------
# The browser tests write the screenshots the README shows into
# docs/screenshots/ instead of their temporary folders when
# XPRESIGN_SCREENSHOTS_DIR names a folder: a finished Uppy upload through
# xpresign serve into SeaweedFS, one refused over max_upload_size, and the
# page of `xpresign demo --serve`. Commit the PNGs it rewrites.
SCREENSHOTS := docs/screenshots
.PHONY: screenshots
screenshots: $(STAMP) browser-deps
	mkdir -p $(SCREENSHOTS)
	XPRESIGN_SCREENSHOTS_DIR=$(CURDIR)/$(SCREENSHOTS) $(PY) -m pytest -q \
	  tests/integration/test_browser_uppy.py tests/integration/test_browser_demo.py
# -----------------------------------------------------------------------------

# --- Terraform checks (issue 12) ---------------------------------------------
# `make test` already runs all of these through pytest. This target runs them
# alone: terraform fmt and validate, checkov on each module and the example
# (its own virtualenv, above), the modules' offline `terraform test` suites
# (mock provider), and the two-account example applied against moto.
# TF_PLUGIN_DIR may name a provider mirror; otherwise the tests look in
# Terraform's implied mirror directories, then search for one.
.PHONY: test-terraform
test-terraform: $(STAMP) $(CHECKOV)
	XPRESIGN_CHECKOV=$(CURDIR)/$(CHECKOV) $(PY) -m pytest tests/terraform
# -----------------------------------------------------------------------------

# --- Load-test tool for `xpresign serve` (issue 14) ----------------------------
# benchmarks/serve_load.py drives both servers with wrk on 127.0.0.1. wrk comes
# from Debian's packages, installed when missing (CI runs as root; otherwise
# through sudo). `make bench` needs it: hook this target in front of it.
.PHONY: wrk
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "wrk: installing Debian wrk"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; }
# -----------------------------------------------------------------------------
