#!/usr/bin/env python3
"""A slow but concurrent HTTP/1.1 server for tests and benchmarks.

usage: slowhttp.py [--addr ADDR] [--delay MS] [--ports-file FILE]
                   (--first PORT --count N | --count N | PORT ...)

Listens on N consecutive ports from --first, on the ports given, or (with
--count alone) on N ports the kernel picks, on ADDR (127.0.0.1 by default).
Every request is answered "200 OK" with a small body after --delay
milliseconds (200 by default), all requests concurrently (asyncio), with
keep-alive.  When every port listens, the ports are written one per line to
--ports-file (renamed into place, so its appearance means "ready").
Prints nothing; exits on SIGTERM or SIGINT.  Python 3 standard library only.
"""

import argparse
import asyncio
import os
import signal
import socket
import sys

BODY = b"ok\n"


async def handle(reader, writer, delay):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            method = parts[0] if parts else "GET"
            version = parts[2] if len(parts) > 2 else "HTTP/1.0"
            length = 0
            close = version != "HTTP/1.1"
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                value = value.strip()
                if name == "content-length":
                    length = int(value or 0)
                elif name == "connection":
                    if value.lower() == "close":
                        close = True
                    elif value.lower() == "keep-alive":
                        close = False
            if length:
                await reader.readexactly(length)
            await asyncio.sleep(delay)
            resp = ("HTTP/1.1 200 OK\r\n"
                    "Content-Type: text/plain\r\n"
                    "Content-Length: %d\r\n"
                    "Connection: %s\r\n\r\n"
                    % (len(BODY), "close" if close else "keep-alive"))
            writer.write(resp.encode("ascii"))
            if method != "HEAD":
                writer.write(BODY)
            await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            ConnectionError, ValueError, UnicodeError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


def listen(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(512)
    s.setblocking(False)
    return s


async def serve(args):
    if args.ports:
        ports = args.ports
    elif args.first:
        ports = list(range(args.first, args.first + args.count))
    else:
        ports = [0] * args.count
    socks = []
    try:
        for p in ports:
            socks.append(listen(args.addr, p))
    except OSError as e:
        sys.stderr.write("slowhttp.py: cannot listen on %s:%d: %s\n"
                         % (args.addr, p, e))
        return 1
    delay = args.delay / 1000.0
    servers = []
    for s in socks:
        servers.append(await asyncio.start_server(
            lambda r, w: handle(r, w, delay), sock=s))
    if args.ports_file:
        tmp = args.ports_file + ".tmp"
        with open(tmp, "w") as f:
            for s in socks:
                f.write("%d\n" % s.getsockname()[1])
        os.rename(tmp, args.ports_file)

    done = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: done.done() or done.set_result(None))
    await done
    for srv in servers:
        srv.close()
    return 0


def main():
    p = argparse.ArgumentParser(description="slow concurrent HTTP server")
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--delay", type=int, default=200, help="milliseconds")
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--ports-file")
    p.add_argument("ports", nargs="*", type=int)
    args = p.parse_args()
    if not args.ports and args.count <= 0:
        p.error("give ports, or --count N (with --first PORT or not)")
    if args.ports and (args.first or args.count):
        p.error("give either ports or --first/--count, not both")
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
