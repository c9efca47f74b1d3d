"""A small threaded HTTP server on 127.0.0.1 for the viewer and the rating app.

The standard library's server is enough for one person's browser: pages are rendered by the
app per request, nothing is served from disk, and it binds to the loopback interface only,
so nothing of a study is reachable from another machine.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
MAX_BODY = 64 * 1024

Query = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None


class App(Protocol):
    def handle(self, method: str, path: str, query: Query, form: Query) -> Response: ...


def not_found(what: str) -> Response:
    return Response(404, f"<!DOCTYPE html><title>not found</title><p>{what} not found. "
                         '<a href="/index.html">Back to the start.</a></p>')


def make_server(app: App, port: int) -> ThreadingHTTPServer:
    """A server for `app` on 127.0.0.1:`port` (0 picks a free port), not yet serving."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            url = urlsplit(self.path)
            form: Query = {}
            if method == "POST":
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
            response = app.handle(method, url.path, parse_qs(url.query), form)
            body = response.body.encode()
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if response.location:
                self.send_header("Location", response.location)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the terminal shows where to point the browser, not every request."""

    server = ThreadingHTTPServer((HOST, port), Handler)
    server.daemon_threads = True
    return server


def serve(app: App, port: int, what: str) -> None:
    """Serve until Ctrl-C, after printing the address."""
    server = make_server(app, port)
    print(f"{what} at http://{HOST}:{server.server_address[1]}/ (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
