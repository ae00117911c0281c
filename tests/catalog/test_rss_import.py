import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from catalog.models import Paper
from catalog.services.imports import run_import
from catalog.sources.arxiv_rss import ArxivRssSource
from tests.conftest import Reply

pytestmark = pytest.mark.django_db
FEED = "formats/arxiv-rss-cs.AI.xml"


def import_feed(location):
    return run_import(ArxivRssSource.open(str(location)), progress=False, stderr=io.StringIO())


def test_imports_every_entry_of_the_real_listing(data_dir):
    run = import_feed(data_dir / FEED)
    assert (run.new, run.rejected) == (7, 0)
    paper = Paper.objects.get(arxiv_id="2508.13426")
    assert paper.title.startswith("ALIGN: Word Association Learning")
    assert paper.abstract.startswith("As large language models (LLMs)")
    assert "Announce Type" not in paper.abstract
    assert list(paper.authors.values_list("name", flat=True).order_by("authorships__position")) == [
        "Chunhua Liu",
        "Kabir Manandhar Shrestha",
        "Sukai Huang",
    ]
    assert paper.primary_category.code == "cs.CL"
    assert paper.license == "http://creativecommons.org/licenses/by-nc-sa/4.0/"
    assert paper.latest_version == 1


def test_only_first_announcements_set_the_listing_date(data_dir):
    import_feed(data_dir / FEED)
    text = (data_dir / FEED).read_text()
    for paper in Paper.objects.all():
        block = text[text.index(f"arXiv:{paper.arxiv_id}") :]
        announce = block.split("<arxiv:announce_type>")[1].split("<")[0]
        if announce in ("new", "cross"):
            assert paper.listed_on.isoformat() == "2025-08-20"
        else:
            assert paper.listed_on is None


def test_reimporting_the_feed_changes_nothing(data_dir):
    import_feed(data_dir / FEED)
    again = import_feed(data_dir / FEED)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 7)


def test_a_category_name_is_fetched_from_the_feed_server(http_server, data_dir, capsys):
    server = http_server(lambda path, query: Reply(200, (data_dir / FEED).read_bytes()))
    with override_settings(PAPERBOY_ARXIV_RSS_URL=f"{server.url}/atom"):
        call_command("import", "arxiv-rss", "cs.AI")
    assert "arxiv-rss: new 7" in capsys.readouterr().out


def test_malformed_xml_is_one_clear_error(tmp_path):
    bad = tmp_path / "feed.xml"
    bad.write_text("<feed><entry>")
    with pytest.raises(CommandError, match="not well-formed XML"):
        call_command("import", "arxiv-rss", str(bad))


def test_xml_entity_bombs_are_refused(tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;">]><feed>&lol2;</feed>'
    )
    with pytest.raises(CommandError, match="refused unsafe XML"):
        call_command("import", "arxiv-rss", str(bomb))


def test_file_urls_are_not_fetched():
    with pytest.raises(CommandError):
        call_command("import", "arxiv-rss", "file:///etc/passwd")
