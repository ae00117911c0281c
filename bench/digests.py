"""Benchmark: build and send digests for 100,000 subscribers over the demo catalogue.

1. A fresh SQLite database with the demo data (`paperboy load-demo`: daily papers, the
   arXiv snapshot, the keyword index).
2. Embeddings for the candidate papers of the replayed periods (listed and newly published
   papers), so topics also match by meaning.
3. 100,000 confirmed subscribers (seed 5): 30 % daily, 60 % weekly, 10 % monthly; 55 %
   the period's top papers only, the rest one to three topics from a list of 40 (some
   with category filters), 20 % with exclusions (categories, words, authors), 2,000 of
   them members with "for you" on and ten upvotes each; 5-20 papers a digest.
4. Build: `build_due(as_of=...)` for all three frequencies, in its own process (time and
   peak RSS).
5. Send: `send_pending()` in one and in two sender processes against a local SMTP sink
   (aiosmtpd in its own process, counting messages), messages/s and peak RSS.

    .venv/bin/python bench/digests.py [--subscribers 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from report import write_section

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperboy"
WORK = ROOT / "var" / "bench" / "digests"
AS_OF = "2025-06-02"  # a Monday inside the demo data: daily, weekly and monthly are all due

TOPICS = [
    "diffusion models for video",
    "large language model reasoning",
    "reinforcement learning from human feedback",
    "vision language models",
    "retrieval augmented generation",
    "speech recognition",
    "graph neural networks",
    "protein structure prediction",
    "robot manipulation",
    "efficient inference quantization",
    "mixture of experts",
    "text to image generation",
    "3D reconstruction gaussian splatting",
    "code generation",
    "multilingual machine translation",
    "AI safety alignment",
    "medical image segmentation",
    "autonomous driving",
    "time series forecasting",
    "federated learning privacy",
    "long context transformers",
    "agents tool use",
    "mathematical reasoning benchmarks",
    "world models",
    "state space models",
    "knowledge distillation",
    "contrastive representation learning",
    "hallucination detection",
    "instruction tuning datasets",
    "video understanding",
    "music generation",
    "cat:cs.CV",
    "cat:cs.CL",
    "cat:cs.RO",
    "cat:cs.LG has:code",
    "quantum computing",
    "climate and weather forecasting",
    "recommendation systems",
    "adversarial robustness",
    "sparse attention",
]
EXCLUDE_WORDS = ["survey", "benchmark", "dataset", "quantum", "medical"]
EXCLUDE_CATEGORIES = ["cs.CR", "math", "physics", "q-bio", "stat"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    import django

    django.setup()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(subscribers: int, *, fresh_people: bool = False) -> None:
    """Embeddings for the replayed periods' candidates, and the subscribers."""
    django_setup()
    import datetime as dt

    if fresh_people:  # an earlier run's subscribers and members go
        from community.models import User
        from digests.models import Subscription

        Subscription.objects.all().delete()
        User.objects.filter(username__startswith="bench").delete()

    from catalog.models import Authorship, Paper
    from community.models import DailyListing, Upvote, User
    from digests.models import Subscription
    from digests.periods import digest_period
    from search.services.embedding import embed_pending

    as_of = dt.date.fromisoformat(AS_OF)
    candidates = Paper.objects.none()
    for frequency in ("daily", "weekly", "monthly"):
        period = digest_period(frequency, as_of)
        listed = DailyListing.objects.filter(listed_on__range=(period.start, period.end))
        candidates = candidates | Paper.objects.filter(pk__in=listed.values("paper_id"))
        if frequency != "monthly":  # a month of new arXiv papers would take hours to embed
            candidates = candidates | Paper.objects.filter(
                published_on__range=(period.start, period.end)
            )
    count = candidates.filter(embedding__isnull=True).count()
    log(f"embedding {count} candidate papers")
    embed_pending(first=candidates, limit=count)

    rng = random.Random(5)
    listed_ids = list(
        DailyListing.objects.filter(listed_on__lt=as_of).values_list("paper_id", flat=True)
    )
    members = User.objects.bulk_create(
        [User(username=f"bench{n}", email=f"bench{n}@example.org") for n in range(2000)]
    )
    Upvote.objects.bulk_create(
        [
            Upvote(user=member, paper_id=paper_id)
            for member in members
            for paper_id in set(rng.sample(listed_ids, 10))
        ],
        ignore_conflicts=True,
    )
    authors = list(Authorship.objects.values_list("author__name", flat=True)[:2000])
    rows = []
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for n in range(subscribers):
        kind = rng.random()
        topical = rng.random() >= 0.55
        excluding = rng.random() < 0.2
        rows.append(
            Subscription(
                email=f"reader{n}@example.org",
                status=Subscription.Status.ACTIVE,
                confirmed_at=now,
                frequency="daily" if kind < 0.3 else "weekly" if kind < 0.9 else "monthly",
                max_papers=rng.randint(5, 20),
                include_top=not topical or rng.random() < 0.3,
                topics=rng.sample(TOPICS, rng.randint(1, 3)) if topical else [],
                exclude_keywords=rng.sample(EXCLUDE_WORDS, 1) if excluding else [],
                exclude_categories=rng.sample(EXCLUDE_CATEGORIES, 1) if excluding else [],
                exclude_authors=[rng.choice(authors).lower()] if excluding else [],
                user=members[n] if n < len(members) else None,
                for_you=n < len(members),
            )
        )
    Subscription.objects.bulk_create(rows, batch_size=5000)
    log(f"{subscribers} subscribers")


