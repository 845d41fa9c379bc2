"""Writing a file so that readers see it whole or not at all, and a crash loses nothing
acknowledged: through a synced temporary file in the same directory, renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, prefix: str = ".tmp-") -> None:
    """Write `data` to `path` through a synced temporary file (`prefix…`) beside it. The
    directory entry itself is the caller's to sync where that matters."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
