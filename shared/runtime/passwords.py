"""Password hashing with Argon2id (RFC 9106 parameters of argon2-cffi's defaults).

Hashing and checking cost tens of milliseconds of CPU on purpose, so the async helpers
run them in a worker thread and never block an event loop.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def check_password_async(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(check_password, password_hash, password)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)
