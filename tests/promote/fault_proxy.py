#!/usr/bin/env python3
"""A loopback HTTP proxy in front of a registry that fails chosen requests (fault injection for
the promote tests).

  fault_proxy.py --upstream 127.0.0.1:5000 --port-file F --method PUT --path-regex /manifests/
                 --fail-after N

Listens on 127.0.0.1 (a free port, written to F once listening) and forwards every request to
the upstream registry unchanged (the Host header is kept, so the registry builds upload URLs that
point back at the proxy). The first N requests matching METHOD and PATH_REGEX pass; every later
match is answered 503 with Retry-After: 3600, which outlasts any client retry budget, so the
client gives up at once: a registry fault in the middle of a copy. Each failed request is logged
to stderr as "FAILED <method> <path>".
"""
import argparse
import http.client
import http.server
import re
import sys
import threading

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--method", default="PUT")
    ap.add_argument("--path-regex", default="/manifests/")
    ap.add_argument("--fail-after", type=int, default=0)
    args = ap.parse_args()
    pattern = re.compile(args.path_regex)
    lock = threading.Lock()
    state = {"matched": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # quiet: only failures are logged
            pass

        def _body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def _handle(self):
            body = self._body()
            fail = False
            if self.command == args.method and pattern.search(self.path):
                with lock:
                    state["matched"] += 1
                    fail = state["matched"] > args.fail_after
            if fail:
                sys.stderr.write(f"FAILED {self.command} {self.path}\n")
                sys.stderr.flush()
                msg = b'{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}'
                self.send_response(503)
                self.send_header("Retry-After", "3600")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)
                return
            conn = http.client.HTTPConnection(args.upstream, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            if body or self.command in ("PUT", "POST", "PATCH"):
                headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            if self.command == "HEAD":
                length = resp.getheader("Content-Length")
                if length is not None:
                    self.send_header("Content-Length", length)
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _handle

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
