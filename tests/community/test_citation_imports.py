"""A member imports a Zotero export into a collection: matched by arXiv id, DOI or title,
missing arXiv papers fetched in the background, and a report of what was not found."""

import re

import pytest
from django.core.management import call_command

from catalog.models import Paper
from catalog.sources.citation_files import CitationFileError, read_citation_file
from community.models import CitationImport, CollectionItem
from community.services.citation_imports import complete_import, start_import
from community.services.collections import create_collection
from community.services.errors import NotAllowed
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

# What Zotero 7 writes for arXiv preprints (Better BibTeX and JabRef write `eprint`).
ZOTERO_BIBTEX = r"""
@misc{vaswani_attention_2023,
	title = {Attention {Is} {All} {You} {Need}},
	url = {http://arxiv.org/abs/1706.03762},
	doi = {10.48550/arXiv.1706.03762},
	publisher = {arXiv},
	author = {Vaswani, Ashish and Shazeer, Noam},
	month = aug,
	year = {2023},
	note = {arXiv:1706.03762 [cs]},
}

@article{smith_published_2024,
	title = {A published version},
	journal = {Journal of Things},
	doi = {10.1000/JOT.2024.7},
	year = {2024},
}

@inproceedings{doe_titled_2022,
	title = {Sch\"{o}nes {Lernen}: {A} Study of $k$-Things},
	booktitle = {Proceedings},
	year = {2022},
}

@article{sturmfels_heat_2016,
	title = {Heat-bath random walks with {Markov} bases},
	eprint = {1605.08386},
	archivePrefix = {arXiv},
	primaryClass = {math.CO},
}

@misc{gone_2021,
	title = {A paper arXiv never had},
	eprint = {2101.99998},
	archivePrefix = {arXiv},
}

@book{unknown_book,
	title = {A book nobody catalogued},
	year = {1999},
}
"""

ZOTERO_RIS = """TY  - GEN
TI  - Attention Is All You Need
AU  - Vaswani, Ashish
DO  - 10.48550/arXiv.1706.03762
PB  - arXiv
PY  - 2023
UR  - http://arxiv.org/abs/1706.03762
N1  - arXiv:1706.03762 [cs]
ER  -

TY  - JOUR
TI  - A published version
DO  - https://doi.org/10.1000/jot.2024.7
ER  -
"""


@pytest.fixture(autouse=True)
def _recorded_arxiv(arxiv_api):
    """Every import here fetches from the local server replaying recorded arXiv answers,
    never from arxiv.org (offline, an unreachable arXiv cost each fetch 31 s of retries)."""
    return arxiv_api


@pytest.fixture
def catalogue():
    return {
        "attention": PaperFactory(arxiv_id="1706.03762", title="Attention Is All You Need"),
        "published": PaperFactory(title="Preprint title", doi="10.1000/jot.2024.7"),
        "titled": PaperFactory(title="Schönes Lernen: a study of k-things"),
    }


def test_a_zotero_bibtex_export_is_read_with_ids_dois_and_plain_titles():
    works = read_citation_file(ZOTERO_BIBTEX.encode()).works
    assert [w.key for w in works][:3] == [
        "vaswani_attention_2023",
        "smith_published_2024",
        "doe_titled_2022",
    ]
    assert works[0].arxiv_id == "1706.03762" and works[0].doi == ""  # arXiv's DOI is the id
    assert works[1].doi == "10.1000/jot.2024.7"
    assert works[2].title == "Schönes Lernen: A Study of $k$-Things"
    assert works[3].arxiv_id == "1605.08386"


def test_a_ris_export_is_read_too():
    found = read_citation_file(ZOTERO_RIS.encode())
    assert found.format == "RIS"
    assert [(w.arxiv_id, w.doi) for w in found.works] == [
        ("1706.03762", ""),
        ("", "10.1000/jot.2024.7"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "neither a BibTeX"),
        (b"just some notes\n", "neither a BibTeX"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
        (b"@article{broken, title = {never closed", "No readable entry"),
        (b"@comment{only a comment}", "No readable entry"),
        (b"%" * (3 * 1024 * 1024), "over 2 MB"),
    ],
)
def test_bad_files_get_a_clear_error(data, message):
    with pytest.raises(CitationFileError, match=message):
        read_citation_file(data)


def test_the_import_matches_fetches_and_reports(member, catalogue, arxiv_api, settings):
    call_command("index", "rebuild")  # titles that differ in spelling are found through it
    collection = create_collection(member, "Reading group")
    job = start_import(member, collection, ZOTERO_BIBTEX.encode(), "My Library.bib")
    assert job.status == "queued" and arxiv_api.requests == []  # the request fetches nothing
    job = complete_import(job.pk)
    outcomes = {row["key"]: (row["outcome"], row["how"], row["paper"]) for row in job.report}
    assert outcomes == {
        "vaswani_attention_2023": ("matched", "arXiv id", "1706.03762"),
        "smith_published_2024": ("matched", "DOI", catalogue["published"].arxiv_id),
        "doe_titled_2022": ("matched", "title", catalogue["titled"].arxiv_id),
        "sturmfels_heat_2016": ("fetched", "arXiv id", "1605.08386"),
        "gone_2021": ("not found", "", None),
        "unknown_book": ("not found", "", None),
    }
    why = {row["key"]: row["why"] for row in job.report}
    assert why["gone_2021"] == "arXiv has no paper 2101.99998."[:-1]
    assert job.counts() == {"matched": 3, "fetched": 1, "not_found": 2}
    in_order = CollectionItem.objects.filter(collection=collection).order_by("position")
    assert [i.paper.arxiv_id for i in in_order] == [
        "1706.03762",
        catalogue["published"].arxiv_id,
        catalogue["titled"].arxiv_id,
        "1605.08386",
    ]
    assert Paper.objects.filter(arxiv_id="1605.08386").exists()


