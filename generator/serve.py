"""``briefgen serve``: preview the HTML briefs on localhost, rebuilt on every change.

The server binds to 127.0.0.1 only. Pages are the same ``brief.html`` files a build
writes (into a private preview folder, not ``output/``); the server adds a small script
to each response that reloads the page after a rebuild.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click

from .build import build
from .errors import BriefgenError

RELOAD = (b"<script>(function(){var v=null;setInterval(function(){fetch('/_version')"
          b".then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v)"
          b"location.reload();v=t}).catch(function(){})},1000)})();</script>")


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
        try:
            build(self.project, self.audiences, ["html"], self.out, jobs=1)
            problems: list[str] = []
        except BriefgenError as exc:
            problems = [d.format() for d in exc.diagnostics]
            for line in problems:
                click.echo(line, err=True)
        with self.lock:
            self.problems = problems
            self.version += 1
        click.echo(f"preview rebuilt ({'with errors' if problems else 'ok'})", err=True)

    def pages(self) -> list[str]:
        return sorted(p.parent.name for p in self.out.glob("*/brief.html"))


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def send(self, body: bytes, kind: str = "text/html; charset=utf-8",
                 status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
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


def serve(project: Path, port: int, audiences: list[str] | None = None) -> None:
    from watchfiles import watch

    preview = Preview(project, audiences)
    preview.rebuild()
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(preview))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    click.echo(f"Previewing {project} at http://127.0.0.1:{server.server_port}/ "
               "(Ctrl+C to stop)")
    watched = [str(p) for p in (project / "content", project / "templates") if p.is_dir()]
    try:
        for _ in watch(*watched):
            preview.rebuild()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        shutil.rmtree(preview.out, ignore_errors=True)
