"""The notify service's metrics: new-mail notifications by channel, SMS and fax messages
by result, and bounces."""

from __future__ import annotations

from shared.metrics import Registry


class NotifyMetrics:
    def __init__(self, registry: Registry) -> None:
        self.notifications = registry.counter(
            "bureau_notify_notifications_total",
            "New-mail notifications sent, by channel (email: one message; sms: one per number)",
            ("channel",),
        )
        for channel in ("email", "sms"):
            self.notifications.labels(channel=channel)
        self.channel_messages = registry.counter(
            "bureau_notify_channel_messages_total",
            "SMS and fax recipients handled, by result: sent, retried (a temporary failure,"
            " queued again), failed (bounced to the sender)",
            ("kind", "result"),
        )
        for kind in ("sms", "fax"):
            for result in ("sent", "retried", "failed"):
                self.channel_messages.labels(kind=kind, result=result)
        self.bounces = registry.counter(
            "bureau_notify_bounces_total",
            "Delivery status notifications for SMS and fax: sent to the sender, or dropped"
            " (no sender to tell)",
            ("result",),
        )
        for result in ("sent", "dropped"):
            self.bounces.labels(result=result)
