#!/usr/bin/env python3
"""sshconfig-corpus.py OUTDIR [N] - writes N (config, host) cases for the
ssh_config oracle (tests/integration/57-sshconfig.sh), deterministically
(fixed seed), and a manifest OUTDIR/cases with one line per case:

    ID <TAB> MODE <TAB> HOST <TAB> EXTRA-ARGS

MODE "F": OUTDIR/ID/config is given with -F (its Includes are absolute).
MODE "home": OUTDIR/ID/home/.ssh/config and OUTDIR/ID/etc/ssh_config are
the user and system files, with relative Includes; the test mounts them
over the home and /etc/ssh in a private namespace.  MODE "none": -F none.
"""
import os
import random
import sys

HOSTS = ["web1", "web2", "db1.example.com", "DB2", "app-3", "x.y.z", "bastion",
         "10.0.0.5", "Web1"]
PATTERNS = ["*", "web*", "web?", "!web2", "db*.example.com", "*.example.com",
            "bastion", "DB2", "db2", "10.0.0.*", "x.*.z", "?eb1", "app-3", "Web1",
            "*1", "nomatch"]
LISTS = ["web*,db*", "!web2,web*", "*.example.com,bastion", "db2", "web1",
         "*", "x.y.z,10.*", "!*.example.com,*"]

VALUES = {
    "HostName": ["%h.example.com", "real-%h", "10.1.2.3", "web1", "DB.EXAMPLE.COM",
                 "x%%y%h", "db1.example.com"],
    "User": ["alice", "bob", "deploy", '"carol d"', "root"],
    "Port": ["2222", "22", "010", "65535", "ssh"],
    "IdentityFile": ["~/.ssh/id_a", "~/.ssh/%h_%r", "/keys/%n-%p", '"~/with space"',
                     "~/.ssh/id_b", "%d/k_%u", "${HOME}/k_env"],
    "IdentitiesOnly": ["yes", "no", "Yes", "true"],
    "IdentityAgent": ["~/agent-%h", "none", "SSH_AUTH_SOCK", "/run/agent.sock", "%d/a-%r"],
    "CertificateFile": ["~/.ssh/c1-cert.pub", "~/.ssh/%h-cert.pub", "/c/%r"],
    "ProxyJump": ["jump1", "u@jump2:2200", "j1,j2", "none", "ssh://u@j3:23"],
    "ProxyCommand": ["nc %h %p", "none", "ssh -W %h:%p gw # c", '"/usr/bin/nc" %h %p'],
    "ConnectTimeout": ["5", "1m", "none", "0", "1m30s"],
    "ConnectionAttempts": ["1", "3", "0"],
    "ServerAliveInterval": ["15", "1h", "0", "none"],
    "ServerAliveCountMax": ["3", "5", "0"],
    "StrictHostKeyChecking": ["yes", "no", "ask", "accept-new", "off", "true", "NO"],
    "UserKnownHostsFile": ["~/kh/%h", "none", "/kh/a /kh/b", "%d/kh-%p-%r-%u-%n", "~/.ssh/kh2"],
    "GlobalKnownHostsFile": ["/etc/kh1", "/g/a /g/b", "none"],
    "HostKeyAlias": ["alias1", "alias-%h"],
    "AddressFamily": ["inet", "inet6", "any"],
    "HostKeyAlgorithms": ["ssh-ed25519", "+ssh-rsa", "-ssh-ed25519*", "^rsa-sha2-256",
                          "ssh-ed25519,rsa-sha2-512", "ecdsa-sha2-*"],
    "KexAlgorithms": ["curve25519-sha256", "+diffie-hellman-group14-sha1",
                      "-sntrup*", "^ecdh-sha2-nistp256"],
    "Ciphers": ["aes128-ctr", "+aes128-cbc", "-chacha20*", "^aes256-gcm@openssh.com",
                "aes256-ctr,aes128-ctr"],
    "MACs": ["hmac-sha2-256", "+hmac-md5", "-umac*", "^hmac-sha1"],
}
# Harmless keywords ronda ignores and ones it warns about: ssh must accept
# them too, and they must not change the comparison.
OTHER = ["Compression yes", "LogLevel ERROR", "BatchMode yes", "ForwardAgent no",
         "ControlMaster auto", "SendEnv LANG", "VisualHostKey no", "TCPKeepAlive yes"]


def spell(rng, kw):
    """The keyword in one of the spellings ssh accepts."""
    k = rng.choice([kw, kw.lower(), kw.upper(), kw])
    sep = rng.choice([" ", " ", "=", " = ", "\t"])
    return k + sep


