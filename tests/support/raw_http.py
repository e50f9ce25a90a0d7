"""A loopback HTTP server that answers from a script, malformed answers included.

``with RawHttpServer(answers) as server``: ``answers`` maps a request path's
last segment to raw response bytes, or to a number of seconds to hang before
closing. It stands in for an S3 that answers the existence check badly.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
BAD_STATUS_LINE = b"HTTP/1.1 2x0 WHAT\r\n\r\n"
TOO_MANY_HEADERS = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n"
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


class RawHttpServer:
    def __init__(self, answers: Mapping[str, bytes | float]):
        self.answers = dict(answers)
        self.paths: list[str] = []
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(32)
        self._sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._loop, daemon=True, name="raw-http")

    def __enter__(self) -> RawHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                request += chunk
            path = request.split(b" ", 2)[1].decode().split("?", 1)[0]
            self.paths.append(path)
            answer = self.answers.get(path.rsplit("/", 1)[-1], NOT_FOUND)
            if isinstance(answer, (int, float)):
                self._stop.wait(answer)
                return
            connection.sendall(answer)
