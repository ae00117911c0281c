"""OAI-PMH harvesting against a local server replaying multi-page ListRecords responses.

Pages are built in the real arXiv OAI record shape (the recorded response in
shared/data/formats) from the real records of the snapshot sample.
"""

import io
import json
import re
from xml.sax.saxutils import escape

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from catalog.models import HarvestState, Paper
from catalog.services.harvest import harvest_oai
from catalog.sources.base import SourceError
from catalog.sources.http import HttpClient
from tests.conftest import Reply

pytestmark = pytest.mark.django_db
PAGE_SIZE = 25
RESPONSE_DATE = "2026-08-20T10:00:00Z"


def render_record(row):
    authors = "".join(
        f"<author><keyname>{escape(last)}</keyname><forenames>{escape(first)}</forenames></author>"
        for last, first, *_ in row["authors_parsed"]
    )
    optional = "".join(
        f"<{tag}>{escape(row[key])}</{tag}>"
        for tag, key in (("comments", "comments"), ("journal-ref", "journal-ref"), ("doi", "doi"))
        if row.get(key)
    )
    return (
        "<record><header><identifier>oai:arXiv.org:{id}</identifier>"
        "<datestamp>2026-08-19</datestamp><setSpec>cs</setSpec></header><metadata>"
        '<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{id}</id><created>2007-04-02</created>'
        "<authors>{authors}</authors><title>{title}</title><categories>{cats}</categories>"
        "{optional}<abstract>{abstract}</abstract></arXiv></metadata></record>"
    ).format(
        id=row["id"],
        authors=authors,
        title=escape(row["title"]),
        cats=escape(row["categories"]),
        optional=optional,
        abstract=escape(row["abstract"]),
    )


class OaiReplay:
    """Serves the records as pages of PAGE_SIZE linked by resumption tokens."""

    def __init__(self, data_dir):
        real = (data_dir / "formats" / "oai-pmh-ListRecords-arXiv.xml").read_text()
        self.real_record = re.search(r"<record>.*</record>", real, re.S).group(0)
        sample = (data_dir / "formats" / "arxiv-snapshot-sample.jsonl").read_text().splitlines()
        self.records = [self.real_record] + [
            render_record(json.loads(line)) for line in sample[:99]
        ]
        self.failures: dict[str, list[Reply]] = {}  # token (or "first") -> replies to send first
        self.stale_tokens: set[str] = set()

    def page(self, number):
        chunk = self.records[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        last = (number + 1) * PAGE_SIZE >= len(self.records)
        token = "" if last else f"tok-{number + 1}"
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            f"<responseDate>{RESPONSE_DATE}</responseDate>"
            '<request verb="ListRecords">http://export.arxiv.org/oai2</request><ListRecords>'
            + "".join(chunk)
            + f'<resumptionToken cursor="{number * PAGE_SIZE}" completeListSize="'
            f'{len(self.records)}">{token}</resumptionToken></ListRecords></OAI-PMH>'
        ).encode()

    def route(self, path, query):
        token = query.get("resumptionToken", ["first"])[0]
        if self.failures.get(token):
            return self.failures[token].pop(0)
        if token in self.stale_tokens:
            self.stale_tokens.discard(token)  # expired once; a fresh chain issues it anew
            return Reply(
                200,
                b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>'
                b'2026-08-20T10:00:00Z</responseDate><error code="badResumptionToken">'
                b"expired</error></OAI-PMH>",
            )
        return Reply(200, self.page(0 if token == "first" else int(token.split("-")[1])))


@pytest.fixture
def oai(http_server, data_dir):
    replay = OaiReplay(data_dir)
    server = http_server(replay.route)
    replay.server = server
    with override_settings(PAPERBOY_ARXIV_OAI_URL=f"{server.url}/oai", PAPERBOY_HTTP_RETRIES=0):
        yield replay


def harvest(**kwargs):
    return harvest_oai(progress=False, stderr=io.StringIO(), **kwargs)


