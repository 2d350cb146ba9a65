"""A tiny HTTP service for Capstan's examples: answers with its version, fails on purpose when asked."""
import http.server
import json
import os
import random
import sys

PORT = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else int(os.environ.get("PORT", "8080"))
VERSION = os.environ.get("VERSION", "dev")
ERROR_RATE = float(os.environ.get("ERROR_RATE", "0"))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            status, body = 200, {"ok": True}
        elif random.random() < ERROR_RATE:
            status, body = 500, {"error": "injected failure", "version": VERSION}
        else:
            status, body = 200, {"version": VERSION, "variant": os.environ.get("CAPSTAN_VARIANT", "")}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
