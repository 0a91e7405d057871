/*
 * copyproto.c - the remote scripts of copy and fetch, and the copy
 * script's answers; see copyproto.h.
 *
 * The scripts are fixed strings sent inside single quotes, so they hold
 * none; DEST, --owner and the remote paths reach them as quoted positional
 * arguments, and the manifest on stdin.  Each error message is the failing
 * tool's own (cat: write error: No space left on device), newlines turned
 * into spaces, after the path it concerns.
 */
#include "copyproto.h"

#include <string.h>

#include "err.h"
#include "ssh/remote.h"
#include "banned.h"

#define MARK "\036RONDA "

/*
 * $1 DEST, $2 the file's name for a DEST that is a directory ("" when
 * DEST is one anyway), $3 --owner or "".  p2f sets f (the path on the
 * host), d (its directory) and q (its name in messages) from a manifest
 * path ("." is DEST itself).
 * own: does f's owner match --owner (a name or a number, each part)?
 * chown goes before chmod: chown clears setuid and setgid bits.
 */
#define PRELUDE \
	"a() { printf \"\\036RONDA %s\\n\" \"$*\"; }; " \
	"e() { i=$1; shift; a err \"$i\" \"$(printf %s \"$*\" | tr \"\\n\\r\" \"  \")\"; }; " \
	"r=$1 b=$2 o=$3; case $r in /*) ;; *) r=\"${HOME:?}/$r\";; esac; " \
	"if [ -n \"$b\" ] && [ -d \"$r\" ]; then r=\"$r/$b\"; fi; " \
	"p2f() { if [ \"$1\" = . ]; then f=$r q=$r; else f=\"$r/$1\" q=$1; fi; d=${f%/*}; [ -n \"$d\" ] || d=/; }; " \
	"own() { [ -z \"$o\" ] && return 0; set -- $(stat -c \"%U %u %G %g\" -- \"$1\"); u=${o%%:*}; " \
	"[ -z \"$u\" ] || [ \"$u\" = \"$1\" ] || [ \"$u\" = \"$2\" ] || return 1; " \
	"case $o in *:*) g=${o#*:}; [ \"$g\" = \"$3\" ] || [ \"$g\" = \"$4\" ] || return 1;; esac; }; " \
	"attrs() { { [ -z \"$o\" ] || chown -- \"$o\" \"$1\" 2>&1; } && chmod \"$m\" -- \"$1\" 2>&1; }; "

/*
 * One script, one channel.  The manifest first, up to its "." line:
 * directories and links are made, and each file is answered: same, meta
 * (set in place) or need.
 *
 * Then the files the host needs, until EOF.  Few processes per file, as
 * the host may have thousands of files to take from many runs: dd writes
 * the temporary, created with the file's mode through umask (U, from the
 * header), so chmod runs only for x and special bits (C = 1); sha256sum
 * checks it, and its size is asked only to explain a mismatch; mv renames
 * it.  dd, not head -c: 64 KiB reads and writes, not 8 KiB, cost a host
 * 1.1 ms less CPU a MiB here; count_bytes,fullblock stop it at exactly
 * SIZE bytes, so the next header stays on stdin.  If the temporary cannot
 * be made, the file's bytes are read away (into /dev/null) and the next
 * file goes on.  If dd fails while writing (a full disk), it has read an
 * unknown part of the bytes: the rest of stdin is dropped and the files
 * not answered count as failed (cmd_copy.c).
 */
