"""What every source shares: the error it raises, and reading local files safely."""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from catalog.records import PaperRecord, Rejected


class SourceError(Exception):
    """The input as a whole cannot be read: missing file, wrong format, unreachable server.

    Its message is one line meant for the operator; commands print it without a traceback.
    """


class RecordSource(Protocol):
    """A stream of records from one input, read the same way by every importer."""

    name: str  # a catalog.models.Source value
    target: str  # what is being read, for reports

    def fingerprint(self) -> str:
        """Identifies the input, so a crashed run over the same input can resume."""
        ...

    def read(self) -> Iterator[PaperRecord | Rejected | object]:
        """Records in input order; malformed ones come out as Rejected, never as exceptions."""
        ...

    def progress(self) -> tuple[int, int | None]:
        """(work done, total work) in the source's own unit, for progress bars."""
        ...


class CountingReader(io.RawIOBase):
    """Wraps a binary file and counts bytes read, so gzip input can show real progress."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def check_readable(path: Path) -> Path:
    """Fail with one clear line when `path` is missing or unreadable."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_file():
        try:
            with path.open("rb") as handle:
                handle.read(1)
        except OSError as error:
            raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from None
    return path


def open_lines(path: Path) -> tuple[Iterator[str], CountingReader]:
    """Stream the text lines of a plain or gzip-compressed file, with a byte counter."""
    check_readable(path)
    if path.is_dir():
        raise SourceError(f"{path}: is a folder, expected a file")
    counter = CountingReader(path.open("rb"))
    buffered = io.BufferedReader(counter, buffer_size=1 << 20)
    magic = buffered.peek(2)[:2]
    binary: IO[bytes] = gzip.GzipFile(fileobj=buffered) if magic == b"\x1f\x8b" else buffered
    text = io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="\n")

    def lines() -> Iterator[str]:
        try:
            yield from text
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise SourceError(
                f"{path}: compressed data is corrupt or truncated ({error})"
            ) from None
        finally:
            text.close()

    return lines(), counter


def read_bytes(path: Path) -> bytes:
    """The whole (decompressed) content of a small file such as one day's JSON."""
    check_readable(path)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise SourceError(
                f"{path}: compressed data is corrupt or truncated ({error})"
            ) from None
    return data


def file_fingerprint(*paths: Path) -> str:
    """Identify files by path, size and modification time (cheap, and enough to resume)."""
    digest = hashlib.sha256()
    for path in paths:
        stat = path.stat()
        digest.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]
