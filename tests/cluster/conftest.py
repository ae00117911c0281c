"""The cluster tier: Debian's nginx in front of app nodes on one PostgreSQL. Without nginx
the tests are skipped with the reason, unless PAPERBOY_REQUIRE_CLUSTER=1 (set by .ci/run),
which makes that a failure. `make test` installs nginx with apt-get where it runs as root."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def pytest_collection_modifyitems(items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.cluster)


@pytest.fixture
def nginx() -> str:
    if not Path(NGINX).exists():
        reason = "nginx is not installed (scripts/install-e2e-tools installs it as root)"
        if os.environ.get("PAPERBOY_REQUIRE_CLUSTER") == "1":
            pytest.fail(f"cluster tests required (PAPERBOY_REQUIRE_CLUSTER=1) but {reason}")
        pytest.skip(reason)
    return NGINX
