#!/usr/bin/env python3
"""frames.py - warm mode's frames for the tests, written apart from
common/frame.c so that the agent's framing is checked by a second reader.

  frames.py pack [ID=]FILE...   one J frame per file (a job line), ids 1, 2,
                                ... unless given; to stdout
  frames.py unpack DIR          reads the agent's frames on stdin, strictly
                                (PROTOCOL.md "Warm mode"), and writes per id
                                DIR/ID.out (its L bodies, in order) and
                                DIR/ID.rc (its E code); exit 1 on any byte
                                that is not a frame, with the reason on stderr
  frames.py answer ID           reads the agent's frames on stdin up to
                                "E ID", prints the size of ID's L bodies
                                and its code ("bytes=N rc=N"); reads nothing after
                                (for a pipe the test keeps using)
"""
import os
import re
import sys

HDR = re.compile(rb"([JLE]) (0|[1-9][0-9]{0,17}) (0|[1-9][0-9]{0,9})\n")


def pack(args):
    out = sys.stdout.buffer
    for i, a in enumerate(args, 1):
        fid, _, path = a.rpartition("=")
        with open(path, "rb") as f:
            body = f.read()
        out.write(b"J %d %d\n" % (int(fid) if fid else i, len(body)) + body)


def unpack(d):
    data = sys.stdin.buffer.read()
    pos, open_ids, ended = 0, [], set()
    while pos < len(data):
        m = HDR.match(data, pos, pos + 32)
        if not m or m.group(1) == b"J":
            sys.exit("not an agent frame at byte %d: %r" % (pos, data[pos:pos + 40]))
        t, fid, n = m.group(1), int(m.group(2)), int(m.group(3))
        pos = m.end()
        if fid in ended:
            sys.exit("frame for id %d after its end" % fid)
        if t == b"E":
            if n > 255:
                sys.exit("exit code %d" % n)
            with open(os.path.join(d, "%d.rc" % fid), "w") as f:
                f.write("%d\n" % n)
            ended.add(fid)
            continue
        body = data[pos:pos + n]
        pos += n
        if len(body) != n or not body.endswith(b"\n") or b"\n" in body[:-1]:
            sys.exit("L frame %d: body is not one whole line: %r" % (fid, body[:80]))
        if fid not in open_ids:
            open_ids.append(fid)
        with open(os.path.join(d, "%d.out" % fid), "ab") as f:
            f.write(body)
    # every job that had lines was ended (id 0 too, unless EOF ended it)
    for fid in open_ids:
        if fid not in ended and fid != 0:
            sys.exit("id %d has no end frame" % fid)


def answer(want):
    buf, pos = bytearray(), 0

    def need(k):
        while len(buf) - pos < k:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                sys.exit("EOF before E %d" % want)
            buf.extend(chunk)

    size = 0
    while True:
        while b"\n" not in buf[pos:pos + 33]:
            need(len(buf) - pos + 1)
        m = HDR.match(bytes(buf[pos:pos + 33]))
        if not m:
            sys.exit("not a frame: %r" % bytes(buf[pos:pos + 40]))
        t, fid, n = m.group(1), int(m.group(2)), int(m.group(3))
        pos += m.end()
        if t == b"E":
            if fid == want:
                print("bytes=%d rc=%d" % (size, n))
                return
            continue
        need(n)
        if fid == want:
            size += n
        pos += n


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "pack":
        pack(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "answer":
        answer(int(sys.argv[2]))
    elif len(sys.argv) == 3 and sys.argv[1] == "unpack":
        unpack(sys.argv[2])
    else:
        sys.exit(__doc__)
