/*
 * Attachments of the host to containers' main processes. See attach.h and
 * proto.h.
 *
 * One host is connected at a time (the control port serves one client), so
 * an attachment is a flag per container, not a list of clients: ATTACH sets
 * it, DETACH or the host going away clears it. What outlives an attachment
 * is whether a stdinOnce container's stdin was closed, until its main
 * process starts again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "container.h"
#include "process.h"
#include "util.h"

#define MAX_ATTACHMENTS 128 /* container.c's MAX_CONTAINERS */

struct attachment {
	char container[PP_MAX_CONTAINER_NAME + 1]; /* "" when the slot is free */
	int attached;
	int stdin_attached;
	int output;
	int stdin_closed; /* stdinOnce: closed by a detach until the next start */
};

static struct attachment table[MAX_ATTACHMENTS];

static struct attachment *find(const char *container)
{
	size_t i;

	for (i = 0; i < MAX_ATTACHMENTS; i++) {
		if (table[i].container[0] && strcmp(table[i].container, container) == 0)
			return &table[i];
	}
	return NULL;
}

static struct attachment *find_or_add(const char *container)
{
	struct attachment *a = find(container);
	size_t i;

	for (i = 0; !a && i < MAX_ATTACHMENTS; i++) {
		if (!table[i].container[0]) {
			a = &table[i];
			memset(a, 0, sizeof(*a));
			snprintf(a->container, sizeof(a->container), "%s", container);
		}
	}
	return a;
}

/* The container's main process while it runs, else NULL. */
static struct proc *main_of(const char *container)
{
	struct proc *p = proc_find_id(container);

	return p && p->kind == PROC_MAIN && p->alive ? p : NULL;
}

/* End of input for a stdinOnce container: its stdin stays closed until the
 * main process starts again. */
static void close_stdin_once(struct attachment *a)
{
	struct proc *p = main_of(a->container);

	a->stdin_closed = 1;
	if (p)
		proc_stdin(p, NULL, 0);
}

static void detach(struct attachment *a)
{
	struct container_view v;
	struct proc *p = main_of(a->container);

	if (!a->attached)
		return;
	if (p)
		p->to_host = 0;
	if (a->stdin_attached && !a->stdin_closed && container_view(a->container, &v) == 0 &&
	    v.stdin_once)
		close_stdin_once(a);
	a->attached = a->stdin_attached = a->output = 0;
}

void attach_start(const struct pp_request *r, struct result *res)
{
	struct container_view v;
	struct attachment *a;
	struct proc *p;

	if (!r->container || container_view(r->container, &v) < 0) {
		result_error(res, ENOENT, r->container, NULL, "container \"%s\" not found",
			     r->container ? r->container : "");
		return;
	}
	if (r->stdin_open && !v.stdin_open) {
		result_error(res, ENOTTY, v.name, NULL,
			     "container \"%s\" was not started with stdin (stdin: true), so there is"
			     " nothing to attach stdin to", v.name);
		return;
	}
	a = find_or_add(v.name);
	if (!a) {
		result_error(res, ENOSPC, v.name, NULL, "too many attachments");
		return;
	}
	if (a->attached) {
		result_error(res, EBUSY, v.name, NULL, "container \"%s\" is attached already", v.name);
		return;
	}
	a->attached = 1;
	a->stdin_attached = r->stdin_open != 0;
	a->output = r->output != 0;
	p = main_of(v.name);
	if (p)
		p->to_host = a->output;
}

void attach_stop(const struct pp_request *r, struct result *res)
{
	struct attachment *a = r->container ? find(r->container) : NULL;

	(void)res;
	if (a)
		detach(a); /* detaching twice, or from a removed container, is done already */
}

void attach_host_gone(void)
{
	size_t i;

	for (i = 0; i < MAX_ATTACHMENTS; i++) {
		if (table[i].container[0])
			detach(&table[i]);
	}
}

void attach_stdin(struct proc *p, const uint8_t *data, size_t len, struct result *res)
{
	struct attachment *a = find(p->container);
	struct container_view v;
	int rc;

	if (!a || !a->stdin_attached) {
		result_error(res, EPERM, p->container, p->id,
			     "process \"%s\": stdin needs an ATTACH with STDIN first", p->id);
		return;
	}
	if (a->stdin_closed) {
		result_error(res, EPIPE, p->container, p->id, "process \"%s\": stdin: %s", p->id,
			     strerror(EPIPE));
		return;
	}
	if (len == 0) {
		/* The client's input ended: as Docker, that ends the process's
		 * input only when stdin is meant for one client. */
		if (container_view(p->container, &v) == 0 && v.stdin_once)
			close_stdin_once(a);
		res->kind = RESULT_NONE;
		return;
	}
	rc = proc_stdin(p, data, len);
	if (rc < 0)
		result_error(res, -rc, p->container, p->id, "process \"%s\": stdin: %s", p->id,
			     strerror(-rc));
	else
		res->kind = RESULT_NONE;
}

void attach_started(struct proc *p)
{
	struct attachment *a = find(p->container);

	if (!a)
		return;
	a->stdin_closed = 0;
	p->to_host = a->attached && a->output;
}

void attach_forget(const char *container)
{
	struct attachment *a = find(container);

	if (a)
		memset(a, 0, sizeof(*a));
}