#define TAKE "dd bs=65536 count=\"$z\" iflag=count_bytes,fullblock status=none"
static const char copy_script[] =
	PRELUDE
	"[ -n \"$b\" ] || mkdir -p -- \"$r\" 2>/dev/null; n=0; "
	"while IFS= read -r l && [ \"$l\" != . ]; do t=${l%% *}; l=${l#* }; case $t in "
	"d) m=${l%% *}; p=${l#* }; p2f \"$p\"; "
	"if [ -L \"$f\" ] || { [ -e \"$f\" ] && [ ! -d \"$f\" ]; }; then e $n \"$q: exists and is not a directory\"; "
	"elif x=$(mkdir -p -- \"$f\" 2>&1 && attrs \"$f\"); then a made $n; else e $n \"$q: $x\"; fi;; "
	"f) m=${l%% *}; l=${l#* }; z=${l%% *}; l=${l#* }; h=${l%% *}; p=${l#* }; p2f \"$p\"; "
	"if [ -f \"$f\" ] && [ ! -L \"$f\" ] && k=$(stat -c \"%s %a\" -- \"$f\") && [ \"${k%% *}\" = \"$z\" ] && "
	"g=$(sha256sum < \"$f\") && [ \"${g%% *}\" = \"$h\" ]; then "
	"if [ \"${k#* }\" = \"$m\" ] && own \"$f\"; then a same $n; "
	"elif x=$(attrs \"$f\"); then a meta $n; else e $n \"$q: $x\"; fi; "
	"else a need $n; fi;; "
	"l) IFS= read -r g; p2f \"$l\"; t=\"$d/.ronda-copy.$$.$n\"; "
	"if [ -L \"$f\" ] && [ \"$(readlink -- \"$f\")\" = \"$g\" ]; then a made $n; "
	"elif [ -d \"$f\" ] && [ ! -L \"$f\" ]; then e $n \"$q: exists and is a directory\"; "
	"elif x=$(ln -s -- \"$g\" \"$t\" 2>&1 && mv -fT -- \"$t\" \"$f\" 2>&1); then a made $n; "
	"else rm -f -- \"$t\"; e $n \"$q: $x\"; fi;; "
	"esac; n=$((n + 1)); done; "
	"while IFS= read -r l; do n=${l%% *}; l=${l#* }; m=${l%% *}; l=${l#* }; z=${l%% *}; l=${l#* }; "
	"h=${l%% *}; l=${l#* }; u=${l%% *}; l=${l#* }; c=${l%% *}; p=${l#* }; p2f \"$p\"; t=\"$d/.ronda-copy.$$.$n\"; "
	"umask \"$u\"; "
	"if ! x=$(" TAKE " 2>&1 > \"$t\"); then "
	"if [ ! -e \"$t\" ]; then " TAKE " > /dev/null; e $n \"$q: $x\"; continue; fi; "
	"rm -f -- \"$t\"; e $n \"$q: $x\"; cat > /dev/null; break; fi; "
	"g=$(sha256sum < \"$t\"); g=${g%% *}; "
	"if [ \"$g\" != \"$h\" ]; then s=$(stat -c %s -- \"$t\"); rm -f -- \"$t\"; "
	"e $n \"$q: checksum mismatch on the host: $s bytes, sha256 $g; sent $z bytes, sha256 $h\"; continue; fi; "
	"if [ -z \"$o\" ] && [ \"$c\" = 0 ]; then x=$(mv -fT -- \"$t\" \"$f\" 2>&1); "
	"else x=$(attrs \"$t\" && mv -fT -- \"$t\" \"$f\" 2>&1); fi; "
	"if [ $? = 0 ]; then a sent $n; else rm -f -- \"$t\"; e $n \"$q: $x\"; fi; "
	"done; a done";

/*
 * The fetch stream (fetchproto.h).  A file's bytes are exactly the SIZE
 * its header says, cut or padded with zeros if it changed meanwhile; its
 * SHA-256 was taken first, so the receiver sees the change.  No find(1):
 * a directory is walked with globs (dot files included).
 */
static const char fetch_script[] =
	"nl=\"\n\"; "
	"x() { printf \"X %s\\n\" \"$(printf %s \"$*\" | tr \"\\n\\r\" \"  \")\"; }; "
	"w() { case $2 in *\"$nl\"*) x \"a name with a newline in ${1%/*}: skipped\"; return;; esac; "
	"if [ -L \"$1\" ]; then t=$(readlink -- \"$1\") || { x \"$2: cannot read the link\"; return; }; "
	"case $t in *\"$nl\"*) x \"$2: a link target with a newline: skipped\"; return;; esac; "
	"printf \"L %s\\n%s\\n\" \"$2\" \"$t\"; "
	"elif [ -d \"$1\" ]; then printf \"D %s %s\\n\" \"$(stat -c %a -- \"$1\")\" \"$2\"; "
	"for c in \"$1\"/* \"$1\"/.[!.]* \"$1\"/..?*; do if [ -e \"$c\" ] || [ -L \"$c\" ]; then w \"$c\" \"$2/${c##*/}\"; fi; done; "
	"elif [ -f \"$1\" ]; then if ! h=$(sha256sum 2>&1 < \"$1\"); then x \"$2: $h\"; return; fi; "
	"s=$(stat -c %s -- \"$1\"); printf \"F %s %s %s %s\\n\" \"$(stat -c %a -- \"$1\")\" \"$s\" \"${h%% *}\" \"$2\"; "
	"{ head -c \"$s\" < \"$1\"; head -c \"$s\" /dev/zero; } 2>/dev/null | head -c \"$s\"; "
	"elif [ -e \"$1\" ]; then x \"$2: not a regular file, directory or link: skipped\"; "
	"else x \"$1: No such file or directory\"; fi; }; "
	"printf \"\\036RONDA fetch 1\\n\"; "
	"for a in \"$@\"; do case $a in /*) q=$a;; *) q=\"${HOME:?}/$a\";; esac; "
	"while [ \"${q%/}\" != \"$q\" ]; do q=${q%/}; done; w \"$q\" \"${q##*/}\"; done; printf \"Z\\n\"";

