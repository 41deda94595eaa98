"""``briefgen serve``: the preview server answers on localhost with the rebuilt pages."""

from __future__ import annotations

import shutil
import threading
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

from generator.serve import Preview, _handler

from .projects import write_project


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
