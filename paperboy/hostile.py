"""Requests carrying a NUL character or a lone surrogate are refused at the door (400).

No page or API call has a use for U+0000, PostgreSQL cannot store or even compare it (a
query with one raises DataError, which would be a 500), and SQLite compares it where
PostgreSQL refuses, so the two databases would answer differently. Checked in the path,
the query string and the body (raw, %00, or a JSON \\u0000 escape). In a file upload
(multipart/form-data) the form's fields and the files' names are checked; what a file holds
is for the view that reads it to judge (a citation import says "not a text file").

A lone surrogate (U+D800-U+DFFF on its own) is not a character: no UTF-8 can encode it, so
storing, rendering or embedding one raises (a comment posted with one answered 500). Query
strings, forms and paths are decoded with replacement by Django and never carry one; a JSON
body can, as an escape (`"\\ud800"`) or as the three bytes UTF-8 would encode it with. A
pair of escapes that makes one character (an emoji) is fine."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse

from paperboy.responses import plain_error

MESSAGE = "The request contains a NUL character."
SURROGATE_MESSAGE = (
    "The request's JSON holds a lone surrogate escape (\\ud800-\\udfff without its pair), "
    "which is not a character."
)
_BODY_MARKS = (b"\x00", b"%00", b"\\u0000")
# An escape of a surrogate, or one encoded as UTF-8 would (json.loads decodes bytes with
# "surrogatepass", so those three bytes become one too).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\xed[\xa0-\xbf]")


WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _raw_body(request: HttpRequest) -> bytes | None:
    """The body of a write that is not a file upload, or None (a read, an upload, or a body
    that cannot be read, which is the view's to refuse)."""
    if request.method not in WRITES or request.content_type == "multipart/form-data":
        return None
    try:
        return request.body
    except Exception:
        return None


def carries_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path_info or b"\x00" in unquote_to_bytes(
        request.META.get("QUERY_STRING", "")
    ):
        return True
    if request.method in WRITES and request.content_type == "multipart/form-data":
        return _form_carries_nul(request)
    body = _raw_body(request)
    return body is not None and any(mark in body for mark in _BODY_MARKS)


def carries_lone_surrogate(request: HttpRequest) -> bool:
    """A JSON body that decodes to a string (or key) holding a lone surrogate. The body is
    decoded only when it holds a surrogate escape at all, so other requests pay one scan.
    Upload fields are decoded by Django with replacement and never hold one."""
    body = _raw_body(request)
    if body is None or not _SURROGATE_ESCAPE.search(body):
        return False
    try:
        decoded = json.loads(body)
    except ValueError:  # not JSON: the view answers what it answers to broken JSON
        return False
    try:
        json.dumps(decoded, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _form_carries_nul(request: HttpRequest) -> bool:
    try:
        # Read the body first: the form is then parsed from it, and a view that reads the
        # body itself (the API's) still can.
        request.body  # noqa: B018
        fields, files = request.POST, request.FILES
    except Exception:  # a broken upload is the view's to refuse
        return False
    values = (value for _, listed in fields.lists() for value in listed)
    return any("\x00" in value for value in values) or any(
        "\x00" in (upload.name or "") for upload in files.values()
    )


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if carries_nul(request):
            return plain_error(request, 400, MESSAGE)
        if carries_lone_surrogate(request):
            return plain_error(request, 400, SURROGATE_MESSAGE)
        return self.get_response(request)
