"""``briefgen serve``: preview the HTML briefs on localhost, rebuilt on every change.

The server binds to 127.0.0.1 only. Pages are the same ``brief.html`` files a build
writes (into a private preview folder, not ``output/``); the server adds a small script
to each response that reloads the page after a rebuild.

What keeps the preview of a SECRET page on this machine and the server alive:

- A request is answered only when its ``Host`` header names the server itself
  (``127.0.0.1:PORT``, ``localhost:PORT``, ``[::1]:PORT`` or the host it was told to
  bind): a web page elsewhere that points its own name at 127.0.0.1 (DNS rebinding)
  gets ``421 Misdirected Request``, a request without a ``Host`` ``400``, both without
  content.
- At most :data:`MAX_CONNECTIONS` connections are served at once, each waiting at most
  :data:`SOCKET_TIMEOUT` seconds for the client; one more is answered ``503`` at once.
- A browser closing a connection early is reported once, in one line.
- A rebuild that fails, for whatever reason, keeps the last good pages and lists the
  problem on the index page.
"""

from __future__ import annotations

import html
import shutil
import socket
import sys
import tempfile
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click

from .build import build
from .errors import BriefgenError

RELOAD = (b"<script>(function(){var v=null;setInterval(function(){fetch('/_version')"
          b".then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v)"
          b"location.reload();v=t}).catch(function(){})},1000)})();</script>")

#: Connections served at once (each holds a thread while it is open).
MAX_CONNECTIONS = 16
#: Seconds a connection may stay silent before the server closes it.
SOCKET_TIMEOUT = 10.0
DEFAULT_HOST = "127.0.0.1"

# A client that closed or reset its connection: nothing to fix, nothing to show.
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
         b"Connection: close\r\nRetry-After: 1\r\n\r\n")


class Preview:
    """The preview folder, its version counter and the last build's problems."""

    def __init__(self, project: Path, audiences: list[str] | None) -> None:
        self.project = project
        self.audiences = audiences
        self.out = Path(tempfile.mkdtemp(prefix="briefgen-preview-"))
        self.version = 0
        self.problems: list[str] = []
        self.lock = threading.Lock()

    def rebuild(self) -> None:
        """Build the HTML pages again. Never raises for a problem in the project: the
        last good pages stay and the problems are listed (invalid content must not stop
        the server)."""
        try:
            build(self.project, self.audiences, ["html"], self.out, jobs=1)
            problems: list[str] = []
        except BriefgenError as exc:
            problems = [d.format() for d in exc.diagnostics]
        except Exception as exc:  # a bug or a limit hit (recursion, memory): see above
            text = str(exc).splitlines()[0][:200] if str(exc) else ""
            problems = [f"the preview could not be rebuilt: {type(exc).__name__}"
                        + (f": {text}" if text else "")]
        for line in problems:
            click.echo(line, err=True)
        with self.lock:
            self.problems = problems
            self.version += 1
        click.echo(f"preview rebuilt ({'with errors' if problems else 'ok'})", err=True)

    def pages(self) -> list[str]:
        return sorted(p.parent.name for p in self.out.glob("*/brief.html"))


def allowed_hosts(port: int, host: str = DEFAULT_HOST) -> frozenset[str]:
    """The ``Host`` header values the server answers (lower case)."""
    names = {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host}
    found = {f"{name}:{port}" for name in names}
    if port == 80:  # a browser leaves the default port out
        found |= names
    return frozenset(n.lower() for n in found)


def _handler(preview: Preview, host: str = DEFAULT_HOST,
             idle_timeout: float = SOCKET_TIMEOUT) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "briefgen"
        sys_version = ""
        timeout = idle_timeout  # set on each connection's socket: a silent client is let go

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def send(self, body: bytes, kind: str = "text/html; charset=utf-8",
                 status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            self.wfile.write(body)

        def refuse(self, status: HTTPStatus) -> None:
            """An answer without content, closing the connection."""
            self.close_connection = True
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()

        def refusal(self) -> HTTPStatus | None:
            """None when the request names this server; else the refusal to send."""
            hosts = self.headers.get_all("Host") or []
            if len(hosts) != 1:
                return HTTPStatus.BAD_REQUEST
            port = getattr(self.server, "server_port", 0)
            if hosts[0].strip().lower() not in allowed_hosts(int(port), host):
                return HTTPStatus.MISDIRECTED_REQUEST
            return None

        def do_GET(self) -> None:
            refusal = self.refusal()
            if refusal is not None:
                self.refuse(refusal)
                return
            path = self.path.split("?", 1)[0].strip("/")
            if path == "_version":
                self.send(str(preview.version).encode(), "text/plain")
                return
            if path == "":
                items = "".join(f'<li><a href="/{html.escape(n)}/">{html.escape(n)}</a></li>'
                                for n in preview.pages())
                errors = "".join(f"<li>{html.escape(p)}</li>" for p in preview.problems)
                body = (f"<!doctype html><meta charset=utf-8><title>briefgen preview</title>"
                        f"<h1>Audiences</h1><ul>{items}</ul>"
                        + (f"<h2>Problems</h2><ul>{errors}</ul>" if errors else ""))
                self.send(body.encode() + RELOAD)
                return
            if path in preview.pages():
                page = (preview.out / path / "brief.html").read_bytes()
                self.send(page.replace(b"</body>", RELOAD + b"</body>", 1))
                return
            self.send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)

    return Handler


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server with at most ``max_connections`` threads, that reports a
    client's early disconnect once, in one line."""

    daemon_threads = True  # Ctrl+C never waits for a browser's idle connection

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 *, max_connections: int = MAX_CONNECTIONS) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        self.disconnects = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._busy(request)
            return
        try:
            super().process_request(request, client_address)  # a thread serves it
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _busy(self, request: socket.socket) -> None:
        """``503`` at once to a connection beyond the limit (never waiting on it)."""
        try:
            request.setblocking(False)
            request.send(_BUSY)
        except OSError:
            pass
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, _DISCONNECTS):
            with self._lock:
                self.disconnects += 1
                first = self.disconnects == 1
            if first:
                click.echo("preview: a browser closed a connection before it was answered "
                           "(harmless; not reported again)", err=True)
            return
        super().handle_error(request, client_address)


def serve(project: Path, port: int, audiences: list[str] | None = None,
          host: str = DEFAULT_HOST) -> None:
    from watchfiles import watch

    preview = Preview(project, audiences)
    preview.rebuild()
    server = PreviewServer((host, port), _handler(preview, host))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    click.echo(f"Previewing {project} at http://{host}:{server.server_port}/ "
               "(Ctrl+C to stop)")
    watched = [str(p) for p in (project / "content", project / "templates") if p.is_dir()]
    try:
        for _ in watch(*watched):
            preview.rebuild()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(preview.out, ignore_errors=True)
