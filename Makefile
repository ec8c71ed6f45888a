# Two commands on a fresh clone: `make run` and `make test`. Everything else is installed from here.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run serve admin test test-fast lint format bench chromium clean

# `make run` and `make serve` read PORT (web) and SUNO_SIMULATOR_PORT from the environment.
WEB_PORT = $(or $(PORT),8000)
SIMULATOR_PORT = $(or $(SUNO_SIMULATOR_PORT),8765)

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) is needed (the machine's Python 3.11)"; exit 1; }
	@echo "Installing the studio's Python packages into $(VENV) (first run: a minute or two)..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

# The local studio: web + worker (+ the simulator when no SUNO_API_KEY), then the URL and logins, last.
run: $(STAMP)
	@if [ -n "$$SUNO_API_KEY" ]; then ports="PORT=$(WEB_PORT)"; processes="web worker ready"; \
	else ports="PORT=$(WEB_PORT) SUNO_SIMULATOR_PORT=$(SIMULATOR_PORT)"; processes="web worker simulator ready"; fi; \
	$(PY) manage.py check_ports $$ports || exit 1; \
	$(PY) manage.py migrate --noinput -v 0 && $(PY) manage.py ensure_demo_user -v 0 || exit 1; \
	export WEB_PORT=$(WEB_PORT) SUNO_SIMULATOR_PORT=$(SIMULATOR_PORT) \
		PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(WEB_PORT)}"; \
	exec $(VENV)/bin/honcho -f Procfile start $$processes

# Production mode on this machine or a server: gunicorn + django-q2 clusters with settings from the
# environment (docs/deploy.md). Needs SECRET_KEY and ALLOWED_HOSTS; migrates and collects static first.
serve: $(STAMP)
	@test -n "$$SECRET_KEY" -a -n "$$ALLOWED_HOSTS" || { \
		echo "make serve runs the production settings: set SECRET_KEY and ALLOWED_HOSTS first (docs/deploy.md)"; exit 1; }
	@export DJANGO_ENV=production PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST="$${HOST:-127.0.0.1}"; \
	if [ -n "$$SUNO_API_KEY" ]; then ports="PORT=$(WEB_PORT)"; processes="web worker scheduler"; \
	else ports="PORT=$(WEB_PORT) SUNO_SIMULATOR_PORT=$(SIMULATOR_PORT)"; processes="web worker scheduler simulator"; \
		echo "No SUNO_API_KEY: serving against the built-in simulator on port $(SIMULATOR_PORT)."; fi; \
	python manage.py check_ports --host "$$HOST" --target serve $$ports || exit 1; \
	python manage.py check --deploy --fail-level ERROR && \
	python manage.py migrate --noinput && \
	python manage.py collectstatic --noinput -v 0 || exit 1; \
	echo "Serving on http://$$HOST:$(WEB_PORT)/ (gunicorn); Ctrl-C stops everything."; \
	export SUNO_SIMULATOR_PORT=$(SIMULATOR_PORT); \
	exec honcho -f Procfile.prod start -p $(WEB_PORT) $$processes

# A superuser: asks for the details, or takes DJANGO_SUPERUSER_USERNAME/_EMAIL/_PASSWORD from the environment.
admin: $(STAMP)
	@$(PY) manage.py migrate --noinput -v 0
	@if [ -n "$$DJANGO_SUPERUSER_PASSWORD" ]; then $(PY) manage.py createsuperuser --noinput; \
	else $(PY) manage.py createsuperuser; fi

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

# load.py and worker.py run on PostgreSQL (BENCH_POSTGRES_URL, default postgres@127.0.0.1:5432), a few minutes.
bench: $(STAMP)
	$(PY) bench/polling.py
	$(PY) bench/pages.py
	$(PY) bench/load.py
	$(PY) bench/worker.py
	$(PY) bench/callbacks.py
	$(PY) bench/export.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
