"""Ports for the servers the suite, benchmarks and trials start (deploy.cluster.free_ports)."""

from __future__ import annotations

import socket

import pytest

from deploy.cluster import EPHEMERAL_RANGE, ensure_free, free_ports


def test_a_port_an_outgoing_connection_holds_is_taken():
    # The CI failure: a database client's local port was the app's, so the app could not bind it.
    with (
        socket.create_server(("127.0.0.1", 0)) as listener,
        socket.create_connection(listener.getsockname()) as client,
        pytest.raises(RuntimeError, match="already in use"),
    ):
        ensure_free(client.getsockname()[1])


def test_free_ports_are_consecutive_bindable_and_outside_the_outgoing_range():
    first_ephemeral = int(EPHEMERAL_RANGE.read_text().split()[0])
    for _ in range(50):
        ports = free_ports(3)
        assert ports == list(range(ports[0], ports[0] + 3))
        assert ports[-1] < first_ephemeral
        for port in ports:
            ensure_free(port)
