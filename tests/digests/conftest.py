import datetime as dt

import pytest

from catalog.models import Category
from tests.factories import DailyListingFactory, PaperFactory

WEEK_SENT_ON = dt.date(2026, 8, 24)  # a Monday: the weekly digest covers 17-23 August


@pytest.fixture
def week_of_papers(db):
    """Five papers listed in the week of 17 August 2026, with upvotes 50, 40, ... 10."""
    vision = Category.objects.get_or_create(code="cs.CV")[0]
    crypto = Category.objects.get_or_create(code="cs.CR")[0]
    specs = [
        ("2608.00001", "Video diffusion with temporal attention", vision, 50),
        ("2608.00002", "A survey of language model agents", None, 40),
        ("2608.00003", "Side channels in enclave memory", crypto, 30),
        ("2608.00004", "Protein structure from sequence alone", None, 20),
        ("2608.00005", "Sparse attention for long documents", None, 10),
    ]
    papers = []
    for arxiv_id, title, category, votes in specs:
        paper = PaperFactory(
            arxiv_id=arxiv_id,
            title=title,
            abstract=f"{title}. We present a method and evaluate it.",
            code_url="https://github.com/example/code" if votes == 50 else "",
        )
        if category:
            paper.categories.add(category)
        DailyListingFactory(paper=paper, listed_on=dt.date(2026, 8, 20), imported_upvotes=votes)
        papers.append(paper)
    return papers
