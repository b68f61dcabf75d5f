# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
DEMO_OUT ?= demo-out

.PHONY: install demo test lint bench bench-moments bench-steps clean docs

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
	$(BIN)/python bench/ann_search.py

bench-moments: install
	$(BIN)/python bench/moments.py --videos 240 --seed 0 --epochs 40 --out bench-out/moments

bench-steps: install
	$(BIN)/python bench/steps_quality.py --videos 120 --seed 0 --out bench-out/steps

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache bench-out

docs: install
	$(BIN)/python -m vtr.registry
