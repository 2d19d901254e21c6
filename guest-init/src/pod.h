/*
 * Pod-level state: hostname, /etc/hosts and resolv.conf for every
 * container, emptyDir volumes, and destroying all of it.
 */
#ifndef PEAPOD_POD_H
#define PEAPOD_POD_H

#include <stdint.h>

#include "request.h"

#define POD_DIR "/run/peapod/pod"
#define VOLUMES_DIR "/run/peapod/volumes"

void pod_start(const struct pp_request *r);
/* DESTROY_POD and SHUTDOWN (power_off set): reply when everything is gone. */
void pod_destroy(uint32_t grace_ms, uint32_t seq, int has_seq, int power_off);
int pod_started(void);
int pod_destroying(void);
const char *pod_hostname(void);
int pod_has_volume(const char *name);
/* Loop hook: finishes a destroy once the last container is gone. */
void pod_check(void);

#endif
