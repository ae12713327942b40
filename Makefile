# Two commands for a newcomer: `make run` and `make test`. Everything else here is optional.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test lint bench bench-smoke worker beat migrate seed clean messages

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed  ## Set up SQLite, seed the demo data and serve the portal on http://127.0.0.1:$(PORT)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --port $(PORT)
	@# Two demo chargers speak OCPP 1.6J to the portal's own gateway while it runs (they stop with it: a background
	@# job of a script ignores Ctrl-C, and the shell's EXIT trap alone does not run when Ctrl-C ends the shell).
	$(BIN)/python manage.py ocpp_demo_chargers --port $(PORT) & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed  ## Run the whole suite (SQLite unless DATABASE_URL says otherwise)
	@# Tests that start a real Celery worker (PostgreSQL + Redis only) run first, in a process of their own: they
	@# repoint the process-wide Celery app at Redis, which must not leak into or from the other tests.
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -m worker
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -n 2 -m "not worker"

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy config chargepoints tariffs billing payments ocpi_api ocpp_gateway tests
	$(BIN)/lint-imports

bench: $(VENV)/.installed  ## Benchmarks, printed as ratios against a baseline in the same process
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m tests.bench

bench-smoke: $(VENV)/.installed  ## The same benchmarks at tiny sizes (CI): fails when one breaks; its figures mean nothing
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m tests.bench --smoke

# The Swedish catalogue: collect new strings into locale/sv/LC_MESSAGES/django.po (needs GNU gettext), translate the
# empty and fuzzy entries, run it again to compile django.mo; commit both (a fresh clone then needs no gettext).
MESSAGES_IGNORE := --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='static/*' --ignore='node_modules/*'
messages: $(VENV)/.installed  ## Update and compile the Swedish catalogue (locale/sv)
	$(BIN)/python manage.py makemessages --locale=sv --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py compilemessages --locale=sv $(MESSAGES_IGNORE)

worker: $(VENV)/.installed  ## A real Celery worker with embedded beat (set CELERY_BROKER_URL=redis://…)
	$(BIN)/celery -A config worker -B -l info --concurrency=2

clean:
	rm -rf $(VENV) db.sqlite3 var
