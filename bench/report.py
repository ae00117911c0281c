"""Writing a benchmark's section into docs/benchmarks.md: its newest numbers first, with what
the section said before kept beneath them."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(title: str, command: str, body: str, doc: Path | None = None) -> None:
    """Write the `## title` section (command, machine, date and body) where it stands, or add
    it at the end. The section's earlier text, numbers written by hand beside a run included,
    stays beneath the new run as `### Earlier: <its date>`: a rerun must not erase the
    measurements that decisions and closing notes quote."""
    doc = doc or DOC
    section = (
        f"## {title}\n\nCommand: `{command}`  \nMachine: {machine()}  \n"
        f"Date: {dt.date.today().isoformat()}\n\n{body.strip()}\n"
    )
    existing = doc.read_text() if doc.exists() else "# Benchmarks\n"
    start = existing.find(f"## {title}\n")
    if start < 0:
        doc.write_text(existing.rstrip() + "\n\n" + section)
        return
    end = existing.find("\n## ", start + 1)
    end = len(existing) if end < 0 else end + 1
    earlier = _as_earlier(existing[start:end], title)
    doc.write_text(existing[:start] + section + "\n" + earlier + existing[end:])


def _as_earlier(old: str, title: str) -> str:
    """An old section's text under a `### Earlier: <date>` heading instead of its own."""
    text = old[len(f"## {title}\n") :].strip()
    date = re.search(r"^Date: (\S+)", text, flags=re.MULTILINE)
    return f"### Earlier: {date.group(1) if date else 'undated'}\n\n{text}\n\n"
