"""Builds each service from its settings class and the shared adapters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bureau.adapters import Adapters
from shared.ports.bus import EventPublisher
from shared.runtime.metrics import Registry
from shared.runtime.service import Service
from shared.settings import CommonSettings

SERVICE_NAMES = ("store", "search", "filters", "outbound", "notify", "ingest", "gateway")


async def _ingest(
    common: CommonSettings,
    adapters: Adapters,
    publisher: EventPublisher,
    registry: Registry | None = None,
) -> Service:
    from services.ingest.service import IngestService
    from services.ingest.settings import IngestSettings

    return IngestService(
        IngestSettings(),
        mailbox=await adapters.mailbox(),
        blobs=await adapters.blobs(),
        publisher=publisher,
        login_records=adapters.login_records(),
        registry=registry,
    )


async def _filters(
    common: CommonSettings,
    adapters: Adapters,
    publisher: EventPublisher,
    registry: Registry | None = None,
) -> Service:
    from services.filters.service import FiltersService
    from services.outbound.settings import OutboundSettings

    return FiltersService(
        common,
        mailbox=await adapters.mailbox(),
        blobs=await adapters.blobs(),
        publisher=publisher,
        # The platform's mail name (BUREAU_HOSTNAME): loop warnings come from its postmaster.
        hostname=OutboundSettings().hostname,
        registry=registry,
    )


async def _outbound(
    common: CommonSettings,
    adapters: Adapters,
    publisher: EventPublisher,
    registry: Registry | None = None,
) -> Service:
    from services.outbound.service import OutboundService
    from services.outbound.settings import OutboundSettings

    return OutboundService(
        OutboundSettings(),
        mailbox=await adapters.mailbox(),
        blobs=await adapters.blobs(),
        publisher=publisher,
        registry=registry,
    )


async def _notify(
    common: CommonSettings,
    adapters: Adapters,
    publisher: EventPublisher,
    registry: Registry | None = None,
) -> Service:
    from services.notify.service import NotifyService
    from services.notify.settings import NotifySettings

    return NotifyService(
        NotifySettings(),
        mailbox=await adapters.mailbox(),
        blobs=await adapters.blobs(),
        publisher=publisher,
        registry=registry,
    )


async def _store(
    common: CommonSettings,
    adapters: Adapters,
    publisher: EventPublisher,
    registry: Registry | None = None,
) -> Service:
    from services.store.service import StoreService
    from services.store.settings import StoreSettings

    return StoreService(
        StoreSettings(),
        mailbox=await adapters.mailbox(),
        blobs=await adapters.blobs(),
        publisher=publisher,
        registry=registry,
    )


async def _search(
    common: CommonSettings,
    adapters: Adapters,
    publisher: EventPublisher,
    registry: Registry | None = None,
) -> Service:
    from services.search.service import SearchService

    return SearchService(
        common, index=await adapters.index(), blobs=await adapters.blobs(), registry=registry
    )


async def _gateway(
    common: CommonSettings,
    adapters: Adapters,
    publisher: EventPublisher,
    registry: Registry | None = None,
) -> Service:
    from services.gateway.service import GatewayService
    from services.gateway.settings import GatewaySettings

    settings = GatewaySettings()
    return GatewayService(
        settings,
        mailbox=await adapters.mailbox(),
        index=await adapters.index(),
        blobs=await adapters.blobs(),
        publisher=publisher,
        login_records=adapters.login_records(),
        leases=adapters.leases(
            "POP3_LOCKS", ttl=settings.pop3_lock_ttl, what="POP3 maildrop locks"
        ),
        registry=registry,
    )


# Each builder takes the process's metrics registry last (a private one when not given).
Builder = Callable[[CommonSettings, Adapters, EventPublisher, Registry | None], Awaitable[Service]]
BUILDERS: dict[str, Builder] = {
    "ingest": _ingest,
    "filters": _filters,
    "outbound": _outbound,
    "notify": _notify,
    "store": _store,
    "search": _search,
    "gateway": _gateway,
}


def listeners() -> list[str]:
    """What the embedded run listens on, read from the same settings the services read."""
    from services.gateway.settings import GatewaySettings
    from services.ingest.settings import IngestSettings

    ingest, gateway = IngestSettings(), GatewaySettings()
    return [
        f"SMTP        {ingest.smtp_listen}",
        f"Submission  {ingest.submission_listen} (STARTTLS), {ingest.submissions_listen} (TLS)",
        f"IMAP        {gateway.imap_listen} (STARTTLS), {gateway.imaps_listen} (TLS)",
        f"POP3        {gateway.pop3_listen} (STLS), {gateway.pop3s_listen} (TLS)",
        f"HTTP        http://{gateway.http_listen}/api/v1/",
    ]
