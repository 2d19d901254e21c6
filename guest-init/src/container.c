/*
 * Container lifecycle: add (image, writable layer, cgroup, main process),
 * restart policy with exponential backoff, signals, exec, removal.
 *
 * A container ends when its main process does, as with Docker and
 * Kubernetes: whatever else runs in its cgroup (daemons, execs) is killed
 * then. A restart starts from a fresh writable layer, as a restarted
 * Kubernetes container does; emptyDir volumes keep their contents.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "pidns.h"
#include "container.h"
#include "trace.h"
#include "events.h"
#include "loop.h"
#include "files.h"
#include "host.h"
#include "masks.h"
#include "mounts.h"
#include "pod.h"
#include "seccomp.h"
#include "secctx.h"
#include "probe.h"
#include "process.h"
#include "util.h"

#define CGROUP_DIR "/sys/fs/cgroup/peapod"
#define BACKOFF_DEFAULT_MS 10000u
#define BACKOFF_MAX_MS 300000u
#define BACKOFF_RESET_MS 600000u /* a run this long resets the backoff */
#define GRACE_DEFAULT_MS 10000u
#define MAX_CONTAINERS 128
#define MAX_MOUNTS 64
#define CAP_SYS_ADMIN_NR 21

struct container {
	struct container *next;
	char name[PP_MAX_CONTAINER_NAME + 1];
	char image[PP_MAX_IMAGE_FILE + 1]; /* the serial or the image file, as given */
	int image_is_file;
	struct image *img;
	char **argv, **env;
	char *cwd, *user;
	struct pp_security security;
	struct volume_mount *mounts;
	size_t n_mounts;
	uint32_t policy, backoff_ms, grace_ms;
	int stdin_open, stdin_once, tty;

	uint32_t state; /* PP_STATE_* */
	struct proc *main;
	pid_t pid;
	int exit_code, exit_signal;
	uint32_t restarts;
	uint64_t next_delay_ms, started_ms;
	struct timer restart_timer, kill_timer;

	int removing;
	int events_fd; /* cgroup.events, watched while removing */

	struct probes *probes; /* probes and lifecycle hooks (probe.c) */
	int ending;            /* being ended: preStop, SIGTERM, SIGKILL at the deadline */
	int pre_stop_running;  /* SIGTERM waits for it */
	/* READY and STARTED as the last readiness notice a host was given
	 * said (0 while the main process is not running: EVENT_EXITED says
	 * that; -1 when no host may have heard it). */
	int told_ready, told_started;
};

static struct container *containers;

static struct container *find(const char *name)
{
	struct container *c;

