"""A TCP proxy between mailflow and a real server that can break the connection on purpose.

- `reset_on(marker)`: the next server->client chunk containing `marker` is cut in
  half and the connection reset (a connection dropped in the middle of a FETCH).
- `blackhole()`: stop forwarding without closing (a dead NAT entry, a pulled cable).
- `down()` / `down(False)`: the server is gone, then back: open connections are
  reset and new ones are refused at once (a restarting server, a failed-over host).
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading

from mailflow.demo.embedded import free_port


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._stop = threading.Event()
        self._reset_marker: bytes | None = None
        self._blackholed = threading.Event()
        self._down = threading.Event()
        self.resets = 0
        self.connections = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def reset_on(self, marker: bytes) -> None:
        with self._lock:
            self._reset_marker = marker

    def blackhole(self, on: bool = True) -> None:
        if on:
            self._blackholed.set()
        else:
            self._blackholed.clear()

    def down(self, on: bool = True) -> None:
        if on:
            self._down.set()
        else:
            self._down.clear()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._down.is_set():
                _reset(client)
                continue
            self.connections += 1
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _take_marker(self, chunk: bytes) -> bool:
        with self._lock:
            if self._reset_marker is not None and self._reset_marker in chunk:
                self._reset_marker = None
                return True
        return False

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        with contextlib.ExitStack() as stack:
            stack.enter_context(client)
            stack.enter_context(server)
            while not self._stop.is_set():
                if self._down.is_set():
                    _reset(client)
                    return
                readable, _, _ = select.select([client, server], [], [], 0.2)
                for sock in readable:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    if self._blackholed.is_set():
                        continue
                    if sock is server and self._take_marker(chunk):
                        client.sendall(chunk[: len(chunk) // 2])
                        self.resets += 1
                        _reset(client)
                        return
                    (client if sock is server else server).sendall(chunk)


def _reset(sock: socket.socket) -> None:
    """Close with RST rather than FIN, as a crashed peer or middlebox does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
