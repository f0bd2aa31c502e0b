"""The server `klassruk serve` starts hands TCP_NODELAY to every connection (no 40 ms stalls)."""

from __future__ import annotations

import gc
import socket

import pytest
from streamlit.web.server.starlette import starlette_server

from components.kit import streamlit_server
from components.kit.streamlit_server import YOUNG_GENERATION_THRESHOLD, install


def _accepted_nodelay(listening: socket.socket) -> int:
    """TCP_NODELAY of a connection the listening socket accepts (1: Nagle's algorithm off)."""
    with listening, socket.create_connection(listening.getsockname()) as _client:
        accepted, _ = listening.accept()
        with accepted:
            return accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _bind() -> socket.socket:
    listening, _ = starlette_server._bind_server_socket("127.0.0.1", "127.0.0.1", 0, 8)
    listening.setblocking(True)
    return listening


def test_streamlit_alone_leaves_nagle_on_and_the_launcher_turns_it_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The defect the launcher exists for: when Streamlit fixes it, the launcher can go.
    assert _accepted_nodelay(_bind()) == 0
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    install()
    assert _accepted_nodelay(_bind()) == 1


def test_the_launcher_collects_the_young_generation_less_often(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[str] = []
    monkeypatch.setattr(streamlit_server, "main", lambda prog_name: started.append(prog_name))
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    default = gc.get_threshold()
    try:
        gc.set_threshold(700, *default[1:])
        streamlit_server.run()
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *default[1:])
    finally:
        gc.set_threshold(*default)
    assert started == ["streamlit"]  # the server starts after the tuning, as `streamlit` would
    assert _accepted_nodelay(_bind()) == 1
