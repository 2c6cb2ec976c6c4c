# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
SUDO    = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint test-deps bench image-check clean model fuzz

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
	$(BIN)/ruff check mailflow tests bench tools
	$(BIN)/ruff format --check mailflow tests bench tools
	$(BIN)/mypy mailflow
	$(BIN)/lint-imports

test: $(STAMP) test-deps lint
	$(BIN)/pytest

# The tagging model from the labelled corpus (about 7 minutes: the e5 tier embeds every sentence).
model: $(STAMP)
	$(BIN)/mailflow model train

# parse() under Hypothesis, seeded with the shared corpora, for FUZZ_SECONDS; the smallest input of
# each failure lands in tests/data/fuzz_crashes/, which the tests replay (tools/fuzz_parse.py).
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python tools/fuzz_parse.py --seconds $(FUZZ_SECONDS)

bench: $(STAMP) test-deps
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/tagging.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/send.py
	$(BIN)/python bench/send.py --postgres
	$(BIN)/python bench/schedule.py
	$(BIN)/python bench/schedule.py --postgres
	$(BIN)/python bench/overview.py

# The Dockerfile and docker-compose.yml built and run with podman: the development machine has
# no Docker engine and no Docker Hub, so the base is Debian 12 made with debootstrap and
# postgres:16 a local stand-in (tools/image_check). Not part of `make test`: it needs root
# (debootstrap, podman) and takes a few minutes.
image-check: $(STAMP) test-deps
	@command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 && \
	  command -v debootstrap >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    podman runc debootstrap uidmap >/dev/null; }
	$(BIN)/python -m pip install -q --disable-pip-version-check 'podman-compose==1.0.6'
	set -e; export CONTAINERS_CONF=$(CURDIR)/tools/image_check/containers.conf; \
	podman image exists localhost/debian-python:bookworm || tools/image_check/base-image.sh; \
	podman build -q --format docker --network host -t docker.io/library/postgres:16 tools/image_check/postgres; \
	podman build -q --format docker --network host --build-arg PYTHON_IMAGE=localhost/debian-python:bookworm \
	  -t localhost/mailflow:check .; \
	$(BIN)/python tools/image_check/check.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
