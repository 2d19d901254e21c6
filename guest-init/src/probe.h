/*
 * A container's probes and lifecycle hooks, run by guest-init itself
 * (no host round trip per probe), with Kubernetes' semantics:
 *   - postStart runs as soon as the main process started; until it ends the
 *     container is not started, and if it fails the container is ended;
 *   - the startup probe runs next, and gates the other two: liveness and
 *     readiness begin once it passed (their initialDelay counts from the
 *     start of the container);
 *   - liveness or startup failing failureThreshold times in a row ends the
 *     container (preStop, SIGTERM, SIGKILL after the grace period), and its
 *     restart policy decides what follows, with the usual backoff;
 *   - readiness decides the container's READY;
 *   - preStop runs before SIGTERM, inside the grace period.
 * Exec actions run in the container through process.c (kind PROC_PROBE);
 * HTTP and TCP actions are non-blocking sockets on the event loop.
 */
#ifndef PEAPOD_PROBE_H
#define PEAPOD_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "request.h"

struct probes;

/* Decodes the request's PROBE and HOOK groups. NULL with *code and err set
 * when one is invalid or repeated; a container without any gets an empty
 * set (never NULL on success). */
struct probes *probes_new(const char *container, const struct pp_request *r, int *code,
			  char *err, size_t errlen);
void probes_free(struct probes *p);

/* The main process started (first start or a restart): postStart, then the
 * probes, from fresh results. */
void probes_started(struct probes *p);
/* The main process ended, or the container is being ended: everything
 * stops, READY and STARTED drop. A running preStop hook is left alone. */
void probes_stopped(struct probes *p);
/* Runs the preStop hook if there is one: returns 1 and calls done(arg) once
 * it ended (whatever its result), or 0 when there is none to run. */
int probes_pre_stop(struct probes *p, void (*done)(void *), void *arg);
/* Stops a running preStop hook without calling its done (grace is over). */
void probes_cancel_pre_stop(struct probes *p);

int probes_ready(const struct probes *p);
int probes_started_ok(const struct probes *p);
/* The last probe or hook failure, "" when there was none. */
const char *probes_message(const struct probes *p);

/* Loop hook: sockets of HTTP/TCP actions in flight. */
void probes_poll(void);

#endif
