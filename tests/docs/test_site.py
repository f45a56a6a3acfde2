"""The documentation builds with ``mkdocs build --strict`` (a broken link, a missing page or anchor fails it),
the README stays a front door whose links all resolve, and neither names a file outside the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _mkdocs() -> list[str]:
    """``python -m mkdocs`` of the interpreter running the tests (mkdocs is pinned in the test extras)."""
    return [sys.executable, "-m", "mkdocs"]


ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def test_the_docs_build_with_mkdocs_strict(tmp_path):
    build = subprocess.run(
        [*_mkdocs(), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    assert (tmp_path / "site" / "rules" / "zh" / "index.html").exists()


def test_a_broken_link_fails_the_strict_build(tmp_path):
    """The check has teeth: the same configuration with a page linking to a missing page fails."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    page = tmp_path / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[nowhere](no-such-page.md)\n", encoding="utf-8")
    build = subprocess.run(
        [*_mkdocs(), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert build.returncode != 0
    assert "no-such-page.md" in build.stderr


def test_a_link_to_a_missing_anchor_fails_the_strict_build(tmp_path):
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    page = tmp_path / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[rules](rules/zh.md#no-such-anchor)\n", encoding="utf-8")
    build = subprocess.run(
        [*_mkdocs(), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert build.returncode != 0
    assert "no-such-anchor" in build.stderr


def test_the_readme_is_a_front_door_under_8000_characters():
    text = README.read_text(encoding="utf-8")
    assert len(text) < 8000, len(text)
    for must in ("./scripts/run.sh", "./scripts/test.sh", "hallq-demo-2026"):
        assert must in text


def test_every_relative_link_of_the_readme_resolves():
    links = [link for link in LINK.findall(README.read_text(encoding="utf-8")) if "://" not in link]
    assert links, "the README links into the docs"
    for link in links:
        path = link.split("#", 1)[0]
        assert (ROOT / path).exists(), f"README links to {link}, which is not in the repository"


@pytest.mark.parametrize("path", [README, *sorted((ROOT / "docs").rglob("*.md"))], ids=lambda p: p.name)
def test_no_doc_names_a_path_of_one_machine_or_a_file_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    for outside in ("/work/", "/home/", "/root/", "/Users/", "DOMAIN.md", "BRIEF"):
        assert outside not in text, f"{path.name} names {outside}"


CODE_SUFFIXES = {".py", ".html", ".js", ".css", ".sh", ".toml", ".yml", ".cfg", ".po"}
NOT_OURS = {".venv", "site", "var", "node_modules", "test-artifacts", ".git", "vendor"}


def test_no_code_names_a_path_of_one_machine_or_a_file_outside_the_repository():
    offenders = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if path.suffix not in CODE_SUFFIXES or NOT_OURS & set(relative.parts) or path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{relative}: {word}" for word in ("/work/", "/home/", "DOMAIN.md", "BRIEF") if word in text]
    assert offenders == []
