"""Small helpers for the processes the embedded run starts."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import random
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child, before exec: receive SIGTERM when the parent process dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _ephemeral_floor() -> int:
    """The lowest port the kernel hands out to outgoing connections (Linux: 32768)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_PICK = random.SystemRandom()
_GIVEN: set[int] = set()  # ports this process handed out: their listeners may not be up yet


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now, for a listener started a moment later.

    Picked below the ephemeral range: a port from the kernel's own choice (bind to 0) can
    be taken, before the listener binds it, as the local port of some outgoing
    connection — a real risk when several runs start side by side. A port is never
    handed out twice by one process (two listeners being set up at once)."""
    if len(_GIVEN) > 4096:
        _GIVEN.clear()
    floor = _ephemeral_floor()
    if floor > 11_000:
        # Each process draws from its own quarter of the range (by process id), so that
        # runs started side by side rarely draw the same port before either binds it.
        width = (floor - 10_000) // 4
        low = 10_000 + width * (os.getpid() % 4)
        for _ in range(64):
            port = _PICK.randrange(low, low + width)
            if port in _GIVEN:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind((host, port))
                except OSError:
                    continue
            _GIVEN.add(port)
            return port
    with socket.socket() as sock:
        sock.bind((host, 0))
        port = int(sock.getsockname()[1])
    _GIVEN.add(port)
    return port


class DataDirBusy(RuntimeError):
    """Another `bureau run` holds this data directory."""


@contextlib.contextmanager
def _held(fd: int) -> Iterator[None]:
    try:
        yield
    finally:
        os.close(fd)  # closing releases the lock


def hold_data_dir(data_dir: Path) -> contextlib.AbstractContextManager[None]:
    """Take the data directory's lock for the life of a run; raises `DataDirBusy`.

    Two runs on one directory would fight over the nats-server store and the databases.
    The kernel drops the lock when the process dies, so a killed run leaves no stale lock.
    """
    fd = os.open(data_dir / "bureau.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise DataDirBusy(f"{data_dir} is in use by another `bureau run`") from exc
    return _held(fd)


class RestartBackoff:
    """How long to wait before restarting a process that died: 1 s, 2 s, 4 s … up to
    `longest`, and back to the start once a run lasted `healthy` seconds, so that a
    process dying once a day is not restarted after the longest wait."""

    def __init__(
        self,
        *,
        first: float = 1.0,
        longest: float = 30.0,
        healthy: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._first = first
        self._longest = longest
        self._healthy = healthy
        self._clock = clock
        self._failures = 0
        self._started = clock()

    def started(self) -> None:
        """The process was (re)started just now."""
        self._started = self._clock()

    def next_delay(self) -> float:
        """The wait before the next restart, the process having just died."""
        if self._clock() - self._started >= self._healthy:
            self._failures = 0
        delay = min(self._first * 2**self._failures, self._longest)
        self._failures += 1
        return delay

    @property
    def failures(self) -> int:
        """Deaths since the last healthy run."""
        return self._failures
