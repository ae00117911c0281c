"""A reader takes a paper to a reference manager: BibTeX, RIS and CSL-JSON that real parsers
(bibtexparser, rispy) read back field by field, on hand-made awkward papers and on every
paper of the demo snapshot."""

import datetime as dt
import gzip
import json
import os

import bibtexparser
import pytest
import rispy

from catalog import citations
from catalog.citations import Citable, citation_key, split_name
from catalog.sources.arxiv_snapshot import parse_snapshot_record
from tests.factories import PaperFactory

PUBLISHED = Citable(
    arxiv_id="0704.0001",
    title="Calculation of prompt diphoton production cross sections at Tevatron and LHC",
    authors=("C. Bal\\'azs", "E. L. Berger", "Ludwig van der Waals", "Zoë Ångström Jr."),
    published=dt.date(2007, 4, 2),
    primary_category="hep-ph",
    doi="10.1103/PhysRevD.76.013009",
    journal_ref="Phys.Rev.D76:013009,2007",
)
PREPRINT = Citable(
    arxiv_id="hep-th/9901001",
    title="The $\\alpha$-expansion of {\\em strings} in {N=4",  # a stray brace, as typed
    authors=("Edward Witten",),
    published=dt.date(1999, 1, 1),
    primary_category="hep-th",
)


def fields(text: str) -> list[dict[str, str]]:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    return [
        {"type": e.entry_type, "key": e.key, **{f.key: f.value for f in e.fields}}
        for e in library.entries
    ]


def test_a_published_paper_is_an_article_with_its_journal_and_doi():
    (entry,) = fields(citations.bibtex([PUBLISHED]))
    assert entry["type"] == "article" and entry["journal"] == "Phys.Rev.D76:013009,2007"
    assert entry["doi"] == "10.1103/PhysRevD.76.013009" and entry["year"] == "2007"
    assert (entry["eprint"], entry["archivePrefix"], entry["primaryClass"]) == (
        "0704.0001",
        "arXiv",
        "hep-ph",
    )
    assert entry["url"] == "https://arxiv.org/abs/0704.0001"
    # LaTeX kept, Unicode accents escaped, particles with the family name.
    assert entry["author"] == (
        "Bal\\'azs, C. and Berger, E. L. and van der Waals, Ludwig and "
        '\\r{A}ngstr\\"om, Jr., Zo\\"e'
    )


def test_a_preprint_is_misc_and_a_stray_brace_cannot_break_the_file():
    text = citations.bibtex([PREPRINT, PUBLISHED])
    first, second = fields(text)
    assert first["type"] == "misc" and "journal" not in first and "doi" not in first
    assert first["title"].count("{") == first["title"].count("}")
    assert second["eprint"] == "0704.0001"  # the brace did not swallow the next entry


def test_keys_are_stable_readable_and_unique():
    assert citation_key(PUBLISHED) == "balazs2007calculation-0704.0001"
    assert citation_key(PREPRINT) == "witten1999alphaexpansion-hep-th_9901001"
    anonymous = Citable(arxiv_id="2401.00001", title="On the", authors=())
    assert citation_key(anonymous) == "anon-2401.00001"


def test_names_split_into_given_and_family():
    assert split_name("Ludwig van der Waals") == ("Ludwig", "van der Waals", "")
    assert split_name("Zoë Ångström Jr.") == ("Zoë", "Ångström", "Jr.")
    assert split_name("Plato") == ("", "Plato", "")
    assert split_name("C. Bal\\'azs") == ("C.", "Balázs", "")


def test_ris_is_plain_text_that_rispy_reads_back():
    (record,) = rispy.loads(citations.ris([PUBLISHED]))
    assert record["type_of_reference"] == "JOUR"
    assert record["authors"][0] == "Balázs, C." and record["authors"][3] == "Ångström, Zoë, Jr."
    assert record["doi"] == PUBLISHED.doi and record["year"] == "2007"
    assert record["urls"] == ["https://arxiv.org/abs/0704.0001"]
    (preprint,) = rispy.loads(citations.ris([PREPRINT]))
    assert preprint["type_of_reference"] == "UNPB" and "strings" in preprint["title"]


