/*
 * sandbox_int.h - what sandbox-seccomp.c takes from sandbox-args.c.
 */
#ifndef RONDA_SANDBOX_INT_H
#define RONDA_SANDBOX_INT_H

/* Loads the argument filter of inspect and maintain (see sandbox-args.c);
 * on failure errno says why. */
int sandbox_args_load(void);

#endif
