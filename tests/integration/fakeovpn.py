#!/usr/bin/python3
"""A fake OpenVPN management interface on a unix socket, for tests.

fakeovpn.py SOCKET LOG [--user U --password P]: serves one client at a
time; greets and holds; after "hold release" asks for credentials (when
given), then walks WAIT AUTH GET_CONFIG ASSIGN_IP ADD_ROUTES CONNECTED.
Async lines are sent between the lines of multi-line replies, as OpenVPN
may. Every command received is appended to LOG. "signal SIGTERM" ends it.
"""
import os
import socket
import sys
import time


def main():
    """Serve until SIGTERM through the socket or a refused password."""
    path, log = sys.argv[1], sys.argv[2]
    want = None
    if "--user" in sys.argv:
        want = (sys.argv[sys.argv.index("--user") + 1],
                sys.argv[sys.argv.index("--password") + 1])
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    state = ["HOLD", "", ""]
    released = False
    got = {}
    while True:
        conn, _ = srv.accept()
        out = conn.makefile("wb", buffering=0)

        def send(line):
            out.write(line.encode() + b"\r\n")

        def st(name, desc="", ip="", remote="", port=""):
            state[:] = [name, desc, ip]
            send(">STATE:%d,%s,%s,%s,%s,%s,," % (time.time(), name, desc, ip, remote, port))

        send(">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info")
        if not released:
            send(">HOLD:Waiting for hold release:0")
        buf = b""
        alive = True
        while alive:
            try:
                data = conn.recv(4096)
            except ConnectionResetError:
                data = b""
            if not data:
                break
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                cmd = raw.rstrip(b"\r").decode()
                with open(log, "a") as f:
                    f.write(cmd + "\n")
                if cmd == "state":
                    send("%d,%s,%s,%s,,,," % (time.time(), state[0] or "CONNECTING", state[1], state[2]))
                    send(">BYTECOUNT:10,20")
                    send("END")
                elif cmd == "status":
                    send("OpenVPN STATISTICS")
                    send(">BYTECOUNT:11,22")
                    send("Updated,2026-01-01 00:00:00")
                    send("TCP/UDP read bytes,1111")
                    send("TCP/UDP write bytes,2222")
                    send("END")
                elif cmd.startswith("state on") or cmd.startswith("bytecount") or cmd == "hold off":
                    send("SUCCESS: done")
                elif cmd == "hold release":
                    send("SUCCESS: hold release succeeded")
                    if released:
                        continue
                    released = True
                    st("WAIT")
                    if want:
                        send(">PASSWORD:Need 'Auth' username/password")
                    else:
                        walk(st, send)
                elif cmd.startswith("username "):
                    got["user"] = cmd[len('username "Auth" '):]
                    send("SUCCESS: 'Auth' username entered, but not yet verified")
                elif cmd.startswith("password "):
                    got["pass"] = cmd[len('password "Auth" '):]
                    send("SUCCESS: 'Auth' password entered, but not yet verified")
                    if (got.get("user"), got["pass"]) == ('"%s"' % want[0], want[1]):
                        walk(st, send)
                    else:
                        send(">PASSWORD:Verification Failed: 'Auth'")
                        conn.close()
                        return
                elif cmd == "signal SIGTERM":
                    send("SUCCESS: signal SIGTERM thrown")
                    st("EXITING", "SIGTERM")
                    conn.close()
                    os.unlink(path)
                    return
                elif cmd == "quit":
                    alive = False
                    break
                else:
                    send("ERROR: unknown command, enter 'help' for more options")
        conn.close()


def walk(st, send):
    """The states of a connection, with a byte count in between."""
    for name in ("AUTH", "GET_CONFIG", "ASSIGN_IP", "ADD_ROUTES"):
        st(name)
    send(">BYTECOUNT:512,256")
    st("CONNECTED", "SUCCESS", "10.99.0.2", "192.0.2.1", "1194")


main()
