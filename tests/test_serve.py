"""``briefgen serve``: the preview server answers on localhost with the rebuilt pages,
only to requests that name it, with bounded connections, quietly.

Every test runs a real server on 127.0.0.1 on an ephemeral port and talks to it over
sockets, with timeouts on every wait.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.serve import Preview, PreviewServer, _handler

from .projects import write_project

SECRET_TEXT = "Intelligence sharing stopped"  # a SECRET key message of the test project
# (its words, not its last two: those are kept on one line inside a span of their own)


def test_preview_serves_pages_and_picks_up_changes(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {
        "templates/audiences/minister.yaml": "title: M\nclearance: SECRET\nformats: [html]\n",
        "templates/audiences/norvia.yaml": None})
    preview = Preview(root, None)
    preview.rebuild()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(preview))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        def get(path: str) -> str:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                return response.read().decode("utf-8")

        assert 'href="/minister/"' in get("/")
        assert "Coordinated patrols." in get("/minister/")
        version = get("/_version")
        (root / "content/collaborations/patrols.yaml").write_text(
            (root / "content/collaborations/patrols.yaml").read_text("utf-8")
            .replace("Coordinated patrols.", "Nightly patrols."), "utf-8")
        preview.rebuild()
        assert get("/_version") != version
        assert "Nightly patrols." in get("/minister/")
        # a broken edit keeps the last good page and lists the problem
        (root / "content/partners.yaml").write_text("- code: nrv\n", "utf-8")
        preview.rebuild()
        assert "Nightly patrols." in get("/minister/")
        assert "content/partners.yaml" in get("/")
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(preview.out)


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """A built preview of a project whose minister page holds SECRET text."""
    root = write_project(tmp_path_factory.mktemp("serve") / "p", {
        "templates/audiences/minister.yaml": "title: M\nclearance: SECRET\nformats: [html]\n",
        "templates/audiences/norvia.yaml": None})
    made = Preview(root, None)
    made.rebuild()
    assert made.problems == []
    yield made
    shutil.rmtree(made.out, ignore_errors=True)


@contextmanager
def running(preview: Preview, *, max_connections: int = 16,
            idle_timeout: float = 10.0) -> Iterator[PreviewServer]:
    server = PreviewServer(("127.0.0.1", 0), _handler(preview, idle_timeout=idle_timeout),
                           max_connections=max_connections)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def exchange(port: int, request: bytes, timeout: float = 10.0) -> tuple[int, bytes, bytes]:
    """Send ``request`` as raw bytes; (status, headers, body) of the answer, read until
    the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


def get(port: int, path: str, host: str | None) -> tuple[int, bytes, bytes]:
    header = f"Host: {host}\r\n" if host is not None else ""
    return exchange(port, f"GET {path} HTTP/1.1\r\n{header}Connection: close\r\n\r\n"
                    .encode())


def wait_for(condition: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.02)
    return False


# ---------------------------------------------------------------------------- Host


def test_only_requests_that_name_the_server_are_answered(preview: Preview) -> None:
    """DNS rebinding: a page on evil.example that points its name at 127.0.0.1 sends
    `Host: evil.example:PORT`; it gets 421 and nothing of the page."""
    with running(preview) as server:
        port = server.server_port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}",
                     f"[::1]:{port}"):
            status, _, body = get(port, "/minister/", host)
            assert status == 200, host
            assert SECRET_TEXT.encode() in body, host
        for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}",
                     f"127.0.0.1.evil.example:{port}", "127.0.0.1", "localhost", ""):
            for path in ("/minister/", "/", "/_version"):
                status, head, body = get(port, path, host)
                assert (status, body) == (421, b""), (host, path)
                assert b"Content-Length: 0" in head
        status, _, body = exchange(port, b"GET /minister/ HTTP/1.0\r\n\r\n")
        assert (status, body) == (400, b"")
        status, _, body = exchange(port, f"GET /minister/ HTTP/1.1\r\nHost: 127.0.0.1:{port}"
                                         f"\r\nHost: evil.example\r\n\r\n".encode())
        assert (status, body) == (400, b"")


# ---------------------------------------------------------------------------- connections


def test_idle_connections_cannot_exhaust_the_server(preview: Preview) -> None:
    """Two silent connections fill a server limited to two: a third is told 503 at
    once; the silent ones are closed after the idle timeout and the server answers
    again."""
    with running(preview, max_connections=2, idle_timeout=1.0) as server:
        port = server.server_port
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
        try:
            refused: list[int] = []

            def busy() -> bool:
                started = time.monotonic()
                status = exchange(port, b"GET / HTTP/1.1\r\nHost: localhost:%d\r\n"
                                        b"Connection: close\r\n\r\n" % port)[0]
                refused.append(status)
                assert time.monotonic() - started < 1.0  # never waits for a slot
                return status == 503

            assert wait_for(busy, 5), refused
            started = time.monotonic()
            for sock in idle:  # the server hangs up on each (recv sees the end)
                assert sock.recv(1024) == b""
            assert time.monotonic() - started < 5
        finally:
            for sock in idle:
                sock.close()
        assert wait_for(lambda: get(port, "/", f"127.0.0.1:{port}")[0] == 200, 5)


