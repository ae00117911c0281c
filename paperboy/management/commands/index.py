"""`paperboy index ...`: the search index (keyword and vector), derived from the database."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connections
from tqdm import tqdm

from catalog.models import Paper
from community.models import DailyListing
from paperboy.loops import StopSignal, run_rounds
from paperboy.malloc import cap_arenas
from paperboy.management.commands._base import PaperboyCommand
from search.models import PaperEmbedding
from search.services.embedding import embed_pending, restart_backfill
from search.services.indexing import IndexBusy, index_status, update_index
from search.services.snapshots import SnapshotError, make_snapshot, restore_snapshot
from search.services.vectors import refresh_vector_index

SLICE = 5000
VECTOR_ROUNDS = 15  # `index follow` looks at the vector index every this many rounds


class Command(PaperboyCommand):
    help = "Build or update the search index from the catalogue, or show how far it is."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("rebuild", help="index every paper again, from scratch")
        update = actions.add_parser("update", help="index papers changed since the last update")
        update.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="keep updating, waiting this many seconds between rounds",
        )
        actions.add_parser("status", help="papers indexed, papers waiting, and the lag")
        follow = actions.add_parser(
            "follow",
            help="keep this node's indexes in step with the catalogue (run one per app node)",
            description="Every few seconds: index papers changed since this node's watermark, "
            "drop deleted ones, and take new embeddings into the vector index. Each node's "
            "indexes follow the database by themselves (no shared folder). Stops cleanly on "
            "SIGTERM; waits out a database restart.",
        )
        follow.add_argument(
            "--interval", type=float, default=2.0, help="seconds between rounds (default 2)"
        )
        snapshot = actions.add_parser(
            "snapshot", help="copy this node's indexes, with their watermarks, into a folder"
        )
        snapshot.add_argument("folder", help="a new or empty folder")
        restore = actions.add_parser(
            "restore",
            help="start this node's indexes from a snapshot (then `index follow` catches up)",
        )
        restore.add_argument("folder", help="a folder written by `paperboy index snapshot`")
        vectors = actions.add_parser(
            "vectors",
            help="build or extend the approximate vector index (for large catalogues)",
            description="Build an inverted-file index over every stored embedding, or add the ones "
            "created since it was last written, for catalogues where an exact scan is too "
            "slow. Skipped below PAPERBOY_VECTOR_INDEX_MIN embeddings (or new embeddings) "
            "unless --force. `index rebuild` and `index embed` do this too.",
        )
        vectors.add_argument(
            "--force", action="store_true", help="build or extend it whatever the sizes"
        )
        vectors.add_argument(
            "--rebuild", action="store_true", help="build it afresh instead of extending it"
        )
        embed = actions.add_parser(
            "embed",
            help="compute semantic embeddings for papers that have none (listed papers first)",
            description="Embed papers without an embedding, in committed batches: papers on "
            "the daily lists first, then the rest, newest first. Safe to stop and restart.",
        )
        embed.add_argument("--limit", type=int, help="stop after this many papers")
        embed.add_argument(
            "--loop", type=float, metavar="SECONDS", help="keep going, pausing between rounds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        self.verbosity = options["verbosity"]
        if action == "status":
            for key, value in index_status().items():
                self.stdout.write(f"{key:>14}: {value}")
            return
        if action == "embed":
            stop = StopSignal().install()
            run_rounds(
                lambda: self._embed(options["limit"], stop), every=options.get("loop"), stop=stop
            )
            return
        if action == "follow":
            self._follow_both(max(0.1, options["interval"]))
            return
        if action in ("snapshot", "restore"):
            self._snapshot(action, Path(options["folder"]))
            return
        if action == "vectors":
            self._vectors(force=options["force"], rebuild=options["rebuild"])
            return
        if action == "rebuild":
            self._update(rebuild=True)
            self._vectors(rebuild=True)
            restart_backfill()  # the next `index embed` looks over the whole catalogue again
            return
        run_rounds(lambda: self._update(rebuild=False), every=options.get("loop"))

    def _follow_both(self, interval: float) -> None:
        """`index follow`: keyword rounds every `interval` seconds in this thread, vector
        rounds every VECTOR_ROUNDS intervals in another. Extending the approximate index
        with a backfill's embeddings takes seconds to tens of seconds (faiss releases the GIL
        while it adds), and run in line it held the keyword rounds back: the soak saw a node 66 s
        behind. Both loops stop on the same SIGTERM, each after its round in progress."""
        cap_arenas()  # before the second thread starts (paperboy/malloc.py)
        stop = StopSignal().install()
        vectors = threading.Thread(
            target=self._vector_loop, args=(interval * VECTOR_ROUNDS, stop), name="vectors"
        )
        vectors.start()
        try:
            run_rounds(self._follow, every=interval, stop=stop)
        finally:
            stop.event.set()
            vectors.join()

    def _vector_loop(self, every: float, stop: StopSignal) -> None:
        try:
            run_rounds(self._follow_vectors, every=every, stop=stop)
        finally:
            connections.close_all()  # this thread's own connections

    def _follow(self) -> None:
        """One keyword round of `index follow`: quiet unless something changed."""
        started = time.perf_counter()
        try:
            count, mark = update_index()
        except IndexBusy:
            return  # another process on this node is writing; the next round catches up
        if count:
            took = time.perf_counter() - started
            self.stdout.write(
                f"indexed {count} papers in {took:.1f} s; the index holds {mark.documents}"
            )

    def _follow_vectors(self) -> None:
        """One vector round of `index follow`. New embeddings are searched exactly (read
        from the database by every process) until enough gather to extend the approximate
        index: looking every keyword round would count them every two seconds for nothing."""
        size = refresh_vector_index()
        if size is not None and self.verbosity > 1:
            self.stdout.write(f"vector index holds {size}")

    def _snapshot(self, action: str, folder: Path) -> None:
        try:
            if action == "snapshot":
                mark = make_snapshot(folder)
                verb = "copied to"
            else:
                mark = restore_snapshot(folder)
                verb = "restored from"
        except (SnapshotError, IndexBusy, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"index of {mark.documents} papers, up to {mark.indexed_until:%Y-%m-%d %H:%M:%S}, "
            f"{verb} {folder}"
        )

    def _embed(self, limit: int | None, stop: StopSignal) -> None:
        """One round: embed what is waiting, in slices so the vector index takes in new
        embeddings as they gather. No count of the catalogue (a round every minute must
        not scan it); `paperboy index status` counts on demand."""
        listed = Paper.objects.filter(
            pk__in=DailyListing.objects.values("paper_id")
        )  # the papers people look at first
        done = 0
        with tqdm(total=limit, unit="paper", desc="embed", file=self.stderr._out) as bar:
            while (limit is None or done < limit) and not stop.stopped:
                step = embed_pending(
                    first=listed,
                    limit=SLICE if limit is None else min(SLICE, limit - done),
                    progress=bar.update,
                    should_stop=lambda: stop.stopped,
                )
                done += step
                if step:
                    refresh_vector_index()
                if step < SLICE or stop.stopped:
                    break
        self.stdout.write(f"embedded {done} papers")

    def _vectors(self, *, force: bool = False, rebuild: bool = False) -> None:
        with tqdm(unit="vector", desc="vectors", file=self.stderr._out) as bar:
            size = refresh_vector_index(force=force, rebuild=rebuild, progress=bar.update)
        total = PaperEmbedding.objects.count()
        if size is None:
            self.stdout.write(
                f"{total} embeddings: below PAPERBOY_VECTOR_INDEX_MIN, searched by exact scan"
            )
        else:
            self.stdout.write(f"vector index holds {size} embeddings")

    def _update(self, *, rebuild: bool) -> None:
        total = Paper.objects.count() if rebuild else None
        with tqdm(total=total, unit="paper", desc="index", file=self.stderr._out) as bar:
            try:
                count, state = update_index(rebuild=rebuild, progress=bar.update)
            except IndexBusy as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"indexed {count} papers; the index holds {state.documents}")
