"""Resumable downloads (srlib/download.py), offline: file:// and a local HTTP server."""

import pytest

from srlib.download import download


def test_download_resumes_and_skips(tmp_path):
    src = tmp_path / "remote.bin"
    src.write_bytes(b"x" * 5000)
    dest = tmp_path / "local" / "file.bin"
    assert download(src.as_uri(), dest, progress=False).read_bytes() == b"x" * 5000
    src.write_bytes(b"changed")  # a finished download is not fetched again
    assert download(src.as_uri(), dest, progress=False).read_bytes() == b"x" * 5000
    assert not (dest.parent / "file.bin.part").exists()


def test_download_offline_error_says_where_to_put_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="put it at"):
        download((tmp_path / "missing.zip").as_uri(), tmp_path / "x.zip", progress=False)


def test_download_resumes_a_partial_file_over_http(tmp_path):
    """A .part left by an interrupted download is continued with an HTTP Range request."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    payload = bytes(range(256)) * 40
    ranges = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            header = self.headers.get("Range")
            ranges.append(header)
            start = int(header.split("=")[1].rstrip("-")) if header else 0
            self.send_response(206 if header else 200)
            self.send_header("Content-Length", str(len(payload) - start))
            self.end_headers()
            self.wfile.write(payload[start:])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dest = tmp_path / "archive.zip"
        (tmp_path / "archive.zip.part").write_bytes(payload[:1000])
        download(f"http://127.0.0.1:{server.server_port}/archive.zip", dest, progress=False)
    finally:
        server.shutdown()
    assert ranges == ["bytes=1000-"]
    assert dest.read_bytes() == payload
