# keepwise: `make test` and `make demo` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_WS ?= demo-workspace
DEMO_CUSTOMERS ?= 5000
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: test lint demo demo-data clean venv

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

test: $(BIN)/.installed
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

demo-data: $(BIN)/.installed
	rm -rf $(DEMO_WS)
	$(BIN)/keepwise demo $(DEMO_WS) --customers $(DEMO_CUSTOMERS)
	$(BIN)/keepwise status $(DEMO_WS)

# Build the demo business, score it, create one user per role with a fresh password, serve.
demo: demo-data
	$(BIN)/keepwise score $(DEMO_WS)
	@pw=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(12))'); \
	for role in admin manager staff; do \
	  printf '%s\n' "$$pw" | $(BIN)/keepwise user add $(DEMO_WS) $$role@demo.keepwise --role $$role >/dev/null || exit 1; \
	done; \
	echo; \
	echo "keepwise demo is starting at http://$(HOST):$(PORT)"; \
	echo "  log in as admin@demo.keepwise, manager@demo.keepwise or staff@demo.keepwise"; \
	echo "  password (all three, new every 'make demo'): $$pw"; \
	echo "  stop with Ctrl-C; the workspace stays in $(DEMO_WS)/"; \
	echo; \
	exec $(BIN)/keepwise serve $(DEMO_WS) --host $(HOST) --port $(PORT)

clean:
	rm -rf $(VENV) $(DEMO_WS) .pytest_cache .mypy_cache .ruff_cache
