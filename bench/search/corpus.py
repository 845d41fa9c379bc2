"""A realistic mailbox, generated from a seed: words follow a Zipf distribution over a
vocabulary of common and rarer words (accented ones included), as in real mail; senders,
tags, folders, sizes and dates vary like a working inbox's."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from shared.ports.index import IndexDocument

COMMON = (
    "the of and to a in for is on that with this be are from at as your have you we not by"
    " or will can our all please more about new any time there which their also meeting"
    " budget invoice project deadline report client contract review schedule office quarter"
    " figures proposal draft update team lunch travel booking offer delivery order payment"
    " reminder agenda minutes notes planning launch design feedback question answer"
    " réunion été société facture équipe développement prévision courrier dossier"
).split()
SYLLABLES = "ka lo mi ne ru sa te vo zu pri dan tor vel ish ong ber cal dex fin gor".split()
FIRST = ("Ana", "Bob", "Chloé", "Dev", "Emma", "Farid", "Gus", "Hana")
LAST = ("Martin", "Dubois", "Silva", "Chen", "Novak", "Okafor")
PEOPLE = [f"{first} {last}" for first in FIRST for last in LAST]
TAGS = ("urgent", "later", "clients", "personal", "invoices")
FOLDERS = ("inbox", "archive", "projects", "sent", "newsletters")
START = datetime(2024, 1, 1, tzinfo=UTC)


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    words = list(COMMON)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def documents(count: int, account_id: str, seed: int = 1) -> Iterator[IndexDocument]:
    rng = random.Random(seed)
    words = vocabulary(rng)
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(words))]  # Zipf

    def text(n: int) -> str:
        return " ".join(rng.choices(words, weights, k=n))

    for i in range(count):
        person = rng.choice(PEOPLE)
        attachment = rng.random() < 0.15
        yield IndexDocument(
            account_id=account_id,
            message_id=f"m{i}",
            folder_id=rng.choice(FOLDERS),
            subject=text(rng.randint(3, 9)),
            sender=f"{person} <{person.split()[0].lower()}@example.net>",
            to="Alice <alice@example.test>",
            cc="",
            body=text(rng.randint(40, 400)),
            attachment_names=[f"{text(1)}.pdf"] if attachment else [],
            attachment_text=text(rng.randint(50, 300)) if attachment else "",
            tags=rng.sample(TAGS, k=rng.choice((0, 0, 0, 1, 2))),
            date=START + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)),
            size=rng.randint(2_000, 2_000_000 if attachment else 60_000),
            unread=rng.random() < 0.2,
            flagged=rng.random() < 0.05,
            has_attachments=attachment,
            modseq=i + 1,
        )


def query_words(corpus_seed: int, count: int, seed: int = 99) -> list[str]:
    """Words of middle frequency in the corpus made from `corpus_seed`: neither stop words
    nor words too rare to be found."""
    words = vocabulary(random.Random(corpus_seed))
    return random.Random(seed).sample(words[60:3000], count)
