.PHONY: run test lint docs
run:  ## set up and serve the demo on http://127.0.0.1:8000
	./scripts/run.sh
test:  ## install test needs and run the suite
	./scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports --no-cache
docs:  ## build the documentation into site/ (broken links fail)
	NO_MKDOCS_2_WARNING=1 .venv/bin/python -m mkdocs build --strict