static int command(struct buf *out, const char *script, const char *arg0,
		   const char *const *args, size_t n, int become)
{
	int r = become ? buf_puts(out, "sudo -n -- ") : RONDA_OK;

	if (r == RONDA_OK)
		r = remote_sh(out, script, arg0);
	for (size_t i = 0; i < n && r == RONDA_OK; i++) {
		r = buf_putc(out, ' ');
		if (r == RONDA_OK)
			r = remote_quote(out, args[i]);
	}
	return r;
}

int copy_command(struct buf *out, const char *dest, const char *base,
		 const char *owner, int become)
{
	const char *args[] = { dest, base ? base : "", owner ? owner : "" };

	return command(out, copy_script, "ronda-copy", args, 3, become);
}

int fetch_command(struct buf *out, const char *const *paths, size_t n, int become)
{
	return command(out, fetch_script, "ronda-fetch", paths, n, become);
}

static const struct {
	const char *name;
	enum copy_word word;
} words[] = {
	{ "same", COPY_SAME }, { "meta", COPY_META }, { "need", COPY_NEED },
	{ "made", COPY_MADE }, { "sent", COPY_SENT }, { "err", COPY_ERR },
	{ "done", COPY_DONE },
};

/* A decimal index below n, up to a space or the end. */
static int parse_index(const char *p, size_t len, size_t n, size_t *out)
{
	size_t v = 0;

	if (!len || len > 19 || (len > 1 && p[0] == '0'))
		return RONDA_EPARSE;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return RONDA_EPARSE;
		v = v * 10 + (size_t)(p[i] - '0');
	}
	if (v >= n)
		return RONDA_EPARSE;
	*out = v;
	return RONDA_OK;
}

/* One answer line (after the mark, without the newline). */
static int parse_line(const char *p, size_t len, size_t n, struct copy_reply *r)
{
	const char *sp = memchr(p, ' ', len);
	size_t wlen = sp ? (size_t)(sp - p) : len;
	const char *ip, *isp;
	size_t ilen, k;

	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (strlen(words[k].name) == wlen && memcmp(words[k].name, p, wlen) == 0)
			break;
	if (k == sizeof(words) / sizeof(words[0]))
		return RONDA_EPARSE;
	memset(r, 0, sizeof(*r));
	r->word = words[k].word;
	if (r->word == COPY_DONE)
		return sp ? RONDA_EPARSE : RONDA_OK;
	if (!sp)
		return RONDA_EPARSE;
	ip = sp + 1;
	ilen = len - wlen - 1;
	isp = memchr(ip, ' ', ilen);
	if (isp && r->word != COPY_ERR)
		return RONDA_EPARSE;
	if (parse_index(ip, isp ? (size_t)(isp - ip) : ilen, n, &r->index))
		return RONDA_EPARSE;
	if (r->word == COPY_ERR && isp) {
		r->text = isp + 1;
		r->text_len = (size_t)(p + len - r->text);
	} else if (r->word == COPY_ERR) {
		r->text = "";
	}
	return RONDA_OK;
}

int copy_reply_next(const char **p, const char *end, size_t n_entries,
		    struct copy_reply *r)
{
	const size_t mlen = sizeof(MARK) - 1;

	while (*p < end) {
		const char *line = *p, *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len;

		if (!nl)
			break;
		*p = nl + 1;
		len = (size_t)(nl - line);
		/* the mark may follow an rc file's output that has no newline */
		for (size_t k = 0; k + mlen <= len; k++) {
			if (memcmp(line + k, MARK, mlen) == 0) {
				if (memchr(line + k + mlen, '\0', len - k - mlen))
					return RONDA_EPARSE;
				return parse_line(line + k + mlen, len - k - mlen, n_entries, r);
			}
		}
	}
	*p = end;
	return RONDA_ENOTFOUND;
}
