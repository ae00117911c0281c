"""A TCP relay to PostgreSQL that the tests cut and restore, as a database restart looks
to the processes behind it (the machine's PostgreSQL serves other tests at the same time,
so it is never restarted itself)."""

from __future__ import annotations

import contextlib
import socket
import threading


class Relay:
    """A TCP relay to PostgreSQL that can be cut and restored, as a restart would: when
    cut, live connections are dropped and new ones closed as soon as they open."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.down = False
        self.sockets: list[socket.socket] = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def start(self) -> None:
        self.down = False

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.down = True
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self.sockets.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()
