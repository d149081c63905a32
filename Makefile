# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format clean setup

$(STAMP): pyproject.toml constraints.txt
	@echo "Installing Tocsin and its dependencies into $(VENV) (about 30 s, once)..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@# setuptools warns about every editable install (its "Editable installation" banner): the
	@# warning is about its own build, not Tocsin, so it is silenced for this one command.
	@PYTHONWARNINGS=ignore $(BIN)/pip install --quiet -c constraints.txt -e ".[postgres,test]"
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	@$(BIN)/tocsin migrate --verbosity 0
	@$(BIN)/tocsin demo
	@$(BIN)/tocsin serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
