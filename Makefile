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

.PHONY: help install test test-fast demo bench bench-smoke build-lambda checkov clean

help:
	@echo "make demo          run the two-account flow on an embedded AWS emulator"
	@echo "make test          the full test suite (what CI runs)"
	@echo "make test-fast     unit tests only"
	@echo "make bench         side-by-side benchmarks; rewrites benchmarks/RESULTS.md"
	@echo "make build-lambda  deterministic Lambda zip in $(DIST)/"

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

test: $(STAMP) $(CHECKOV)
	XPRESIGN_CHECKOV=$(CURDIR)/$(CHECKOV) $(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest tests/unit

demo: $(STAMP)
	$(VENV)/bin/xpresign demo

bench: $(STAMP)
	$(PY) -m benchmarks

bench-smoke: $(STAMP)
	$(PY) -m benchmarks --smoke

build-lambda: $(STAMP)
	$(VENV)/bin/xpresign build-lambda --output $(DIST) --runtime $(RUNTIME)

clean:
	rm -rf $(VENV) .tools $(DIST) .pytest_cache .hypothesis
