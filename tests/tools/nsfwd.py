#!/usr/bin/env python3
"""nsfwd.py - a TCP forwarder from the root network namespace into another.

    nsfwd.py -n NETNS -t SECONDS -P PIDFILE -o PORTFILE [-s STATSFILE]
             NAME=LISTEN_ADDR[:PORT]=TARGET_ADDR:TARGET_PORT ...

For the bastion tests (tests/fleet/behind.sh): the targets and bastions live
in a network namespace of their own, and only the bastions are reachable
from the root namespace, through this forwarder.  A socket keeps the
namespace it was created in, so one process does it: every listening socket
is made first, in the namespace we were started in, then the process enters
NETNS (/var/run/netns/NETNS) and each outgoing connection is made there.

PORT 0 (the default) picks a free port.  Once every listener is up and the
namespace entered, PORTFILE gets one line "NAME PORT" per route (written
whole: its appearance means ready) and PIDFILE our pid.  A target that
refuses is answered with a reset (the client sees ECONNRESET after its
connect succeeded).  One thread, epoll, at most one chunk in flight per
direction, half-closes passed on.  STATSFILE, rewritten at most every
50 ms when something changed and at exit, has one line per route:
"NAME accepted=N open=N max_open=N refused=N bytes_up=N bytes_down=N gen=N";
SIGUSR1 resets max_open to open and increments gen.  Exits on SIGTERM or
after SECONDS.
"""
import ctypes
import errno
import getopt
import os
import resource
import selectors
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
CHUNK = 256 * 1024


def enter_netns(name):
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY | os.O_CLOEXEC)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns " + name + ": " + os.strerror(e))
    os.close(fd)


def write_whole(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


class Route:
    def __init__(self, name, listen, target):
        self.name, self.target = name, target
        self.accepted = self.open = self.max_open = self.refused = 0
        self.up = self.down = 0
        addr, _, port = listen.partition(":")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((addr, int(port or 0)))
        self.sock.listen(4096)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]


class Pair:
    """A client socket (0) and its target socket (1)."""

    def __init__(self, fwd, route, client):
        self.fwd, self.route = fwd, route
        target = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target.setblocking(False)
        self.s = [client, target]
        self.buf = [b"", b""]        # read from s[i], waiting for s[1 - i]
        self.eof = [False, False]    # s[i] sent its EOF
        self.shut = [False, False]   # we shut down writing to s[i]
        self.mask = [0, 0]
        self.connecting = True
        self.closed = False
        for s in self.s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        err = target.connect_ex(route.target)
        if err not in (0, errno.EINPROGRESS):
            self.refuse()
            return
        self.update()

    def refuse(self):
        self.route.refused += 1
        self.close(reset=True)

    def close(self, reset=False):
        if self.closed:
            return
        self.closed = True
        self.route.open -= 1
        self.fwd.changed = True
        for i, s in enumerate(self.s):
            if self.mask[i]:
                self.fwd.sel.unregister(s)
            if reset and i == 0:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()

    def update(self):
        for i in (0, 1):
            j = 1 - i
            want = 0
            if i == 1 and self.connecting:
                want = selectors.EVENT_WRITE
            elif not self.connecting:
                if not self.eof[i] and not self.buf[i]:
                    want |= selectors.EVENT_READ
                if self.buf[j]:
                    want |= selectors.EVENT_WRITE
            if want != self.mask[i]:
                if not self.mask[i]:
                    self.fwd.sel.register(self.s[i], want, (self, i))
                elif not want:
                    self.fwd.sel.unregister(self.s[i])
                else:
                    self.fwd.sel.modify(self.s[i], want, (self, i))
                self.mask[i] = want

    def send(self, i, data):
        """Sends what it can of data to s[i]; returns the rest."""
        try:
            n = self.s[i].send(data)
        except BlockingIOError:
            n = 0
        if i == 1:
            self.route.up += n
        else:
            self.route.down += n
        return data[n:]

    def event(self, i, mask):
        j = 1 - i
        try:
            if self.connecting:
                if self.s[1].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    self.refuse()
                    return
                self.connecting = False
            else:
                if mask & selectors.EVENT_WRITE:
                    self.buf[j] = self.send(i, self.buf[j])
                if mask & selectors.EVENT_READ:
                    data = self.s[i].recv(CHUNK)
                    if data:
                        self.buf[i] = self.send(j, memoryview(data))
                    else:
                        self.eof[i] = True
                for k in (0, 1):
                    if self.eof[k] and not self.buf[k] and not self.shut[1 - k]:
                        self.s[1 - k].shutdown(socket.SHUT_WR)
                        self.shut[1 - k] = True
                if self.shut[0] and self.shut[1]:
                    self.close()
                    return
        except OSError:
            # a reset on either side resets the other
            self.close(reset=True)
            return
        self.update()


class Forwarder:
    def __init__(self, routes, stats):
        self.routes, self.stats = routes, stats
        self.sel = selectors.DefaultSelector()
        self.changed = True
        self.gen = 0
        self.stop = False
        for r in routes:
            self.sel.register(r.sock, selectors.EVENT_READ, r)

    def accept(self, route):
        while True:
            try:
                c, _ = route.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:   # EMFILE and the like: leave it in the backlog
                return
            c.setblocking(False)
            route.accepted += 1
            route.open += 1
            route.max_open = max(route.max_open, route.open)
            self.changed = True
            Pair(self, route, c)

    def write_stats(self):
        if not self.stats:
            return
        write_whole(self.stats, "".join(
            "%s accepted=%d open=%d max_open=%d refused=%d bytes_up=%d bytes_down=%d gen=%d\n" %
            (r.name, r.accepted, r.open, r.max_open, r.refused, r.up, r.down, self.gen)
            for r in self.routes))
        self.changed = False

    def reset_max(self, *_):
        for r in self.routes:
            r.max_open = r.open
        self.gen += 1
        self.changed = True

    def run(self, deadline):
        last = 0.0
        while not self.stop:
            now = time.monotonic()
            if now >= deadline:
                break
            if self.changed and now - last >= 0.05:
                self.write_stats()
                last = now
            for key, mask in self.sel.select(min(0.05, deadline - now)):
                if isinstance(key.data, Route):
                    self.accept(key.data)
                else:
                    pair, i = key.data
                    if not pair.closed:
                        pair.event(i, mask)
        self.write_stats()


def main():
    try:
        opts, args = getopt.getopt(sys.argv[1:], "n:t:P:o:s:")
    except getopt.GetoptError as e:
        sys.exit("nsfwd.py: %s" % e)
    o = dict(opts)
    if not args or not all(k in o for k in ("-n", "-t", "-P", "-o")):
        sys.exit(__doc__.split("\n\n")[1])
    # two descriptors per connection: take what the hard limit allows
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    routes = []
    for a in args:
        name, listen, target = a.split("=")
        taddr, tport = target.rsplit(":", 1)
        routes.append(Route(name, listen, (taddr, int(tport))))
    enter_netns(o["-n"])
    fwd = Forwarder(routes, o.get("-s"))

    def term(*_):
        fwd.stop = True
    signal.signal(signal.SIGTERM, term)
    signal.signal(signal.SIGUSR1, fwd.reset_max)
    write_whole(o["-P"], "%d\n" % os.getpid())
    write_whole(o["-o"], "".join("%s %d\n" % (r.name, r.port) for r in routes))
    fwd.run(time.monotonic() + float(o["-t"]))


if __name__ == "__main__":
    main()
