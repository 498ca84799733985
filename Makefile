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
	$(PY) -m pip install --quiet -e '.[test,demo]'
	touch $(STAMP)

demo: install
	$(VENV)/bin/safemaker demo --output-dir .

# mypy must see the code under its import names (safemaker.scanner, ...), which setup.cfg maps
# from the top-level folders; a tree of symlinks under build/ gives it exactly that view.
TYPECHECK := build/typecheck
lint: install
	$(VENV)/bin/ruff check scanner checks reports tests safemaker
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/safemaker
	for f in safemaker/*.py; do ln -s ../../../$$f $(TYPECHECK)/$$f; done
	for d in scanner checks reports; do ln -s ../../../$$d $(TYPECHECK)/safemaker/$$d; done
	MYPYPATH=$(TYPECHECK) $(VENV)/bin/mypy -p safemaker

unit: install
	$(PY) -m pytest -rs

test: lint unit

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build report.html findings.json