def test_follows_resumption_tokens_through_every_page(oai):
    run = harvest()
    assert run.new == 100 and run.rejected == 0
    assert Paper.objects.count() == 100
    tokens = [q.get("resumptionToken", ["-"])[0] for q in oai.server.requests]
    assert tokens == ["-", "tok-1", "tok-2", "tok-3"]
    assert oai.server.requests[0]["metadataPrefix"] == ["arXiv"]


def test_reads_the_real_record_shape(oai):
    harvest()
    paper = Paper.objects.get(arxiv_id="0801.3931")
    assert paper.title == "Dynamical study of 2D and 3D barred galaxy models"
    assert list(paper.authors.values_list("name", flat=True).order_by("authorships__position")) == [
        "T. Manos",
        "E. Athanassoula",
    ]
    assert paper.doi == "10.1007/978-3-540-75826-6_11"
    assert paper.submitted_at.date().isoformat() == "2008-01-25"


def test_from_until_and_set_are_sent_and_the_watermark_is_saved(oai):
    import datetime as dt

    harvest(from_date=dt.date(2026, 8, 1), set_spec="cs")
    first = oai.server.requests[0]
    assert first["from"] == ["2026-08-01"] and first["set"] == ["cs"]
    assert HarvestState.objects.get(name="oai:cs").watermark.isoformat() == "2026-08-20"


def test_the_next_run_continues_from_the_watermark(oai):
    harvest()
    oai.server.requests.clear()
    again = harvest()
    assert oai.server.requests[0]["from"] == ["2026-08-20"]
    assert again.new == 0 and again.unchanged == 100


def test_honours_retry_after_on_503(oai):
    oai.failures["tok-2"] = [Reply(503, b"busy", headers={"Retry-After": "7"})]
    waits = []
    run = harvest(client=HttpClient(retries=2, sleep=waits.append))
    assert waits == [7.0]
    assert run.new == 100


def test_a_crash_mid_harvest_resumes_at_the_page_it_reached_without_gaps_or_duplicates(oai):
    oai.failures["tok-2"] = [Reply(500, b"boom")]
    with pytest.raises(SourceError):
        harvest()
    state = HarvestState.objects.get(name="oai:*")
    assert state.resumption_token == "tok-2" and Paper.objects.count() == 50

    oai.server.requests.clear()
    resumed = harvest()

    assert oai.server.requests[0]["resumptionToken"] == ["tok-2"]
    assert resumed.new == 50
    assert Paper.objects.count() == 100
    assert HarvestState.objects.get(name="oai:*").resumption_token == ""


def test_an_expired_token_restarts_the_window(oai):
    import datetime as dt

    oai.failures["tok-1"] = [Reply(500, b"boom")]
    with pytest.raises(SourceError):
        harvest(from_date=dt.date(2026, 8, 1))
    oai.stale_tokens.add("tok-1")
    oai.server.requests.clear()

    run = harvest()

    assert oai.server.requests[0]["resumptionToken"] == ["tok-1"]
    assert oai.server.requests[1]["from"] == ["2026-08-01"]
    assert Paper.objects.count() == 100 and run.rejected == 0


def test_no_records_match_is_an_empty_harvest(oai):
    oai.failures["first"] = [
        Reply(
            200,
            b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>'
            b'2026-08-20T10:00:00Z</responseDate><error code="noRecordsMatch"/></OAI-PMH>',
        )
    ]
    run = harvest()
    assert (run.new, run.status) == (0, "completed")


def test_the_harvest_command_reports_and_fails_cleanly(oai, capsys):
    call_command("harvest", "oai")
    assert "arxiv-oai: new 100, updated 0, unchanged 0, rejected 0" in capsys.readouterr().out
    oai.failures["first"] = [Reply(200, b"<html>not oai</html>")]
    with pytest.raises(CommandError, match="not an OAI-PMH response"):
        call_command("harvest", "oai", "--from", "2026-01-01")
