"""The outbound service's metrics: recipients by result, bounces, retries, and the queue
(requests in the OUTBOUND stream, and those deferred until their due time)."""

from __future__ import annotations

from datetime import datetime

from nats.js import JetStreamContext

from shared.runtime.metrics import Registry
from shared.streams import OUTBOUND

RESULTS = ("delivered", "local", "channel", "deferred", "failed")
_MAX_DEFERRED = 100_000  # due times remembered; past it, the ones already due are dropped


class OutboundMetrics:
    def __init__(self, registry: Registry) -> None:
        self.recipients = registry.counter(
            "bureau_outbound_recipients_total",
            "Recipients of outbound requests, by result: delivered (remote SMTP), local"
            " (through filters), channel (SMS or fax, handed to notify), deferred (temporary"
            " failure, retried later), failed (bounced to the sender)",
            ("result",),
        )
        self.recipients.declare(result=RESULTS)
        self.bounces = registry.counter(
            "bureau_outbound_bounces_total",
            "Delivery status notifications: sent to the sender, or dropped (the failed"
            " message was itself a bounce)",
            ("result",),
        )
        self.bounces.declare(result=("sent", "dropped"))
        self.retries = registry.counter(
            "bureau_outbound_retries_total",
            "Requests queued again for the recipients still waiting after a temporary failure",
        )
        self.queue = registry.gauge(
            "bureau_outbound_queue_requests",
            "Requests in the OUTBOUND stream: waiting, in hand, or deferred (at scrape time)",
        )
        self.deferred = registry.gauge(
            "bureau_outbound_deferred_requests",
            "Requests this process found not yet due and handed back until their due time",
        )
        self._due: dict[str, datetime] = {}

    def defer(self, event_id: str, due: datetime, now: datetime) -> None:
        if len(self._due) >= _MAX_DEFERRED:
            self.settle_due(now)
        self._due[event_id] = due

    def handled(self, event_id: str) -> None:
        self._due.pop(event_id, None)

    def settle_due(self, now: datetime) -> None:
        """Forget the requests already due (redelivered by now, here or to a replica)."""
        self._due = {k: due for k, due in self._due.items() if due > now}
        self.deferred.set(len(self._due))

    async def refresh_queue(self, js: JetStreamContext) -> None:
        info = await js.stream_info(OUTBOUND.name)
        self.queue.set(info.state.messages)
