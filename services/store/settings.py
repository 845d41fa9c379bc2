from __future__ import annotations

from pydantic import Field

from shared.settings import CommonSettings


class StoreSettings(CommonSettings):
    housekeeping_interval: float = Field(
        default=300.0, gt=0, description="seconds between Trash purges and blob collection"
    )
    blob_grace: float = Field(
        default=3600.0,
        ge=0,
        description="seconds a blob no message uses is kept before it is deleted",
    )
    upload_lifetime: float = Field(
        default=86400.0,
        gt=0,
        description="seconds an upload for a message being composed is kept before it expires",
    )
