"""No URL and no parameter answers 5xx: Hypothesis generates requests for every URL pattern
the site and the API have (paths shaped by each pattern's own regex, and junk), with
parameters named by the OpenAPI document and the site's forms, filled with hostile text:
control characters, huge numbers, far dates, odd Unicode. Anonymous visitors, members and
token holders; GET for every route, POST for the write routes.

The test client re-raises any exception a view lets through, so a crash fails the test with
its traceback; a 5xx answer fails it too.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.services.tokens import create_token
from tests.factories import DailyListingFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE_PARAMS = [
    "q",
    "page",
    "sort",
    "cat",
    "has_code",
    "p",
    "limit",
    "date",
    "week",
    "month",
    "submitter",
    "cursor",
    "mode",
    "next",
    "welcome",
    "parent",
    "body",
    "revoke",
    "name",
    "email",
    "frequency",
    "topic",
    "paper",
    "comment",
    "username",
    "password",
]
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "9" * 30,
            "1e309",
            "nan",
            "abc",
            "9999-12-31",
            "0001-01-01",
            "9999-W52",
            "9999-12",
            "0000-00",
            "2025-W53",
            "a\x00b",
            "\x01\x02",
            "\U0010ffff\U0001f600",
            "%00",
            "../../etc/passwd",
            "<script>",
            '"',
            "author:",
            "cat:",
            "year:99999",
            "after:9999-99-99",
            "sort:nonsense",
            "2608.18580v2",
            "hep-th/9901001",
            "a@[127.0.0.1]",
            "\u202e",
            "\ufeff",
            "\uff54arget",
        ]
    ),
)


# A JSON body can also carry what no query string or form can: a lone surrogate, written as
# an escape by json.dumps (a comment posted with one answered 500).
JSON_HOSTILE = st.one_of(HOSTILE, st.sampled_from(["x\ud800y", "\udfff", "\ud83d"]))


def _patterns(resolver=None, prefix=""):
    """(regex of the whole path, callback) for every URL pattern, includes flattened."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        regex = entry.pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + regex)
        elif isinstance(entry, URLPattern):
            yield prefix + regex, entry.callback


PATTERNS = [regex for regex, _ in _patterns() if not regex.startswith("admin/")]


# Paths that once answered 500 (found by probing the running site), kept as seeds.
KNOWN = [
    "papers/date/0001-01-01",
    "papers/date/9999-12-31",
    "papers/week/9999-W52",
    "papers/month/9999-12",
    "papers/week/0001-W01",
    "papers/month/0001-01",
    "papers/2608.18580v2",
    "papers/2608.18580/comments",
    "accounts/tokens",
    "feeds/search.rss",
    "feeds/search.atom",
    "api/daily_papers",
    "digests/subscribe",
    "papers/2608.18580/upvote",
    "search",
    "api/v1/search",
]


def _path_strategy():
    shaped = st.sampled_from(PATTERNS).flatmap(
        lambda regex: st.from_regex(re.compile(regex), fullmatch=True)
    )
    junk = st.text(max_size=30)
    paths = st.one_of(st.sampled_from(KNOWN), shaped, shaped, junk)
    return paths.map(lambda p: "/" + quote(p, safe="/:@-._~!$&'()*+,;="))


PARAMS = st.dictionaries(
    st.one_of(st.sampled_from(SITE_PARAMS), st.text(max_size=8)), HOSTILE, max_size=4
)


@pytest.fixture
def world(db, settings):
    settings.PAPERBOY_ARXIV_API_URL = "http://127.0.0.1:9/api/query"  # nothing listens
    settings.PAPERBOY_HTTP_RETRIES = 0
    settings.PAPERBOY_RATE_API = 10**6
    settings.PAPERBOY_RATE_COMMENTS = 10**6
    settings.PAPERBOY_RATE_LOGIN = 10**6
    member = UserFactory(username="fuzzer")
    _, raw = create_token(member, "fuzz")
    for _ in range(3):
        DailyListingFactory()
    PaperFactory(arxiv_id="2608.18580")
    from search.services.indexing import update_index

    update_index(rebuild=True)  # searches answer (an unbuilt index is an honest 503)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(member)
    return {"anonymous": anonymous, "member": signed_in, "token": raw}


def _check(response, method, path, params):
    assert response.status_code < 500, f"{method} {path} {params!r} -> {response.status_code}"


FUZZ = settings(
    max_examples=400,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@FUZZ
@given(path=_path_strategy(), params=PARAMS, who=st.sampled_from(["anonymous", "member"]))
def test_no_get_answers_5xx(world, path, params, who):
    response = world[who].get(path, params)
    _check(response, "GET", path, params)


@FUZZ
@given(path=_path_strategy(), params=PARAMS, who=st.sampled_from(["anonymous", "member"]))
def test_no_post_answers_5xx(world, path, params, who):
    if path.startswith("/accounts/logout"):
        return  # would end the member's session for the rest of the run
    response = world[who].post(path, params)
    _check(response, "POST", path, params)


def _api_operations():
    from api.main import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", [])]
            yield method.upper(), path, names


API_OPERATIONS = list(_api_operations())


@st.composite
def api_requests(draw):
    method, template, names = draw(st.sampled_from(API_OPERATIONS))
    path = re.sub(
        r"\{[^}]+\}",
        lambda _: quote(draw(st.one_of(HOSTILE, st.just("2608.18580"))) or "x", safe=""),
        template,
    )
    params = {name: draw(HOSTILE) for name in names if draw(st.booleans())}
    body = draw(
        st.one_of(
            st.dictionaries(st.sampled_from([*SITE_PARAMS, "topics", "exclude"]), JSON_HOSTILE),
            st.text(max_size=30),
        )
    )
    return method, path, params, body


@FUZZ
@given(request=api_requests(), with_token=st.booleans())
def test_no_api_operation_answers_5xx_and_every_answer_is_json(world, request, with_token):
    method, path, params, body = request
    client = world["anonymous"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['token']}"} if with_token else {}
    if method == "GET":
        response = client.get(path, params, **headers)
    else:
        import json

        payload = json.dumps(body) if isinstance(body, dict) else body
        call = getattr(client, method.lower())
        response = call(
            path + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in params.items()),
            payload,
            content_type="application/json",
            **headers,
        )
    _check(response, method, path, params)
    assert response["Content-Type"].startswith("application/json"), (method, path)
