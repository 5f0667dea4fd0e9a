#!/usr/bin/python3
"""A TCP proxy that breaks a real server on purpose, for lab/lab fault.

    faultproxy.py --listen ADDR:PORT --target ADDR:PORT --proto http|tcp
                  --mode slow|flaky --arg N

slow N:  every answer is held back N milliseconds: the first bytes the
         server sends after each piece of the client's request wait N ms.
flaky N: N% of requests fail.  For HTTP the proxy answers 503 itself and
         closes; for other protocols it closes the connection at once.

Only loopback addresses are accepted: the lab never talks to anything else.
"""

import argparse
import asyncio
import ipaddress
import random
import sys

BUF = 256 * 1024
HTTP_503 = (b"HTTP/1.1 503 Service Unavailable\r\n"
            b"Content-Type: text/plain\r\nContent-Length: 39\r\n"
            b"Connection: close\r\n\r\n"
            b"lab fault: flaky (injected by lab/lab)\n")


def hostport(s):
    host, _, port = s.rpartition(":")
    if not ipaddress.ip_address(host).is_loopback:
        raise argparse.ArgumentTypeError("%s is not a loopback address" % host)
    return host, int(port)


class Proxy:
    def __init__(self, args):
        self.args = args
        self.delay = args.arg / 1000.0 if args.mode == "slow" else 0.0

    def fails(self):
        return self.args.mode == "flaky" and random.uniform(0, 100) < self.args.arg

    async def handle(self, creader, cwriter):
        try:
            if self.fails():
                await self.refuse(creader, cwriter)
                return
            sreader, swriter = await asyncio.open_connection(*self.args.target)
        except OSError:
            cwriter.close()
            return
        # Set when the client has sent something the server has not answered.
        pending = asyncio.Event()
        up = asyncio.ensure_future(self.upstream(creader, swriter, cwriter, pending))
        down = asyncio.ensure_future(self.downstream(sreader, cwriter, pending))
        await asyncio.wait([up, down], return_when=asyncio.FIRST_COMPLETED)
        for t in (up, down):
            t.cancel()
        for w in (cwriter, swriter):
            w.close()

    async def refuse(self, creader, cwriter):
        if self.args.proto == "http":
            try:
                await asyncio.wait_for(creader.read(BUF), 5)
                cwriter.write(HTTP_503)
                await cwriter.drain()
            except (OSError, asyncio.TimeoutError):
                pass
        cwriter.close()

    async def upstream(self, creader, swriter, cwriter, pending):
        while True:
            data = await creader.read(BUF)
            if not data:
                return
            # A later request on a kept-alive HTTP connection may fail too.
            if self.args.proto == "http" and not pending.is_set() and self.fails():
                cwriter.write(HTTP_503)
                await cwriter.drain()
                return
            pending.set()
            swriter.write(data)
            await swriter.drain()

    async def downstream(self, sreader, cwriter, pending):
        while True:
            data = await sreader.read(BUF)
            if not data:
                return
            if pending.is_set() and self.delay:
                await asyncio.sleep(self.delay)
            pending.clear()
            cwriter.write(data)
            await cwriter.drain()


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", type=hostport, required=True)
    p.add_argument("--target", type=hostport, required=True)
    p.add_argument("--proto", choices=("http", "tcp"), default="tcp")
    p.add_argument("--mode", choices=("slow", "flaky"), required=True)
    p.add_argument("--arg", type=int, required=True)
    args = p.parse_args()
    proxy = Proxy(args)
    server = await asyncio.start_server(proxy.handle, *args.listen,
                                        reuse_address=True)
    print("faultproxy: %s:%d -> %s:%d, %s %d" % (args.listen + args.target +
          (args.mode, args.arg)), flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
