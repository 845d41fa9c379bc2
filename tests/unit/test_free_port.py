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


def free_port_after(monkeypatch: pytest.MonkeyPatch, draws: list[int]) -> int:
    """`free_port` when its random draws start with `draws` (then go on as usual)."""
    real = process._PICK.randrange
    queued = iter(draws)
    monkeypatch.setattr(process._PICK, "randrange", lambda a, b: next(queued, None) or real(a, b))
    return free_port()


def test_a_port_in_use_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))  # the kernel's choice: never handed out by free_port
        held.listen()
        taken = held.getsockname()[1]
        assert free_port_after(monkeypatch, [taken, taken]) != taken


def test_one_process_never_hands_out_a_port_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    first = free_port()
    # free again (nothing listens on it yet), but already given
    assert free_port_after(monkeypatch, [first, first]) != first
