# Zhenxing: two commands on a fresh machine.
#   make run   - set up .venv, then audit, validate, score and print the demo province, and write the home city's reports
#   make test  - set up .venv with test dependencies, then run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: run test setup setup-test clean demo

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Zhenxing needs Python 3.10 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TSTAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

setup: $(STAMP)
setup-test: $(TSTAMP)

# the reports' PDFs need Debian's chromium (printed headless); without it the HTML reports alone
# the audit first: implausible values are flagged (warnings, exit 0) before anything is scored
run: $(STAMP)
	$(BIN)/zhenxing audit
	$(BIN)/zhenxing run
	$(BIN)/zhenxing reports $$(command -v chromium >/dev/null 2>&1 && echo --pdf)

test: $(TSTAMP)
	$(BIN)/python -m pytest -q --durations=15

demo: $(STAMP)
	$(BIN)/zhenxing demo --out data/raw

clean:
	rm -rf $(VENV) data/processed/*.csv data/processed/*.xlsx data/processed/templates reports
