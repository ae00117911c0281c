import gzip
import io
import json

import pytest
from django.contrib.auth import authenticate

from catalog.models import Paper
from catalog.services.imports import run_import
from community.models import DailyListing, User
from community.services.listings import ListingWriter
from community.sources.hf_daily import HfDailySource

pytestmark = pytest.mark.django_db
DAILY = "hf-daily-papers"


def import_daily(*paths):
    return run_import(
        HfDailySource(list(paths)), ListingWriter, progress=False, stderr=io.StringIO()
    )


def entries_of(path):
    return json.loads(gzip.decompress(path.read_bytes()))


def test_a_day_matches_its_file_papers_and_upvotes(data_dir):
    path = data_dir / DAILY / "2026-08-21.json.gz"
    run = import_daily(path)

    expected = {e["paper"]["id"]: e["paper"]["upvotes"] for e in entries_of(path)}
    listed = dict(
        DailyListing.objects.filter(listed_on="2026-08-21").values_list(
            "paper__arxiv_id", "imported_upvotes"
        )
    )
    assert listed == expected
    assert run.new == len(expected) and run.rejected == 0


def test_papers_get_code_links_keywords_and_authors_from_the_daily_data(data_dir):
    import_daily(data_dir / DAILY / "2026-08-21.json.gz")
    paper = Paper.objects.get(arxiv_id="2608.19880")
    assert paper.code_url == "https://github.com/google-research/envharness"
    assert paper.project_url == "https://envharness.com/"
    assert paper.ai_keywords and paper.ai_summary
    assert paper.authorships.order_by("position").first().author.name == "Chengsong Huang"
    listing = paper.listings.get()
    assert listing.submitted_by.username == "taesiri" and listing.imported_upvotes == 163


def test_submitters_become_placeholders_that_cannot_log_in(data_dir):
    import_daily(data_dir / DAILY / "2026-08-21.json.gz")
    placeholder = User.objects.get(hf_username="taesiri")
    assert placeholder.is_placeholder
    assert not placeholder.has_usable_password()
    assert authenticate(username="taesiri", password="") is None


def test_2024_files_without_newer_fields_import(data_dir):
    run = import_daily(data_dir / DAILY / "2024-05-27.json.gz")
    assert run.new > 0 and run.rejected == 0
    listing = DailyListing.objects.get(paper__arxiv_id="2405.15738")
    assert listing.imported_upvotes == 32 and listing.imported_comments == 3
    assert listing.listed_on.isoformat() == "2024-05-27"


def test_entries_stored_as_python_reprs_are_recovered(data_dir):
    path = data_dir / DAILY / "2024-12-11.json.gz"
    run = import_daily(path)
    assert run.rejected == 0
    assert run.new == len(entries_of(path))


def test_a_day_wrapped_in_a_status_object_is_unwrapped(data_dir):
    run = import_daily(data_dir / DAILY / "2025-01-10.json.gz")
    assert run.new == 9 and run.rejected == 0


def test_bad_entries_are_reported_and_the_rest_imported(data_dir, tmp_path):
    good = entries_of(data_dir / DAILY / "2026-08-21.json.gz")[:3]
    bad = [*good, "a stray string", {"no": "paper"}, {"paper": {"id": "xyz", "title": "T"}}]
    path = tmp_path / "2026-08-21.json"
    path.write_text(json.dumps(bad))
    err = io.StringIO()

    run = run_import(HfDailySource([path]), ListingWriter, progress=False, stderr=err)

    assert (run.new, run.rejected) == (3, 3)
    assert f"{path}[3]: entry is a string" in err.getvalue()
    assert f"{path}[4]: entry has no 'paper' object" in err.getvalue()


def test_reimporting_the_daily_folder_changes_nothing(data_dir, tmp_path):
    folder = tmp_path / "days"
    folder.mkdir()
    for name in ("2024-12-11.json.gz", "2025-01-10.json.gz", "2026-08-21.json.gz"):
        (folder / name).write_bytes((data_dir / DAILY / name).read_bytes())
    first = import_daily(folder)
    second = import_daily(folder)
    assert second.new == 0 and second.updated == 0 and second.unchanged == first.new


def test_arxiv_owns_the_bibliographic_record_and_daily_data_owns_the_links(copy_data, data_dir):
    from catalog.records import PaperRecord
    from catalog.services.upsert import write_papers

    write_papers(
        [PaperRecord(arxiv_id="2608.19880", title="Official arXiv title", authors=["A. Author"])],
        "arxiv-api",
    )
    import_daily(data_dir / DAILY / "2026-08-21.json.gz")
    paper = Paper.objects.get(arxiv_id="2608.19880")
    assert paper.title == "Official arXiv title"
    assert list(paper.authors.values_list("name", flat=True)) == ["A. Author"]
    assert paper.code_url == "https://github.com/google-research/envharness"
    assert paper.abstract.startswith("LLM agents learn")  # a gap filled by the daily data
