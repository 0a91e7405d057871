/*
 * facts.h - what every run reports about the host: hostname, kernel,
 * distribution (os-release), architecture, CPUs, memory, uptime, boot time.
 */
#ifndef RONDA_FACTS_H
#define RONDA_FACTS_H

#include <jansson.h>

/* A new object with the facts; what cannot be read is left out. */
json_t *facts_collect(void);

/* The value of KEY in os-release text (quotes removed) into out. */
int facts_os_release_get(const char *text, const char *key, char *out, size_t n);

#endif
