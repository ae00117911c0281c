"""Benchmarks write their sections into docs/benchmarks.md without erasing earlier runs."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def report():
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_new_section_is_added_at_the_end(report, tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Search\n\nold\n")
    report.write_section("Web", "bench/web.py", "| a |", doc=doc)
    text = doc.read_text()
    assert text.index("## Search") < text.index("## Web") and "| a |" in text
    assert "Command: `bench/web.py`" in text


def test_a_rerun_keeps_the_earlier_run_and_hand_written_notes_beneath_it(report, tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        "# Benchmarks\n\n## Web\n\nCommand: `bench/web.py`  \nMachine: x  \nDate: 2026-12-01\n\n"
        "| old run |\n\nA before/after table added by hand.\n\n## Recall\n\nrecall text\n"
    )
    report.write_section("Web", "bench/web.py", "| new run |", doc=doc)
    text = doc.read_text()
    # In place, newest first, the old run and its notes kept, the next section untouched.
    assert text.index("## Web") < text.index("| new run |") < text.index("### Earlier: 2026-12-01")
    assert text.index("### Earlier: 2026-12-01") < text.index("| old run |")
    assert "A before/after table added by hand." in text
    assert text.count("## Web\n") == 1 and text.rstrip().endswith("recall text")
    report.write_section("Web", "bench/web.py", "| newest run |", doc=doc)
    text = doc.read_text()
    assert text.index("| newest run |") < text.index("| new run |") < text.index("| old run |")