def test_csl_json_names_dates_and_types():
    (record,) = json.loads(citations.render("json", [PUBLISHED]))
    assert record["type"] == "article-journal" and record["DOI"] == PUBLISHED.doi
    assert record["issued"] == {"date-parts": [[2007, 4, 2]]}
    assert record["author"][2] == {"family": "van der Waals", "given": "Ludwig"}
    assert record["author"][3] == {"family": "Ångström", "given": "Zoë", "suffix": "Jr."}
    (preprint,) = citations.csl_json([PREPRINT])
    assert preprint["type"] == "article" and preprint["number"] == "hep-th/9901001"


@pytest.mark.django_db
def test_every_paper_page_offers_the_three_formats(client):
    paper = PaperFactory(arxiv_id="2401.00042", title="Ünïcode in {titles}")
    page = client.get(f"/papers/{paper.arxiv_id}").content.decode()
    for kind in ("bib", "ris", "json"):
        assert f'href="/papers/2401.00042.{kind}"' in page
        response = client.get(f"/papers/2401.00042.{kind}")
        assert response.status_code == 200
        assert response["Content-Type"] == citations.FORMATS[kind]
    (entry,) = fields(client.get("/papers/2401.00042.bib").content.decode())
    assert entry["eprint"] == "2401.00042" and '\\"U' in entry["title"]
    assert client.get("/papers/2401.99999.bib").status_code == 404


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="uses no database: runs once, in the SQLite pass (about a minute)",
)
def test_every_demo_paper_reads_back_from_bibtex(data_dir):
    """The whole snapshot, in one file: every entry parses, every key is unique, and the
    identifiers come back exactly."""
    items = []
    with gzip.open(data_dir / "arxiv" / "arxiv-snapshot.jsonl.gz", "rt") as handle:
        for line in handle:
            record = parse_snapshot_record(json.loads(line))
            items.append(
                Citable(
                    arxiv_id=record.arxiv_id,
                    title=record.title,
                    authors=tuple(record.authors),
                    published=record.submitted_at.date() if record.submitted_at else None,
                    primary_category=record.categories[0] if record.categories else "",
                    doi=record.doi,
                    journal_ref=record.journal_ref,
                )
            )
    entries = fields(citations.bibtex(items))
    assert len(entries) == len(items) > 100_000
    assert len({entry["key"] for entry in entries}) == len(items)
    for item, entry in zip(items, entries, strict=True):
        assert entry["eprint"] == item.arxiv_id and entry.get("doi", "") == item.doi


@pytest.mark.django_db
def test_a_page_of_search_results_exports_the_same_three_formats(client):
    from search.services.indexing import update_index

    for n in range(3):
        PaperFactory(arxiv_id=f"2401.0010{n}", title=f"Protein folding with graphs, part {n}")
    PaperFactory(arxiv_id="2401.00200", title="Bayesian optimisation of catalysts")
    update_index(rebuild=True)
    page = client.get("/search", {"q": "protein folding"}).content.decode()
    assert 'href="/search.bib?q=protein+folding"' in page
    entries = fields(client.get("/search.bib", {"q": "protein folding"}).content.decode())
    assert sorted(e["eprint"] for e in entries) == ["2401.00100", "2401.00101", "2401.00102"]
    records = rispy.loads(client.get("/search.ris", {"q": "protein folding"}).content.decode())
    assert len(records) == 3
    csl = json.loads(client.get("/search.json", {"q": "protein folding"}).content)
    assert {item["number"] for item in csl} == {e["eprint"] for e in entries}
    assert client.get("/search.bib").status_code == 400
    assert client.get("/search.bib", {"q": "cat:nonsense"}).status_code == 400
