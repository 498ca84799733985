# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint unit bench clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	$(VENV)/bin/safemaker demo --output-dir .

lint: install
	$(VENV)/bin/ruff check scanner checks reports tests safemaker
	$(VENV)/bin/mypy

unit: install
	$(PY) -m pytest

test: lint unit

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build report.html findings.json
