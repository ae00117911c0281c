"""`paperboy index ...`: the search index (keyword and vector), derived from the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from catalog.models import Paper
from community.models import DailyListing
from paperboy.loops import StopSignal, run_rounds
from paperboy.management.commands._base import PaperboyCommand
from search.models import PaperEmbedding
from search.services.embedding import embed_pending, restart_backfill
from search.services.indexing import IndexBusy, index_status, update_index
from search.services.vectors import refresh_vector_index

SLICE = 5000


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
        actions.add_parser("status", help="papers indexed, and papers waiting")
        vectors = actions.add_parser(
            "vectors",
            help="build or extend the approximate vector index (for large catalogues)",
            description="Build an HNSW index over every stored embedding, or add the ones "
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
        if action == "vectors":
            self._vectors(force=options["force"], rebuild=options["rebuild"])
            return
        if action == "rebuild":
            self._update(rebuild=True)
            self._vectors(rebuild=True)
            restart_backfill()  # the next `index embed` looks over the whole catalogue again
            return
        run_rounds(lambda: self._update(rebuild=False), every=options.get("loop"))

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
