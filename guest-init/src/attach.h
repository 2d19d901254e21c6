/*
 * ATTACH / DETACH: the connected host attached to a container's main
 * process, as `docker attach` / `kubectl attach` are: its output streamed to
 * the host, stdin from the host, and Kubernetes' stdinOnce. See proto.h.
 */
#ifndef PEAPOD_ATTACH_H
#define PEAPOD_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"
#include "result.h"

struct proc;

void attach_start(const struct pp_request *r, struct result *res);
void attach_stop(const struct pp_request *r, struct result *res);
/* The host disconnected, or a new one said HELLO: every attachment ends. */
void attach_host_gone(void);
/* STDIN for a main process (host.c routes it here). */
void attach_stdin(struct proc *p, const uint8_t *data, size_t len, struct result *res);

/* container.c: a main process (re)started, with a fresh pipe or pty. */
void attach_started(struct proc *p);
/* container.c: the container is gone; a container added later under its
 * name starts unattached. */
void attach_forget(const char *container);

#endif
