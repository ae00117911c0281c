"""Finding code repositories and project pages among the URLs in an abstract or comment."""

from __future__ import annotations

import re
from urllib.parse import urlparse

_URL = re.compile(r"https?://[^\s<>\"'{}\\^`|]+", re.IGNORECASE)
_BARE_HOSTED = re.compile(
    r"(?<![\w./])((?:github\.com|gitlab\.com|huggingface\.co)/[^\s<>\"'{}\\^`|]+)", re.IGNORECASE
)
_MAYBE_URL = re.compile(r"https?://|github\.com|gitlab\.com|huggingface\.co", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"*"
_CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co")
_NOT_REPOS = {"features", "topics", "about", "pricing", "orgs", "sponsors", "login", "docs"}


def find_urls(text: str | None) -> list[str]:
    """All http(s) URLs in `text` (plus bare github/gitlab/huggingface paths), cleaned of
    trailing punctuation and LaTeX line-wrapping, in order of appearance, once each."""
    if not text or not _MAYBE_URL.search(text):
        return []
    # LaTeX-wrapped abstracts break URLs with "\n" or "\url{...}"; rejoin obvious cases.
    flattened = re.sub(r"\\url\{([^}]*)\}", r"\1", text)
    found: dict[str, None] = {}
    for match in [*_URL.finditer(flattened), *_BARE_HOSTED.finditer(flattened)]:
        url = match.group(0) if match.re is _URL else "https://" + match.group(1)
        url = url.rstrip(_TRAILING)
        if url.count("(") < url.count(")"):
            url = url[: url.rfind(")")]
        if urlparse(url).hostname:
            found.setdefault(url, None)
    return list(found)


def code_repository(url: str) -> str | None:
    """The canonical repository URL if `url` points into a GitHub / GitLab / Hugging Face repo."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower().removeprefix("www.")
    if host not in _CODE_HOSTS:
        return None
    parts = [part for part in parsed.path.split("/") if part]
    if host == "huggingface.co":
        if parts and parts[0] in {"spaces", "datasets"} and len(parts) >= 3:
            return f"https://huggingface.co/{parts[0]}/{parts[1]}/{parts[2]}"
        if len(parts) >= 2 and parts[0] not in {"papers", "docs", "blog", "spaces", "datasets"}:
            return f"https://huggingface.co/{parts[0]}/{parts[1]}"
        return None
    if len(parts) < 2 or parts[0].lower() in _NOT_REPOS:
        return None
    repo = parts[1].removesuffix(".git")
    if not repo:
        return None
    return f"https://{host}/{parts[0]}/{repo}"


def extract_links(*texts: str | None) -> tuple[str, str]:
    """(code repository, project page) found in the texts; empty strings where none.

    GitHub beats GitLab beats Hugging Face for code; a `*.github.io` or `*.gitlab.io` site is
    taken as the project page.
    """
    repos: list[str] = []
    project = ""
    for text in texts:
        for url in find_urls(text):
            repo = code_repository(url)
            if repo:
                repos.append(repo)
                continue
            host = (urlparse(url).hostname or "").lower()
            if not project and host.endswith((".github.io", ".gitlab.io")):
                project = url
    for preferred in _CODE_HOSTS:
        for repo in repos:
            if urlparse(repo).hostname == preferred:
                return repo, project
    return "", project
