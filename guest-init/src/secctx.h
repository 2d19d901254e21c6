/*
 * Kubernetes' securityContext of a container, as guest-init applies it:
 * which capabilities root keeps, whether no_new_privs is set, which seccomp
 * profile, the supplementary groups, a read-only root, and runAsNonRoot.
 * The host resolves pod- and container-level settings into one set per
 * container (ADD_CONTAINER's fields 0x48-0x4E); absent fields mean runc's
 * and Docker's defaults. Pure: unit-tested without a VM.
 */
#ifndef PEAPOD_SECCTX_H
#define PEAPOD_SECCTX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "request.h"
#include "user.h"

/* The capability bounding set: CAPS, or Docker's default set. */
uint64_t secctx_caps(const struct pp_security *s);

/* Whether no_new_privs is set: unless NO_NEW_PRIVS says 0, it is. */
int secctx_no_new_privs(const struct pp_security *s);

/* The supplementary groups of the process: the user's from /etc/group
 * (unless GROUPS_STRICT), then GROUP_ID's, each once, at most `cap`. */
size_t secctx_groups(const struct pp_security *s, const struct user_ids *ids, gid_t *out,
		     size_t cap);

/* Whether `setting` ("net/ipv4/ip_forward=1") names a sysctl of the pod's
 * own namespaces, as Kubernetes' namespaced sysctls: net/, kernel/shm*,
 * kernel/msg*, kernel/sem, fs/mqueue/; a clean relative path; a value
 * without control characters. 1 or 0, with the reason in err. */
int secctx_sysctl_valid(const char *setting, char *err, size_t errlen);

#endif
