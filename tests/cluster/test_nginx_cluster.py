"""Two app nodes behind nginx (Debian's package, configured from deploy/nginx/paperboy.conf)
on one PostgreSQL, each with its own search index folder and follower: a paper written to
the database is found through the load balancer on both nodes, an upvote on one is read on
the other, a paper hidden on one leaves the other's search, a node killed mid-traffic costs
no failed read, and static files come from nginx."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from catalog.models import Paper
from community.services.submissions import set_listing_flags
from community.services.tokens import create_token
from tests.cluster.nodes import (
    Cluster,
    balance,
    free_port,
    get,
    needs_postgres,
    node_env,
    start_node,
    under_load,
    wait_for,
)
from tests.factories import DailyListingFactory, PaperFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def test_two_nodes_behind_nginx_share_only_the_database(tmp_path, nginx, data_dir):
    needs_postgres()
    wombats = PaperFactory(title="Wombats in the catalogue before the nodes start")
    member = UserFactory(username="numbat-fan")
    _, token = create_token(member, "cluster")
    cluster = Cluster(tmp_path)
    ports = [free_port(), free_port()]
    nodes = []
    try:
        for number, port in enumerate(ports):
            env = node_env(tmp_path / f"node-{number}")
            nodes.append(env)
            start_node(cluster, env, port, number)
        for port in ports:
            wait_for(lambda p=port: get(f"http://127.0.0.1:{p}/healthz")[0] == 200, "a node")
        static = Path(nodes[0]["PAPERBOY_DATA_DIR"]) / "static"
        front = balance(cluster, nginx, ports, static)

        # Written once, to the database (as an importer or a worker on any machine would):
        # every node's follower takes it in, so every answer through nginx finds it.
        PaperFactory(title="Numbats arrive after the nodes started")

        def everywhere() -> bool:
            answers = [get(f"{front}/search?q=numbats") for _ in range(4)]
            return all(s == 200 and "Numbats arrive" in body for s, body in answers)

        wait_for(everywhere, "both nodes to find the new paper")
        for number in (0, 1):
            log = (tmp_path / f"web-{number}.log").read_text()
            assert "/search?q=numbats" in log, f"node {number} served no search"

        # A paper imported through node A's command line is found by node B's search.
        feed = data_dir / "formats" / "arxiv-rss-cs.AI.xml"
        imported = subprocess.run(
            [sys.executable, "-m", "paperboy.cli", "import", "arxiv-rss", str(feed), "--no-index"],
            cwd=ROOT,
            env=nodes[0],
            capture_output=True,
            text=True,
        )
        assert imported.returncode == 0, imported.stderr
        title = Paper.objects.exclude(pk=wombats.pk).order_by("-pk").first().title
        words = "+".join(title.split()[:6])
        node_b = f"http://127.0.0.1:{ports[1]}"
        wait_for(lambda: title in get(f"{node_b}/search?q={words}")[1], "node B to find it")

        # An upvote through node A shows on node B.
        vote = urllib.request.Request(
            f"http://127.0.0.1:{ports[0]}/api/papers/{wombats.arxiv_id}/upvote",
            method="POST",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(vote, timeout=10) as answer:
            assert answer.status == 200
        status, body = get(f"{node_b}/api/papers/{wombats.arxiv_id}")
        assert status == 200 and '"upvotes": 1' in body.replace('"upvotes":1', '"upvotes": 1')

        # A curator hides the paper (the service node A's view calls): B's search drops it.
        listing = DailyListingFactory(paper=wombats)
        assert "Wombats in the catalogue" in get(f"{node_b}/search?q=wombats")[1]
        set_listing_flags(UserFactory(is_staff=True), listing, hidden=True)
        wait_for(
            lambda: "Wombats in the catalogue" not in get(f"{node_b}/search?q=wombats")[1],
            "node B to drop the hidden paper",
            seconds=10,
        )

        # Static files come from nginx itself.
        page = get(f"{front}/papers")[1]
        stylesheet = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        assert get(f"{front}{stylesheet}")[0] == 200
        assert stylesheet not in (tmp_path / "web-0.log").read_text()

        # A node dies under load (four readers at once): only requests in flight on it may
        # fail, and nginx sends the reads that follow to the other node.
        answers = under_load(
            f"{front}/search?q=wombats", readers=4, during=lambda: cluster.webs[1].kill()
        )
        failed = [status for status in answers if status != 200]
        assert len(answers) > 40 and len(failed) <= 4, (len(answers), failed)
        statuses = [get(f"{front}/search?q=wombats")[0] for _ in range(20)]
        assert statuses == [200] * 20
    finally:
        cluster.stop()
