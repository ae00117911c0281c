"""Writing a benchmark's section into docs/benchmarks.md, replacing its previous numbers."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(title: str, command: str, body: str) -> None:
    """Replace (or add) the `## title` section with the command, machine, date and body."""
    section = (
        f"## {title}\n\nCommand: `{command}`  \nMachine: {machine()}  \n"
        f"Date: {dt.date.today().isoformat()}\n\n{body.strip()}\n"
    )
    existing = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    start = existing.find(f"## {title}\n")
    if start >= 0:
        end = existing.find("\n## ", start + 1)
        existing = existing[:start] + (existing[end + 1 :] if end >= 0 else "")
    DOC.write_text(existing.rstrip() + "\n\n" + section)
