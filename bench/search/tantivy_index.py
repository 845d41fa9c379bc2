"""The same documents in tantivy, for comparison only (not a product adapter): the schema
and analysers mirror the FTS5 index (lower-case, accents folded, one account field)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable

import tantivy

from shared.ports.index import IndexDocument

TEXT = ("subject", "sender", "to", "body", "attachment_names", "attachment_text")
BOOSTS = {"subject": 3.0, "sender": 2.0}


class TantivyMailbox:
    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="bureau-bench-tantivy-")
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("message_id", stored=True, tokenizer_name="raw")
        builder.add_text_field("account", tokenizer_name="raw")
        builder.add_text_field("tags", tokenizer_name="raw")
        for name in TEXT:
            builder.add_text_field(name, stored=name == "body", tokenizer_name="folded")
        builder.add_integer_field("date", fast=True, indexed=True)
        self.index = tantivy.Index(builder.build(), path=self._dir.name)
        analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .build()
        )
        self.index.register_tokenizer("folded", analyzer)

    def add(self, docs: Iterable[IndexDocument]) -> int:
        writer = self.index.writer(heap_size=256 * 1024 * 1024)
        count = 0
        for doc in docs:
            writer.add_document(
                tantivy.Document(
                    message_id=doc.message_id,
                    account=doc.account_id,
                    tags=doc.tags,
                    subject=doc.subject,
                    sender=doc.sender,
                    to=doc.to,
                    body=doc.body,
                    attachment_names=" ".join(doc.attachment_names),
                    attachment_text=doc.attachment_text,
                    date=int(doc.date.timestamp()),
                )
            )
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        return count

    def search(self, account: str, text: str, limit: int = 200) -> int:
        """Like the product's search: count, the top `limit` ids, and a body snippet each."""
        query = self.index.parse_query(
            f"+account:{account} +({text})",
            default_field_names=list(TEXT),
            field_boosts=BOOSTS,
            conjunction_by_default=True,
        )
        searcher = self.index.searcher()
        result = searcher.search(query, limit=limit, count=True)
        snippets = tantivy.SnippetGenerator.create(searcher, query, self.index.schema, "body")
        for _score, address in result.hits:
            doc = searcher.doc(address)
            doc.get_first("message_id")
            snippets.snippet_from_doc(doc).to_html()
        return int(result.count or 0)

    def close(self) -> None:
        self._dir.cleanup()
