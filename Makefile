# Two commands do all their own set-up on a fresh machine (Python >= 3.11, package registries only):
#   make demo   align the bundled samples with the default embedder and print what was written
#   make test   install the test dependencies and run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    := out/demo
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test test-bertalign lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# the project and its runtime dependencies (numpy-only default embedder, weights in the wheel)
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

# test extras: sentence-transformers on the local CPU torch wheel (any other torch is a multi-GB download)
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev,st]' torch==2.13.0
	@touch $@

demo: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(BIN)/tmbuild align samples/udhr/cmn_hans.html samples/udhr/eng.html -o $(OUT)/udhr.tmx -o $(OUT)/udhr.tsv \
		--no-progress
	@echo "--- first pairs of $(OUT)/udhr.tsv:"
	@head -n 5 $(OUT)/udhr.tsv
	$(BIN)/tmbuild build samples --store $(OUT)/store --no-progress
	$(BIN)/tmbuild search --store $(OUT)/store "人人有权享有生命、自由和人身安全" -k 3

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

# the optional bertalign engine needs Python >= 3.12 and torch (from PyPI for 3.12: a multi-GB CUDA build);
# its own environment, .venv312, and its own tests (tests/test_bertalign.py), with the interpreter found here
PY312 ?= $(shell for p in python3.12 $$(ls $$(pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12 2>/dev/null); do \
	$$p -c '' 2>/dev/null && { command -v $$p; break; }; done)

.venv312/.installed: pyproject.toml
	@test -n "$(PY312)" || { echo "test-bertalign: no python3.12 found; set PY312=/path/to/python3.12" >&2; exit 1; }
	$(PY312) -m venv .venv312
	.venv312/bin/python -m pip install -q -e '.[bertalign]' 'pytest>=8' 'hypothesis>=6.100'
	@touch $@

test-bertalign: .venv312/.installed
	.venv312/bin/python -m pytest tests/test_bertalign.py tests/test_cli.py -k "bertalign"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check align tmx corpus tests scripts

clean:
	rm -rf out .pytest_cache