	for (c = containers; c; c = c->next) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

int container_count(void)
{
	struct container *c;
	int n = 0;

	for (c = containers; c; c = c->next)
		n++;
	return n;
}

/* ---- cgroup ------------------------------------------------------------------ */

static int cgroup_path(const struct container *c, const char *file, char *buf, size_t cap)
{
	return fmt(buf, cap, CGROUP_DIR "/%s%s%s", c->name, file ? "/" : "", file ? file : "");
}

static int cgroup_populated(const struct container *c)
{
	char path[160], buf[256];
	const char *p;

	if (cgroup_path(c, "cgroup.events", path, sizeof(path)) < 0 ||
	    read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "populated ");
	return p && p[10] == '1';
}

static void cgroup_signal(const struct container *c, int sig)
{
	char path[160];
	char *buf = NULL, *p;
	size_t cap = 1u << 16;

	if (cgroup_path(c, "cgroup.procs", path, sizeof(path)) < 0)
		return;
	buf = xmalloc(cap);
	if (read_file(path, buf, cap) >= 0) {
		for (p = buf; *p; ) {
			long pid = strtol(p, &p, 10);

			if (pid > 1)
				kill((pid_t)pid, sig);
			while (*p == '\n')
				p++;
			if (*p && (*p < '0' || *p > '9'))
				break;
		}
	}
	free(buf);
}

static void cgroup_kill(const struct container *c)
{
	char path[160];

	if (cgroup_path(c, "cgroup.kill", path, sizeof(path)) >= 0 && write_str(path, "1") < 0) {
		say("container %s: cgroup.kill: %s", c->name, strerror(errno));
		cgroup_signal(c, SIGKILL);
	}
}

/* ---- Starting -------------------------------------------------------------------- */

static int start_main(struct container *c, int *code, char *err, size_t errlen)
{
	struct rootfs_spec rs = { c->name, c->mounts, c->n_mounts, c->security.readonly_root != 0,
				  (secctx_caps(&c->security) & (1ull << CAP_SYS_ADMIN_NR)) != 0 };
	struct proc_spec ps;
	struct proc *p;

	if (rs.own_proc)
		pidns_admin_started();
	memset(&ps, 0, sizeof(ps));
	ps.kind = PROC_MAIN;
	ps.container = c->name;
	ps.id = c->name;
	ps.argv = (const char *const *)c->argv;
	ps.env = (const char *const *)c->env;
	ps.cwd = c->cwd;
	ps.user = c->user;
	ps.security = &c->security;
	ps.hostname = pod_hostname();
	ps.tty = c->tty;
	ps.open_stdin = c->stdin_open;
	ps.enter = rootfs_enter;
	ps.enter_arg = &rs;
	ps.enter_child = rs.own_proc ? rootfs_own_proc : NULL;
	p = proc_spawn(&ps, code, err, errlen);
	if (!p)
		return -1;
	attach_started(p);
	c->main = p;
	c->pid = p->pid;
	c->state = PP_STATE_RUNNING;
	c->started_ms = mono_ms();
	c->ending = 0;
	return 0;
}

static void restart_fire(void *arg);

/* What happens after the main process ended (or failed to restart). */
static void after_exit(struct container *c)
{
	uint64_t ran = mono_ms() - c->started_ms, delay;
	int again = c->policy == PP_RESTART_ALWAYS ||
		    (c->policy == PP_RESTART_ON_FAILURE && c->exit_code != 0);

	if (c->removing || !again || pod_destroying()) {
		c->state = PP_STATE_EXITED;
		return;
	}
	if (ran >= BACKOFF_RESET_MS)
		c->next_delay_ms = c->backoff_ms;
	delay = c->next_delay_ms;
	c->next_delay_ms = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
	c->state = PP_STATE_WAITING;
	timer_arm(&c->restart_timer, delay);
}

static void restart_fire(void *arg)
{
	struct container *c = arg;
	char err[400], rerr[200];
	int code;

	if (c->removing)
		return;
	/* A fresh writable layer for the new run (see the top of the file). */
	rootfs_destroy(c->name);
	c->restarts++;
	code = rootfs_create(c->name, c->img, rerr, sizeof(rerr));
	if (code == 0 && start_main(c, &code, err, sizeof(err)) == 0) {
		events_started(c->name, c->name, c->pid, c->restarts);
		probes_started(c->probes);
		return;
	}
	say("container %s: restart failed: %s", c->name, code ? err : rerr);
	c->exit_code = 128;
	c->exit_signal = 0;
	c->started_ms = mono_ms();
	events_exited(c->name, c->name, c->exit_code, 0, c->restarts);
	after_exit(c);
}

static void kill_fire(void *arg)
{
	struct container *c = arg;

	if (c->pre_stop_running) {
		/* Grace is over with preStop still running: Kubernetes gives
		 * SIGTERM a last 2 s, then kills. */
		c->pre_stop_running = 0;
		probes_cancel_pre_stop(c->probes);
		cgroup_signal(c, SIGTERM);
		timer_arm(&c->kill_timer, 2000);
		return;
	}
	cgroup_kill(c);
}

static void pre_stop_done(void *arg)
{
	struct container *c = arg;

	c->pre_stop_running = 0;
	if (c->main)
		cgroup_signal(c, SIGTERM);
}

/* Ends the running container as Kubernetes does: its preStop hook, then
 * SIGTERM, then SIGKILL once `grace_ms` after the start are over. */
static void end_running(struct container *c, uint32_t grace_ms)
{
	if (c->ending)
		return;
	c->ending = 1;
	probes_stopped(c->probes);
	if (grace_ms == 0) {
		cgroup_kill(c);
		return;
	}
	timer_arm(&c->kill_timer, grace_ms);
	if (c->main && probes_pre_stop(c->probes, pre_stop_done, c)) {
		c->pre_stop_running = 1;
		return;
	}
	cgroup_signal(c, SIGTERM);
}

void container_probe_failed(const char *name, uint32_t grace_ms, int has_grace, const char *why)
{
	struct container *c = find(name);

	if (!c || !c->main || c->removing)
		return;
	say("container %s: %s: ending it", c->name, why);
	end_running(c, has_grace ? grace_ms : c->grace_ms);
}

static void container_free(struct container *c)
{
	size_t i;

	timer_cancel(&c->restart_timer);
	timer_cancel(&c->kill_timer);
	probes_free(c->probes);
	if (c->events_fd >= 0)
		close(c->events_fd);
	strv_free(c->argv);
	strv_free(c->env);
	free(c->cwd);
	free(c->user);
	free((void *)c->security.filter);
	for (i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].volume);
		free(c->mounts[i].path);
		free(c->mounts[i].subpath);
	}
	free(c->mounts);
	free(c);
}

