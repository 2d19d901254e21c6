/*
 * The pod-level part of Kubernetes' securityContext that guest-init applies
 * itself, once per START_POD: namespaced sysctls (written to /proc/sys and
 * put back when the pod is destroyed, so the next pod in the same VM starts
 * from the kernel's values) and fsGroup's ownership of emptyDir volumes.
 */
#ifndef PEAPOD_PODSEC_H
#define PEAPOD_PODSEC_H

#include <stddef.h>

#include "request.h"

/* START_POD: checks and writes SYSCTL*, keeps POD and FS_GROUP. 0, or an
 * errno with err set (nothing left changed). */
int podsec_start(const struct pp_request *r, char *err, size_t errlen);
/* An emptyDir just mounted at `path` with permission bits `mode`: with an
 * fsGroup, owned by that group, and mode | 02770 (group rwx and setgid), as
 * the kubelet leaves one. 0 or an errno. */
int podsec_volume(const char *path, unsigned mode, char *err, size_t errlen);
/* DESTROY_POD: the sysctls back to what they were. */
void podsec_end(void);
/* The pod's name for messages: POD, else the hostname's stand-in "". */
const char *podsec_pod_name(void);

#endif
