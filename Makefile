# sif-eval: the two commands are `make demo` and `make test`.
# Everything is installed into .venv from the package registries; nothing else is needed
# but Python 3.11 and git.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help demo test test-slow lint bench lab examples reference clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -c "from sif_eval.runs.kernel import ensure_kernel; ensure_kernel()"
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: $(STAMP) ## set up .venv and run every example project under inputs/ into outputs/
	@for p in inputs/*/; do \
	  test -f "$$p/projekt.yaml" || continue; \
	  echo "== $$p"; $(PY) -m sif_eval run "$$p" || exit $$?; \
	done

test: $(STAMP) ## set up .venv with the test dependencies and run the tests
	$(PY) -m pytest

test-slow: $(STAMP) ## the long simulations: size and coverage of the inference over hundreds of draws
	$(PY) -m pytest -m slow

lint: $(STAMP) ## ruff on the package, tests, scripts and benchmarks
	$(VENV)/bin/ruff check sif_eval tests scripts benchmarks

bench: $(STAMP) ## speed and memory benchmarks (writes benchmarks/results.md)
	$(PY) benchmarks/run.py

lab: $(STAMP) ## open JupyterLab on the project's kernel (the notebooks run as they are, on an example)
	$(PY) -m pip install --quiet jupyterlab
	$(PY) -c "from sif_eval.runs.kernel import ensure_kernel; ensure_kernel()"
	$(VENV)/bin/jupyter lab notebooks/

examples: $(STAMP) ## regenerate the synthetic example projects (fixed seed)
	$(PY) scripts/make_examples.py

reference: $(STAMP) ## rebuild templates/reference.docx (the default Word styles)
	$(PY) scripts/make_reference_docx.py

clean: ## remove generated runs (outputs/) but keep the placeholder
	find outputs -mindepth 1 -not -name .gitkeep -delete
