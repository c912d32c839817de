# Set-up, tests and the main job. `make test` is what CI runs.
.PHONY: setup test quickstart bench

setup:
	bash scripts/setup.sh

test: setup
	bash scripts/python-venv.sh
	MARKETGPT_PYTHON=$(CURDIR)/.venv/bin/python swift test

bench: setup
	swift run -c release marketgpt bench

quickstart: setup
	swift run -c release marketgpt quickstart
