#!/usr/bin/python3
"""labs3: a small S3 client (AWS Signature Version 4) for the platform lab.

Standard library only. Path-style addressing (http://host:port/bucket/key),
service "s3", a configurable region, x-amz-content-sha256 carrying the real
SHA-256 of the payload, keys percent-encoded as RFC 3986 asks (only
A-Z a-z 0-9 - _ . ~ and the "/" separators stay as they are), query
parameters sorted by name.

    from labs3 import S3, S3Error
    s3 = S3("http://127.0.1.1:8081", "lab:operator", secret)
    s3.create_bucket("lakehouse")
    s3.put_object("lakehouse", "bronze/x.json", b"{}\\n")
    keys, prefixes = s3.list_objects("lakehouse", prefix="bronze/", delimiter="/")

Thread-safe: every thread keeps its own keep-alive connection.

Command line (secret read from a file, trailing newline stripped):

    /usr/bin/python3 lab/sim/labs3.py --endpoint URL --access-key K \\
        --secret-file F CMD ...
    CMD: lsb | mb BUCKET | rb BUCKET [--force] | put BUCKET KEY FILE|- |
         get BUCKET KEY |
         head BUCKET KEY | rm BUCKET KEY | ls BUCKET [PREFIX] [--delimiter D] |
         presign BUCKET KEY [--method GET] [--expires S] |
         seed BUCKET PREFIX COUNT [--size BYTES] [--threads 8] |
         seed-lab   (buckets lakehouse, airflow-logs and sample objects)

Defaults: endpoint http://127.0.1.1:8081, access key lab:operator, secret
file $PLATFORM_LAB_DIR/secrets/s3 (lab dir default /tmp/platform-lab).
`ls` prints control characters in keys as \\xNN so hostile keys cannot
drive the terminal. Listings ask for encoding-type=url and decode the keys:
Swift answers 500 to a plain listing that holds a key with control
characters (XML 1.0 cannot carry them).
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import hmac
import http.client
import os
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"


class S3Error(Exception):
    """An S3 error answer: HTTP status, S3 error code and message."""

    def __init__(self, status, code, message):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message


def uri_encode(text, safe="-_.~"):
    """RFC 3986 percent-encoding of UTF-8 text (what SigV4 asks for)."""
    return urllib.parse.quote(text, safe=safe)


def canonical_query(params):
    """Sorted, encoded query string from (name, value) pairs."""
    enc = sorted((uri_encode(k), uri_encode(v)) for k, v in params)
    return "&".join("%s=%s" % kv for kv in enc)


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret, datestamp, region, service="s3"):
    """Derive the SigV4 signing key for one day, region and service."""
    k = _hmac(("AWS4" + secret).encode("utf-8"), datestamp)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def string_to_sign(amzdate, scope, creq):
    """The SigV4 string to sign for a canonical request."""
    digest = hashlib.sha256(creq.encode("utf-8")).hexdigest()
    return "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amzdate, scope, digest)


def canonical_request(method, path, query, headers, payload_hash):
    """SigV4 canonical request; headers is a dict of lower-case names."""
    names = sorted(headers)
    hdrs = "".join("%s:%s\n" % (n, " ".join(str(headers[n]).split()))
                   for n in names)
    return "\n".join([method, path, query, hdrs, ";".join(names),
                      payload_hash]), ";".join(names)


def _strip_ns(tag):
    return tag.rsplit("}", 1)[-1]


def _children(elem, name):
    return [c for c in elem if _strip_ns(c.tag) == name]


def _text(elem, name, default=""):
    for c in elem:
        if _strip_ns(c.tag) == name:
            return c.text or ""
    return default


class S3:
    """A SigV4 S3 client for one endpoint (path-style addressing)."""

    def __init__(self, endpoint, access_key, secret_key, region="us-east-1",
                 timeout=30):
        url = urllib.parse.urlsplit(endpoint)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError("endpoint must be http(s)://host[:port]: %r"
                             % endpoint)
        self.scheme = url.scheme
        self.host = url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        default = (url.scheme == "http" and self.port == 80) or \
                  (url.scheme == "https" and self.port == 443)
        self.hostport = self.host if default else "%s:%d" % (self.host,
                                                             self.port)
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.timeout = timeout
        self._local = threading.local()

    # -- signing ---------------------------------------------------------

    @staticmethod
    def path_for(bucket=None, key=None):
        """The encoded path of a bucket or an object."""
        path = "/"
        if bucket:
            path += uri_encode(bucket)
            if key is not None:
                path += "/" + uri_encode(key, safe="-_.~/")
        return path

    def sign_headers(self, method, path, params=(), headers=None,
                     payload_hash=EMPTY_SHA256, now=None):
        """Headers (with Authorization) signing one request.

        path is the already encoded path, params (name, value) pairs.
        payload_hash goes into x-amz-content-sha256 as given, so a caller
        can also sign a deliberately wrong hash.
        """
        now = now or datetime.datetime.now(datetime.timezone.utc)
        amzdate = now.strftime("%Y%m%dT%H%M%SZ")
        datestamp = amzdate[:8]
        hdrs = {k.lower(): v for k, v in (headers or {}).items()}
        hdrs["host"] = self.hostport
        hdrs["x-amz-date"] = amzdate
        hdrs["x-amz-content-sha256"] = payload_hash
        creq, signed = canonical_request(method, path, canonical_query(params),
                                         hdrs, payload_hash)
        scope = "%s/%s/s3/aws4_request" % (datestamp, self.region)
        sig = hmac.new(signing_key(self.secret_key, datestamp, self.region),
                       string_to_sign(amzdate, scope, creq).encode("utf-8"),
                       hashlib.sha256).hexdigest()
        hdrs["authorization"] = (
            "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
            "Signature=%s" % (self.access_key, scope, signed, sig))
        return hdrs

    def presign(self, method, bucket, key, expires=3600, now=None):
        """A presigned URL (query-string SigV4, UNSIGNED-PAYLOAD)."""
        if not 1 <= int(expires) <= 604800:
            raise ValueError("expires must be 1..604800 seconds")
        now = now or datetime.datetime.now(datetime.timezone.utc)
        amzdate = now.strftime("%Y%m%dT%H%M%SZ")
        datestamp = amzdate[:8]
        scope = "%s/%s/s3/aws4_request" % (datestamp, self.region)
        params = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                  ("X-Amz-Credential", "%s/%s" % (self.access_key, scope)),
                  ("X-Amz-Date", amzdate),
                  ("X-Amz-Expires", str(int(expires))),
                  ("X-Amz-SignedHeaders", "host")]
        path = self.path_for(bucket, key)
        query = canonical_query(params)
        creq, _ = canonical_request(method.upper(), path, query,
                                    {"host": self.hostport}, UNSIGNED)
        sig = hmac.new(signing_key(self.secret_key, datestamp, self.region),
                       string_to_sign(amzdate, scope, creq).encode("utf-8"),
                       hashlib.sha256).hexdigest()
        return "%s://%s%s?%s&X-Amz-Signature=%s" % (
            self.scheme, self.hostport, path, query, sig)

    # -- transport -------------------------------------------------------

    def _conn(self, fresh=False):
        conn = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            cls = (http.client.HTTPSConnection if self.scheme == "https"
                   else http.client.HTTPConnection)
            conn = cls(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def request(self, method, bucket=None, key=None, params=(), body=b"",
                headers=None, payload_hash=None, ok=(200, 204, 206)):
        """Send one signed request; returns (status, headers dict, body).

        Raises S3Error for a status outside ok. payload_hash overrides the
        real SHA-256 of body (for tests of the server's checks).
        """
        path = self.path_for(bucket, key)
        if payload_hash is None:
            payload_hash = hashlib.sha256(body).hexdigest()
        hdrs = self.sign_headers(method, path, params, headers, payload_hash)
        url = path
        if params:
            url += "?" + canonical_query(params)
        if body or method in ("PUT", "POST"):
            hdrs["content-length"] = str(len(body))
        status, rhdrs, data = self._send(method, url, body, hdrs)
        if status not in ok:
            raise self._error(status, data)
        return status, rhdrs, data

    def _send(self, method, url, body, hdrs):
        # A kept-alive connection may have been closed by the server since
        # the last call: retry once on a fresh one (all our calls are
        # idempotent).
        for attempt in (0, 1):
            conn = self._conn(fresh=attempt > 0)
            try:
                conn.request(method, url, body=body or None, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError, http.client.CannotSendRequest,
                    http.client.BadStatusLine):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
                continue
            rhdrs = {k.lower(): v for k, v in resp.getheaders()}
            if resp.will_close:
                conn.close()
                self._local.conn = None
            return resp.status, rhdrs, data
        raise AssertionError("unreachable")

    @staticmethod
    def _error(status, data):
        # HEAD errors have no body: the reason phrase, e.g. "NotFound"
        code = http.client.responses.get(status, "Error").replace(" ", "")
        message = ""
        if data:
            try:
                root = ET.fromstring(data)
                code = _text(root, "Code", code)
                message = _text(root, "Message", "")
            except ET.ParseError:
                message = data[:200].decode("utf-8", "replace")
        return S3Error(status, code, message)

    # -- API -------------------------------------------------------------

    def list_buckets(self):
        """[{Name, CreationDate}] of the account's buckets."""
        _, _, data = self.request("GET")
        root = ET.fromstring(data)
        out = []
        for buckets in _children(root, "Buckets"):
            for b in _children(buckets, "Bucket"):
                out.append({"Name": _text(b, "Name"),
                            "CreationDate": _text(b, "CreationDate")})
        return out

    def create_bucket(self, bucket):
        """Create a bucket; an existing one is fine."""
        try:
            self.request("PUT", bucket)
        except S3Error as e:
            if e.status != 409 or e.code not in ("BucketAlreadyOwnedByYou",
                                                 "BucketAlreadyExists"):
                raise

    def delete_bucket(self, bucket):
        """Delete an empty bucket."""
        self.request("DELETE", bucket)

    def put_object(self, bucket, key, data,
                   content_type="application/octet-stream"):
        """Upload bytes; returns the ETag (without quotes)."""
        _, hdrs, _ = self.request("PUT", bucket, key, body=bytes(data),
                                  headers={"content-type": content_type})
        return hdrs.get("etag", "").strip('"')

    def get_object(self, bucket, key):
        """The object's bytes."""
        return self.request("GET", bucket, key)[2]

    def head_object(self, bucket, key):
        """The object's headers (names in lower case)."""
        return self.request("HEAD", bucket, key)[1]

    def delete_object(self, bucket, key):
        """Delete an object (deleting a missing key is not an error)."""
        self.request("DELETE", bucket, key)

    def list_objects(self, bucket, prefix="", delimiter=None, max_keys=1000):
        """All keys under prefix: ([{Key, Size, ETag, LastModified}],
        [common prefixes]); max_keys is the page size, continuation tokens
        (ListObjectsV2) are followed to the end."""
        objects, prefixes, token = [], [], None
        # Swift encodes a space as %20, AWS as "+"; a real "+" is %2B in both
        unq = urllib.parse.unquote_plus
        while True:
            # encoding-type=url: keys with control characters cannot be
            # carried in XML 1.0 otherwise.
            params = [("list-type", "2"), ("max-keys", str(max_keys)),
                      ("prefix", prefix), ("encoding-type", "url")]
            if delimiter:
                params.append(("delimiter", delimiter))
            if token:
                params.append(("continuation-token", token))
            root = ET.fromstring(self.request("GET", bucket,
                                              params=params)[2])
            for c in _children(root, "Contents"):
                objects.append({"Key": unq(_text(c, "Key")),
                                "Size": int(_text(c, "Size", "0")),
                                "ETag": _text(c, "ETag").strip('"'),
                                "LastModified": _text(c, "LastModified")})
            for p in _children(root, "CommonPrefixes"):
                prefixes.append(unq(_text(p, "Prefix")))
            token = _text(root, "NextContinuationToken", "")
            if _text(root, "IsTruncated") != "true" or not token:
                return objects, prefixes


# -- command line ----------------------------------------------------------

def printable(text):
    """Text with control characters shown as \\xNN (safe for a terminal)."""
    return "".join(c if c.isprintable() else "\\x%02x" % ord(c)
                   if ord(c) < 256 else "\\u%04x" % ord(c) for c in text)


def seed(s3, bucket, prefix, count, size=64, threads=8):
    """Put count small objects under prefix in parallel; returns seconds."""
    s3.create_bucket(bucket)
    pad = b"x" * max(0, size)

    def one(i):
        body = (b"%08d " % i + pad)[:size] if size else b""
        s3.put_object(bucket, "%sobj-%06d.txt" % (prefix, i), body,
                      "text/plain")

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        for f in concurrent.futures.as_completed(
                [pool.submit(one, i) for i in range(count)]):
            f.result()
    return time.monotonic() - start


# -- the lab's sample data (seed-lab) ------------------------------------------

LAB_DAYS = ["2026-11-%02d" % d for d in range(20, 25)]
HOSTILE_KEYS = ["bronze/evil/\x1b[31mred\x1b[0m.txt",
                "bronze/evil/\x1b]2;pwned\x07title.txt"]
UNICODE_KEY = "silver/reports/Q4 résumé – 東京 (draft).csv"


def _events(day, n, rng):
    """n sample events of one day (the ClickHouse lakehouse.events shape)."""
    out = []
    for _ in range(n):
        secs = rng.randrange(86400)
        out.append({"event_date": day,
                    "event_time": "%s %02d:%02d:%02d" % (
                        day, secs // 3600, secs // 60 % 60, secs % 60),
                    "user_id": rng.randrange(1, 5000),
                    "event_type": rng.choice(["view", "click", "cart",
                                              "purchase"]),
                    "country": rng.choice(["DE", "FR", "US", "JP", "BR"]),
                    "amount": round(rng.uniform(0, 200), 2)})
    return sorted(out, key=lambda e: e["event_time"])


def _csv(rows, cols):
    lines = [",".join(cols)]
    lines += [",".join(str(r[c]) for c in cols) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _gold(events):
    agg = {}
    for e in events:
        k = (e["event_type"], e["country"])
        n, amt = agg.get(k, (0, 0.0))
        agg[k] = (n + 1, amt + e["amount"])
    return [{"day": events[0]["event_date"], "event_type": k[0],
             "country": k[1], "events": v[0], "amount": round(v[1], 2)}
            for k, v in sorted(agg.items())]


def _airflow_log(task, day, attempt, ok):
    ts = day + "T00:0%d:00.000+0000" % attempt
    lines = ["[%s] {taskinstance.py:1159} INFO - Dependencies all met for "
             "<TaskInstance: ingest_events.%s scheduled__%sT00:00:00+00:00 "
             "[queued]>" % (ts, task, day),
             "[%s] {taskinstance.py:1361} INFO - Starting attempt %d of 3"
             % (ts, attempt),
             "[%s] {ingest.py:42} INFO - reading s3://lakehouse/bronze/"
             "events/date=%s/" % (ts, day)]
    if ok:
        lines.append("[%s] {taskinstance.py:1400} INFO - Marking task as "
                     "SUCCESS." % ts)
    else:
        lines += ["[%s] {taskinstance.py:1851} ERROR - Task failed with "
                  "exception" % ts, "Traceback (most recent call last):",
                  '  File "/opt/airflow/dags/ingest.py", line 57, in load',
                  "ConnectionError: clickhouse shard2 refused the connection",
                  "[%s] {taskinstance.py:1400} INFO - Marking task as "
                  "UP_FOR_RETRY." % ts]
    return ("\n".join(lines) + "\n").encode()


def lab_layout():
    """[(bucket, key, bytes)] of the lab's sample objects (deterministic)."""
    import json
    import random
    rng = random.Random(20261120)
    objs, cols = [], ["event_date", "event_time", "user_id", "event_type",
                      "country", "amount"]
    for day in LAB_DAYS:
        events = _events(day, 120, rng)
        for part in range(2):
            body = "".join(json.dumps(e) + "\n" for e in events[part::2])
            objs.append(("lakehouse", "bronze/events/date=%s/part-%04d.json"
                         % (day, part), body.encode()))
        objs.append(("lakehouse", "silver/events/date=%s/part-0000.csv" % day,
                     _csv(events, cols)))
        objs.append(("lakehouse", "silver/events/date=%s/_SUCCESS" % day, b""))
        objs.append(("lakehouse", "gold/daily/date=%s/part-0000.csv" % day,
                     _csv(_gold(events), ["day", "event_type", "country",
                                          "events", "amount"])))
        objs.append(("lakehouse", "gold/daily/date=%s/_SUCCESS" % day, b""))
    for hour in range(24):  # a few hundred small objects
        for i in range(12):
            objs.append(("lakehouse", "bronze/clickstream/hour=%02d/"
                         "click-%04d.json" % (hour, i),
                         b'{"hour": %d, "seq": %d}\n' % (hour, i)))
    line = b'{"event_type": "view", "country": "DE", "amount": 1.5}\n'
    objs.append(("lakehouse", "bronze/archive/events-2026-11.jsonl",
                 line * (4 * 1024 * 1024 // len(line))))  # ~4 MiB
    objs.append(("lakehouse", UNICODE_KEY, b"quarter,amount\nQ4,1234.5\n"))
    for key in HOSTILE_KEYS:
        objs.append(("lakehouse", key, b"a key with terminal escapes\n"))
    for day, runs in ((LAB_DAYS[-2], [(1, True)]),
                      (LAB_DAYS[-1], [(1, False), (2, True)])):
        for task in ("extract", "transform", "load"):
            for attempt, ok in runs:  # only "load" fails and retries
                if task != "load" and attempt > 1:
                    continue
                ok = ok or task != "load"
                objs.append(("airflow-logs", "dag_id=ingest_events/run_id="
                             "scheduled__%sT00:00:00+00:00/task_id=%s/"
                             "attempt=%d.log" % (day, task, attempt),
                             _airflow_log(task, day, attempt, ok)))
    return objs


def seed_lab(s3, threads=8):
    """Create the lab buckets and put the sample objects that are missing
    (or differ in size). Returns (objects in layout, objects written)."""
    layout = lab_layout()
    have = {}
    # List only the prefixes the layout uses: a benchmark may have left
    # 100,000 objects elsewhere in the bucket.
    for bucket in sorted({b for b, _, _ in layout}):
        s3.create_bucket(bucket)
        tops = {k.split("/", 1)[0] + "/" if "/" in k else k
                for b, k, _ in layout if b == bucket}
        for top in sorted(tops):
            have.update({(bucket, o["Key"]): o["Size"]
                         for o in s3.list_objects(bucket, prefix=top)[0]})
    todo = [(b, k, d) for b, k, d in layout if have.get((b, k)) != len(d)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        for f in [pool.submit(s3.put_object, b, k, d,
                              "text/csv" if k.endswith(".csv")
                              else "text/plain") for b, k, d in todo]:
            f.result()
    return len(layout), len(todo)


def _parser():
    lab = os.environ.get("PLATFORM_LAB_DIR", "/tmp/platform-lab")
    p = argparse.ArgumentParser(description="Small SigV4 S3 client (lab).")
    p.add_argument("--endpoint", default="http://127.0.1.1:8081")
    p.add_argument("--access-key", default="lab:operator")
    p.add_argument("--secret-file", default=os.path.join(lab, "secrets/s3"))
    p.add_argument("--region", default="us-east-1")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("lsb", help="list buckets")
    sub.add_parser("mb").add_argument("bucket")
    for name in ("get", "head", "rm"):
        sp = sub.add_parser(name)
        sp.add_argument("bucket")
        sp.add_argument("key")
    sp = sub.add_parser("rb", help="remove a bucket")
    sp.add_argument("bucket")
    sp.add_argument("--force", action="store_true",
                    help="delete its objects first")
    sp = sub.add_parser("put")
    sp.add_argument("bucket")
    sp.add_argument("key")
    sp.add_argument("file")
    sp.add_argument("--content-type", default="application/octet-stream")
    sp = sub.add_parser("ls")
    sp.add_argument("bucket")
    sp.add_argument("prefix", nargs="?", default="")
    sp.add_argument("--delimiter")
    sp = sub.add_parser("presign")
    sp.add_argument("bucket")
    sp.add_argument("key")
    sp.add_argument("--method", default="GET")
    sp.add_argument("--expires", type=int, default=3600)
    sub.add_parser("seed-lab", help="the lab's buckets and sample objects")
    sp = sub.add_parser("seed")
    sp.add_argument("bucket")
    sp.add_argument("prefix")
    sp.add_argument("count", type=int)
    sp.add_argument("--size", type=int, default=64)
    sp.add_argument("--threads", type=int, default=8)
    return p


def _run(s3, a):
    out = sys.stdout
    if a.cmd == "lsb":
        for b in s3.list_buckets():
            out.write("%s  %s\n" % (b["CreationDate"], printable(b["Name"])))
    elif a.cmd == "mb":
        s3.create_bucket(a.bucket)
    elif a.cmd == "rb":
        if a.force:
            keys = [o["Key"] for o in s3.list_objects(a.bucket)[0]]
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                for f in [pool.submit(s3.delete_object, a.bucket, k)
                          for k in keys]:
                    f.result()
        s3.delete_bucket(a.bucket)
    elif a.cmd == "put":
        if a.file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(a.file, "rb") as f:
                data = f.read()
        out.write(s3.put_object(a.bucket, a.key, data, a.content_type) + "\n")
    elif a.cmd == "get":
        out.flush()
        sys.stdout.buffer.write(s3.get_object(a.bucket, a.key))
    elif a.cmd == "head":
        for k, v in sorted(s3.head_object(a.bucket, a.key).items()):
            out.write("%s: %s\n" % (k, printable(v)))
    elif a.cmd == "rm":
        s3.delete_object(a.bucket, a.key)
    elif a.cmd == "ls":
        objs, pres = s3.list_objects(a.bucket, a.prefix, a.delimiter)
        for p in pres:
            out.write("%30s %10s  %s\n" % ("", "PRE", printable(p)))
        for o in objs:
            out.write("%30s %10d  %s\n" % (o["LastModified"], o["Size"],
                                          printable(o["Key"])))
    elif a.cmd == "presign":
        out.write(s3.presign(a.method, a.bucket, a.key, a.expires) + "\n")
    elif a.cmd == "seed-lab":
        start = time.monotonic()
        total, written = seed_lab(s3)
        sys.stderr.write("seed-lab: %d sample objects, %d written in %.2f s\n"
                         % (total, written, time.monotonic() - start))
    elif a.cmd == "seed":
        secs = seed(s3, a.bucket, a.prefix, a.count, a.size, a.threads)
        sys.stderr.write("seeded %d objects under s3://%s/%s in %.2f s "
                         "(%.0f objects/s)\n" % (
                             a.count, a.bucket, a.prefix, secs,
                             a.count / secs if secs > 0 else 0.0))


def main(argv=None):
    a = _parser().parse_args(argv)
    try:
        with open(a.secret_file, encoding="utf-8") as f:
            secret = f.read().rstrip("\r\n")
    except OSError as e:
        sys.stderr.write("labs3: secret file: %s\n" % e)
        return 2
    s3 = S3(a.endpoint, a.access_key, secret, a.region)
    try:
        _run(s3, a)
    except S3Error as e:
        sys.stderr.write("labs3: %s\n" % e)
        return 1
    except (OSError, http.client.HTTPException) as e:
        sys.stderr.write("labs3: %s: %s\n" % (a.endpoint, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