/* Checks a request's ADD_CONTAINER fields; -1 with an ERROR result. */
static int check_add(const struct pp_request *r, struct result *res)
{
	const char *n = r->container, *shadowed;
	size_t i;

	if (!n || !pp_valid_name(n, PP_MAX_CONTAINER_NAME)) {
		result_error(res, EINVAL, n, NULL, "invalid container name \"%s\"", n ? n : "");
		return -1;
	}
#define BAD(code, ...) do { result_error(res, code, n, NULL, "container \"%s\": " __VA_ARGS__); return -1; } while (0)
	if (!pod_started())
		BAD(ENOENT, "no pod started (START_POD first)", n);
	if (pod_destroying())
		BAD(EBUSY, "the pod is being destroyed", n);
	if (find(n))
		BAD(EEXIST, "already exists", n);
	if (container_count() >= MAX_CONTAINERS)
		BAD(ENOSPC, "too many containers (at most %d)", n, MAX_CONTAINERS);
	if (r->image && r->image_file)
		BAD(EINVAL, "IMAGE and IMAGE_FILE both given", n);
	if (r->image_file && !pp_valid_file_name(r->image_file, PP_MAX_IMAGE_FILE))
		BAD(EINVAL, "invalid image file name \"%s\" (one file name of [A-Za-z0-9._-])", n,
		    r->image_file);
	if (!r->image_file && (!r->image || !image_serial_valid(r->image)))
		BAD(EINVAL, "invalid image serial \"%s\"", n, r->image ? r->image : "");
	if (r->argc == 0 || !*r->argv[0])
		BAD(EINVAL, "no command given (ARGV is empty)", n);
	if (r->cwd && !pp_valid_abs_path(r->cwd))
		BAD(EINVAL, "working directory \"%s\" must be an absolute path without \"..\"", n,
		    r->cwd);
	if (r->restart > PP_RESTART_ALWAYS)
		BAD(EINVAL, "unknown restart policy %u", n, r->restart);
	if (r->security.seccomp > PP_SECCOMP_FILTER)
		BAD(EINVAL, "unknown seccomp profile %u", n, r->security.seccomp);
	if ((r->security.seccomp == PP_SECCOMP_FILTER) != (r->security.filter != NULL))
		BAD(EINVAL, "a seccomp program (SECCOMP_FILTER) goes with SECCOMP FILTER, and only with it", n);
	if (r->security.filter && !seccomp_program_valid(r->security.filter_len))
		BAD(EINVAL, "seccomp program of %u bytes: must be 1 to %u instructions of 8 bytes", n,
		    r->security.filter_len, PP_MAX_FILTER_OPS);
	if (r->n_mounts > MAX_MOUNTS)
		BAD(EINVAL, "too many mounts (at most %d)", n, MAX_MOUNTS);
	for (i = 0; i < r->n_mounts; i++) {
		const struct pp_mount *m = &r->mounts[i];

		if (!m->name || !pod_has_volume(m->name))
			BAD(ENOENT, "volume \"%s\" not found", n, m->name ? m->name : "");
		if (!m->path || !pp_valid_abs_path(m->path) || strcmp(m->path, "/") == 0)
			BAD(EINVAL, "mount path \"%s\" must be an absolute path without \"..\"", n,
			    m->path ? m->path : "");
		if ((shadowed = masks_refused_mount_path(m->path)) != NULL)
			BAD(EPERM, "mount path \"%s\": volume \"%s\" would shadow %s", n, m->path,
			    m->name, shadowed);
		if (m->subpath && !pp_valid_rel_path(m->subpath))
			BAD(EINVAL, "subpath \"%s\" must be a relative path without \"..\"", n,
			    m->subpath);
	}
#undef BAD
	return 0;
}

