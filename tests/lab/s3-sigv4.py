#!/usr/bin/python3
"""TAP: labs3's SigV4 against AWS's published examples (no server needed).

The vectors are the S3 examples of the AWS Signature Version 4 docs
("Signature Calculations for the Authorization Header" and "Authenticating
Requests: Using Query Parameters"): bucket examplebucket, 24 May 2013,
key AKIAIOSFODNN7EXAMPLE. Each check has a broken twin that must differ.

    /usr/bin/python3 tests/lab/s3-sigv4.py
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lab", "sim"))
import labs3  # noqa: E402

NOW = datetime.datetime(2013, 5, 24, tzinfo=datetime.timezone.utc)
AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# Virtual-hosted examples: host examplebucket..., path /test.txt. labs3 is
# path-style, so the "bucket" test.txt with no key gives the path /test.txt.
EP = "https://examplebucket.s3.amazonaws.com"

RESULTS = []


def check(name, cond):
    RESULTS.append(bool(cond))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(RESULTS), name))


def sig_of(headers):
    return headers["authorization"].rsplit("Signature=", 1)[1]


def main():
    s3 = labs3.S3(EP, AK, SK)
    h = s3.sign_headers("GET", "/test.txt", (), {"Range": "bytes=0-9"},
                        now=NOW)
    check("GET object with Range: AWS example signature",
          sig_of(h) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48d"
                       "d91039c6036bdb41")
    check("... and the signed headers list",
          "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date" in
          h["authorization"])
    h2 = s3.sign_headers("GET", "/test.txt", (), {"Range": "bytes=0-8"},
                         now=NOW)
    check("a changed header changes the signature", sig_of(h2) != sig_of(h))

    h = s3.sign_headers("GET", "/", [("max-keys", "2"), ("prefix", "J")],
                        now=NOW)
    check("GET bucket ?max-keys=2&prefix=J: AWS example signature",
          sig_of(h) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670"
                       "ed5711ef69dc6f7")
    h2 = labs3.S3(EP, AK, SK + "x").sign_headers(
        "GET", "/", [("max-keys", "2"), ("prefix", "J")], now=NOW)
    check("a wrong secret changes the signature", sig_of(h2) != sig_of(h))
    h3 = s3.sign_headers("GET", "/", [("prefix", "J"), ("max-keys", "2")],
                         now=NOW)
    check("query parameters are sorted before signing",
          sig_of(h3) == sig_of(h))

    url = s3.presign("GET", "test.txt", None, 86400, now=NOW)
    check("presigned GET: AWS example signature", url.endswith(
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c26595"
        "7d157751f604d404"))
    check("presigned URL carries credential, expiry and signed headers",
          "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3"
          "%2Faws4_request" in url and "X-Amz-Expires=86400" in url and
          "X-Amz-SignedHeaders=host" in url)
    check("another expiry gives another signature",
          s3.presign("GET", "test.txt", None, 3600, now=NOW)[-64:] !=
          url[-64:])

    check("keys: RFC 3986, '/' kept, UTF-8 bytes",
          labs3.S3.path_for("b", "a b/é+~*(x).txt") ==
          "/b/a%20b/%C3%A9%2B~%2A%28x%29.txt")
    check("query values: '/' and '=' encoded, empty values as name=",
          labs3.canonical_query([("uploads", ""), ("prefix", "a/b=c")]) ==
          "prefix=a%2Fb%3Dc&uploads=")
    check("printable escapes ESC and BEL, keeps UTF-8 text",
          labs3.printable("x\x1b[31m\x07é") == "x\\x1b[31m\\x07é")
    try:
        s3.presign("GET", "b", "k", 604801)
        check("expiry over 7 days is refused", False)
    except ValueError:
        check("expiry over 7 days is refused", True)

    print("1..%d" % len(RESULTS))
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
