# Two commands on a fresh clone: `make run` and `make test`. Everything else is installed from here.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint format bench chromium clean

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) is needed (the machine's Python 3.11)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

run: $(STAMP)
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py ensure_demo_user
	@echo "Open http://127.0.0.1:8000/"
	@if [ -n "$$SUNO_API_KEY" ]; then \
		exec $(VENV)/bin/honcho -f Procfile start web worker; \
	else \
		exec $(VENV)/bin/honcho -f Procfile start web worker simulator; \
	fi

# Browser tests drive Debian's Chromium; install it when it is missing (we are root on these machines).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium could not be installed"; \
		else echo "chromium is missing: install Debian's chromium package"; fi; }

test: $(STAMP) chromium
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) bench/polling.py
	$(PY) bench/pages.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
