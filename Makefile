# The two set-up commands in the README are `make demo` and `make test`; everything they need
# is installed from here, from the locks in requirements/ (made from pyproject.toml by `make lock`).
VENV ?= .venv
BIN := $(VENV)/bin
# The Python the environment is made from: see scripts/pick-python.sh. `make PYTHON=python3.12`
# chooses another.
PYTHON ?= $(shell sh scripts/pick-python.sh)
SERVE_LOCK := requirements/serve.txt
TEST_LOCK := requirements/test.txt
# A stamp names what is installed and the lock it came from, so a changed lock installs again.
stamp = $(VENV)/.installed-$(1)-$(shell cat pyproject.toml $(2) | sha1sum | cut -c1-12)
SERVE_STAMP := $(call stamp,serve,$(SERVE_LOCK))
TEST_STAMP := $(call stamp,test,$(TEST_LOCK))
# The full install holds everything the serving one does, at the same versions: after
# `make test`, `make demo` installs nothing.
SERVING := $(if $(wildcard $(TEST_STAMP)),$(TEST_STAMP),$(SERVE_STAMP))
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
CSS := src/soundingboard/static/soundingboard/app.css

.PHONY: install install-serve lock assets browser nginx pdf-libs demo test test-sqlite test-postgres \
	lint bench bench-slow-clients bench-themes clean

# Everything, for the tests: the test and embeddings extras too (PyTorch's CPU build among them).
install: $(TEST_STAMP) $(CSS)

# Only what serving needs: no PyTorch, no test tools.
install-serve: $(SERVING) $(CSS)

# Every package from the lock, each checked against its hash, then soundingboard itself.
define install_from
	$(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r $(1)
	$(PIP) --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@
endef

$(SERVE_STAMP):
	$(call install_from,$(SERVE_LOCK))

$(TEST_STAMP):
	$(call install_from,$(TEST_LOCK))

# Remakes the locks from pyproject.toml, keeping every pin that still fits;
# `make lock LOCK_ARGS=--upgrade` moves every package to its newest release instead. The other
# locks are held to the test lock's versions, so what is tested is what is served.
# requirements/embeddings.txt is for rebuilding the shipped models (docs/themes.md).
# pip-tools, not uv: it resolves with pip and pip's settings, so it finds the CPU build of
# PyTorch in the folder of wheels pip is set to look in here. The locks name no index or folder.
LOCK_VENV := .venv-lock
COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	$(LOCK_ARGS)

lock: $(LOCK_VENV)/bin/pip-compile
	$(COMPILE) --extra test --extra embeddings -c constraints/cpu-torch.txt -o $(TEST_LOCK) pyproject.toml
	$(COMPILE) -c $(TEST_LOCK) -o $(SERVE_LOCK) pyproject.toml
	$(COMPILE) --extra embeddings -c $(TEST_LOCK) -o requirements/embeddings.txt pyproject.toml

$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip-tools==7.6.2

assets: $(CSS)

$(CSS): package.json package-lock.json scripts/build-assets.sh $(wildcard src/soundingboard/assets/*.scss)
	bash scripts/build-assets.sh

# Debian's nginx, which `soundingboard serve` and `demo` start in front of gunicorn.
nginx:
	bash scripts/install-nginx.sh

# Debian's Pango and a font: WeasyPrint makes the report's PDF with them.
pdf-libs:
	bash scripts/install-pdf-libs.sh

demo: install-serve nginx pdf-libs
	$(BIN)/soundingboard demo

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	SOUNDINGBOARD_DATA_DIR=$$(mktemp -d) $(BIN)/mypy

# Debian's Chromium, for tests/browser/ (Playwright drives it; it downloads no browser).
browser:
	bash scripts/install-chromium.sh

test-sqlite: install browser nginx pdf-libs
	$(BIN)/pytest

test-postgres: install browser nginx pdf-libs
	bash scripts/with-postgres.sh $(BIN)/pytest

test: lint test-sqlite test-postgres

# Submissions through the production server, on SQLite then PostgreSQL (bench/README.md;
# results in docs/performance.md). BENCH_ARGS="--submit api" benchmarks the JSON intake API.
bench: install-serve nginx
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
	rm -rf $(VENV) $(LOCK_VENV) node_modules soundingboard-data src/soundingboard/static/soundingboard/govuk $(CSS) \
		src/soundingboard/static/soundingboard/workspace.css
