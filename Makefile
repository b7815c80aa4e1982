# Everything goes through .venv, created with Python 3.11 and the pins in pyproject.toml on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.pins-installed
SIM_PORT ?= 8765
# Google's soar-sdk (no package index serves it) is installed from the pinned wheel in this directory when it
# holds it, else from the pinned commit of its repository (SDK_WHEELS= forces that): see devkit/pins.py.
SDK_WHEELS ?= $(if $(wildcard ../shared/vendor/soar_sdk-0.2.0-py3-none-any.whl),../shared/vendor,)

.PHONY: venv demo test package sim lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (found %s); set PYTHON=/path/to/python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PYTHON) devkit/pins.py --sdk-wheels "$(SDK_WHEELS)" runtime dev sdk > $(VENV)/requirements.txt
	$(VPY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	@touch $(STAMP)

# The demo starts its own simulator on a free port; DEMO_PORT=N picks one.
demo: venv
	$(VPY) -m devkit demo $(if $(DEMO_PORT),--port $(DEMO_PORT))

# Two pytest processes side by side, one per CPU (tests/run_suite.py); JOBS=1 runs one.
test: venv
	$(VPY) tests/run_suite.py --jobs $(or $(JOBS),2)

# The definition files are generated from the scripts' specs: a stale one stops the build before anything is packed.
package: venv
	$(VPY) -m devkit generate --check
	$(VPY) -m devkit package

sim: venv
	$(VPY) -m simulator --port $(SIM_PORT)

lint: venv
	$(VPY) -m ruff check .
	$(VPY) -m ruff format --check .
	$(VPY) -m mypy

bench: venv
	$(VPY) -m bench

clean:
	rm -rf $(VENV) dist build .cache
