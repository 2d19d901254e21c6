/*
 * securityContext rules. See secctx.h.
 *
 * Capabilities: the bounding set is what root in the container keeps after
 * execve(); a non-root user ends with no effective capability whatever the
 * set, as with runc under Kubernetes (no ambient capabilities), unless a
 * file capability grants one and no_new_privs is off.
 *
 * no_new_privs is on unless the host says NO_NEW_PRIVS 0, i.e. unless the
 * manifest says allowPrivilegeEscalation: true (or adds CAP_SYS_ADMIN,
 * which Kubernetes says always allows escalation). That is Peapod's
 * default, stricter than Kubernetes' (where unset allows escalation): the
 * design asks for runc's confinement "unless asked".
 */
#include <stdio.h>
#include <string.h>

#include "privileges.h"
#include "secctx.h"

uint64_t secctx_caps(const struct pp_security *s)
{
	return s && s->has_caps ? s->caps : privileges_default_caps();
}

int secctx_no_new_privs(const struct pp_security *s)
{
	return !s || !s->has_no_new_privs || s->no_new_privs != 0;
}

static size_t add_group(gid_t *out, size_t n, size_t cap, gid_t g)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (out[i] == g)
			return n;
	}
	if (n < cap)
		out[n++] = g;
	return n;
}

size_t secctx_groups(const struct pp_security *s, const struct user_ids *ids, gid_t *out,
		     size_t cap)
{
	size_t n = 0, i;

	if (!s || !s->groups_strict) {
		for (i = 0; i < ids->ngroups; i++)
			n = add_group(out, n, cap, ids->groups[i]);
	}
	for (i = 0; s && i < s->n_group_ids; i++)
		n = add_group(out, n, cap, (gid_t)s->group_ids[i]);
	return n;
}

/* Kubernetes' namespaced sysctls (pkg/kubelet/sysctl): prefixes, or the
 * whole name when it ends in '='. */
static const char *const namespaced[] = {
	"net/", "kernel/shm", "kernel/msg", "kernel/sem=", "fs/mqueue/",
};

int secctx_sysctl_valid(const char *setting, char *err, size_t errlen)
{
	const char *eq = strchr(setting, '=');
	char name[256];
	size_t n, i;
	int ok = 0;

	if (!eq || eq == setting || (size_t)(eq - setting) >= sizeof(name)) {
		snprintf(err, errlen, "sysctl \"%s\" is not NAME=VALUE", setting);
		return 0;
	}
	n = (size_t)(eq - setting);
	memcpy(name, setting, n);
	name[n] = 0;
	if (!pp_valid_rel_path(name)) {
		snprintf(err, errlen, "sysctl \"%s\" is not a path under /proc/sys", name);
		return 0;
	}
	for (i = 0; i < sizeof(namespaced) / sizeof(namespaced[0]); i++) {
		size_t k = strlen(namespaced[i]);

		if (namespaced[i][k - 1] == '=')
			ok |= strncmp(setting, namespaced[i], k) == 0;
		else
			ok |= strncmp(name, namespaced[i], k) == 0;
	}
	if (!ok) {
		snprintf(err, errlen, "sysctl \"%s\" is not namespaced (net.*, kernel.shm*, kernel.msg*,"
			 " kernel.sem, fs.mqueue.*)", name);
		return 0;
	}
	for (i = n + 1; setting[i]; i++) {
		if ((unsigned char)setting[i] < 0x20 && setting[i] != '\t') {
			snprintf(err, errlen, "sysctl \"%s\": the value holds a control character", name);
			return 0;
		}
	}
	return 1;
}
