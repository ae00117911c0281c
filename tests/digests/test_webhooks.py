"""Webhooks: a saved search or a collection posted to Slack, Discord or signed JSON, each
paper once, with retries, backoff, and a webhook switched off (and its owner told) after
failures in a row. Receivers are real local HTTP servers, including a slow one and one that
answers 500."""

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from community.models import Collection, Follow
from community.services.collections import add_paper
from community.services.errors import NotAllowed
from digests.models import Webhook, WebhookDelivery
from digests.services.posting import UnsafeURL, check_url
from digests.services.webhook_rounds import run_webhooks
from digests.services.webhooks import add_webhook
from search.services.indexing import update_index
from tests.factories import PaperFactory


@dataclass
class Receiver:
    url: str = ""
    status: int = 200
    delay: float = 0.0
    posts: list = field(default_factory=list)


@pytest.fixture
def receiver(settings):
    """A local HTTP receiver; its answer (status, delay) can change during a test."""
    settings.PAPERBOY_WEBHOOK_ALLOW_PRIVATE = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.posts.append({"path": self.path, "headers": dict(self.headers), "body": body})
            time.sleep(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook?x=1"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def saved_search(member):
    PaperFactory(title="Old protein folding paper")  # before the webhook: never posted
    update_index(rebuild=True)
    return Follow.objects.create(user=member, kind="search", query="protein folding")


def new_matching_paper(title="Protein folding at scale"):
    paper = PaperFactory(title=title, abstract="We fold proteins.")
    update_index()
    return paper


def test_a_saved_search_posts_each_new_paper_once_signed(member, saved_search, receiver):
    webhook = add_webhook(member, receiver.url, "json", search=saved_search)
    paper = new_matching_paper()
    PaperFactory(title="Unrelated botany")
    update_index()
    report = run_webhooks()
    assert (report.found, report.posted, report.failed) == (1, 1, 0)
    post = receiver.posts[0]
    assert post["path"] == "/hook?x=1"
    document = json.loads(post["body"])
    assert [p["id"] for p in document["papers"]] == [paper.arxiv_id]
    assert document["source"] == {"kind": "search", "label": "saved search “protein folding”"}
    timestamp, signature = (
        part.split("=", 1)[1] for part in post["headers"]["X-Paperboy-Signature"].split(",")
    )
    expected = hmac.new(
        webhook.secret.encode(), f"{timestamp}.".encode() + post["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert abs(int(timestamp) - time.time()) < 60
    assert run_webhooks().posted == 0 and len(receiver.posts) == 1  # never twice


def test_slack_and_discord_get_their_own_shapes(member, saved_search, receiver):
    add_webhook(member, receiver.url, "slack", search=saved_search)
    add_webhook(member, receiver.url, "discord", search=saved_search)
    paper = new_matching_paper("Protein folding <fast> & cheap")
    run_webhooks()
    bodies = [json.loads(post["body"]) for post in receiver.posts]
    slack = next(b for b in bodies if "text" in b)
    discord = next(b for b in bodies if "embeds" in b)
    assert f"/papers/{paper.arxiv_id}|Protein folding &lt;fast&gt; &amp; cheap>" in slack["text"]
    assert discord["embeds"][0]["title"] == "Protein folding <fast> & cheap"
    assert all("X-Paperboy-Signature" not in post["headers"] for post in receiver.posts)


def test_a_collection_posts_the_papers_added_to_it(member, receiver):
    collection = Collection.objects.create(owner=member, name="Reading", slug="reading")
    add_webhook(member, receiver.url, "json", collection=collection)
    first, second = PaperFactory(), PaperFactory()
    add_paper(collection, first)
    add_paper(collection, second)
    run_webhooks()
    ids = [p["id"] for p in json.loads(receiver.posts[0]["body"])["papers"]]
    assert ids == [first.arxiv_id, second.arxiv_id]


def test_a_receiver_answering_500_is_retried_with_backoff_then_switched_off(
    member, saved_search, receiver, settings, smtp_server
):
    settings.PAPERBOY_WEBHOOK_MAX_FAILURES = 3
    receiver.status = 500
    webhook = add_webhook(member, receiver.url, "json", search=saved_search)
    new_matching_paper()
    assert run_webhooks().failed == 1
    row = WebhookDelivery.objects.get()
    assert row.status == "pending" and row.attempts == 1 and "500" in row.error
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert run_webhooks().failed == 0  # not due yet
    for _ in range(2):
        WebhookDelivery.objects.update(next_attempt_at=None)
        run_webhooks()
    webhook.refresh_from_db()
    assert not webhook.enabled and "3 failed posts in a row" in webhook.disabled_reason
    told = smtp_server.to("member@example.org")
    assert len(told) == 1 and "switched off" in told[0]["Subject"]
    WebhookDelivery.objects.update(next_attempt_at=None)
    assert run_webhooks().failed == 0 and len(receiver.posts) == 3  # off: no more posts
    receiver.status = 200
    from digests.services.webhooks import enable_webhook

    enable_webhook(webhook)
    assert run_webhooks().posted == 1  # what waited goes once it is back on
    assert WebhookDelivery.objects.get().status == "sent"


def test_a_receiver_that_times_out_counts_as_a_failure(member, saved_search, receiver, settings):
    settings.PAPERBOY_WEBHOOK_TIMEOUT = 0.3
    receiver.delay = 2
    add_webhook(member, receiver.url, "json", search=saved_search)
    new_matching_paper()
    assert run_webhooks().failed == 1
    assert "timed out" in WebhookDelivery.objects.get().error.lower()


def test_a_killed_senders_claim_is_taken_over_once(member, saved_search, receiver):
    add_webhook(member, receiver.url, "json", search=saved_search)
    new_matching_paper()
    from digests.services.webhook_rounds import find_new_papers

    find_new_papers()
    long_ago = timezone.now() - dt.timedelta(hours=2)
    WebhookDelivery.objects.update(status="sending", claimed_by="dead:1", claimed_at=long_ago)
    assert run_webhooks().posted == 1
    assert run_webhooks().posted == 0 and len(receiver.posts) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://0.0.0.0/",
        "file:///etc/passwd",
        "gopher://example.org/",
        "https://user:pass@example.org/hook",
        "http://example.org:99999/",
        "https:///nohost",
    ],
)
def test_webhooks_cannot_reach_the_servers_own_network(member, saved_search, url):
    with pytest.raises(NotAllowed):
        add_webhook(member, url, "json", search=saved_search)
    with pytest.raises(UnsafeURL):
        check_url(url)
    assert not Webhook.objects.exists()


def test_a_webhook_takes_only_the_members_own_sources(member, other_member, receiver):
    theirs = Follow.objects.create(user=other_member, kind="search", query="x")
    with pytest.raises(NotAllowed):
        add_webhook(member, receiver.url, "json", search=theirs)


def test_members_manage_webhooks_on_their_page(member, member_client, saved_search, receiver):
    member_client.post(
        "/accounts/webhooks",
        {"source": f"search:{saved_search.pk}", "format": "slack", "url": receiver.url},
    )
    webhook = Webhook.objects.get(owner=member)
    page = member_client.get("/accounts/webhooks").content.decode()
    assert "saved search “protein folding”" in page and "Slack" in page
    refused = member_client.post(
        "/accounts/webhooks",
        {"source": f"search:{saved_search.pk}", "format": "json", "url": "not a url"},
        follow=True,
    )
    assert "starts with https://" in refused.content.decode()
    member_client.post("/accounts/webhooks", {"action": "delete", "webhook": webhook.pk})
    assert not Webhook.objects.exists()


def test_a_token_holder_adds_a_webhook_through_the_api(
    client, member, saved_search, receiver, settings
):
    from community.services.tokens import create_token

    auth = {"HTTP_AUTHORIZATION": f"Bearer {create_token(member, 'tests')[1]}"}
    made = client.post(
        "/api/v1/webhooks",
        {"url": receiver.url, "format": "discord", "search": saved_search.pk},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201 and made.json()["source"] == "saved search “protein folding”"
    assert [w["id"] for w in client.get("/api/v1/webhooks", **auth).json()] == [made.json()["id"]]
    settings.PAPERBOY_WEBHOOK_ALLOW_PRIVATE = False
    unsafe = client.post(
        "/api/v1/webhooks",
        {"url": "http://169.254.169.254/", "search": saved_search.pk},
        content_type="application/json",
        **auth,
    )
    assert unsafe.status_code == 400 and "not a public address" in unsafe.json()["detail"]
    nobody = client.post(
        "/api/v1/webhooks",
        {"url": receiver.url, "collection": 999},
        content_type="application/json",
        **auth,
    )
    assert nobody.status_code == 404
    assert client.delete(f"/api/v1/webhooks/{made.json()['id']}", **auth).status_code == 204
