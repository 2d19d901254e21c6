/*
 * Pod-level securityContext. See podsec.h.
 *
 * Containers share the VM's network and IPC namespaces with guest-init, so
 * a sysctl written here is the pod's, as a namespaced sysctl is in
 * Kubernetes; only those are accepted (secctx_sysctl_valid), since the
 * others would change the kernel guest-init runs on. The host has already
 * refused the rest with a reason; this is the guest's own check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podsec.h"
#include "secctx.h"
#include "util.h"

#define MAX_SYSCTLS 64
#define SYSCTL_VALUE_MAX 4096

static struct {
	char name[128];
	uint32_t fs_group;
	int has_fs_group;
	char *paths[MAX_SYSCTLS];
	char *saved[MAX_SYSCTLS];
	size_t n;
} ps;

static void restore(void)
{
	while (ps.n > 0) {
		ps.n--;
		if (ps.saved[ps.n] && write_str(ps.paths[ps.n], ps.saved[ps.n]) < 0)
			say("sysctl %s: cannot restore: %s", ps.paths[ps.n], strerror(errno));
		free(ps.paths[ps.n]);
		free(ps.saved[ps.n]);
	}
}

int podsec_start(const struct pp_request *r, char *err, size_t errlen)
{
	char *old;
	size_t i;

	restore();
	snprintf(ps.name, sizeof(ps.name), "%s", r->pod ? r->pod : "");
	ps.fs_group = r->fs_group;
	ps.has_fs_group = r->has_fs_group;
	if (r->n_sysctl > MAX_SYSCTLS) {
		snprintf(err, errlen, "too many sysctls (at most %d)", MAX_SYSCTLS);
		return EINVAL;
	}
	for (i = 0; i < r->n_sysctl; i++) {
		const char *s = r->sysctl[i];
		const char *eq = strchr(s, '=');
		char path[300];

		if (!secctx_sysctl_valid(s, err, errlen)) {
			restore();
			return EINVAL;
		}
		snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)(eq - s), s);
		old = xmalloc(SYSCTL_VALUE_MAX);
		if (read_file(path, old, SYSCTL_VALUE_MAX) < 0) {
			int e = errno;

			free(old);
			snprintf(err, errlen, "sysctl \"%.*s\": %s", (int)(eq - s), s,
				 e == ENOENT ? "not known to the guest kernel" : strerror(e));
			restore();
			return e == ENOENT ? EINVAL : e;
		}
		ps.paths[ps.n] = xstrdup(path);
		ps.saved[ps.n++] = old;
		if (write_str(path, eq + 1) < 0) {
			int e = errno;

			snprintf(err, errlen, "sysctl \"%.*s\" = \"%s\": %s", (int)(eq - s), s, eq + 1,
				 strerror(e));
			restore();
			return e;
		}
	}
	return 0;
}

int podsec_volume(const char *path, unsigned mode, char *err, size_t errlen)
{
	if (!ps.has_fs_group)
		return 0;
	/* The kubelet's SetVolumeOwnership: the group may read, write and
	 * enter, and new files take the group (setgid), over the volume's mode. */
	if (chown(path, (uid_t)-1, (gid_t)ps.fs_group) < 0 || chmod(path, mode | 02770) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot give %s to fsGroup %u: %s", path, ps.fs_group,
			 strerror(e));
		return e;
	}
	return 0;
}

void podsec_end(void)
{
	restore();
	ps.name[0] = 0;
	ps.has_fs_group = 0;
}

const char *podsec_pod_name(void)
{
	return ps.name;
}
