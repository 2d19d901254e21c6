/*
 * Containers: a root filesystem (image + writable layer), a mount namespace,
 * a cgroup, a main process and its restart policy.
 */
#ifndef PEAPOD_CONTAINER_H
#define PEAPOD_CONTAINER_H

#include <stdint.h>
#include <sys/types.h>

#include "codec.h"
#include "request.h"
#include "result.h"

struct proc;
struct container;

void container_add(const struct pp_request *r, struct result *res);
/* Starts removing a container: RESULT_LATER, done once container_view()
 * no longer finds it. */
void container_remove(const char *name, uint32_t grace_ms, int has_grace, struct result *res);
/* Starts removing every container (DESTROY_POD); pod.c waits for
 * container_count() to reach 0. */
void container_remove_all(uint32_t grace_ms);
int container_count(void);
void container_signal(const struct pp_request *r, struct result *res);
void container_status(struct pp_buf *b);
/* Loop hook: a readiness notice for each running container whose READY or
 * STARTED changed since the last one (probe results, postStart ending). */
void container_notice_readiness(void);
/* The host listening for notices left, perhaps before it read the last
 * ones: the next host is told every running container's READY and
 * STARTED once. */
void container_readiness_untold(void);

/* What an exec into a container needs to know about it. */
struct container_view {
	const char *name;
	pid_t pid;   /* main process, valid when running */
	int running; /* main process alive and not being removed */
	char *const *env;
	const char *cwd, *user;
	const struct pp_security *security;
	int stdin_open, stdin_once, tty; /* as ADD_CONTAINER said */
};
/* -1 when there is no such container. */
int container_view(const char *name, struct container_view *v);

/* A liveness or startup probe or a postStart hook failed (probe.c): end the
 * running container (preStop, SIGTERM, SIGKILL after the probe's grace when
 * has_grace, else the container's); its restart policy applies after. */
void container_probe_failed(const char *name, uint32_t grace_ms, int has_grace, const char *why);

/* A main process was reaped. */
void container_main_exited(struct proc *p);
/* Loop hooks: notice emptied cgroups, free removed containers. */
void container_poll(void);
void container_check(void);

#endif
