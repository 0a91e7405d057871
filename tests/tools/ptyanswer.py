#!/usr/bin/env python3
"""ptyanswer.py PROMPT ANSWERFILE OUT ARGV... - run ARGV on a pseudo-terminal,
answer every PROMPT it prints with ANSWERFILE's bytes, keep the transcript in
OUT, and print "EXITCODE PROMPTS-ANSWERED".  Bounded: 60 s.  For the suites
that type a passphrase or a sudo password (53, 68)."""
import os
import pty
import select
import sys
import time

prompt = sys.argv[1].encode()
answer = open(sys.argv[2], "rb").read()
out = open(sys.argv[3], "wb")
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[4], sys.argv[4:])
buf, sent, deadline = b"", 0, time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 1)
    if not r:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    buf += chunk
    if buf.count(prompt) > sent:
        sent += 1
        os.write(fd, answer)
out.write(buf)
out.close()
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), sent)