void container_add(const struct pp_request *r, struct result *res)
{
	struct container *c;
	char err[400], path[160];
	int code = 0;
	size_t i;

	TRACE("ADD_CONTAINER %s begins", r->container ? r->container : "");
	if (check_add(r, res) < 0)
		return;
	c = xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", r->container);
	c->image_is_file = r->image_file != NULL;
	snprintf(c->image, sizeof(c->image), "%s", c->image_is_file ? r->image_file : r->image);
	c->argv = xstrvdup(r->argv);
	c->env = xstrvdup(r->env);
	c->cwd = r->cwd ? xstrdup(r->cwd) : NULL;
	c->user = r->user && *r->user ? xstrdup(r->user) : NULL;
	c->security = r->security;
	if (r->security.filter) { /* the request's payload goes away after this handler */
		uint8_t *copy = xmalloc(r->security.filter_len);

		memcpy(copy, r->security.filter, r->security.filter_len);
		c->security.filter = copy;
	}
	c->mounts = xcalloc(r->n_mounts, sizeof(*c->mounts));
	c->n_mounts = r->n_mounts;
	for (i = 0; i < r->n_mounts; i++) {
		c->mounts[i].volume = xstrdup(r->mounts[i].name);
		c->mounts[i].path = xstrdup(r->mounts[i].path);
		c->mounts[i].subpath = r->mounts[i].subpath ? xstrdup(r->mounts[i].subpath) : NULL;
		/* Only guest-init writes a volume of files, as only the kubelet writes Kubernetes'. */
		c->mounts[i].readonly = r->mounts[i].readonly != 0 || files_is_volume(r->mounts[i].name);
	}
	c->policy = r->restart;
	/* 0 would restart in a tight loop; treat it as "not given". */
	c->backoff_ms = r->backoff_ms ? r->backoff_ms : BACKOFF_DEFAULT_MS;
	c->next_delay_ms = c->backoff_ms;
	c->grace_ms = PP_HAS(r, PP_F_GRACE_MS) ? r->grace_ms : GRACE_DEFAULT_MS;
	c->stdin_open = r->stdin_open != 0;
	c->stdin_once = r->stdin_once != 0;
	c->tty = r->tty != 0;
	c->events_fd = -1;
	timer_init(&c->restart_timer, restart_fire, c);
	timer_init(&c->kill_timer, kill_fire, c);
	c->probes = probes_new(c->name, r, &code, err, sizeof(err));
	if (!c->probes)
		goto fail;

	c->img = image_get(c->image_is_file ? NULL : c->image, c->image_is_file ? c->image : NULL,
			   &code, err, sizeof(err));
	if (!c->img)
		goto fail;
	TRACE("image ready");
	if (cgroup_path(c, NULL, path, sizeof(path)) < 0 || (mkdir(path, 0755) < 0 && errno != EEXIST)) {
		code = errno;
		snprintf(err, sizeof(err), "cannot create cgroup: %s", strerror(errno));
		goto fail_img;
	}
	TRACE("cgroup made");
	if ((code = rootfs_create(c->name, c->img, err, sizeof(err))) != 0)
		goto fail_cg;
	TRACE("overlay root mounted");
	if (start_main(c, &code, err, sizeof(err)) < 0)
		goto fail_rootfs;
	c->next = containers;
	containers = c;
	TRACE("main process executed");
	result_pid(res, c->pid);
	events_started(c->name, c->name, c->pid, 0);
	probes_started(c->probes);
	return;

fail_rootfs:
	rootfs_destroy(c->name);
fail_cg:
	rmdir(path);
fail_img:
	image_put(c->img);
fail:
	result_error(res, code ? code : EIO, c->name, NULL, "container \"%s\": %s", c->name, err);
	container_free(c);
}

