/*
 * Pod-level state: hostname, /etc/hosts and resolv.conf for every
 * container, emptyDir volumes, and destroying all of it.
 */
#ifndef PEAPOD_POD_H
#define PEAPOD_POD_H

#include <stdint.h>

#include "request.h"
#include "result.h"

#define POD_DIR "/run/peapod/pod"
/* The cgroup every container's cgroup is made under (main.c enables cpu, memory, pids in it). */
#define POD_CGROUP "/sys/fs/cgroup/peapod"
#define VOLUMES_DIR "/run/peapod/volumes"

void pod_start(const struct pp_request *r, struct result *res);
/* DESTROY_POD and SHUTDOWN (power_off set): starts removing every
 * container; the pod is gone once pod_destroying() is 0 again. */
void pod_destroy(uint32_t grace_ms, int power_off);
int pod_started(void);
int pod_destroying(void);
/* A SHUTDOWN (or a signal) destroyed the pod: power off once the replies
 * are out. */
int pod_power_off_due(void);
const char *pod_hostname(void);
int pod_has_volume(const char *name);
/* Loop hook: finishes a destroy once the last container is gone. */
void pod_check(void);

#endif
