/*
 * names.h - the short names of signals ("TERM") and errnos ("EPERM"), for
 * messages; NULL for a number without one.
 */
#ifndef RONDA_AGENT_NAMES_H
#define RONDA_AGENT_NAMES_H

const char *sig_abbrev(int sig);
const char *errno_name(int e);

#endif