def build() -> dict:
    django_setup()
    import datetime as dt

    from digests.services.scheduling import build_due

    start = time.perf_counter()
    reports = build_due(as_of=dt.date.fromisoformat(AS_OF))
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "built": sum(r.built for r in reports),
        "empty": sum(r.empty for r in reports),
        "rss_mb": peak_rss_mb(),
    }


def send() -> dict:
    django_setup()
    from digests.services.sending import send_pending

    start = time.perf_counter()
    report = send_pending()
    return {"seconds": time.perf_counter() - start, "sent": report.sent, "rss_mb": peak_rss_mb()}


SINK = """
import sys, time
from aiosmtpd.controller import Controller
class Handler:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        return "250 OK"
controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(0.5)
        open(sys.argv[2], "w").write(str(Handler.count))
finally:
    controller.stop()
"""


def child(phase: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase], env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def reset_deliveries(env: dict) -> None:
    subprocess.run(
        [sys.executable, "-c", (
            "import django, os; django.setup();"
            "from digests.models import Delivery;"
            "Delivery.objects.filter(status='sent').update(status='pending', sent_at=None)"
        )],
        env=env, check=True, cwd=ROOT,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--phase", choices=["prepare", "build", "send"])
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the demo database and embeddings of an earlier run; only subscribers are new",
    )
    parser.add_argument("--senders", default="1,2", help="sender process counts to measure")
    options = parser.parse_args()
    if options.phase == "prepare":
        prepare(options.subscribers, fresh_people=options.reuse)
        return
    if options.phase:
        print(json.dumps(build() if options.phase == "build" else send()))
        return

    # Only here, in the driver: the phases run Django, whose `web` app this module would shadow.
    from web import free_port

    reuse = options.reuse and (WORK / "db.sqlite3").exists()
    if not reuse:
        shutil.rmtree(WORK, ignore_errors=True)
        WORK.mkdir(parents=True)
    port = free_port()
    env = {
        **os.environ,
        "PAPERBOY_DATA_DIR": str(WORK),
        "DATABASE_URL": f"sqlite:///{WORK}/db.sqlite3",
        "PAPERBOY_EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "PAPERBOY_BASE_URL": "https://papers.example.org",
        "DJANGO_SETTINGS_MODULE": "paperboy.settings",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([str(BIN), "migrate", "-v0"], env=env, check=True)
    log("loading the demo data")
    subprocess.run([str(BIN), "load-demo"], env=env, check=True, capture_output=True)
    subprocess.run(
        [sys.executable, __file__, "--phase", "prepare", "--subscribers",
         str(options.subscribers), *(["--reuse"] if reuse else [])], env=env, check=True,
    )  # fmt: skip
    counter = WORK / f"sink-count-{port}"  # own file: a stray sink cannot write to it
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port), str(counter)], env=env,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        sink.stdout.readline()
        log("building")
        built = child("build", env)
        log(f"built: {built}")
        runs = {}
        for number, senders in enumerate(int(n) for n in options.senders.split(",")):
            if number:
                reset_deliveries(env)
            start = time.perf_counter()
            procs = [
                subprocess.Popen(
                    [sys.executable, __file__, "--phase", "send"],
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for _ in range(senders)
            ]
            results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
            seconds = time.perf_counter() - start
            sent = sum(r["sent"] for r in results)
            runs[senders] = {
                "sent": sent,
                "seconds": seconds,
                "rate": sent / seconds,
                "rss_mb": max(r["rss_mb"] for r in results),
            }
            log(f"{senders} sender(s): {runs[senders]}")
        time.sleep(1)
        received = int(counter.read_text())
    finally:
        sink.terminate()
    body = (
        f"{options.subscribers:,} confirmed subscribers (seed 5) over the demo catalogue, "
        f"periods as of {AS_OF} (daily, weekly and monthly all due). Senders hand messages "
        "to a local aiosmtpd sink in its own process.\n\n"
        "| step | result | time s | rate | peak RSS MB |\n|---|---|---:|---:|---:|\n"
        f"| build all digests | {built['built']:,} to send, {built['empty']:,} empty | "
        f"{built['seconds']:.1f} | {options.subscribers / built['seconds']:,.0f} "
        f"subscribers/s | {built['rss_mb']:,.0f} |\n"
    )
    for senders, run in runs.items():
        body += (
            f"| send, {senders} sender process{'es' if senders > 1 else ''} | "
            f"{run['sent']:,} sent | {run['seconds']:.1f} | {run['rate']:,.0f} messages/s | "
            f"{run['rss_mb']:,.0f} |\n"
        )
    body += f"\nThe sink counted {received:,} messages over all runs."
    print(body)
    write_section("Digests", ".venv/bin/python bench/digests.py", body)


if __name__ == "__main__":
    main()
