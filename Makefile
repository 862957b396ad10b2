# Two commands do everything on a fresh machine: `make search` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: search test setup browser server stop bench

## Run ClearML's random search on the embedded local server (server, template, agent, controller).
search: setup
	scripts/run_search.sh $(ARGS)

## Run every test, slow and browser ones included.
test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed

# The pinned set, then this project itself as a user installs it (the `clearml-local` command),
# editable and without its dependencies: the pins stay as they are.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

## Debian's chromium, for the web UI's browser tests.
browser:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

## Start only the local server, in the foreground.
server: setup
	$(VENV)/bin/clearml-local serve

## Stop the local server that `make search` left running.
stop:
	scripts/run_search.sh --stop-server

## Speed, side by side with the alternatives (about 22 minutes on 2 cores; BENCH_ARGS=--quick
## for a small run).
bench: setup browser
	$(PY) benchmarks/run.py $(BENCH_ARGS)