def test_running_an_import_again_adds_nothing_twice(member, catalogue):
    collection = create_collection(member, "Again")
    job = start_import(member, collection, ZOTERO_RIS.encode(), "export.ris")
    complete_import(job.pk)
    CitationImport.objects.filter(pk=job.pk).update(status="queued")  # as after a crash
    complete_import(job.pk)
    assert collection.items.count() == 2


def test_only_the_owner_imports_into_a_collection(member, other_member):
    theirs = create_collection(other_member, "Theirs")
    with pytest.raises(NotAllowed) as refused:
        start_import(member, theirs, ZOTERO_RIS.encode())
    assert refused.value.status == 404


def test_imports_are_throttled(member, settings):
    collection = create_collection(member, "Many")
    for _ in range(10):
        start_import(member, collection, ZOTERO_RIS.encode())
    with pytest.raises(NotAllowed, match="imports an hour"):
        start_import(member, collection, ZOTERO_RIS.encode())


def test_a_member_uploads_a_file_and_follows_the_report(member, member_client, catalogue):
    from django.core.files.uploadedfile import SimpleUploadedFile

    collection = create_collection(member, "Uploads")
    upload = SimpleUploadedFile(
        "zotero.ris", ZOTERO_RIS.encode(), "application/x-research-info-systems"
    )
    answer = member_client.post(f"/collections/{collection.pk}/import", {"file": upload})
    assert answer.status_code == 302
    report_url = answer["Location"]
    waiting = member_client.get(report_url).content.decode()
    assert "Importing" in waiting and 'hx-trigger="every 2s"' in waiting
    complete_import(CitationImport.objects.get().pk)
    done = member_client.get(report_url).content.decode()
    assert "2 matched in the catalogue, 0 fetched from arXiv, 0 not found" in done
    assert "every 2s" not in done


def test_a_bad_upload_says_why_on_the_collection_page(member, member_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    collection = create_collection(member, "Bad")
    upload = SimpleUploadedFile("photo.bib", b"\x89PNG\x00\x00", "image/png")
    answer = member_client.post(
        f"/collections/{collection.pk}/import", {"file": upload}, follow=True
    )
    assert "This is not a text file." in answer.content.decode()
    assert not CitationImport.objects.exists()


def test_someone_elses_report_is_a_404(member, other_member, client):
    from django.test import Client

    collection = create_collection(member, "Private")
    job = start_import(member, collection, ZOTERO_RIS.encode())
    nosy = Client()
    nosy.force_login(other_member)
    assert nosy.get(f"/collections/{collection.pk}/imports/{job.pk}").status_code == 404


def test_a_token_holder_imports_through_the_api(member, client, catalogue):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from community.services.tokens import create_token

    member.email_verified_at = timezone.now()
    member.save()
    _, raw = create_token(member, "zotero")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    collection = create_collection(member, "From the API")
    upload = SimpleUploadedFile("library.bib", ZOTERO_BIBTEX.encode())
    answer = client.post(f"/api/v1/collections/{collection.pk}/imports", {"file": upload}, **auth)
    assert answer.status_code == 202, answer.content
    queued = answer.json()
    assert queued["status"] == "queued" and queued["entries"] == 6 and queued["format"] == "BibTeX"
    complete_import(queued["id"])
    report = client.get(queued["location"], **auth).json()
    assert report["status"] == "done"
    assert report["report"][0] == {
        "key": "vaswani_attention_2023",
        "title": "Attention Is All You Need",
        "arxiv_id": "1706.03762",
        "outcome": "matched",
        "how": "arXiv id",
        "paper": "1706.03762",
        "why": "",
    }
    bad = SimpleUploadedFile("notes.txt", b"nothing to see")
    refused = client.post(f"/api/v1/collections/{collection.pk}/imports", {"file": bad}, **auth)
    assert refused.status_code == 400 and "neither a BibTeX" in refused.json()["detail"]
    assert client.get(f"/api/v1/collections/{collection.pk}/imports/999", **auth).status_code == 404


def test_an_imported_collection_seeds_the_for_you_page(member, member_client):
    """Papers like the collected ones come first; the collected ones themselves are left out."""
    from django.utils import timezone

    from search.services.embedding import embed_pending
    from tests.factories import DailyListingFactory

    today = timezone.localdate()
    for title, abstract in [
        ("Video diffusion with temporal attention", "We generate long videos with diffusion."),
        ("Protein folding with graph networks", "We predict protein structures from sequences."),
        ("Denoising diffusion for video generation", "We generate video clips with diffusion."),
    ]:
        DailyListingFactory(listed_on=today, paper__title=title, paper__abstract=abstract)
    embed_pending()
    assert "Upvote papers or keep them" in member_client.get("/for-you").content.decode()
    collection = create_collection(member, "Seeds")
    job = start_import(
        member,
        collection,
        b"@misc{ho2026, title = {Denoising Diffusion for Video Generation}}",
    )
    complete_import(job.pk)
    assert job.pk and collection.items.count() == 1
    page = member_client.get("/for-you").content.decode()
    titles = re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', page)
    assert titles[0] == "Video diffusion with temporal attention"
    assert "Denoising diffusion for video generation" not in titles
