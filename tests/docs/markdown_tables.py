"""Reading the worked examples out of the docs: a Markdown table that follows a marker comment
``<!-- worked-example: NAME -->``, as a list of rows of cell texts (header and separator left out)."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
NO_DATA = "—"


def marked_table(path: Path, name: str) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    marker = f"<!-- worked-example: {name} -->"
    starts = [number for number, line in enumerate(lines) if line.strip() == marker]
    assert len(starts) == 1, f"{path.name}: expected one table marked {marker!r}, found {len(starts)}"
    rows = []
    for line in lines[starts[0] + 1 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    assert len(rows) > 2, f"{path.name}: the table marked {name!r} has no rows"
    return rows[2:]
