import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from catalog.models import Paper
from catalog.services.imports import run_import
from catalog.sources.arxiv_api import ArxivApiSource
from catalog.sources.base import SourceError

pytestmark = pytest.mark.django_db


def fetch(*ids):
    return run_import(ArxivApiSource(list(ids)), progress=False, stderr=io.StringIO())


def test_fetches_a_new_style_paper_with_its_metadata(arxiv_api):
    run = fetch("https://arxiv.org/abs/1605.08386")
    assert run.new == 1
    paper = Paper.objects.get(arxiv_id="1605.08386")
    assert paper.title == "Heat-bath random walks with Markov bases"
    assert paper.authors.count() >= 1 and paper.primary_category is not None
    assert arxiv_api.requests[0]["id_list"] == ["1605.08386"]


def test_fetches_old_style_and_versioned_ids(arxiv_api):
    fetch("quant-ph/0201082v1")
    fetch("astro-ph/0601001")
    paper = Paper.objects.get(arxiv_id="quant-ph/0201082")
    assert paper.latest_version == 1 and paper.comments == "32 pages"
    assert list(paper.categories.values_list("code", flat=True)) == ["cs.PL", "quant-ph"]
    assert paper.primary_category.code == "quant-ph"
    assert Paper.objects.filter(arxiv_id="astro-ph/0601001").exists()


def test_a_bad_id_answered_with_http_400_is_rejected_with_the_api_message(arxiv_api):
    err = io.StringIO()
    with pytest.raises(SourceError):
        run_import(ArxivApiSource(["2101.99999"]), progress=False, stderr=err)
    assert arxiv_api.requests[-1]["id_list"] == ["2101.99999"]
    assert "arXiv API: incorrect id format for abc" in err.getvalue()


def test_ids_that_are_not_arxiv_ids_are_rejected_without_asking_the_server(arxiv_api):
    with pytest.raises(CommandError, match="'abc' is not a valid arXiv id"):
        call_command("fetch", "arxiv", "abc")
    assert arxiv_api.requests == []


def test_an_id_arxiv_does_not_know_is_reported_as_missing(arxiv_api):
    err = io.StringIO()
    run = run_import(ArxivApiSource(["2101.99998", "1707.08567"]), progress=False, stderr=err)
    assert (run.new, run.rejected) == (1, 1)
    assert "2101.99998: arXiv has no paper with this id" in err.getvalue()
    assert arxiv_api.requests[0]["id_list"] == ["2101.99998,1707.08567"]


def test_the_fetch_command_ends_with_a_summary(arxiv_api, capsys):
    call_command("fetch", "arxiv", "2104.12255v1")
    assert "arxiv-api: new 1, updated 0, unchanged 0, rejected 0" in capsys.readouterr().out
    assert Paper.objects.get(arxiv_id="2104.12255").title == "0"


def test_fetching_only_unknown_ids_fails_with_one_line(arxiv_api):
    with pytest.raises(CommandError, match="no readable arxiv-api records"):
        call_command("fetch", "arxiv", "2101.99998")


@override_settings(PAPERBOY_ARXIV_API_URL="http://127.0.0.1:9/api/query", PAPERBOY_HTTP_RETRIES=0)
def test_an_unreachable_server_is_one_clear_error():
    with pytest.raises(CommandError, match="unreachable"):
        call_command("fetch", "arxiv", "1605.08386")
