/* version.h - one version for the orchestrator and the agent. */
#ifndef RONDA_VERSION_H
#define RONDA_VERSION_H

#define RONDA_VERSION "0.1.0"

#endif
