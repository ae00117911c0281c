"""A fresh app server warms its search before taking traffic; nothing missing stops it."""

import pytest

from search import dense
from search.warmup import warm_up
from tests.search.test_semantic_search import embedded  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_warm_up_loads_the_index_vectors_model_and_runs_a_search(embedded):  # noqa: F811
    dense.forget()
    took = warm_up()
    assert set(took) == {
        "routes",
        "cache",
        "keyword index",
        "vectors",
        "model",
        "query model",
        "search",
    }


def test_warm_up_imports_every_view_so_the_first_request_does_not(tmp_path):
    """In a fresh process (this one has imported the views already): the URL configuration
    and the API's schemas cost the first request about 0.4 s before."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys, django; django.setup(); "
        "before = 'api.main' in sys.modules; "
        "from search.warmup import warm_up; warm_up(); "
        "print(before, all(m in sys.modules for m in ('paperboy.urls', 'api.main', 'web.urls')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "paperboy.settings",
             "PAPERBOY_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/db"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.split()[-2:] == ["False", "True"], done.stderr[-2000:]


def test_warm_up_with_nothing_built_skips_what_is_missing(settings, tmp_path):
    settings.PAPERBOY_INDEX_DIR = tmp_path / "no-index"
    dense.forget()
    took = warm_up()  # no keyword index, no embeddings: never an exception
    assert "keyword index" not in took and "search" not in took


def test_the_wsgi_module_warms_up_unless_told_not_to(monkeypatch, settings):
    import importlib
    import sys

    calls = []
    monkeypatch.setattr("search.warmup.warm_up", lambda: calls.append(1))
    for setting, expected in ((False, []), (True, [1])):
        settings.PAPERBOY_WARM_UP = setting
        sys.modules.pop("paperboy.wsgi", None)
        importlib.import_module("paperboy.wsgi")
        assert calls == expected
