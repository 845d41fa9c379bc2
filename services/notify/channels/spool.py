"""SMS and fax written as files into a spool directory, for development and tests.

Each SMS is `sms-<reference>-<hash>.json` (number, reference, parts, text); each fax is
`fax-<reference>-<hash>.pdf` (the document) and then its `.json` (number, reference, the
PDF's name), so a reader that waits for the `.json` finds the PDF complete. Every file is
written under a temporary name, synced, and renamed into place (atomic on POSIX): a reader
never sees half a file. The name depends only on the reference, so a retried delivery
replaces its file instead of adding a second one. A write that fails (disk full) is a
temporary error.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from shared.ports.channels import ChannelReceipt, ChannelTemporaryError
from shared.runtime.files import write_atomically

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _stem(kind: str, reference: str) -> str:
    safe = _UNSAFE.sub("_", reference).strip("._")[:80] or "message"
    digest = hashlib.sha256(reference.encode("utf-8")).hexdigest()[:12]
    return f"{kind}-{safe}-{digest}"


class SpoolChannel:
    """The `Channel` port writing files into `directory` (created if missing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send_sms(self, number: str, parts: list[str], *, reference: str) -> ChannelReceipt:
        stem = _stem("sms", reference)
        record = {
            "kind": "sms",
            "number": number,
            "reference": reference,
            "parts": parts,
            "text": "".join(parts),
            "written_at": datetime.now(UTC).isoformat(),
        }
        await self._write([(stem + ".json", _json(record))])
        return ChannelReceipt(reference=reference, provider_id=stem)

    async def send_fax(self, number: str, pdf: bytes, *, reference: str) -> ChannelReceipt:
        stem = _stem("fax", reference)
        record = {
            "kind": "fax",
            "number": number,
            "reference": reference,
            "document": stem + ".pdf",
            "size": len(pdf),
            "written_at": datetime.now(UTC).isoformat(),
        }
        await self._write([(stem + ".pdf", pdf), (stem + ".json", _json(record))])
        return ChannelReceipt(reference=reference, provider_id=stem)

    async def _write(self, files: list[tuple[str, bytes]]) -> None:
        def write() -> None:
            self.directory.mkdir(parents=True, exist_ok=True)
            for name, data in files:
                write_atomically(self.directory / name, data)

        try:
            await asyncio.to_thread(write)
        except OSError as exc:
            raise ChannelTemporaryError(f"spool {self.directory}: {exc.strerror or exc}") from exc


def _json(record: Mapping[str, object]) -> bytes:
    return json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
