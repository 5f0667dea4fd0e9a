"""HTTP plumbing both API versions share: a threaded server with keep-alive,
a small router, the lab's fault file, JSON bodies, and the signed tokens
(HS256 JWTs for 3.x, itsdangerous-style log continuation tokens).
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import socketserver
import sys
import time
import urllib.parse


# -- tokens ----------------------------------------------------------------

def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_encode(claims, key):
    """An HS256 JWT."""
    head = b64u(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64u(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(key, ("%s.%s" % (head, body)).encode(), hashlib.sha256).digest()
    return "%s.%s.%s" % (head, body, b64u(sig))


def jwt_decode(token, key, now=None):
    """The claims of a valid, unexpired HS256 JWT; ValueError otherwise."""
    try:
        head, body, sig = token.split(".")
        want = hmac.new(key, ("%s.%s" % (head, body)).encode(), hashlib.sha256).digest()
        if json.loads(unb64u(head)).get("alg") != "HS256":
            raise ValueError("unsupported algorithm")
        if not hmac.compare_digest(want, unb64u(sig)):
            raise ValueError("Signature verification failed")
        claims = json.loads(unb64u(body))
    except (ValueError, TypeError, AttributeError) as e:
        raise ValueError(str(e) or "Invalid token")
    if claims.get("exp", 0) < (now or time.time()):
        raise ValueError("Signature has expired")
    return claims


def sign_token(obj, key):
    """Like itsdangerous' URLSafeSerializer: payload.signature."""
    payload = b64u(json.dumps(obj, separators=(",", ":")).encode())
    sig = hmac.new(key, payload.encode(), hashlib.sha1).digest()
    return "%s.%s" % (payload, b64u(sig))


def load_token(token, key):
    try:
        payload, sig = token.rsplit(".", 1)
        want = hmac.new(key, payload.encode(), hashlib.sha1).digest()
        if hmac.compare_digest(want, unb64u(sig)):
            return json.loads(unb64u(payload))
    except (ValueError, TypeError):
        pass
    raise ValueError("Bad Signature. Please use only the tokens provided by the API.")


# -- faults ----------------------------------------------------------------

# The fault file is shared with the Kubernetes simulator (lab/sim/labfault.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from labfault import Faults  # noqa: E402,F401


# -- requests and responses -------------------------------------------------

class Request:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.headers, self.body = method, path, headers, body
        self.query = query                      # name → list of values

    def arg(self, name, default=None):
        v = self.query.get(name)
        return v[-1] if v else default

    def args(self, name):
        return [v for v in self.query.get(name, []) if v != ""]

    def accepts(self, ctype):
        return ctype in (self.headers.get("Accept") or "")


class Response:
    def __init__(self, status, body=b"", ctype="application/json", headers=None):
        if not isinstance(body, (bytes, bytearray)):
            body = json.dumps(body, default=str).encode()
        self.status, self.body, self.ctype = status, body, ctype
        self.headers = headers or {}


class Router:
    """(method, pattern) → handler(req, *groups); {name} matches one segment."""

    def __init__(self):
        self.routes = []

    def add(self, method, pattern, fn):
        rx = "^" + re.sub(r"\{\w+\}", "([^/]+)", pattern) + "$"
        self.routes.append((method, re.compile(rx), fn))

    def match(self, method, path):
        """(handler, args) or (None, allowed-methods list)."""
        allowed = []
        for m, rx, fn in self.routes:
            g = rx.match(path)
            if g:
                if m == method:
                    return fn, [urllib.parse.unquote(x) for x in g.groups()]
                allowed.append(m)
        return None, allowed


class Handler(http.server.BaseHTTPRequestHandler):
    """Hands every request to server.app.handle(Request) → Response."""
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle and the
    # client's delayed ACK add 40 ms to every keep-alive answer.
    disable_nagle_algorithm = True

    def version_string(self):
        return "gunicorn"

    def _dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        req = Request(self.command, url.path, urllib.parse.parse_qs(
            url.query, keep_blank_values=True), self.headers, body)
        app = self.server.app
        if app.faults.apply():
            resp = app.unavailable()
        else:
            try:
                resp = app.handle(req)
            except Exception as e:        # a bug must not kill the connection
                print("airflowsim: %s %s: %s: %s" % (self.command, self.path,
                                                     type(e).__name__, e),
                      file=sys.stderr)
                resp = app.internal_error(e)
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.ctype)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _dispatch

    def log_message(self, fmt, *args):
        if os.environ.get("AIRFLOWSIM_ACCESS_LOG"):
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def parse_json(req):
    """The body as JSON; ValueError with a reason otherwise."""
    if not req.body:
        raise ValueError("Request body is empty")
    return json.loads(req.body.decode("utf-8"))


def parse_bool(v):
    if v is None:
        return None
    if str(v).lower() in ("true", "1", "yes"):
        return True
    if str(v).lower() in ("false", "0", "no"):
        return False
    raise ValueError("not a boolean: %r" % v)
