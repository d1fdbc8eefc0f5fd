"""Test-only: a CRDS server on localhost that serves a self-made cache, to test downloads offline.

It answers the JSON-RPC calls the crds client makes to fill a cache (``get_server_info``, with
the files' sizes and sha1sums, ``get_mapping_names``, ``get_default_context``) and serves the files over
HTTP, with the sizes and sha1sums crds checks after each download. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from crds_cache import server_info


def _catalogue(root: Path) -> dict[str, Path]:
    files = {path.name: path for path in (root / "mappings" / "jwst").glob("*map")}
    files.update({path.name: path for path in (root / "references" / "jwst").rglob("*.fits")})
    return files


@contextmanager
def crds_server(root: Path, context: str) -> Iterator[tuple[str, list[str]]]:
    """Serve the cache at ``root``; yields the server URL and the list of requests made."""
    files = _catalogue(root)
    requests: list[str] = []

    def info(base: str) -> dict[str, Any]:
        from crds.client.proxy import crds_encode

        metadata = {
            name: {"size": str(path.stat().st_size), "sha1sum": hashlib.sha1(path.read_bytes()).hexdigest()}
            for name, path in files.items()
        }
        return server_info(context, {"jwst": base + "/files/"}) | {"download_metadata": crds_encode(metadata)}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

        def _reply(self, body: bytes, kind: str = "application/json") -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            call = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            method = call["method"]
            requests.append(method)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            results = {
                "get_server_info": lambda: info(base),
                "get_default_context": lambda: context,
                "get_mapping_names": lambda: sorted(name for name in files if name.endswith("map")),
            }
            if method in results:
                answer = {"result": results[method](), "error": None, "id": call["id"]}
            else:
                answer = {"result": None, "error": {"message": f"unknown method {method}"}, "id": call["id"]}
            self._reply(json.dumps(answer).encode())

        def do_GET(self) -> None:  # noqa: N802
            name = self.path.rsplit("/", 1)[-1]
            requests.append(f"GET {name}")
            if name not in files:
                self.send_error(404)
                return
            self._reply(files[name].read_bytes(), "application/octet-stream")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