void container_main_exited(struct proc *p)
{
	struct container *c = find(p->container);

	if (!c || c->main != p)
		return;
	TRACE("container %s: main process reaped", c->name);
	c->main = NULL;
	c->exit_code = p->exit_code;
	c->exit_signal = p->exit_signal;
	probes_stopped(c->probes);
	probes_cancel_pre_stop(c->probes);
	c->pre_stop_running = 0;
	if (!c->removing)
		timer_cancel(&c->kill_timer); /* it was ended by a probe: the next run starts clean */
	c->ending = 0;
	events_exited(c->name, c->name, c->exit_code, c->exit_signal, c->restarts);
	/* The container is over: nothing it left running may outlive it. */
	if (cgroup_populated(c))
		cgroup_kill(c);
	after_exit(c);
}

/* ---- Removal ------------------------------------------------------------------------ */

static void begin_remove(struct container *c, uint32_t grace_ms)
{
	char path[160];

	if (c->removing)
		return;
	c->removing = 1;
	timer_cancel(&c->restart_timer);
	if (cgroup_path(c, "cgroup.events", path, sizeof(path)) >= 0)
		c->events_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!cgroup_populated(c))
		return;
	c->ending = 0; /* a removal restarts the grace period, as a new kill does */
	c->pre_stop_running = 0;
	probes_cancel_pre_stop(c->probes);
	timer_cancel(&c->kill_timer);
	end_running(c, grace_ms);
	TRACE("container %s: signalled", c->name);
}

void container_remove(const char *name, uint32_t grace_ms, int has_grace, struct result *res)
{
	struct container *c;

	if (!name || !pp_valid_name(name, PP_MAX_CONTAINER_NAME)) {
		result_error(res, EINVAL, name, NULL, "invalid container name \"%s\"", name ? name : "");
		return;
	}
	c = find(name);
	if (!c) {
		result_error(res, ENOENT, name, NULL, "container \"%s\" not found", name);
		return;
	}
	begin_remove(c, has_grace ? grace_ms : c->grace_ms);
	res->kind = RESULT_LATER; /* OK once container_check() has freed it */
}

void container_remove_all(uint32_t grace_ms)
{
	struct container *c;

	for (c = containers; c; c = c->next)
		begin_remove(c, grace_ms);
}

static void on_cgroup_event(void *arg, int fd, short revents)
{
	char buf[128];

	(void)arg;
	(void)revents;
	/* Reading re-arms the notification; container_check() does the rest. */
	if (pread(fd, buf, sizeof(buf), 0) < 0)
		return;
}

void container_poll(void)
{
	struct container *c;

	for (c = containers; c; c = c->next) {
		if (c->removing && c->events_fd >= 0)
			pollset_add(c->events_fd, POLLPRI, on_cgroup_event, c);
	}
}

void container_check(void)
{
	struct container **pp = &containers;

	while (*pp) {
		struct container *c = *pp;
		char path[160];

		if (!c->removing || c->main || cgroup_populated(c)) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		TRACE("container %s: processes gone", c->name);
		rootfs_destroy(c->name);
		TRACE("container %s: root unmounted", c->name);
		if (cgroup_path(c, NULL, path, sizeof(path)) >= 0 && rmdir(path) < 0)
			say("container %s: cannot remove cgroup: %s", c->name, strerror(errno));
		image_put(c->img);
		TRACE("container %s: cgroup removed, image released", c->name);
		attach_forget(c->name);
		container_free(c);
	}
}

