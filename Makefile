# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
DEMO_OUT ?= demo-out

.PHONY: install demo test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing vtr into $(VENV) (first run copies torch, a few minutes)..." >&2
	@$(PIP) install -q -c constraints.txt -e '.[dev,vss]' >&2
	@touch $@

demo: install
	@$(BIN)/vtr demo --out $(DEMO_OUT)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/eval_memory.py
	$(BIN)/python bench/ingest_taps.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
