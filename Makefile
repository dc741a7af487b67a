# Two commands for a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1:8000

.DEFAULT_GOAL := run
.PHONY: run test lint install install-dev migrate demo serve worker beat messages backup restore clean

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	@echo "==> [1/4] Installing the libraries of requirements.txt into $(VENV) (once; a minute or two)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --disable-pip-version-check -q --upgrade pip
	$(PIP) install --disable-pip-version-check -q -r requirements.txt
	touch $@

# Tests and lint need more than the portal: requirements-dev.txt (which includes requirements.txt).
$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.dev-installed

migrate: install
	@echo "==> [2/4] Creating or updating the database tables (manage.py migrate)"
	$(PY) manage.py migrate --noinput

demo: migrate
	@echo "==> [3/4] Loading the demo data (manage.py load_demo; each step is listed, about a minute the first time)"
	$(PY) manage.py load_demo

# Embedded by default: SQLite and Celery tasks in-process. With DATABASE_URL and
# REDIS_URL set it uses PostgreSQL, and report jobs go to `make worker`.
run: demo
	@echo "==> [4/4] Serving on http://$(HOST)/ (demo accounts in README.md; Ctrl+C stops)"
	$(PY) manage.py runserver $(HOST)

serve: install
	$(PY) manage.py runserver $(HOST)

worker: install
	$(VENV)/bin/celery -A portal worker --loglevel=INFO --concurrency=2 -Q celery,reports

beat: install
	$(VENV)/bin/celery -A portal beat --loglevel=INFO

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff (ruff.toml) and the arrows between the apps (.importlinter, docs/ARCHITECTURE.md): zero findings.
lint: install-dev
	$(VENV)/bin/ruff check .
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-cache

# make backup [BACKUP=backups/portal.dump]; make restore BACKUP=file [INTO=empty database or new SQLite file]
BACKUP ?= backups/portal-$(shell date +%Y%m%d-%H%M%S).dump
backup: install
	$(PY) manage.py backup_data --out $(BACKUP)

restore: install
	$(PY) manage.py restore_data $(BACKUP) $(if $(INTO),--into $(INTO))

# Regenerate the compiled translations after editing locale/**/django.po (needs GNU gettext).
messages: install
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles var .pytest_cache
