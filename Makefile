# The two set-up commands in the README are `make demo` and `make test`; everything they need
# is installed from here.
VENV ?= .venv
BIN := $(VENV)/bin
# The Python the environment is made from: see scripts/pick-python.sh. `make PYTHON=python3.12`
# chooses another.
PYTHON ?= $(shell sh scripts/pick-python.sh)
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints/cpu-torch.txt | sha1sum | cut -c1-12)
CSS := src/soundingboard/static/soundingboard/app.css

.PHONY: install assets browser nginx demo test test-sqlite test-postgres lint bench bench-slow-clients bench-themes clean

install: $(STAMP) $(CSS)

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints/cpu-torch.txt -e '.[test,embeddings]'
	rm -f $(VENV)/.installed-*
	touch $@

assets: $(CSS)

$(CSS): package.json package-lock.json scripts/build-assets.sh $(wildcard src/soundingboard/assets/*.scss)
	bash scripts/build-assets.sh

# Debian's nginx, which `soundingboard serve` and `demo` start in front of gunicorn.
nginx:
	bash scripts/install-nginx.sh

demo: install nginx
	$(BIN)/soundingboard demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# Debian's Chromium, for tests/browser/ (Playwright drives it; it downloads no browser).
browser:
	bash scripts/install-chromium.sh

test-sqlite: install browser nginx
	$(BIN)/pytest

test-postgres: install browser nginx
	bash scripts/with-postgres.sh $(BIN)/pytest

test: lint test-sqlite test-postgres

# Submissions through the production server, on SQLite then PostgreSQL (bench/README.md;
# results in docs/performance.md). BENCH_ARGS="--submit api" benchmarks the JSON intake API.
bench: install nginx
	$(BIN)/python bench/intake_load.py $(BENCH_ARGS)
	bash scripts/with-postgres.sh $(BIN)/python bench/intake_load.py $(BENCH_ARGS)

# Slow and idle clients against each way of serving, and throughput (bench/README.md; results
# in docs/performance.md).
bench-slow-clients: install nginx
	$(BIN)/python bench/slow_clients.py $(BENCH_ARGS)

# Candidate themes: speed on 100,000 responses and quality on Banking77, per representation
# (bench/README.md; results in docs/performance.md). BENCH_ARGS="--csv FILE" adds a data set.
bench-themes: install
	$(BIN)/python bench/themes_quality.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules soundingboard-data src/soundingboard/static/soundingboard/govuk $(CSS)
