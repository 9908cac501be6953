# Two commands do everything: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages: WeasyPrint needs Pango; browser tests need Chromium; fonts for PDFs and screenshots.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation chromium gettext
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install apt-deps run test test-fast lint bench messages clean

install: apt-deps $(STAMP)

apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# torch is installed first and on its own: pinned to the local CPU wheel, so nothing pulls a CUDA build.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

messages: install
	$(PY) manage.py compilemessages -v 0 --ignore '.venv/*'

run: install messages
	mkdir -p var
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py createcachetable
	$(PY) manage.py import_curriculum curricula/*.csv
	$(PY) manage.py seed_demo
	@if $(PY) manage.py help create_dev_signing_cert >/dev/null 2>&1; then $(PY) manage.py create_dev_signing_cert --if-missing; fi
	$(PY) manage.py serve --host 127.0.0.1 --port 8000

test: install messages
	mkdir -p var test-artifacts
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check evc tests bench

clean:
	rm -rf $(VENV) var test-artifacts