def test_client_resets_are_reported_once_in_one_line(preview: Preview,
                                                     capfd: pytest.CaptureFixture[str]) -> None:
    """Browsers close connections mid-request (a reload, a closed tab): each reset
    reaches the server as ConnectionResetError; it says so once, without a traceback,
    and keeps answering."""
    with running(preview) as server:
        port = server.server_port
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /minister/ HTTP/1.1\r\nHo")  # mid-request...
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # ...a reset (RST), as a browser that gives up
        assert wait_for(lambda: server.disconnects == 3), server.disconnects
        assert get(port, "/", f"localhost:{port}")[0] == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if "closed a connection" in line] == [
        "preview: a browser closed a connection before it was answered (harmless; not "
        "reported again)"]


# ---------------------------------------------------------------------------- rebuilds


def test_content_that_breaks_the_build_never_stops_the_server(tmp_path: Path) -> None:
    """A 300-deep YAML edit (which once ended `serve` with a RecursionError): the
    rebuild does not raise, the last good page stays, the index lists a problem; the
    corrected file is picked up."""
    root = write_project(tmp_path / "p", {
        "templates/audiences/minister.yaml": "title: M\nclearance: SECRET\nformats: [html]\n",
        "templates/audiences/norvia.yaml": None})
    made = Preview(root, None)
    try:
        made.rebuild()
        briefing = root / "content/briefing.yaml"
        good = briefing.read_text("utf-8")
        briefing.write_text(good.replace("summary: Collaboration pays.",
                                         "summary: " + "[" * 300 + "]" * 300), "utf-8")
        made.rebuild()
        assert made.problems
        with running(made) as server:
            port = server.server_port
            status, _, index = get(port, "/", f"127.0.0.1:{port}")
            assert status == 200 and b"<h2>Problems</h2>" in index
            assert SECRET_TEXT.encode() in get(port, "/minister/", f"127.0.0.1:{port}")[2]
            briefing.write_text(good.replace("Collaboration pays.", "Partnership pays."),
                                "utf-8")
            made.rebuild()
            assert made.problems == []
            assert b"Partnership pays." in get(port, "/minister/", f"127.0.0.1:{port}")[2]
            assert b"Problems" not in get(port, "/", f"127.0.0.1:{port}")[2]
    finally:
        shutil.rmtree(made.out, ignore_errors=True)


AS_IN_A_TERMINAL = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                    "from generator.cli import main; sys.exit(main(sys.argv[1:]))")


def test_the_serve_command_answers_and_stops_at_once_on_ctrl_c(tmp_path: Path) -> None:
    """`briefgen serve --port 0` as a user runs it: it prints its address, answers
    there (and only to its own name), and Ctrl+C stops it at once, even with a
    browser's idle connection open."""
    root = write_project(tmp_path / "p", {
        "templates/audiences/minister.yaml": "title: M\nclearance: SECRET\nformats: [html]\n",
        "templates/audiences/norvia.yaml": None})
    # Ctrl+C handled as in a terminal: a process started in the background by a shell
    # (`make test &`) ignores SIGINT, and so would its children. PYTHONFAULTHANDLER: should
    # it ever hang, SIGABRT prints where each of its threads is.
    process = subprocess.Popen([sys.executable, "-c", AS_IN_A_TERMINAL, "serve", str(root),
                                "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    try:
        lines: list[str] = []
        stdout = process.stdout
        assert stdout is not None
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=120)
        found = re.search(r"at http://127\.0\.0\.1:(\d+)/", lines[0] if lines else "")
        assert found, lines
        port = int(found[1])
        # idle: accepted before the requests below (connections are taken in order)
        with socket.create_connection(("127.0.0.1", port), timeout=10):
            assert SECRET_TEXT.encode() in get(port, "/minister/", f"localhost:{port}")[2]
            assert get(port, "/minister/", f"evil.example:{port}")[:3:2] == (421, b"")
            started = time.monotonic()
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGABRT)
                pytest.fail("still running 20 s after Ctrl+C:\n"
                            + process.communicate(timeout=10)[1][-6000:])
            assert process.returncode == 0
            assert time.monotonic() - started < 5
        _, err = process.communicate(timeout=10)
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for pipe in (process.stdout, process.stderr):
            assert pipe is not None
            pipe.close()  # not left to the collector (a ResourceWarning in another test)
