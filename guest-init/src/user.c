/*
 * USER -> uid, gid, groups, home. See user.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user.h"

/* Splits one line of a colon file into at most `max` fields in place-less
 * fashion: fields[i] points into `line`, lens[i] gives its length. */
static size_t split(const char *line, size_t linelen, const char **fields, size_t *lens, size_t max)
{
	size_t n = 0;
	const char *p = line, *end = line + linelen;

	while (n < max) {
		const char *c = memchr(p, ':', (size_t)(end - p));

		fields[n] = p;
		lens[n] = c ? (size_t)(c - p) : (size_t)(end - p);
		n++;
		if (!c)
			break;
		p = c + 1;
	}
	return n;
}

static int parse_id(const char *s, size_t len, unsigned long *out)
{
	char buf[16];
	char *e;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	*out = strtoul(buf, &e, 10);
	if (errno || *e || *out > 0xfffffffeUL)
		return -1;
	return 0;
}

static int field_is(const char *f, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(f, s, len) == 0;
}

/* Calls fn for each line of text; stops when fn returns nonzero. */
static int each_line(const char *text, int (*fn)(const char **f, size_t *l, size_t n, void *arg),
		     void *arg)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *f[7];
		size_t l[7], n;

		if (len > 0 && p[0] != '#') {
			n = split(p, len, f, l, 7);
			if (fn(f, l, n, arg))
				return 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

struct pw_query {
	const char *name; /* by name, or ... */
	unsigned long uid; /* ... by uid when name is NULL */
	int found;
	unsigned long out_uid, out_gid;
	char name_out[64];
	char home[256];
};

static int pw_match(const char **f, size_t *l, size_t n, void *arg)
{
	struct pw_query *q = arg;
	unsigned long uid, gid;

	if (n < 4 || parse_id(f[2], l[2], &uid) < 0 || parse_id(f[3], l[3], &gid) < 0)
		return 0;
	if (q->name ? !field_is(f[0], l[0], q->name) : uid != q->uid)
		return 0;
	q->found = 1;
	q->out_uid = uid;
	q->out_gid = gid;
	if (l[0] < sizeof(q->name_out)) {
		memcpy(q->name_out, f[0], l[0]);
		q->name_out[l[0]] = 0;
	}
	if (n >= 6 && l[5] > 0 && l[5] < sizeof(q->home)) {
		memcpy(q->home, f[5], l[5]);
		q->home[l[5]] = 0;
	}
	return 1;
}

struct gr_query {
	const char *name;
	int found;
	unsigned long gid;
};

static int gr_match(const char **f, size_t *l, size_t n, void *arg)
{
	struct gr_query *q = arg;
	unsigned long gid;

	if (n < 3 || parse_id(f[2], l[2], &gid) < 0 || !field_is(f[0], l[0], q->name))
		return 0;
	q->found = 1;
	q->gid = gid;
	return 1;
}

struct member_query {
	const char *user;
	struct user_ids *ids;
};

static int member_match(const char **f, size_t *l, size_t n, void *arg)
{
	struct member_query *q = arg;
	const char *p, *end;
	unsigned long gid;

	if (n < 4 || parse_id(f[2], l[2], &gid) < 0)
		return 0;
	p = f[3];
	end = f[3] + l[3];
	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t len = c ? (size_t)(c - p) : (size_t)(end - p);
		size_t i;
		int dup = 0;

		if (field_is(p, len, q->user)) {
			for (i = 0; i < q->ids->ngroups; i++)
				dup |= q->ids->groups[i] == (gid_t)gid;
			if (!dup && q->ids->ngroups < USER_MAX_GROUPS)
				q->ids->groups[q->ids->ngroups++] = (gid_t)gid;
			break;
		}
		p = c ? c + 1 : end;
	}
	return 0;
}

int user_resolve(const char *spec, const char *passwd, const char *group,
		 struct user_ids *out, char *err, size_t errlen)
{
	char user[256], grp[256];
	const char *colon;
	struct pw_query pq;
	unsigned long id;
	int numeric_user;

	memset(out, 0, sizeof(*out));
	strcpy(out->home, "/");
	if (!spec || !*spec)
		spec = "0";
	colon = strchr(spec, ':');
	if (strlen(spec) >= sizeof(user)) {
		snprintf(err, errlen, "user \"%.40s...\" is too long", spec);
		return -1;
	}
	if (colon) {
		memcpy(user, spec, (size_t)(colon - spec));
		user[colon - spec] = 0;
		strcpy(grp, colon + 1);
	} else {
		strcpy(user, spec);
		grp[0] = 0;
	}
	if (!*user || (colon && !*grp)) {
		snprintf(err, errlen, "user \"%s\" is not valid", spec);
		return -1;
	}

	memset(&pq, 0, sizeof(pq));
	numeric_user = parse_id(user, strlen(user), &id) == 0;
	if (numeric_user) {
		pq.uid = id;
	} else {
		pq.name = user;
	}
	if (passwd)
		each_line(passwd, pw_match, &pq);
	if (!numeric_user && !pq.found) {
		snprintf(err, errlen, "user \"%s\" not found in /etc/passwd", user);
		return -1;
	}
	out->uid = (uid_t)(pq.found ? pq.out_uid : id);
	out->gid = (gid_t)(pq.found ? pq.out_gid : 0);
	if (pq.found && pq.home[0])
		strcpy(out->home, pq.home);

	if (*grp) {
		if (parse_id(grp, strlen(grp), &id) == 0) {
			out->gid = (gid_t)id;
		} else {
			struct gr_query gq = { grp, 0, 0 };

			if (group)
				each_line(group, gr_match, &gq);
			if (!gq.found) {
				snprintf(err, errlen, "group \"%s\" not found in /etc/group", grp);
				return -1;
			}
			out->gid = (gid_t)gq.gid;
		}
	}
	if (pq.found && group) {
		struct member_query mq = { pq.name_out, out };

		each_line(group, member_match, &mq);
	}
	return 0;
}
