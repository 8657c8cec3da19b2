# eduinnov: `make run` (demo app on http://127.0.0.1:5000) and `make test` (the whole suite).
# Both bootstrap themselves on a machine with only Python 3.11+, pip and apt.

VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 5000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export FLASK_APP := app.py

.PHONY: run test install system-deps translations lint clean

install: $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# Debian packages: a CJK font for PDFs and charts, poppler for PDF checks, Chromium for browser tests,
# Redis for the task-queue tests.
system-deps:
	@missing=""; \
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d translations -f >/dev/null

run: install system-deps
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask seed demo
	$(VENV)/bin/flask run --host 127.0.0.1 --port $(PORT)

test: install system-deps
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check eduinnov tests bench

clean:
	rm -rf $(VENV) instance
