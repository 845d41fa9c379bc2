"""Display modes (F18), the sandboxed original HTML, and attachments (F17) over HTTP."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from services.gateway.display import original_headers
from shared.model import Preferences
from tests.factories import make_raw
from tests.integration.gateway_support import World, running_gateway

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4
HTML = (
    "<html><body><p>Dear Alice, <b>hello</b></p><script>alert('x')</script>"
    '<img src="https://tracker.example/pixel.gif" alt="pixel">'
    '<img src="cid:logo@example.net" alt="logo"></body></html>'
)


def rich_message() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Bob Martin <bob@example.net>"
    msg["To"] = "alice@example.test"
    msg["Subject"] = "Newsletter"
    msg.set_content("Dear Alice, hello in plain text\n")
    msg.add_alternative(HTML, subtype="html")
    html_part = msg.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(
        PNG,
        maintype="image",
        subtype="png",
        cid="<logo@example.net>",
        filename="logo.png",
        disposition="inline",
    )
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="report.pdf")
    msg.add_attachment("<script>alert(1)</script>", subtype="html", filename="page.html")
    msg.add_attachment(b"<svg/>", maintype="image", subtype="svg+xml", filename="x.svg")
    msg.add_attachment("café ☕\n", subtype="plain", filename="notes.txt")
    msg.add_attachment(PNG, maintype="image", subtype="png", filename="report.pdf")
    return msg.as_bytes(policy=policy.SMTP)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_gateway(tmp_path) as world:
        yield world


async def get(world: World, path: str, status: int = 200) -> Any:
    resp = await world.client.get(path, headers=await world.auth())
    assert resp.status == status, await resp.text()
    return await resp.json()


async def parts(world: World, message: str) -> dict[str, str]:
    listed = await get(world, f"/api/v1/messages/{message}/attachments")
    found: dict[str, str] = {}
    for a in listed:  # the first of the same name
        found.setdefault("inline" if a["inline"] else a["filename"], a["part"])
    return found


async def test_filtered_is_the_default(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())
    logo = (await parts(world, message))["inline"]

    detail = await get(world, f"/api/v1/messages/{message}")

    body = detail["body"]
    assert (body["mode"], body["kind"], body["blocked_remote_images"]) == ("filtered", "html", 1)
    assert "<b>hello</b>" in body["content"]
    for gone in ("<script", "alert", "tracker.example"):
        assert gone not in body["content"]
    assert f'src="/api/v1/messages/{message}/attachments/{logo}"' in body["content"]
    assert detail["original_url"] is None
    assert "cid:" not in detail["html"] and "<script" not in detail["html"]  # compatibility
    assert detail["text"].startswith("Dear Alice") and detail["tags"] == []
    assert detail["comment"] is None


async def test_filtered_images_keeps_remote_images(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())
    body = (await get(world, f"/api/v1/messages/{message}?display=filtered_images"))["body"]
    assert body["mode"] == "filtered_images" and body["blocked_remote_images"] == 0
    assert 'src="https://tracker.example/pixel.gif"' in body["content"]
    assert "<script" not in body["content"]


async def test_text_mode_and_the_preference(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())
    await world.mailbox.set_preferences(world.alice.id, Preferences(display_mode="text"))

    preferred = (await get(world, f"/api/v1/messages/{message}"))["body"]
    asked = (await get(world, f"/api/v1/messages/{message}?display=filtered"))["body"]

    assert preferred["mode"] == "text" and "hello in plain text" in preferred["content"]
    assert "<img" not in preferred["content"]
    assert asked["mode"] == "filtered" and "<b>hello</b>" in asked["content"]


async def test_bad_display_mode_is_400(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())
    body = await get(world, f"/api/v1/messages/{message}?display=raw", status=400)
    assert body["error"]["code"] == "invalid_query" and "display" in body["error"]["message"]


async def test_original_mode_points_at_the_sandboxed_original(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())

    detail = await get(world, f"/api/v1/messages/{message}?display=original")
    resp = await world.client.get(detail["original_url"], headers=await world.auth())

    assert detail["body"]["mode"] == "filtered" and "<script" not in detail["body"]["content"]
    assert detail["original_url"] == f"/api/v1/messages/{message}/original"
    assert resp.status == 200 and resp.content_type == "text/html"
    assert resp.charset == "utf-8"
    for name, value in original_headers().items():
        assert resp.headers[name] == value
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert (await resp.text()).replace("\r\n", "\n").strip() == HTML


async def test_original_of_a_text_only_message_is_404(world: World) -> None:
    message = await world.deliver(world.alice, make_raw(subject="plain"))
    body = await get(world, f"/api/v1/messages/{message}/original", status=404)
    assert body["error"]["code"] == "not_found"


async def test_attachment_list(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())
    listed = await get(world, f"/api/v1/messages/{message}/attachments")
    by_name = {(a["filename"], a["content_type"]): a for a in listed}
    assert by_name[("logo.png", "image/png")]["inline"] is True
    report = by_name[("report.pdf", "application/pdf")]
    assert report["inline"] is False and report["size"] == len(PDF)
    assert set(report) == {"part", "filename", "content_type", "size", "inline"}


async def test_attachment_download_is_byte_exact(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())
    part = (await parts(world, message))["report.pdf"]
    path = f"/api/v1/messages/{message}/attachments/{part}"
    auth = await world.auth()

    resp = await world.client.get(path, headers=auth)
    inline = await world.client.get(f"{path}?inline=true", headers=auth)

    assert resp.status == 200 and await resp.read() == PDF
    assert resp.content_type == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="report.pdf"')
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert inline.headers["Content-Disposition"].startswith("inline;")


async def test_text_attachment_keeps_its_charset(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())
    part = (await parts(world, message))["notes.txt"]
    resp = await world.client.get(
        f"/api/v1/messages/{message}/attachments/{part}", headers=await world.auth()
    )
    assert resp.content_type == "text/plain" and resp.charset == "utf-8"
    assert (await resp.read()).decode("utf-8").strip() == "café ☕"


@pytest.mark.parametrize("filename", ["page.html", "x.svg"])
async def test_risky_types_are_only_ever_downloads(world: World, filename: str) -> None:
    message = await world.deliver(world.alice, rich_message())
    part = (await parts(world, message))[filename]
    resp = await world.client.get(
        f"/api/v1/messages/{message}/attachments/{part}?inline=true", headers=await world.auth()
    )
    assert resp.status == 200
    assert resp.content_type == "application/octet-stream"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp.headers["Content-Security-Policy"]


async def test_unknown_or_body_parts_are_404(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())
    for part in ("9", "1.1", "x", "1.2.1"):
        await get(world, f"/api/v1/messages/{message}/attachments/{part}", status=404)


async def test_zip_of_every_attachment(world: World) -> None:
    message = await world.deliver(world.alice, rich_message())
    resp = await world.client.get(
        f"/api/v1/messages/{message}/attachments.zip", headers=await world.auth()
    )

    assert resp.status == 200 and resp.content_type == "application/zip"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    with zipfile.ZipFile(io.BytesIO(await resp.read())) as archive:
        names = archive.namelist()
        assert archive.read("report.pdf") == PDF
        assert archive.read("logo.png") == PNG
        assert archive.read("report (2).pdf") == PNG  # same name made unique
    assert set(names) == {
        "logo.png",
        "report.pdf",
        "page.html",
        "x.svg",
        "notes.txt",
        "report (2).pdf",
    }


async def test_zip_without_attachments_is_404(world: World) -> None:
    message = await world.deliver(world.alice, make_raw(subject="nothing attached"))
    await get(world, f"/api/v1/messages/{message}/attachments.zip", status=404)
    assert await get(world, f"/api/v1/messages/{message}/attachments") == []