/* ---- Signals, exec, status --------------------------------------------------------- */

void container_signal(const struct pp_request *r, struct result *res)
{
	struct container *c;
	struct proc *p;
	int sig = (int)r->signal;

	if (!PP_HAS(r, PP_F_SIGNAL) || sig < 1 || sig > 64) {
		result_error(res, EINVAL, r->container, r->process, "invalid signal %u", r->signal);
		return;
	}
	if (r->process) {
		p = proc_find_id(r->process);
		if (!p || !p->alive) {
			result_error(res, ESRCH, r->container, r->process,
				     "process \"%s\" not found", r->process);
			return;
		}
	} else if (r->container) {
		c = find(r->container);
		if (!c) {
			result_error(res, ENOENT, r->container, NULL, "container \"%s\" not found",
				     r->container);
			return;
		}
		if (!c->main) {
			result_error(res, ESRCH, r->container, NULL, "container \"%s\" is not running",
				     r->container);
			return;
		}
		p = c->main;
	} else {
		result_error(res, EINVAL, NULL, NULL, "SIGNAL needs CONTAINER or PROCESS");
		return;
	}
	if (kill(p->pid, sig) < 0) {
		result_error(res, errno, r->container, r->process, "kill: %s", strerror(errno));
		return;
	}
}

int container_view(const char *name, struct container_view *v)
{
	struct container *c = name ? find(name) : NULL;

	if (!c)
		return -1;
	v->name = c->name;
	v->pid = c->pid;
	v->running = c->main != NULL && !c->removing;
	v->env = c->env;
	v->cwd = c->cwd;
	v->user = c->user;
	v->security = &c->security;
	v->stdin_open = c->stdin_open;
	v->stdin_once = c->stdin_once;
	v->tty = c->tty;
	return 0;
}

void container_notice_readiness(void)
{
	struct container *c;

	for (c = containers; c; c = c->next) {
		int running = c->main && !c->removing;
		int ready = running && probes_ready(c->probes);
		int started = running && probes_started_ok(c->probes);

		if (ready == c->told_ready && started == c->told_started)
			continue;
		/* Told only once the port took it: a notice no host could
		 * hear (none attached, or its buffer full) stays pending and
		 * goes to the next host that attaches. */
		if (running && host_notice_readiness(c->name, ready, started, c->restarts,
						     probes_message(c->probes)) < 0)
			continue;
		c->told_ready = ready;
		c->told_started = started;
	}
}

void container_readiness_untold(void)
{
	struct container *c;

	for (c = containers; c; c = c->next)
		c->told_ready = c->told_started = -1;
}

void container_status(struct pp_buf *b)
{
	struct container *c;

	for (c = containers; c; c = c->next) {
		size_t g = pp_group_begin(b, PP_F_CONTAINER_STATUS);

		pp_put_str(b, PP_F_CONTAINER, c->name);
		pp_put_u32(b, PP_F_STATE, c->state);
		pp_put_u32(b, PP_F_PID, (uint32_t)c->pid);
		pp_put_u32(b, PP_F_EXIT_CODE, (uint32_t)c->exit_code);
		pp_put_u32(b, PP_F_SIGNAL, (uint32_t)c->exit_signal);
		pp_put_u32(b, PP_F_RESTARTS, c->restarts);
		pp_put_str(b, PP_F_IMAGE, c->image);
		pp_put_u32(b, PP_F_READY, c->main && !c->removing && probes_ready(c->probes));
		pp_put_u32(b, PP_F_STARTED, c->main && !c->removing && probes_started_ok(c->probes));
		if (*probes_message(c->probes))
			pp_put_str(b, PP_F_PROBE_MESSAGE, probes_message(c->probes));
		pp_group_end(b, g);
	}
}
