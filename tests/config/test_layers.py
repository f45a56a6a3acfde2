"""The order of the apps (halls < inspections < surveys < scoring < incentives < config) and the rule that services
never import tasks hold: import-linter's contracts in pyproject.toml, run as CI runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 broken" in done.stdout, done.stdout


def test_a_process_that_never_imported_a_task_module_still_enqueues_by_task_name():
    # Services name their tasks instead of importing them; a fresh web process has imported no task module.
    code = (
        "import sys, django; django.setup();"
        "from halls.jobs import task_named;"
        "assert 'incentives.tasks' not in sys.modules;"
        "print(task_named('incentives.split_bonus').name)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "incentives.split_bonus"
