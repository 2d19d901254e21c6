/*
 * EXEC: a process started inside a running container, in its mount
 * namespace, root and cgroup, as `docker exec` / `kubectl exec` do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "events.h"
#include "exec.h"
#include "mounts.h"
#include "pod.h"
#include "process.h"
#include "util.h"

/* The exec's environment: the container's, overridden by the request's. */
static char **merge_env(char *const *base, const char *const *over)
{
	size_t nb = 0, no = 0, i, j, n = 0;
	char **out;

	while (base && base[nb])
		nb++;
	while (over && over[no])
		no++;
	out = xcalloc(nb + no + 1, sizeof(char *));
	for (i = 0; i < nb; i++) {
		size_t k = strcspn(base[i], "=");
		int replaced = 0;

		for (j = 0; j < no && !replaced; j++)
			replaced = strncmp(over[j], base[i], k) == 0 && over[j][k] == '=';
		if (!replaced)
			out[n++] = base[i];
	}
	for (j = 0; j < no; j++)
		out[n++] = (char *)over[j];
	out[n] = NULL;
	return out;
}

void exec_start(const struct pp_request *r, struct result *res)
{
	struct container_view cv, other, *c = &cv;
	struct ns_fds ns = { -1, -1 };
	struct proc_spec ps;
	struct proc *p;
	char path[64], err[400];
	char **env;
	int code;

	if (container_view(r->container, &cv) < 0) {
		result_error(res, ENOENT, r->container, r->process, "container \"%s\" not found",
			     r->container ? r->container : "");
		return;
	}
	if (!r->process || !pp_valid_process_id(r->process)) {
		result_error(res, EINVAL, r->container, r->process, "invalid process id \"%s\"",
			     r->process ? r->process : "");
		return;
	}
	if (proc_find_id(r->process) || container_view(r->process, &other) == 0) {
		result_error(res, EEXIST, r->container, r->process, "process \"%s\" already exists",
			     r->process);
		return;
	}
	if (!c->running) {
		result_error(res, ESRCH, r->container, r->process, "container \"%s\" is not running",
			     c->name);
		return;
	}
	if (r->argc == 0 || !*r->argv[0]) {
		result_error(res, EINVAL, r->container, r->process,
			     "container \"%s\": no command given (ARGV is empty)", c->name);
		return;
	}
	if (r->cwd && !pp_valid_abs_path(r->cwd)) {
		result_error(res, EINVAL, r->container, r->process,
			     "container \"%s\": working directory \"%s\" must be an absolute path",
			     c->name, r->cwd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)c->pid);
	ns.mnt = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)c->pid);
	ns.root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ns.mnt < 0 || ns.root < 0) {
		result_error(res, errno, r->container, r->process,
			     "container \"%s\": cannot open its namespace: %s", c->name, strerror(errno));
		goto out;
	}
	env = merge_env(c->env, r->env);
	memset(&ps, 0, sizeof(ps));
	ps.kind = PROC_EXEC;
	ps.container = c->name;
	ps.id = r->process;
	ps.argv = r->argv;
	ps.env = (const char *const *)env;
	ps.cwd = r->cwd ? r->cwd : c->cwd;
	ps.user = r->user && *r->user ? r->user : c->user;
	ps.security = c->security; /* an exec is confined as its container is */
	ps.hostname = pod_hostname();
	ps.tty = r->tty != 0;
	ps.rows = (uint16_t)(r->rows > 65535 ? 65535 : r->rows);
	ps.cols = (uint16_t)(r->cols > 65535 ? 65535 : r->cols);
	ps.pty_pid = c->pid;
	ps.enter = ns_enter;
	ps.enter_arg = &ns;
	p = proc_spawn(&ps, &code, err, sizeof(err));
	free(env);
	if (!p) {
		result_error(res, code, r->container, r->process, "container \"%s\": %s", c->name, err);
		goto out;
	}
	result_pid(res, p->pid);
	events_started(c->name, p->id, p->pid, 0);
out:
	if (ns.mnt >= 0)
		close(ns.mnt);
	if (ns.root >= 0)
		close(ns.root);
}
