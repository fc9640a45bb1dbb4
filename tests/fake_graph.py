#!/usr/bin/env python3
"""fake_graph.py — a stand-in for the WhatsApp Graph API (the only fake in the suite: the
real one lives outside this machine). It accepts POST /<version>/<phone-number-id>/messages,
checks the bearer token, records every request with its arrival time, and answers like
Graph: {"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}.
A test can script the next answers (500, 429, a Graph error code) or make it fail for a
while. It serves media like Graph's media endpoint: GET /<version>/<media-id> answers
{"url", "mime_type", "file_size", "id"} and the url (on this server, bearer token required)
gives the bytes; add them with add_media. GET /_test/sent?to=PHONE (no token: a test's own
window on the fake, e.g. for the browser tests' node script) lists the bodies delivered to PHONE,
oldest first. Used in-process by the tests, or standalone: fake_graph.py --port P --token T
[--log FILE]; with --log, SIGTERM writes one line per request (arrival time, to, type, status,
wamid answered; tab-separated) to FILE before exiting — the benchmarks' record of what arrived."""
import http.server
import itertools
import json
import signal
import sys
import threading
import time


class FakeGraph:
    def __init__(self, token="test-token", phone_id="106540352242922"):
        self.token = token
        self.phone_id = phone_id
        self.requests = []  # (time, path, body dict, status answered)
        self.script = []  # answers to give next: (status, body dict)
        self.down_until = 0.0
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.media = {}  # media id -> (mime, bytes, file_size announced)
        self.media_gets = []  # (path, Authorization) of every GET
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # answer in one segment, as a real server does
            wbufsize = 65536

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                status, answer = fake.answer(self.path, self.headers.get("Authorization"), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                status, ctype, data = fake.get(self.path, self.headers.get("Authorization"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}/v21.0"

    def answer(self, path, auth, body):
        with self.lock:
            now = time.time()
            if auth != f"Bearer {self.token}":
                status, answer = 401, {"error": {"message": "Invalid OAuth access token", "type": "OAuthException", "code": 190}}
            elif path != f"/v21.0/{self.phone_id}/messages" or not isinstance(body, dict):
                status, answer = 400, {"error": {"message": "Unsupported post request", "code": 100}}
            elif now < self.down_until:
                status, answer = 503, {"error": {"message": "Service temporarily unavailable", "code": 2}}
            elif self.script:
                status, answer = self.script.pop(0)
            elif body.get("status") == "read":
                status, answer = 200, {"success": True}
            else:
                status, answer = 200, {"messaging_product": "whatsapp",
                                       "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                                       "messages": [{"id": f"wamid.FAKE{next(self.ids):08d}"}]}
            self.requests.append((now, path, body, status, answer))
            return status, answer

    def add_media(self, media_id, data, mime="image/jpeg", file_size=None):
        with self.lock:
            self.media[media_id] = (mime, data, len(data) if file_size is None else file_size)

    def get(self, path, auth):
        if path.startswith("/_test/sent?to="):
            to = path.split("=", 1)[1]
            return 200, "application/json", json.dumps(
                [b for _, b, _ in self.delivered() if b.get("to") == to], ensure_ascii=False).encode()
        with self.lock:
            self.media_gets.append((path, auth))
            if auth != f"Bearer {self.token}":
                return 401, "application/json", json.dumps({"error": {"message": "Invalid OAuth access token", "code": 190}}).encode()
            parts = path.split("/")
            if len(parts) == 3 and parts[1] == "v21.0" and parts[2] in self.media:
                mime, data, size = self.media[parts[2]]
                return 200, "application/json", json.dumps({
                    "messaging_product": "whatsapp", "url": f"http://127.0.0.1:{self.port}/media-bytes/{parts[2]}",
                    "mime_type": mime, "sha256": "x", "file_size": size, "id": parts[2]}).encode()
            if len(parts) == 3 and parts[1] == "media-bytes" and parts[2] in self.media:
                mime, data, _ = self.media[parts[2]]
                return 200, mime, data
            return 404, "application/json", json.dumps({"error": {"message": "Unsupported get request", "code": 100}}).encode()

    def fail_next(self, *answers):
        """answers: status codes, or (status, graph_error_code) pairs."""
        with self.lock:
            for a in answers:
                status, code = a if isinstance(a, tuple) else (a, None)
                err = {"error": {"message": "scripted failure", "type": "OAuthException", "code": code or status}}
                self.script.append((status, err))

    def go_down(self, seconds):
        with self.lock:
            self.down_until = time.time() + seconds

    def delivered(self):
        """(time, body, wamid) of every request answered with a message id."""
        with self.lock:
            return [(t, b, a["messages"][0]["id"]) for t, _, b, s, a in self.requests
                    if s == 200 and "messages" in a]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    port, token, log = 0, "test-token", None
    args = sys.argv[1:]
    for i, a in enumerate(args):
        if a == "--token":
            token = args[i + 1]
        elif a == "--log":
            log = args[i + 1]
    fake = FakeGraph(token=token)

    def write_log(*_):
        if log:
            with fake.lock:
                reqs = list(fake.requests)
            with open(log, "w") as f:
                for t, _, b, status, a in reqs:
                    b = b if isinstance(b, dict) else {}
                    wamid = a["messages"][0]["id"] if status == 200 and "messages" in a else ""
                    f.write(f"{t:.6f}\t{b.get('to', '')}\t{b.get('type', b.get('status', ''))}\t{status}\t{wamid}\n")
        sys.exit(0)

    signal.signal(signal.SIGTERM, write_log)
    print(fake.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.close()