def kwline(rng, kw=None):
    kw = kw or rng.choice(list(VALUES))
    return spell(rng, kw) + rng.choice(VALUES[kw])


def block_body(rng, n):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.08:
            out.append(rng.choice(OTHER))
        elif r < 0.12:
            out.append("# a comment")
        else:
            out.append(("  " if rng.random() < 0.7 else "") + kwline(rng))
    return out


def match_line(rng):
    crit = []
    for _ in range(rng.randint(1, 3)):
        c = rng.choice(["host", "originalhost", "user", "localuser", "final",
                        "canonical", "exec"])
        neg = "!" if rng.random() < 0.2 else ""
        if c in ("final", "canonical"):
            crit.append(neg + c)
        elif c == "exec":
            crit.append(neg + "exec false")
        elif c == "localuser":
            crit.append(neg + "localuser " + rng.choice(["root", "nobody", "r*"]))
        elif c == "user":
            crit.append(neg + "user " + rng.choice(["alice", "root", "bob,deploy", "*"]))
        else:
            crit.append(neg + c + " " + rng.choice(LISTS))
    if rng.random() < 0.1:
        return "Match all"
    if rng.random() < 0.05:
        return "Match " + rng.choice(["host", "final"]) + (" web1 all" if crit[0] else "")
    return "Match " + " ".join(crit)


def config(rng, inc_dir, relative, depth=0):
    """A config file's lines; Include files are written into inc_dir."""
    lines = []
    if rng.random() < 0.3:
        lines.append("Host *")
        lines += block_body(rng, rng.randint(1, 3))
    for _ in range(rng.randint(0, 3)):
        lines += block_body(rng, 1)
    for _ in range(rng.randint(1, 5)):
        r = rng.random()
        if r < 0.55:
            pats = rng.sample(PATTERNS, rng.randint(1, 3))
            lines.append("Host " + " ".join(pats))
        elif r < 0.85:
            lines.append(match_line(rng))
        else:
            lines.append("Host " + rng.choice(PATTERNS))
        lines += block_body(rng, rng.randint(1, 4))
        if depth < 2 and rng.random() < 0.2:
            name = "inc%d_%d" % (depth, rng.randint(0, 999))
            os.makedirs(inc_dir, exist_ok=True)
            for k in range(rng.randint(1, 2)):
                with open(os.path.join(inc_dir, "%s_%d.conf" % (name, k)), "w") as f:
                    f.write("\n".join(config(rng, inc_dir, relative, depth + 1)) + "\n")
            pat = name + "_*.conf"
            lines.append("  Include " + (("conf.d/" + pat) if relative
                                          else os.path.join(inc_dir, pat)))
    if rng.random() < 0.4:
        lines.append("Host *")
        lines += block_body(rng, rng.randint(1, 4))
    return lines


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 240
    rng = random.Random(1302)
    os.makedirs(out, exist_ok=True)
    manifest = []
    # Every supported keyword at least once, alone, first.
    fixed = [[kwline(rng, kw)] for kw in VALUES for _ in range(2)]
    for i in range(n):
        d = os.path.join(out, "c%03d" % i)
        os.makedirs(d, exist_ok=True)
        host = rng.choice(HOSTS)
        extra = []
        if rng.random() < 0.1:
            extra += ["-l", rng.choice(["cli", "alice"])]
        if rng.random() < 0.1:
            extra += ["-p", "2022"]
        mode = "F"
        if i % 10 == 7:
            mode = "home"
        elif i == n - 1:
            mode = "none"
        if i < len(fixed):
            lines = fixed[i]
            mode = "F"
        elif mode == "home":
            inc = os.path.join(d, "home", ".ssh", "conf.d")
            os.makedirs(inc, exist_ok=True)
            with open(os.path.join(d, "home", ".ssh", "config"), "w") as f:
                f.write("\n".join(config(rng, inc, True)) + "\n")
            os.makedirs(os.path.join(d, "etc", "conf.d"), exist_ok=True)
            with open(os.path.join(d, "etc", "ssh_config"), "w") as f:
                f.write("\n".join(config(rng, os.path.join(d, "etc", "conf.d"), True)) + "\n")
            lines = None
        else:
            lines = config(rng, os.path.join(d, "inc"), False)
        if lines is not None:
            with open(os.path.join(d, "config"), "w") as f:
                f.write("\n".join(lines) + "\n")
        manifest.append("\t".join(["c%03d" % i, mode, host, " ".join(extra)]))
    with open(os.path.join(out, "cases"), "w") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
