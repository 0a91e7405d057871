/*
 * rotate_state.h - when each log was last rotated, kept per host.
 *
 * The file is JSON, {"ronda_rotate_state": 1, "logs": {PATH: UNIX_SECONDS}},
 * so any byte in a log name is escaped by construction (logrotate's state
 * file broke on names with newlines, CVE-2011-1155).  JSON strings are
 * UTF-8, so a path that is not is stored as "bytes:" and the path with each
 * '%' and each byte outside a valid UTF-8 character as %HH: a real path
 * starts with '/', so the two forms never meet, and files of older agents
 * (paths only) load unchanged.  It is mode 0600, read
 * with O_NOFOLLOW below a symlink-free directory, and replaced atomically
 * (temporary file, fsync, rename, fsync of the directory).  Writers hold an
 * flock on the directory so two agents never interleave.  A file that does
 * not parse is reported and treated as empty: the caller rebuilds each
 * entry from the files on disk, so rotation never stops on a bad state.
 */
#ifndef RONDA_ROTATE_STATE_H
#define RONDA_ROTATE_STATE_H

#include <jansson.h>
#include <limits.h>

#include "buf.h"

#define ROT_STATE_DEFAULT "/var/lib/ronda/rotate.state"
#define ROT_STATE_BYTES "bytes:"	/* the marker of an escaped path */
#define ROT_STATE_KEY_MAX (3 * PATH_MAX + 8)

struct rot_state {
	int dfd;		/* the state file's directory */
	char name[NAME_MAX + 1];
	json_t *logs;		/* object: path -> seconds */
	int corrupt;		/* the file existed but did not parse */
	int dirty;
	int locked;
};

/*
 * Opens path's directory and reads the file (absent: empty).  With lock,
 * takes the directory's flock (waiting up to a few seconds).  A corrupt
 * file is RONDA_OK with s->corrupt set and the reason in why.
 */
int rot_state_open(const char *path, int lock, struct rot_state *s,
		   struct buf *why);
/* Parses state text into a new logs object; RONDA_EPARSE (why) if bad. */
int rot_state_parse(const char *text, size_t n, json_t **logs, struct buf *why);
/* RONDA_ENOTFOUND if the log has no entry. */
int rot_state_get(const struct rot_state *s, const char *log, double *t);
/* RONDA_ENOMEM (nothing recorded) if the entry could not be made. */
int rot_state_set(struct rot_state *s, const char *log, double t);
/*
 * The state's key for a log path (the path itself when it is UTF-8, else
 * the "bytes:" form) and back; rot_state_unkey() is RONDA_EPARSE for a key
 * that is neither an absolute path nor a well-formed "bytes:" form.
 */
int rot_state_key(const char *path, char *key, size_t n);
int rot_state_unkey(const char *key, char *path, size_t n);
/* Writes the file if anything changed. */
int rot_state_save(struct rot_state *s, struct buf *why);
void rot_state_release(struct rot_state *s);

/*
 * Creates the state file's directory (0700) if it is missing and its parent
 * exists: Landlock can only name a directory that exists.
 */
int rot_state_mkdir(const char *path, struct buf *why);

#endif
