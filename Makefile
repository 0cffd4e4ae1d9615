# govwatch: two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-quick lint bench bench-crawl bench-extract bench-api bench-opencc bench-scale clean

# The machine's pip is old and mis-resolves trafilatura's lxml[html_clean] extra: upgrade it first.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The pure-Python OpenCC that older checkouts used installs the same `opencc` module as the official
	# binding: where it is present, remove both (uninstalling one breaks the other's files), then install.
	if $(BIN)/python -m pip show --quiet opencc-python-reimplemented 2>/dev/null; then \
	  $(BIN)/python -m pip uninstall --quiet --yes opencc-python-reimplemented opencc; fi
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/govwatch demo

# The suite on parallel workers: its crawls and subprocesses mostly wait, so 4 workers keep 2 cores busy.
# --dist loadgroup: tests that share a module's fixture (a whole crawl) stay on one worker, the rest spread
# (tests/conftest.py groups and orders them).
TEST_WORKERS ?= 4
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup

test: $(STAMP)
	$(BIN)/ruff check crawler spiders pipelines scheduler tests benchmarks
	$(PYTEST) --durations=25

# The edit-test loop: everything but the end-to-end crawls and subprocesses (marked slow).
test-quick: $(STAMP)
	$(PYTEST) -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check crawler spiders pipelines scheduler tests benchmarks

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: bench-crawl bench-extract bench-api bench-opencc

bench-crawl: $(STAMP)
	$(BIN)/python benchmarks/bench_crawl.py

bench-extract: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/bench_extract.py

bench-api: $(STAMP)
	$(BIN)/python benchmarks/bench_api.py

bench-opencc: $(STAMP)
	$(BIN)/python benchmarks/bench_opencc.py

# Thousands of sources on one box (not part of `make bench`: the 10,000-source pass takes most of an hour).
# SIZES=500,2000 for a quicker look at what grows per source.
SIZES ?= 500,2000,10000
bench-scale: $(STAMP)
	nice -n 10 $(BIN)/python benchmarks/bench_scale.py --sizes $(SIZES)

clean:
	rm -rf $(VENV) var .pytest_cache
