"""Ports for listeners: free now, and outside the range outgoing connections draw from."""

from __future__ import annotations

import socket

import pytest

from bureau import process
from bureau.process import _ephemeral_floor, free_port


def test_free_ports_are_bindable_and_below_the_ephemeral_range() -> None:
    floor = _ephemeral_floor()
    ports = {free_port() for _ in range(20)}
    assert len(ports) > 1  # drawn, not one fixed port
    for port in ports:
        assert port < floor
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_in_use_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))  # the kernel's choice: never handed out by free_port
        held.listen()
        taken = held.getsockname()[1]
        other = free_port()
        draws = iter([taken, taken, other + 1])
        monkeypatch.setattr(process._PICK, "randrange", lambda _a, _b: next(draws))
        assert free_port() == other + 1


def test_one_process_never_hands_out_a_port_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    first = free_port()
    draws = iter([first, first, first + 1 if first + 1 < _ephemeral_floor() else first - 1])
    monkeypatch.setattr(process._PICK, "randrange", lambda _a, _b: next(draws))
    assert free_port() != first  # free again (nothing listens yet), but already given
