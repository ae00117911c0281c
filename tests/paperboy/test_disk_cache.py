"""The embedded default cache: one DiskCache per process, shared by the server's threads and
left open between requests (paperboy/cache.py)."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import caches

from paperboy import cache as disk_cache
from paperboy.cache import SharedDiskCache


@pytest.fixture
def openings(monkeypatch):
    """How many times DiskCache's files were opened (a FanoutCache made)."""
    made = []
    real = disk_cache.FanoutCache

    def counting(*args, **kwargs):
        made.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(disk_cache, "FanoutCache", counting)
    return made


def in_thread(work):
    found = []
    thread = threading.Thread(target=lambda: found.append(work()))
    thread.start()
    thread.join()
    return found[0]


def test_a_new_server_thread_reuses_the_processs_cache_files(tmp_path, openings):
    params = {"SHARDS": 2, "DATABASE_TIMEOUT": 2.0}
    first = SharedDiskCache(str(tmp_path), params)
    first.set("counted", 3)
    second = in_thread(lambda: SharedDiskCache(str(tmp_path), params))
    assert second is not first  # Django makes one backend per thread
    assert in_thread(lambda: second.get("counted")) == 3
    assert openings == [str(tmp_path)]  # but the files were opened once


def test_another_folder_or_setting_is_another_cache(tmp_path, openings):
    SharedDiskCache(str(tmp_path / "a"), {"SHARDS": 2})
    SharedDiskCache(str(tmp_path / "b"), {"SHARDS": 2})
    SharedDiskCache(str(tmp_path / "a"), {"SHARDS": 4})
    assert len(openings) == 3


def test_the_end_of_a_request_leaves_the_cache_working(tmp_path):
    cache = SharedDiskCache(str(tmp_path), {"SHARDS": 2})
    cache.add("hits", 0)
    cache.close()
    assert cache.incr("hits") == 1
    cache.drop_connections()  # what the rate limiter does after an error
    assert cache.incr("hits") == 2


def test_the_site_counts_rate_limits_in_the_shared_cache(settings):
    if settings.CACHES["default"]["BACKEND"] != "paperboy.cache.SharedDiskCache":
        pytest.skip("PAPERBOY_CACHE_URL names another cache")
    default = caches["default"]
    default.set("seen", 1)
    default.close()  # what Django does to every cache when a request finishes
    assert default.get("seen") == 1
