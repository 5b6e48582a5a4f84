# Caseworks: `make setup` installs everything, `make run` starts the embedded default, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# Debian packages the project needs at run or test time (Tesseract for document capture, Chromium for the
# browser tests in tests/browser, DejaVu fonts for the documents the capture tests draw, Tesseract's language
# models for the six languages capture reads, Dovecot as the real IMAP server the e-mail tests start on loopback).
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng chromium fonts-dejavu-core tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-nld tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-osd dovecot-imapd
SUDO := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null && echo sudo)

.PHONY: setup system-packages run serve check test test-fast bench clean

setup: system-packages $(STAMP) $(NODE_STAMP)

system-packages:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else echo "Debian packages present"; fi

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# Front-end assets (bpmn-js, used by tests/browser) exactly as package-lock.json pins them; re-run only when it changes.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is required for the front-end assets in package.json"; exit 1; }
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

run: $(STAMP) $(NODE_STAMP)
	$(BIN)/caseworks demo
	$(BIN)/caseworks serve --host 127.0.0.1 --port 8000

# Two test processes (pytest-xdist; this machine has two cores), handing out tests one by one as each finishes
# (worksteal): the slow end-to-end tests spread over both instead of queueing behind each other.
PYTEST_PARALLEL ?= -n 2 --dist worksteal

# Lint (ruff) and types (mypy, strict, on engine/ and capture/; configuration in pyproject.toml).
check: $(STAMP)
	$(BIN)/ruff check engine capture webapp tests bench migrations
	$(BIN)/mypy

test: $(STAMP) check
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

test-fast: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not postgres and not slow and not browser" -x -q

bench: $(STAMP)
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) var .pytest_cache
