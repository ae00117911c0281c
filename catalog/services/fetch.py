"""Fetching single papers from the arXiv API into the catalogue, for other services."""

from __future__ import annotations

import io

from catalog.models import Paper
from catalog.services.imports import run_import
from catalog.sources.arxiv_api import ArxivApiSource
from catalog.sources.base import SourceError


def fetch_arxiv_paper(arxiv_id: str) -> Paper | None:
    """Look one paper up in the arXiv API and store it; None when arXiv does not have it.

    Raises SourceError when arXiv cannot be reached.
    """
    try:
        run_import(ArxivApiSource([arxiv_id]), progress=False, stderr=io.StringIO())
    except SourceError as error:
        if "no readable" not in str(error):
            raise
    return Paper.objects.filter(arxiv_id=arxiv_id).first()
