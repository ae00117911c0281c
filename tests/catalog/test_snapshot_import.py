import gzip
import io
import json

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Author, Authorship, ImportRejection, ImportRun, Paper
from catalog.services.imports import PaperBatchWriter, run_import
from catalog.sources.arxiv_snapshot import ArxivSnapshotSource
from catalog.sources.base import SourceError

pytestmark = pytest.mark.django_db
SAMPLE = "formats/arxiv-snapshot-sample.jsonl"


def import_file(path, **kwargs):
    return run_import(ArxivSnapshotSource(path), progress=False, stderr=io.StringIO(), **kwargs)


def records(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_records(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def test_imports_the_real_sample_with_authors_in_order(copy_data):
    run = import_file(copy_data(SAMPLE))

    assert (run.new, run.updated, run.unchanged, run.rejected) == (200, 0, 0, 0)
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.title.startswith("Calculation of prompt diphoton production cross sections")
    assert "\n" not in paper.title
    names = list(paper.authorships.order_by("position").values_list("author__name", flat=True))
    assert names == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert paper.primary_category.code == "hep-ph"
    assert paper.latest_version == 2
    assert paper.submitted_at.isoformat() == "2007-04-02T19:18:42+00:00"
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.source == "arxiv-snapshot" and paper.created_by_run_id == run.pk


def test_latex_in_abstracts_is_kept_verbatim(copy_data):
    import_file(copy_data(SAMPLE))
    assert "$(k,\\ell)$-pebble game" in Paper.objects.get(arxiv_id="0704.0002").abstract


def test_reimporting_the_same_file_changes_nothing(copy_data):
    path = copy_data(SAMPLE)
    import_file(path)
    before = list(Paper.objects.order_by("pk").values_list("pk", "modified"))
    authorships = Authorship.objects.count()

    again = import_file(path)

    assert (again.new, again.updated, again.unchanged, again.rejected) == (0, 0, 200, 0)
    assert list(Paper.objects.order_by("pk").values_list("pk", "modified")) == before
    assert Authorship.objects.count() == authorships


def test_a_newer_snapshot_updates_only_what_changed(copy_data, tmp_path):
    path = copy_data(SAMPLE)
    import_file(path)
    rows = records(path)
    rows[0]["title"] = "A corrected title"
    rows[0]["versions"].append({"version": "v3", "created": "Mon, 1 Jan 2024 10:00:00 GMT"})
    rows[1]["authors_parsed"].append(["Newcomer", "Nora", ""])
    newer = tmp_path / "newer.jsonl"
    write_records(newer, rows)

    run = import_file(newer)

    assert (run.new, run.updated, run.unchanged) == (0, 2, 198)
    first = Paper.objects.get(arxiv_id=rows[0]["id"])
    assert first.title == "A corrected title" and first.latest_version == 3
    assert first.updated_by_run_id == run.pk
    second = Paper.objects.get(arxiv_id=rows[1]["id"])
    assert second.authors.filter(name="Nora Newcomer").exists()


def test_an_older_snapshot_does_not_undo_newer_data(copy_data, tmp_path):
    path = copy_data(SAMPLE)
    rows = records(path)
    newer = dict(rows[0], title="Title of version 3")
    newer["versions"] = [*rows[0]["versions"], {"version": "v3", "created": "Mon, 1 Jan 2024"}]
    write_records(tmp_path / "new.jsonl", [newer])
    import_file(tmp_path / "new.jsonl")

    write_records(tmp_path / "old.jsonl", rows[:1])
    import_file(tmp_path / "old.jsonl")

    assert Paper.objects.get(arxiv_id=rows[0]["id"]).title == "Title of version 3"


def test_gzip_input_is_streamed(copy_data, tmp_path):
    plain = copy_data(SAMPLE)
    packed = tmp_path / "sample.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert import_file(packed).new == 200


def test_malformed_records_are_reported_with_file_line_and_reason_then_skipped(copy_data, tmp_path):
    rows = records(copy_data(SAMPLE))[:5]
    lines = [json.dumps(row) for row in rows]
    lines.insert(1, "{not json")
    lines.insert(3, json.dumps({**rows[0], "id": "not-an-id"}))
    lines.insert(4, json.dumps([1, 2, 3]))
    lines.insert(5, json.dumps({**rows[0], "id": "2101.00001", "title": ""}))
    path = tmp_path / "dirty.jsonl"
    path.write_text("\n".join(lines) + "\n")
    err = io.StringIO()

    run = run_import(ArxivSnapshotSource(path), progress=False, stderr=err)

    assert (run.new, run.rejected) == (5, 4)
    report = err.getvalue()
    assert f"{path}:2: not valid JSON" in report
    assert f"{path}:4: 'not-an-id' is not a valid arXiv id" in report
    assert f"{path}:5: expected a JSON object, got list" in report
    assert "2101.00001: no title" in report
    assert ImportRejection.objects.filter(run=run).count() == 4


def test_real_quirks_survive_versionless_rss_records_and_msc_classes(tmp_path):
    rows = [
        {
            "id": "0901.3590",
            "submitter": None,
            "authors": "",
            "title": "On Boosting.",
            "comments": None,
            "journal-ref": None,
            "doi": None,
            "report-no": None,
            "categories": "cs.LG",
            "license": None,
            "abstract": "We study boosting.",
            "versions": [],
            "update_date": None,
            "authors_parsed": [],
        },
        {
            "id": "2301.00001",
            "submitter": "X",
            "authors": "A. B",
            "title": "T",
            "comments": None,
            "journal-ref": None,
            "doi": None,
            "report-no": None,
            "categories": "cs.LG 68T07, I.2.7",
            "license": None,
            "abstract": "",
            "versions": [{"version": "v1", "created": "Sun, 1 Jan 2023 00:00:00 GMT"}],
            "update_date": "2023-01-02",
            "authors_parsed": [["B", "A.", ""]],
        },
    ]
    write_records(tmp_path / "quirks.jsonl", rows)
    run = import_file(tmp_path / "quirks.jsonl")

    assert run.new == 2 and run.rejected == 0
    rss = Paper.objects.get(arxiv_id="0901.3590")
    assert rss.title == "On Boosting"  # the stray full stop of old RSS titles is dropped
    assert rss.authors.count() == 0 and rss.published_on.isoformat() == "2009-01-01"
    assert list(
        Paper.objects.get(arxiv_id="2301.00001").categories.values_list("code", flat=True)
    ) == ["cs.LG"]


def test_authors_are_shared_between_papers(tmp_path, copy_data):
    import_file(copy_data(SAMPLE))
    assert Author.objects.count() < Authorship.objects.count()


def test_an_interrupted_import_resumes_without_loss_or_duplicates(copy_data):
    path = copy_data(SAMPLE)

    class CrashAfterTwoBatches(PaperBatchWriter):
        calls = 0

        def write(self, items):
            CrashAfterTwoBatches.calls += 1
            if CrashAfterTwoBatches.calls == 3:
                raise KeyboardInterrupt
            return super().write(items)

    with pytest.raises(KeyboardInterrupt):
        import_file(
            path, make_writer=lambda run: CrashAfterTwoBatches(run.source, run), batch_size=50
        )
    crashed = ImportRun.objects.get()
    assert crashed.status == "failed" and crashed.checkpoint == {"items": 100}
    assert Paper.objects.count() == 100

    resumed = import_file(path, batch_size=50)

    assert resumed.pk == crashed.pk and resumed.status == "completed"
    assert (resumed.new, resumed.unchanged) == (200, 0)
    assert Paper.objects.count() == 200
    assert (
        Authorship.objects.values("paper", "position").distinct().count()
        == Authorship.objects.count()
    )


def test_import_command_prints_the_one_line_summary(copy_data, capsys):
    call_command("import", "arxiv-snapshot", str(copy_data(SAMPLE)))
    assert "arxiv-snapshot: new 200, updated 0, unchanged 0, rejected 0" in capsys.readouterr().out


def test_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        call_command("import", "arxiv-snapshot", str(tmp_path / "missing.jsonl"))


def test_a_file_of_another_format_is_one_clear_error(data_dir):
    with pytest.raises(SourceError, match="does not look like arxiv-snapshot input"):
        import_file(data_dir / "formats" / "arxiv-rss-cs.AI.xml")
    assert Paper.objects.count() == 0


def test_a_truncated_gzip_file_is_one_clear_error_and_keeps_what_was_imported(copy_data, tmp_path):
    packed = gzip.compress(copy_data(SAMPLE).read_bytes())
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(SourceError, match="corrupt or truncated"):
        import_file(broken, batch_size=10)
    assert Paper.objects.count() > 0


def test_imports_update_the_search_index(copy_data, capsys):
    from search.services.indexing import index_status

    call_command("import", "arxiv-snapshot", str(copy_data(SAMPLE)))
    # 0704.0156 of the sample was withdrawn ("This paper has been withdrawn by the authors."):
    # in the catalogue, marked, and out of the index.
    assert Paper.objects.get(withdrawn=True).arxiv_id == "0704.0156"
    assert index_status()["indexed"] == 199
    assert "search index: 200 papers indexed" in capsys.readouterr().out


def test_bulk_loads_can_leave_the_index_for_later(copy_data):
    from search.services.indexing import index_status

    call_command("import", "arxiv-snapshot", str(copy_data(SAMPLE)), "--no-index")
    status = index_status()
    assert status["indexed"] == 0 and status["waiting"] == 200
