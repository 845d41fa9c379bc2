"""Files uploaded for messages being composed: streamed past the JSON body limit, read
back byte for byte, named and typed safely, refused past the size of a message."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.gateway import senders
from services.gateway.app import MAX_BODY
from services.gateway.attachments import content_disposition
from tests.integration.gateway_support import BOB, World, running_gateway

UPLOADS = "/api/v1/uploads"
BOUNDARY = "----bureau-test-boundary-7MA4YWxkTrZu0gW"
NOT_FOUND = {"error": {"code": "not_found", "message": "no such resource"}}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


def part(
    data: bytes,
    filename: str | None = "file.bin",
    content_type: str | None = "application/octet-stream",
    *,
    name: str = "file",
    extra: str = "",
) -> bytes:
    """One form-data part, written by hand so that odd names and types reach the server
    exactly as given."""
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')  # quoted-pairs
        disposition += f'; filename="{quoted}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    head += extra
    return head.encode() + b"\r\n" + data + b"\r\n"


def form(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def post(
    world: World,
    body: bytes,
    *,
    status: int = 201,
    who: tuple[str, str] = ("alice@example.test", "correct horse battery staple"),
    content_type: str = f"multipart/form-data; boundary={BOUNDARY}",
) -> Any:
    headers = await world.auth(who) | {"Content-Type": content_type}
    resp = await world.client.post(UPLOADS, data=body, headers=headers)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def get(world: World, path: str, *, status: int = 200) -> Any:
    resp = await world.client.get(path, headers=await world.auth())
    assert resp.status == status, await resp.text()
    return resp


async def test_a_large_file_streams_past_the_json_limit_and_reads_back(world: World) -> None:
    data = os.urandom(MAX_BODY * 6 + 12_345)  # 1.5 MB: far over the 256 KB of a JSON body
    before = datetime.now(UTC)

    answer = await post(world, form(part(data, "holiday photos.zip", "application/zip")))

    [upload] = answer["uploads"]
    assert upload == {
        "id": upload["id"],
        "filename": "holiday photos.zip",
        "content_type": "application/zip",
        "size": len(data),
        "created_at": upload["created_at"],
    }
    created = datetime.fromisoformat(upload["created_at"])
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)
    assert (await (await get(world, f"{UPLOADS}/{upload['id']}")).json()) == upload
    resp = await get(world, f"{UPLOADS}/{upload['id']}/content")
    assert await resp.read() == data
    assert resp.headers["Content-Type"] == "application/zip"
    assert resp.headers["Content-Disposition"] == content_disposition("holiday photos.zip")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    stored = await world.mailbox.upload(world.alice.id, upload["id"])
    assert stored.account_id == world.alice.id and stored.size == len(data)
    assert await world.blobs.get(stored.blob_id) == data


async def test_several_files_in_one_request(world: World) -> None:
    files = [
        (b"first file\n", "notes.txt", "text/plain; charset=utf-8"),
        (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "pixel.png", "IMAGE/PNG"),
        (b"", "empty.dat", None),
        (b"%PDF-1.7 ...", "C:\\Users\\alice\\Documents\\report.pdf", "application/pdf"),
        (b"x", "../../etc/passwd", "text/plain"),
        (b"y", "evil\u202egnp.exe", "not a type"),
    ]

    answer = await post(world, form(*(part(d, n, t) for d, n, t in files)))

    uploads = answer["uploads"]
    assert [(u["filename"], u["content_type"], u["size"]) for u in uploads] == [
        ("notes.txt", "text/plain", 11),
        ("pixel.png", "image/png", len(files[1][0])),
        ("empty.dat", "application/octet-stream", 0),
        ("report.pdf", "application/pdf", len(files[3][0])),
        ("passwd", "text/plain", 1),
        ("evilgnp.exe", "application/octet-stream", 1),
    ]
    assert len({u["id"] for u in uploads}) == len(files)
    for upload, (data, _, _) in zip(uploads, files, strict=True):
        resp = await get(world, f"{UPLOADS}/{upload['id']}/content")
        assert await resp.read() == data


async def test_risky_types_are_served_as_downloads(world: World) -> None:
    html = b"<html><script>alert(document.cookie)</script></html>"
    answer = await post(
        world,
        form(part(html, "page.html", "text/html"), part(b"\x89PNG\r\n", "a.png", "image/png")),
    )
    page, image = answer["uploads"]
    assert page["content_type"] == "text/html"  # kept for the message it goes into

    resp = await get(world, f"{UPLOADS}/{page['id']}/content?inline=true")
    assert resp.headers["Content-Type"] == "application/octet-stream"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert await resp.read() == html

    resp = await get(world, f"{UPLOADS}/{image['id']}/content?inline=true")
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Disposition"].startswith("inline;")
    resp = await get(world, f"{UPLOADS}/{image['id']}/content")
    assert resp.headers["Content-Disposition"].startswith("attachment;")


async def test_base64_parts_are_decoded(world: World) -> None:
    data = os.urandom(100_000)
    encoded = base64.encodebytes(data)  # lines of 76 characters, as mail clients write
    answer = await post(
        world, form(part(encoded, "b.bin", extra="Content-Transfer-Encoding: base64\r\n"))
    )

    [upload] = answer["uploads"]
    assert upload["size"] == len(data)
    assert await (await get(world, f"{UPLOADS}/{upload['id']}/content")).read() == data


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


async def test_over_the_limit_is_413(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 1024 * 1024
    monkeypatch.setattr(senders, "MAX_MESSAGE", limit)

    at_limit = await post(world, form(part(os.urandom(limit), "exact.bin")))
    assert at_limit["uploads"][0]["size"] == limit

    blobs_before = files_under(tmp_path / "blobs")  # running_gateway's blob store
    error = await post(world, form(part(os.urandom(limit + 1), "big.bin")), status=413)
    assert error["error"]["code"] == "payload_too_large"
    assert "1 MB" in error["error"]["message"]
    assert files_under(tmp_path / "blobs") == blobs_before  # nothing of the refused file is kept

    # The files of one request count together: they go into one message.
    half = limit // 2 + 1
    error = await post(
        world, form(part(os.urandom(half), "a.bin"), part(os.urandom(half), "b.bin")), status=413
    )
    assert error["error"]["code"] == "payload_too_large"


async def test_at_most_100_files_at_a_time(world: World) -> None:
    answer = await post(world, form(*(part(b"", f"{n}.txt") for n in range(100))))
    assert len(answer["uploads"]) == 100

    error = await post(world, form(*(part(b"", f"{n}.txt") for n in range(101))), status=400)
    assert error["error"]["code"] == "too_many_files"


async def test_not_multipart_is_415(world: World) -> None:
    error = await post(world, b'{"file": "x"}', content_type="application/json", status=415)
    assert error["error"]["code"] == "unsupported_media_type"
    error = await post(
        world, b"file=x", content_type="application/x-www-form-urlencoded", status=415
    )
    assert error["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (form(), f"multipart/form-data; boundary={BOUNDARY}", "no_files"),
        (form(part(b"", "")), f"multipart/form-data; boundary={BOUNDARY}", "no_files"),
        (
            form(part(b"hi", None, None, name="note")),
            f"multipart/form-data; boundary={BOUNDARY}",
            "invalid_field",
        ),
        (form(part(b"x", "a.txt")), "multipart/form-data", "invalid_multipart"),
        (
            b"--nonsense\r\n\r\nno boundary here",
            f"multipart/form-data; boundary={BOUNDARY}",
            "invalid_multipart",
        ),
        (
            form(part(b"x", "a.txt", extra="Content-Transfer-Encoding: x-uuencode\r\n")),
            f"multipart/form-data; boundary={BOUNDARY}",
            "invalid_multipart",
        ),
    ],
    ids=["no parts", "empty file input", "other field", "no boundary", "garbage", "encoding"],
)
async def test_bad_forms_are_400(world: World, body: bytes, content_type: str, code: str) -> None:
    error = await post(world, body, content_type=content_type, status=400)
    assert error["error"]["code"] == code


async def test_other_accounts_uploads_are_404(world: World) -> None:
    bobs = (await post(world, form(part(b"bob's secret", "s.txt", "text/plain")), who=BOB))[
        "uploads"
    ][0]

    for path in (f"{UPLOADS}/{bobs['id']}", f"{UPLOADS}/{bobs['id']}/content"):
        resp = await get(world, path, status=404)
        assert await resp.json() == NOT_FOUND
    for path in (f"{UPLOADS}/nope", f"{UPLOADS}/nope/content"):
        assert await (await get(world, path, status=404)).json() == NOT_FOUND


async def test_uploads_need_a_signed_in_user(world: World) -> None:
    resp = await world.client.post(
        UPLOADS,
        data=form(part(b"x")),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert resp.status == 401
