/*
 * Capabilities and no_new_privs of container processes. See privileges.h.
 *
 * Container processes get Docker's (and runc's) default capability set, as
 * in Kubernetes without a securityContext. It is applied by dropping the
 * rest from the bounding set before execve(): root's effective set after
 * execve() is then exactly this table, and a non-root user gets nothing,
 * as in Docker. So root in a container cannot mount, load modules, reboot
 * the VM, change the clock or the network setup, or trace processes
 * through the kernel's checks; the seccomp profile (seccomp.c) refuses the
 * same calls once more.
 *
 * A securityContext changes the set (capabilities.add/drop, sent as
 * ADD_CONTAINER's CAPS) and may turn no_new_privs off (secctx.c).
 *
 * no_new_privs is on unless a container asks for escalation, which is what
 * Kubernetes' allowPrivilegeEscalation: false and Docker's --security-opt
 * no-new-privileges ask for (both default to off there): a setuid binary in
 * an image, run by a non-root USER, does not become root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privileges.h"
#include "util.h"

/* The default capability set. */
static const struct {
	int cap;
	const char *name;
} default_caps[] = {
	{ 0, "CAP_CHOWN" },
	{ 1, "CAP_DAC_OVERRIDE" },
	{ 3, "CAP_FOWNER" },
	{ 4, "CAP_FSETID" },
	{ 5, "CAP_KILL" },
	{ 6, "CAP_SETGID" },
	{ 7, "CAP_SETUID" },
	{ 8, "CAP_SETPCAP" },
	{ 10, "CAP_NET_BIND_SERVICE" },
	{ 13, "CAP_NET_RAW" },
	{ 18, "CAP_SYS_CHROOT" },
	{ 27, "CAP_MKNOD" },
	{ 29, "CAP_AUDIT_WRITE" },
	{ 31, "CAP_SETFCAP" },
};

uint64_t privileges_default_caps(void)
{
	uint64_t mask = 0;
	size_t i;

	for (i = 0; i < ARRAY_LEN(default_caps); i++)
		mask |= 1ull << default_caps[i].cap;
	return mask;
}

/*
 * The kernel's last capability is where PR_CAPBSET_DROP first says EINVAL,
 * not what /proc/sys/kernel/cap_last_cap says: this runs in the child, in
 * the container's mount namespace, where /proc may be what a volume or a
 * container with CAP_SYS_ADMIN put there (a FIFO there blocked the child,
 * and guest-init with it, until the start timeout; a file saying 3 left
 * every capability above it in the bounding set).
 */
int privileges_drop_caps(uint64_t keep, char *err, size_t errlen)
{
	int cap;

	for (cap = 0; cap < 64; cap++) {
		if (keep & (1ull << cap))
			continue;
		/* Needs CAP_SETPCAP, which root still has here. */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			int e = errno;

			/* Past the last capability, if PR_CAPBSET_READ agrees:
			 * a seccomp filter answering EINVAL for prctl made
			 * the first drop look like the end (found in review,
			 * session 11), which left every capability in. */
			if (e == EINVAL && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0 && errno == EINVAL)
				break;
			snprintf(err, errlen, "cannot drop capability %d: %s", cap, strerror(e));
			return e;
		}
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 0) {
			snprintf(err, errlen, "capability %d is still in the bounding set", cap);
			return EPERM;
		}
	}
	return 0;
}

int privileges_no_new_privs(char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(e));
		return e;
	}
	return 0;
}

int privileges_set_caps(uint64_t caps, char *err, size_t errlen)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
	uint32_t set[6] = { 0 }, got[6] = { 0 }; /* {effective, permitted, inheritable} x 2 */

	set[0] = set[1] = (uint32_t)caps;
	set[3] = set[4] = (uint32_t)(caps >> 32);
	if (syscall(SYS_capset, &hdr, set) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(e));
		return e;
	}
	/* Read back: a seccomp filter answering 0 without the call made
	 * would otherwise pass for a drop. Only "nothing more than `caps`"
	 * is checked: the kernel clears bits past its last capability. */
	hdr.pid = 0;
	if (syscall(SYS_capget, &hdr, got) < 0 || (got[0] & ~set[0]) || (got[1] & ~set[1]) || got[2] ||
	    (got[3] & ~set[3]) || (got[4] & ~set[4]) || got[5]) {
		snprintf(err, errlen, "capabilities were not dropped");
		return EPERM;
	}
	return 0;
}
