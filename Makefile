# minigrad course: the commands a learner or an instructor types.
#
#   make lab     open the course in JupyterLab (creates .venv on first use)
#   make test    lint, unit tests, and every notebook in notebooks/ and solutions/ re-run and
#                compared with its saved outputs
#
# Needs only Python >= 3.10 and GNU make: no root, no conda, no system Graphviz. Everything is
# installed into .venv, and only again when pyproject.toml changes.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check

# Extra arguments for `jupyter lab`, e.g. make lab LAB_ARGS="--no-browser --port 8899".
LAB_ARGS ?=
# make test WITH_TORCH=1 also installs PyTorch, so the parity tests against torch run.
WITH_TORCH ?=
TORCH_VERSION := 2.13.0
# Seconds one notebook cell may take under nbval before it fails.
NBVAL_CELL_TIMEOUT ?= 300
# Notebooks that `make execute` runs (make execute NB=notebooks/02_*.ipynb); empty means all
# of notebooks/ and solutions/.
NB ?=

COURSE_STAMP := $(VENV)/.installed-course
TEST_STAMP := $(VENV)/.installed-test
CHECKED_NOTEBOOKS = $(wildcard notebooks/*.ipynb solutions/*.ipynb)

# What every course command runs under: the venv's programs first on PATH (so a kernel, a
# terminal in JupyterLab and the graphviz package all find `dot`), string hashing fixed so set
# order and hash() are the same on every run, and matplotlib drawing inline.
RUN_ENV := PATH="$(CURDIR)/$(BIN):$$PATH" PYTHONHASHSEED=0 \
	MPLBACKEND=module://matplotlib_inline.backend_inline
# Checking and saving outputs also pins the graph layout program to the venv's graphviz-pure,
# which writes the same SVG on every machine, even where a system Graphviz is installed,
# and numpy's matrix library to one thread and, on x86 machines with AVX2, to one family of
# kernels: the same order of floating-point sums on every machine (so the same printed
# digits), and no threads fighting over a busy machine's cores. OpenBLAS otherwise picks its
# kernels by CPU, and an AVX-512 machine rounds a float32 matmul differently from an AVX2 one:
# seen as a training loss of 0.0304 where the saved lesson says 0.0303.
BLAS_KERNELS := $(shell grep -qsw avx2 /proc/cpuinfo && echo OPENBLAS_CORETYPE=Haswell)
CHECK_ENV := $(RUN_ENV) MINIGRAD_DOT="$(CURDIR)/$(BIN)/graphviz-pure" \
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BLAS_KERNELS)

.PHONY: help lab test execute exercises grade gallery bench torch dot venv install clean

help:
	@echo "make lab       open the course in JupyterLab (LAB_ARGS=... passes options to it)"
	@echo "make test      ruff, pytest over tests/, nbval over notebooks/ and solutions/"
	@echo "               (WITH_TORCH=1 also installs torch $(TORCH_VERSION) for parity tests)"
	@echo "make execute   re-run notebooks top to bottom and save their outputs"
	@echo "               (NB='notebooks/02_*.ipynb' for some of them)"
	@echo "make exercises regenerate exercises/ from solutions/"
	@echo "make grade     check your answers in exercises/"
	@echo "make gallery   render every graph the lessons draw"
	@echo "make bench     run benchmarks/bench_*.py"
	@echo "make install   only create .venv and install what make test needs"
	@echo "make clean     remove .venv and caches"

# --- the virtual environment --------------------------------------------------------------

venv: $(PY)

# Everything `make test` needs, without running anything.
install: $(TEST_STAMP) dot

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null || { \
		echo "minigrad needs Python >= 3.10; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." >&2; \
		echo "Point make at another one: make lab PYTHON=python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { \
		echo "Could not create $(VENV). On Debian/Ubuntu: sudo apt-get install python3-venv" >&2; \
		rm -rf $(VENV); exit 1; }

# The stamps record that the venv holds what pyproject.toml asks for; pip runs again only when
# pyproject.toml is newer than the stamp. The test set includes the course set.
$(COURSE_STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[course]'
	@touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[course,test]'
	@touch $@ $(COURSE_STAMP)

# Runs after every install (each target that draws lists it after its stamp). Gives shells that
# activate the venv a `dot` when the system has none: graphviz-pure under the name Graphviz tools
# expect. A system Graphviz installed later takes over again.
dot: | $(PY)
	@if PATH="$(subst $(CURDIR)/$(BIN):,,$(PATH))" command -v dot >/dev/null 2>&1; then \
		if [ -L $(BIN)/dot ]; then rm -f $(BIN)/dot; fi; \
	elif [ -x $(BIN)/graphviz-pure ]; then \
		[ -e $(BIN)/dot ] || ln -s graphviz-pure $(BIN)/dot; \
	else \
		echo "warning: no Graphviz 'dot' and no $(BIN)/graphviz-pure: graphs cannot be drawn." >&2; \
		echo "         pip install graphviz-pure, or install Graphviz (see README.md)." >&2; \
	fi

torch: $(TEST_STAMP)
	@$(PY) -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "$(TORCH_VERSION)")' \
		2>/dev/null || $(PIP) install --quiet torch==$(TORCH_VERSION)

# --- the two commands ---------------------------------------------------------------------

# Opens on notebooks/, with the whole course (exercises/, solutions/) in the file browser.
# Jupyter refuses to run as root unless told; root is what containers and CI machines are.
lab: $(COURSE_STAMP) dot
	$(RUN_ENV) $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: $(TEST_STAMP) dot $(if $(filter 1,$(WITH_TORCH)),torch)
	$(BIN)/ruff check .
	$(CHECK_ENV) $(PY) -m pytest tests
	@if [ -z "$(strip $(CHECKED_NOTEBOOKS))" ]; then \
		echo "nbval: no notebooks in notebooks/ or solutions/ yet, nothing to check"; \
	else \
		echo "$(PY) -m pytest --nbval ... $(CHECKED_NOTEBOOKS)"; \
		$(CHECK_ENV) $(PY) -m pytest --nbval --nbval-current-env \
			--nbval-sanitize-with tools/nbval_sanitize.cfg \
			--nbval-cell-timeout=$(NBVAL_CELL_TIMEOUT) $(CHECKED_NOTEBOOKS); \
	fi

# --- course maintenance -------------------------------------------------------------------

execute: $(TEST_STAMP) dot
	$(CHECK_ENV) $(PY) tools/execute_notebooks.py $(NB)

# $(call run_tool,SCRIPT[,ENV]): run a project tool if it has been written, say so if not.
define run_tool
	@if [ ! -f $(1) ]; then \
		echo "make $@: $(1) does not exist yet; this target runs it once it is written." >&2; \
		exit 1; \
	fi
	$(or $(2),$(RUN_ENV)) $(PY) $(1)
endef

exercises: $(TEST_STAMP) dot
	$(call run_tool,tools/make_exercises.py)

grade: $(TEST_STAMP) dot
	$(call run_tool,tools/grade.py)

gallery: $(TEST_STAMP) dot
	$(call run_tool,tools/gallery.py,$(CHECK_ENV))

bench: $(COURSE_STAMP) dot
	@benches="$(wildcard benchmarks/bench_*.py)"; \
	if [ -z "$$benches" ]; then \
		echo "make bench: no benchmarks/bench_*.py exist yet." >&2; exit 1; \
	fi; \
	for b in $$benches; do echo "== $$b"; $(RUN_ENV) $(PY) $$b; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
