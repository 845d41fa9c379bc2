"""Realistic test mail, generated deterministically from a seed.

Sizes follow what mailbox studies report as typical: most messages are a few KB of text,
a quarter carry an HTML alternative, and about one in seven has an attachment of tens of
KB to about a megabyte.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

WORDS = (
    "meeting budget invoice project deadline report client contract review schedule office"
    " quarter figures proposal draft update team lunch travel booking offer delivery order"
    " payment reminder agenda minutes notes planning launch design feedback question answer"
    " réunion été société facture équipe développement prévision courrier dossier"
).split()
NAMES = ("Bob Martin", "Chloé Dubois", "Ana Silva", "Jean Dupont", "Mei Chen", "Tom Baker")


def _text(rng: random.Random, words: int) -> str:
    lines = []
    for _ in range(max(1, words // 12)):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(12)))
    return "\n".join(lines) + "\n"


def message(rng: random.Random, index: int, recipient: str, token: str) -> bytes:
    """One message whose body holds `token`, a word no other message has."""
    msg = EmailMessage()
    name = rng.choice(NAMES)
    msg["From"] = f"{name} <{name.split()[0].lower()}@example.net>"
    msg["To"] = recipient
    msg["Subject"] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7)))
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(idstring=str(index), domain="example.net")
    body = f"{token}\n" + _text(rng, rng.randint(80, 1200))
    msg.set_content(body)
    kind = rng.random()
    if kind < 0.25:
        paragraphs = "".join(f"<p>{line}</p>" for line in body.splitlines())
        msg.add_alternative(
            f"<html><body>{paragraphs}<img src='https://example.net/t.png'></body></html>",
            subtype="html",
        )
    elif kind < 0.40:
        size = int(rng.choice((30, 80, 200, 600, 1000)) * 1024 * rng.uniform(0.7, 1.3))
        msg.add_attachment(
            rng.randbytes(size), maintype="application", subtype="pdf", filename=f"doc-{index}.pdf"
        )
    return msg.as_bytes(policy=policy.SMTP)


def corpus(count: int, recipient: str, seed: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        token = f"benchtoken{seed}x{i}"
        out.append((token, message(rng, i, recipient, token)))
    return out
