/*
 * USER resolution against a container's own /etc/passwd and /etc/group, as
 * runc does it: "uid", "uid:gid", "name", "name:group" (and mixes). Pure: it
 * works on the files' contents, so it is unit-tested without a container.
 */
#ifndef PEAPOD_USER_H
#define PEAPOD_USER_H

#include <stddef.h>
#include <sys/types.h>

#define USER_MAX_GROUPS 64

struct user_ids {
	uid_t uid;
	gid_t gid;
	gid_t groups[USER_MAX_GROUPS]; /* supplementary, from /etc/group */
	size_t ngroups;
	char home[256];                /* "/" when the user has no entry */
};

/* passwd/group may be NULL (file missing). Returns 0, or -1 with `err` set
 * to a message like: user "bob" not found in /etc/passwd. */
int user_resolve(const char *spec, const char *passwd, const char *group,
		 struct user_ids *out, char *err, size_t errlen);

#endif
