#!/usr/bin/env python3
"""kexproxy.py - a loopback TCP relay that reads both sides' KEXINIT.

    kexproxy.py LISTEN_ADDR PORT_FILE TARGET_ADDR TARGET_PORT MODE REPORT [SECONDS]

Relays SSH connections to TARGET and, for each one, appends a line to
REPORT: "client-strict=0|1 server-strict=0|1", whether each side's KEXINIT
offers OpenSSH's strict KEX (kex-strict-c-v00 / kex-strict-s-v00).
MODE "observe" relays untouched.  MODE "inject" slips an SSH_MSG_IGNORE in
front of the server's KEXINIT: harmless without strict KEX, but under it
a packet before KEXINIT is a violation the client must refuse (Terrapin,
CVE-2023-48795, shifts sequence numbers this way).  The listening port is
written to PORT_FILE.  Exits after SECONDS (default 60).
"""
import socket
import struct
import sys
import threading


def read_banner(sock, buf):
    """Reads up to the end of the SSH- line; returns (banner bytes, rest)."""
    out = b""
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            out += line + b"\n"
            if line.startswith(b"SSH-"):
                return out, buf
        more = sock.recv(65536)
        if not more:
            raise EOFError
        buf += more


def read_packet(sock, buf):
    """Reads one unencrypted binary packet; returns (packet, rest)."""
    while len(buf) < 4:
        more = sock.recv(65536)
        if not more:
            raise EOFError
        buf += more
    n = struct.unpack(">I", buf[:4])[0]
    if n > 256 * 1024:
        raise ValueError("packet too long")
    while len(buf) < 4 + n:
        more = sock.recv(65536)
        if not more:
            raise EOFError
        buf += more
    return buf[:4 + n], buf[4 + n:]


def kex_list(packet):
    """The kex_algorithms name-list of a KEXINIT packet."""
    pad = packet[4]
    payload = packet[5:len(packet) - pad]
    if payload[0] != 20:
        raise ValueError("first packet is not KEXINIT")
    n = struct.unpack(">I", payload[17:21])[0]
    return payload[21:21 + n].decode().split(",")


def ignore_packet():
    """An unencrypted SSH_MSG_IGNORE with an empty string, 16 bytes."""
    payload = b"\x02" + struct.pack(">I", 0)
    pad = 16 - (4 + 1 + len(payload))
    return struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + b"\0" * pad


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (dst, src):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def first_packets(src, dst, inject, seen, key):
    """Relays src's banner and KEXINIT to dst, noting its kex list; then pumps."""
    try:
        banner, rest = read_banner(src, b"")
        dst.sendall(banner)
        pkt, rest = read_packet(src, rest)
        seen[key] = kex_list(pkt)
        if inject:
            dst.sendall(ignore_packet())
        dst.sendall(pkt + rest)
    except (EOFError, ValueError, OSError):
        pass
    pump(src, dst)


def serve(client, target, mode, report, lock):
    try:
        server = socket.create_connection(target, timeout=10)
    except OSError:
        client.close()
        return
    server.settimeout(None)
    seen = {}
    a = threading.Thread(target=first_packets, args=(client, server, False, seen, "c"))
    b = threading.Thread(target=first_packets, args=(server, client, mode == "inject", seen, "s"))
    a.start()
    b.start()
    a.join()
    b.join()
    client.close()
    server.close()
    with lock, open(report, "a") as f:
        f.write("client-strict=%d server-strict=%d\n" % (
            "kex-strict-c-v00@openssh.com" in seen.get("c", []),
            "kex-strict-s-v00@openssh.com" in seen.get("s", [])))


def main():
    addr, port_file, taddr, tport, mode, report = sys.argv[1:7]
    seconds = float(sys.argv[7]) if len(sys.argv) > 7 else 60.0
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, 0))
    lsock.listen(16)
    with open(port_file, "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    lock = threading.Lock()
    stop = threading.Timer(seconds, lambda: lsock.close())
    stop.daemon = True
    stop.start()
    while True:
        try:
            c, _ = lsock.accept()
        except OSError:
            break
        t = threading.Thread(target=serve, args=(c, (taddr, int(tport)), mode, report, lock), daemon=True)
        t.start()


if __name__ == "__main__":
    main()
