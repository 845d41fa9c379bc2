"""The notify service's metrics: new-mail notifications by channel, SMS and fax messages
by result, and bounces."""

from __future__ import annotations

from shared.runtime.metrics import Registry


class NotifyMetrics:
    def __init__(self, registry: Registry) -> None:
        self.notifications = registry.counter(
            "bureau_notify_notifications_total",
            "New-mail notifications sent, by channel (email: one message; sms: one per number)",
            ("channel",),
        )
        self.notifications.declare(channel=("email", "sms"))
        self.channel_messages = registry.counter(
            "bureau_notify_channel_messages_total",
            "SMS and fax recipients handled, by result: sent, retried (a temporary failure,"
            " queued again), failed (bounced to the sender)",
            ("kind", "result"),
        )
        self.channel_messages.declare(kind=("sms", "fax"), result=("sent", "retried", "failed"))
        self.bounces = registry.counter(
            "bureau_notify_bounces_total",
            "Delivery status notifications for SMS and fax: sent to the sender, or dropped"
            " (no sender to tell)",
            ("result",),
        )
        self.bounces.declare(result=("sent", "dropped"))
