# The two commands of the README: `make build` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test lint bench check docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

build: $(STAMP)  ## set up, then build every audience of the default project into output/
	$(BIN)/briefgen build .

# Bytecode is written (__pycache__, ignored by git) even where the environment forbids it:
# otherwise each test worker, Dask worker and subprocess compiles briefgen and the test
# modules again (collecting the tests: 3.9 s instead of 1.7 s).
test: $(STAMP)  ## set up, then run the whole test suite
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder  # tests/conftest.py: files, longest first

lint: $(STAMP)
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/mypy generator

check: $(STAMP)
	$(BIN)/briefgen check .

bench: $(STAMP)  ## ratios to engine baselines measured in the same run
	$(BIN)/python benchmarks/run.py

docs: $(STAMP)  ## the manual: docs/ -> build/docs/; warnings and broken links are errors
	$(BIN)/sphinx-build -W --keep-going -n -q -b html docs build/docs

clean:
	rm -rf output/* .pytest_cache
