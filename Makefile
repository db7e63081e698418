# Everything runs from the project's own virtualenv in .venv (created on first use).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Rebuilt when the dependencies change; makes a repeated `make install` a no-op.
STAMP := $(VENV)/.installed
ASSETS := federation/http/static/manifest.json

.PHONY: install test lint typecheck demo bench audit clean

install: $(STAMP) assets compiled

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip install -qq -e '.[dev]'
	touch $@

# GraphiQL's browser files (npm pack at install time; GraphiQL says how to get them if this fails).
.PHONY: assets
assets: $(STAMP)
	@test -f $(ASSETS) && $(PY) -c "import sys; from federation.http.graphiql_assets import installed, static_dir; sys.exit(not installed(static_dir()))" \
		|| $(PY) -c "import sys; from federation.http.graphiql_assets import main; sys.exit(main())" \
		|| echo "warning: GraphiQL assets not installed; the gateway serves instructions instead"

# The hot modules compiled with mypyc (federation/compiled.py); plain Python if that fails.
.PHONY: compiled
compiled: $(STAMP)
	@$(PY) -c "import sys; from federation.compiled import main; sys.exit(main(['build', '--if-stale']))"

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

demo: install
	$(PY) -m services_demo

# Arguments go through BENCH_ARGS, e.g. make bench BENCH_ARGS="--seconds 5 --no-peers" (benchmarks/README.md).
bench: install
	$(PYTHON) benchmarks/run.py $(BENCH_ARGS)

audit: install
	@if [ -d ../shared/conformance ]; then \
		$(PYTHON) ../shared/conformance/driver.py \
			--start-cmd "$(VENV)/bin/federation serve --supergraph {supergraph} --port 4000"; \
	else \
		echo "audit: ../shared/conformance not found; nothing to run"; \
	fi

clean:
	rm -rf $(VENV) federation/http/static .pytest_cache .mypy_cache .ruff_cache

# The demo's supergraph, composed by our own composition from schemas/supergraph.yaml.
.PHONY: compose-demo
compose-demo: install
	$(VENV)/bin/federation compose --config schemas/supergraph.yaml -o schemas/supergraph.graphql
