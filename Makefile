# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
SUDO    = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint test-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/mailflow demo

# What the integration tests talk to: Dovecot from Debian's packages, Debian's
# Chromium, ChromeDriver and a Chinese font for the review page's browser test, and the
# machine's PostgreSQL (started when it is down).
test-deps:
	@command -v dovecot >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq dovecot-imapd >/dev/null; }
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && \
	  [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    chromium chromium-driver fonts-wqy-zenhei >/dev/null; }
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { \
	  $(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && \
	  for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 && break; sleep 1; done; }

lint: $(STAMP)
	$(BIN)/ruff check mailflow tests bench
	$(BIN)/ruff format --check mailflow tests bench
	$(BIN)/mypy mailflow

test: $(STAMP) test-deps lint
	$(BIN)/pytest

bench: $(STAMP) test-deps
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/send.py
	$(BIN)/python bench/send.py --postgres
	$(BIN)/python bench/schedule.py
	$(BIN)/python bench/schedule.py --postgres

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
