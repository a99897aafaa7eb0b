# The two set-up commands in the README are `make demo` and `make test`; everything they need
# is installed from here.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
CSS := src/soundingboard/static/soundingboard/app.css

.PHONY: install assets demo test test-sqlite test-postgres lint bench clean

install: $(STAMP) $(CSS)

$(STAMP):
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

assets: $(CSS)

$(CSS): package.json package-lock.json scripts/build-assets.sh $(wildcard src/soundingboard/assets/*.scss)
	bash scripts/build-assets.sh

demo: install
	$(BIN)/soundingboard demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test-sqlite: install
	$(BIN)/pytest

test-postgres: install
	bash scripts/with-postgres.sh $(BIN)/pytest

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) node_modules soundingboard-data src/soundingboard/static/soundingboard/govuk $(CSS)
