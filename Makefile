# Two commands set everything up on a fresh machine:
#   make lab    create .venv if needed, install the kit, start JupyterLab on notebooks/
#   make test   create .venv if needed, install the kit with its test extras, run every test
# PYTHON must be Python 3.11 or newer.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
LAB_PORT ?= 8888

.PHONY: lab test demo browser-test clean-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required; set PYTHON=python3.11 (found " + sys.version.split()[0] + ")")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dask]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

lab: $(STAMP)
	$(PY) -m helpers lab --port $(LAB_PORT)

test: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	MPLBACKEND=Agg $(PY) -m helpers demo --out build/demo

browser-test: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest -m browser tests/test_browser.py

clean-venv:
	rm -rf $(VENV)
