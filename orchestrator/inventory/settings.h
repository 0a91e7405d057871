/*
 * settings.h - one host's connection settings (struct host_settings), the
 * setters that check each value, and the strict name checks.
 *
 * The inventory file and the command line set values through the same
 * setters, so a port, timeout or user is held to one rule wherever it comes
 * from.  Setters write a message without a location; the inventory adds
 * "file:line: " in front.  How settings combine (host > groups > defaults >
 * built in) is inventory.h's business.
 *
 * A reader of settings (the inventory loader) goes one way: it looks the
 * name up in settings_keys[], reads a value of that key's form, and hands
 * it to host_settings_set(), which calls the key's setter.  It knows no
 * key by name, and nothing here calls back into it.
 */
#ifndef RONDA_SETTINGS_H
#define RONDA_SETTINGS_H

#include <stddef.h>

struct buf;

/* Built-in defaults. */
#define SETTINGS_DEFAULT_PORT 22
#define SETTINGS_DEFAULT_CONNECT_TIMEOUT 10.0
#define SETTINGS_DEFAULT_RETRIES 2
/* Sanity bounds, also applied to command-line values. */
#define SETTINGS_MAX_TIMEOUT (7 * 86400.0)
#define SETTINGS_MAX_RETRIES 100
#define SETTINGS_MAX_IDENTITIES 16

/* One bit per setting: which fields of a struct host_settings are given. */
enum host_setting_key {
	HS_ADDRESS,
	HS_PORT,
	HS_USER,
	HS_IDENTITY,
	HS_CONNECT_TIMEOUT,
	HS_COMMAND_TIMEOUT,
	HS_RETRIES,
	HS_BECOME,
	HS_VIA,
	HS_COUNT
};
#define HS_BIT(k) (1u << (k))

/*
 * A partial set of settings: defaults, a group, a host, or the
 * command-line overrides.  Only fields whose bit is in `set` mean
 * anything.  Owns its strings.
 */
struct host_settings {
	unsigned set;
	char *address;
	unsigned port;
	char *user;
	char **identities;
	size_t n_identities;
	double connect_timeout;
	double command_timeout;	/* 0: none */
	int retries;
	int become;
	char *via;		/* bastions, "a,b" (jumpspec.h); "none": direct */
};

void host_settings_init(struct host_settings *s);
void host_settings_release(struct host_settings *s);
/* A deep copy of src into dst (dst is initialised first, not released). */
int host_settings_copy(struct host_settings *dst, const struct host_settings *src);
/* Whether a and b, which both set key k, give it the same value. */
int host_settings_equal(const struct host_settings *a, const struct host_settings *b,
			enum host_setting_key k);

/* How a setting is written in a file. */
enum setting_form {
	SF_STRING,	/* "text" */
	SF_INTEGER,	/* 22 */
	SF_SECONDS,	/* 10 or 2.5 */
	SF_BOOL,	/* true or false */
	SF_STRINGS,	/* "text", or a list of them, each set in turn */
};

struct setting_key {
	const char *name;	/* as the file spells it */
	enum setting_form form;
	int host_only;		/* only a host may set it, not groups or defaults */
};

/* Indexed by enum host_setting_key. */
extern const struct setting_key settings_keys[HS_COUNT];
/* The key called name, or -1. */
int settings_find_key(const char *name);

/* One value read from a file; the member that the key's form names is used. */
struct setting_value {
	const char *str;	/* SF_STRING, and each element of SF_STRINGS */
	long integer;
	double seconds;
	int on;
};
/* Sets key k through its setter below (same checks, same messages). */
int host_settings_set(struct host_settings *s, enum host_setting_key k,
		      const struct setting_value *v, struct buf *err);
/*
 * Setters that check the value the same way the inventory does, for the
 * command line.  On error they write a message (without a file name) to
 * err and return RONDA_EINVAL.  add_identity appends (repeatable -k);
 * "~/" at the start of a path means $HOME.
 */
int host_settings_set_address(struct host_settings *s, const char *address, struct buf *err);
int host_settings_set_user(struct host_settings *s, const char *user, struct buf *err);
int host_settings_set_port(struct host_settings *s, long port, struct buf *err);
int host_settings_add_identity(struct host_settings *s, const char *path, struct buf *err);
int host_settings_set_connect_timeout(struct host_settings *s, double secs, struct buf *err);
int host_settings_set_command_timeout(struct host_settings *s, double secs, struct buf *err);
int host_settings_set_retries(struct host_settings *s, long n, struct buf *err);
void host_settings_set_become(struct host_settings *s, int on);
/* A ProxyJump-style chain (jumpspec.h), or "none". */
int host_settings_set_via(struct host_settings *s, const char *via, struct buf *err);

/*
 * Strict name checks.  Host names: letters, digits, '.', '-', '_', starting
 * with a letter or digit, at most 253 bytes.  Addresses: the same plus ':'
 * for IPv6, and may start with ':'.  Users: letters, digits, '.', '-',
 * '_', starting with a letter or '_', at most 32 bytes.  Group names:
 * letters, digits, '-', '_', starting with a letter.  None can start with
 * '-', so none can be taken for an option.
 */
int inventory_valid_host_name(const char *s);
int inventory_valid_address(const char *s);
int inventory_valid_user(const char *s);
int inventory_valid_group_name(const char *s);

#endif
