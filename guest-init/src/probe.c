/*
 * Running probes and lifecycle hooks (see probe.h for the rules). Each probe
 * or hook is an `action`: what to run (its probe_spec), the one run in
 * flight (an exec'd process or a socket), its timers and its tally. Results
 * are handled in one place per kind (probe_done, hook_done), after the
 * action is idle again, so a result may end the container (which stops every
 * action) without any action being half torn down.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container.h"
#include "h2.h"
#include "loop.h"
#include "mounts.h"
#include "pod.h"
#include "probe.h"
#include "probe_spec.h"
#include "process.h"
#include "tls.h"
#include "util.h"

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004 /* Linux 5.6; musl may not name it yet */
#endif

#define HOOK_HTTP_TIMEOUT_MS 10000u /* an HTTP/TCP hook without TIMEOUT_MS */

enum phase { IDLE, RUNNING, CONNECTING, SENDING, RECEIVING };

struct action {
	struct probes *owner;
	struct probe_spec spec;
	int is_hook;
	enum phase phase;
	struct proc *proc; /* exec in flight */
	int fd;            /* socket in flight */
	char *req; /* bytes to send (PROBE_MAX_REQUEST): the request, then acknowledgements */
	size_t req_len, sent;
	char resp[64];
	size_t resp_len;
	struct h2_probe *h2; /* GRPC in flight */
	struct tls *tls;     /* HTTPS in flight */
	char *plain;         /* HTTPS: the request, sent once the handshake is done */
	size_t plain_len;
	struct timer timeout; /* ends the run in flight */
	struct timer tick;    /* probes: next run; hooks: the sleep */
	struct probe_tally tally;
};

struct probes {
	struct probes *next;
	char container[PP_MAX_CONTAINER_NAME + 1];
	struct action *probe[PP_PROBE_STARTUP + 1]; /* by PP_PROBE_* */
	struct action *hook[PP_HOOK_PRE_STOP + 1];  /* by PP_HOOK_* */
	int active;  /* main process running, not being ended */
	int started; /* postStart done and startup probe passed */
	int ready;
	uint64_t started_ms;
	char message[200];
	void (*pre_stop_done)(void *);
	void *pre_stop_arg;
};

static struct probes *all;
static unsigned probe_serial;

static const char *const probe_names[] = { "", "Liveness probe", "Readiness probe", "Startup probe" };
static const char *const hook_names[] = { "", "PostStartHook", "PreStopHook" };

static void probe_done(struct action *a, int ok, const char *msg);
static void hook_done(struct action *a, int ok, const char *msg);

/* ---- One run of an action ------------------------------------------------------- */

static void detach(struct action *a)
{
	timer_cancel(&a->timeout);
	if (a->proc) {
		/* The process may outlive us for a moment: it must not call back. */
		a->proc->on_exit = NULL;
		a->proc->on_exit_arg = NULL;
		if (a->proc->alive)
			kill(a->proc->pid, SIGKILL);
		a->proc = NULL;
	}
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	free(a->req);
	a->req = NULL;
	a->req_len = a->sent = a->resp_len = 0;
	if (a->h2) {
		h2_probe_free(a->h2);
		free(a->h2);
		a->h2 = NULL;
	}
	free(a->tls);
	a->tls = NULL;
	free(a->plain);
	a->plain = NULL;
	a->plain_len = 0;
	a->phase = IDLE;
}

/* Ends the run in flight and hands its result on. */
static void finish(struct action *a, int ok, const char *why)
{
	char msg[170]; /* the message's room less "Readiness probe failed: " */

	/* `why` may live in what detach frees (a TLS or HTTP/2 client's reason). */
	snprintf(msg, sizeof(msg), "%s", why);
	detach(a);
	if (a->is_hook)
		hook_done(a, ok, msg);
	else
		probe_done(a, ok, msg);
}

static void on_exec_exit(void *arg, int exit_code)
{
	struct action *a = arg;
	char msg[120];

	a->proc = NULL;
	if (exit_code == 0) {
		finish(a, 1, "");
		return;
	}
	snprintf(msg, sizeof(msg), "command \"%.60s\" exited with %d", a->spec.argv[0], exit_code);
	finish(a, 0, msg);
}

static void start_exec(struct action *a)
{
	struct container_view v;
	struct ns_fds ns = { -1, -1 };
	struct proc_spec ps;
	struct proc *p = NULL;
	char path[64], id[PP_MAX_PROCESS_ID + 1], err[400];
	int code = 0;

	if (container_view(a->owner->container, &v) < 0 || v.pid <= 0) {
		finish(a, 0, "the container is not running");
		return;
	}
	do {
		snprintf(id, sizeof(id), "probe-%u", ++probe_serial);
	} while (proc_find_id(id));
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)v.pid);
	ns.mnt = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)v.pid);
	ns.root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ns.mnt >= 0 && ns.root >= 0) {
		memset(&ps, 0, sizeof(ps));
		ps.kind = PROC_PROBE;
		ps.container = v.name;
		ps.id = id;
		ps.argv = (const char *const *)a->spec.argv;
		ps.env = (const char *const *)v.env;
		ps.cwd = v.cwd;
		ps.user = v.user;
		ps.security = v.security; /* confined as the container's execs are */
		ps.hostname = pod_hostname();
		ps.enter = ns_enter;
		ps.enter_arg = &ns;
		p = proc_spawn(&ps, &code, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "cannot open the container's namespace: %s", strerror(errno));
	}
	if (ns.mnt >= 0)
		close(ns.mnt);
	if (ns.root >= 0)
		close(ns.root);
	if (!p) {
		finish(a, 0, err);
		return;
	}
	p->on_exit = on_exec_exit;
	p->on_exit_arg = a;
	a->proc = p;
	a->phase = RUNNING;
}

/* Appends bytes to send (what is still unsent stays first); -1 when they
 * do not fit, which ends the run. */
static int queue_out(struct action *a, const void *data, size_t len)
{
	if (len > PROBE_MAX_REQUEST - (a->req_len - a->sent)) {
		finish(a, 0, "more to send than a probe holds");
		return -1;
	}
	memmove(a->req, a->req + a->sent, a->req_len - a->sent);
	a->req_len -= a->sent;
	a->sent = 0;
	memcpy(a->req + a->req_len, data, len);
	a->req_len += len;
	if (len)
		a->phase = SENDING;
	return 0;
}

/* Takes what TLS has to send; the request too once the handshake is done. */
static int tls_flush(struct action *a)
{
	if (a->tls->ready && a->plain) {
		if (tls_write(a->tls, (const uint8_t *)a->plain, a->plain_len) < 0) {
			finish(a, 0, "the HTTP request does not fit a TLS record");
			return -1;
		}
		free(a->plain);
		a->plain = NULL;
	}
	if (queue_out(a, a->tls->out, a->tls->out_len) < 0)
		return -1;
	a->tls->out_len = 0;
	return 0;
}

static void connected(struct action *a)
{
	char authority[40];
	uint8_t random[64];

	if (a->spec.action == PP_ACTION_TCP) {
		finish(a, 1, "");
		return;
	}
	a->req = xmalloc(PROBE_MAX_REQUEST);
	if (a->spec.action == PP_ACTION_GRPC) {
		a->h2 = xmalloc(sizeof(*a->h2));
		if (h2_probe_init(a->h2) < 0) {
			free(a->h2);
			a->h2 = NULL;
			finish(a, 0, "out of memory");
			return;
		}
		snprintf(authority, sizeof(authority), "%s:%u", a->spec.host, (unsigned)a->spec.port);
		a->req_len = h2_health_request(authority, a->spec.service, (uint8_t *)a->req,
					       PROBE_MAX_REQUEST);
	} else {
		a->req_len = probe_http_request(&a->spec, a->req, PROBE_MAX_REQUEST);
	}
	if (a->req_len == 0) {
		finish(a, 0, "the request is too long");
		return;
	}
	a->phase = SENDING;
	if (!a->spec.tls)
		return;
	/* HTTPS: the ClientHello goes first, the request once the handshake is
	 * done. A key share needs no more than the kernel's RNG as it is (the
	 * certificate is not verified anyway, as the kubelet verifies none). */
	if (getrandom(random, sizeof(random), GRND_NONBLOCK) != (ssize_t)sizeof(random) &&
	    getrandom(random, sizeof(random), GRND_INSECURE) != (ssize_t)sizeof(random)) {
		finish(a, 0, "no random bytes for TLS");
		return;
	}
	a->plain = xmalloc(a->req_len);
	memcpy(a->plain, a->req, a->req_len);
	a->plain_len = a->req_len;
	a->req_len = 0;
	a->tls = xmalloc(sizeof(*a->tls));
	tls_init(a->tls, random);
	tls_flush(a);
}

/* What the server said, in the clear. 1 when the run is over. */
static int received(struct action *a, const char *data, size_t len, int eof)
{
	char msg[120];
	int code;

	if (a->h2) {
		enum h2_result r = eof ? h2_probe_eof(a->h2) : h2_probe_feed(a->h2, (const uint8_t *)data, len);

		if (r == H2_SERVING) {
			finish(a, 1, "");
			return 1;
		}
		if (r == H2_FAILED) {
			finish(a, 0, a->h2->why);
			return 1;
		}
		if (a->h2->out_len) { /* acknowledgements, sent before reading on */
			if (queue_out(a, a->h2->out, a->h2->out_len) < 0)
				return 1;
			a->h2->out_len = 0;
		}
		return 0;
	}
	len = len < sizeof(a->resp) - a->resp_len ? len : sizeof(a->resp) - a->resp_len;
	memcpy(a->resp + a->resp_len, data, len);
	a->resp_len += len;
	code = probe_http_status(a->resp, a->resp_len);
	if (code > 0) {
		if (code >= 200 && code < 400) {
			finish(a, 1, "");
			return 1;
		}
		snprintf(msg, sizeof(msg), "HTTP probe failed with statuscode: %d", code);
		finish(a, 0, msg);
		return 1;
	}
	if (code < 0) {
		finish(a, 0, "the response is not HTTP/1.x");
		return 1;
	}
	if (eof || a->resp_len == sizeof(a->resp)) {
		finish(a, 0, "the connection closed before a status line");
		return 1;
	}
	return 0;
}

static void start_socket(struct action *a)
{
	struct sockaddr_in sa;
	char msg[120];

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(a->spec.port);
	inet_pton(AF_INET, a->spec.host, &sa.sin_addr); /* checked by probe_spec_decode */
	a->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		snprintf(msg, sizeof(msg), "socket: %s", strerror(errno));
		finish(a, 0, msg);
		return;
	}
	if (connect(a->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		connected(a);
		return;
	}
	if (errno == EINPROGRESS) {
		a->phase = CONNECTING;
		return;
	}
	snprintf(msg, sizeof(msg), "dial tcp %s:%u: %s", a->spec.host, (unsigned)a->spec.port,
		 strerror(errno));
	finish(a, 0, msg);
}

static void on_socket(void *arg, int fd, short revents)
{
	struct action *a = arg;
	char msg[120];
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	(void)revents;
	if (fd != a->fd)
		return;
	switch (a->phase) {
	case CONNECTING:
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err == EINPROGRESS || err == EALREADY)
			return;
		if (err) {
			snprintf(msg, sizeof(msg), "dial tcp %s:%u: %s", a->spec.host,
				 (unsigned)a->spec.port, strerror(err));
			finish(a, 0, msg);
			return;
		}
		connected(a);
		return;
	case SENDING:
		n = send(fd, a->req + a->sent, a->req_len - a->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			snprintf(msg, sizeof(msg), "sending the request: %s", strerror(errno));
			finish(a, 0, msg);
			return;
		}
		a->sent += (size_t)n;
		if (a->sent == a->req_len) {
			a->sent = a->req_len = 0;
			a->phase = RECEIVING;
		}
		return;
	case RECEIVING: {
		char buf[4096];

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			snprintf(msg, sizeof(msg), "reading the response: %s", strerror(errno));
			finish(a, 0, msg);
			return;
		}
		if (a->tls && n > 0) {
			size_t off = 0, used;

			while (off < (size_t)n) {
				enum tls_result r = tls_feed(a->tls, (uint8_t *)buf + off, (size_t)n - off, &used);

				off += used;
				if (r == TLS_FAILED) {
					finish(a, 0, a->tls->why);
					return;
				}
				if (r == TLS_DATA && received(a, (const char *)a->tls->app, a->tls->app_len, 0))
					return;
				if (r == TLS_CLOSED) {
					received(a, "", 0, 1);
					return;
				}
				if (tls_flush(a) < 0)
					return;
			}
			return;
		}
		received(a, buf, (size_t)n, n == 0);
		return;
	}
	default:
		return;
	}
}

static void timed_out(void *arg)
{
	struct action *a = arg;
	char msg[80];

	snprintf(msg, sizeof(msg), "timed out after %u ms", a->spec.timeout_ms);
	finish(a, 0, msg);
}

static void slept(void *arg)
{
	finish(arg, 1, "");
}

static void run(struct action *a)
{
	uint32_t timeout = a->spec.timeout_ms;

	if (a->phase != IDLE)
		return; /* the last run is still going: Kubernetes never overlaps them */
	if (a->is_hook && !timeout && a->spec.action != PP_ACTION_EXEC &&
	    a->spec.action != PP_ACTION_SLEEP)
		timeout = a->spec.timeout_ms = HOOK_HTTP_TIMEOUT_MS;
	a->phase = RUNNING;
	if (timeout)
		timer_arm(&a->timeout, timeout);
	switch (a->spec.action) {
	case PP_ACTION_EXEC:
		a->phase = IDLE; /* start_exec sets RUNNING once the process is there */
		start_exec(a);
		break;
	case PP_ACTION_HTTP:
	case PP_ACTION_TCP:
	case PP_ACTION_GRPC:
		start_socket(a);
		break;
	case PP_ACTION_SLEEP:
		timer_arm(&a->tick, a->spec.sleep_ms);
		break;
	}
}

static void stop(struct action *a)
{
	if (!a)
		return;
	timer_cancel(&a->tick);
	detach(a);
}

static void tick(void *arg)
{
	struct action *a = arg;

	/* Periodic: the next run is due a period after this one began. */
	timer_arm(&a->tick, a->spec.period_ms);
	run(a);
}

static struct action *action_new(struct probes *owner, int is_hook)
{
	struct action *a = xcalloc(1, sizeof(*a));

	a->owner = owner;
	a->is_hook = is_hook;
	a->fd = -1;
	timer_init(&a->timeout, timed_out, a);
	timer_init(&a->tick, is_hook ? slept : tick, a);
	probe_tally_reset(&a->tally);
	return a;
}

static void action_free(struct action *a)
{
	if (!a)
		return;
	stop(a);
	probe_spec_free(&a->spec);
	free(a);
}

/* ---- Kubernetes' rules ---------------------------------------------------------- */

static void note(struct probes *p, const char *who, const char *msg)
{
	snprintf(p->message, sizeof(p->message), "%s failed: %s", who, msg);
}

/* Arms a probe to run first `initial_delay` after the container started. */
static void schedule_first(struct probes *p, struct action *a)
{
	uint64_t due, now = mono_ms();

	if (!a)
		return;
	due = p->started_ms + a->spec.initial_delay_ms;
	probe_tally_reset(&a->tally);
	timer_arm(&a->tick, due > now ? due - now : 0);
}

static void begin_main_probes(struct probes *p)
{
	p->started = 1;
	p->ready = p->probe[PP_PROBE_READINESS] == NULL;
	schedule_first(p, p->probe[PP_PROBE_LIVENESS]);
	schedule_first(p, p->probe[PP_PROBE_READINESS]);
}

static void after_post_start(struct probes *p)
{
	if (p->probe[PP_PROBE_STARTUP])
		schedule_first(p, p->probe[PP_PROBE_STARTUP]);
	else
		begin_main_probes(p);
}

static void end_container(struct probes *p, struct action *why)
{
	int has_grace = why && why->spec.has_grace;

	p->active = 0;
	container_probe_failed(p->container, has_grace ? why->spec.grace_ms : 0, has_grace,
			       p->message);
}

static void probe_done(struct action *a, int ok, const char *msg)
{
	struct probes *p = a->owner;
	uint32_t kind = a->spec.kind;

	if (!p->active)
		return;
	if (!ok)
		note(p, probe_names[kind], msg);
	if (!probe_tally_feed(&a->tally, ok, &a->spec))
		return;
	switch (kind) {
	case PP_PROBE_STARTUP:
		if (a->tally.reported == 1) {
			stop(a); /* a startup probe is done once it passed */
			begin_main_probes(p);
		} else {
			end_container(p, a);
		}
		break;
	case PP_PROBE_LIVENESS:
		if (a->tally.reported == 0)
			end_container(p, a);
		break;
	case PP_PROBE_READINESS:
		p->ready = a->tally.reported == 1;
		break;
	}
}

static void hook_done(struct action *a, int ok, const char *msg)
{
	struct probes *p = a->owner;

	if (!ok)
		note(p, hook_names[a->spec.kind], msg);
	if (a->spec.kind == PP_HOOK_PRE_STOP) {
		void (*done)(void *) = p->pre_stop_done;

		p->pre_stop_done = NULL;
		if (done)
			done(p->pre_stop_arg);
		return;
	}
	if (!p->active)
		return;
	if (ok)
		after_post_start(p);
	else
		end_container(p, NULL);
}

/* ---- API ---------------------------------------------------------------------- */

struct probes *probes_new(const char *container, const struct pp_request *r, int *code,
			  char *err, size_t errlen)
{
	struct probes *p = xcalloc(1, sizeof(*p));
	size_t i;

	snprintf(p->container, sizeof(p->container), "%s", container);
	for (i = 0; i < r->n_probes + r->n_hooks; i++) {
		int is_hook = i >= r->n_probes;
		const struct pp_field *g = is_hook ? &r->hooks[i - r->n_probes] : &r->probes[i];
		struct action *a = action_new(p, is_hook);
		struct action **slot;

		*code = probe_spec_decode(&a->spec, g, is_hook, err, errlen);
		if (*code) {
			action_free(a);
			probes_free(p);
			return NULL;
		}
		slot = is_hook ? &p->hook[a->spec.kind] : &p->probe[a->spec.kind];
		if (*slot) {
			snprintf(err, errlen, "two %s %s", is_hook ? "hooks" : "probes",
				 is_hook ? hook_names[a->spec.kind] : probe_names[a->spec.kind]);
			*code = EINVAL;
			action_free(a);
			probes_free(p);
			return NULL;
		}
		*slot = a;
	}
	p->next = all;
	all = p;
	return p;
}

void probes_free(struct probes *p)
{
	struct probes **pp;
	size_t i;

	if (!p)
		return;
	for (pp = &all; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	for (i = 0; i < ARRAY_LEN(p->probe); i++)
		action_free(p->probe[i]);
	for (i = 0; i < ARRAY_LEN(p->hook); i++)
		action_free(p->hook[i]);
	free(p);
}

void probes_started(struct probes *p)
{
	probes_stopped(p);
	p->active = 1;
	p->started_ms = mono_ms();
	if (p->hook[PP_HOOK_POST_START])
		run(p->hook[PP_HOOK_POST_START]);
	else
		after_post_start(p);
}

void probes_stopped(struct probes *p)
{
	size_t i;

	p->active = 0;
	p->started = 0;
	p->ready = 0;
	for (i = 0; i < ARRAY_LEN(p->probe); i++)
		stop(p->probe[i]);
	stop(p->hook[PP_HOOK_POST_START]);
}

int probes_pre_stop(struct probes *p, void (*done)(void *), void *arg)
{
	struct action *a = p->hook[PP_HOOK_PRE_STOP];

	if (!a)
		return 0;
	p->pre_stop_done = done;
	p->pre_stop_arg = arg;
	stop(a);
	run(a);
	return 1;
}

void probes_cancel_pre_stop(struct probes *p)
{
	p->pre_stop_done = NULL;
	stop(p->hook[PP_HOOK_PRE_STOP]);
}

int probes_ready(const struct probes *p)
{
	return p->active && p->started && p->ready;
}

int probes_started_ok(const struct probes *p)
{
	return p->active && p->started;
}

const char *probes_message(const struct probes *p)
{
	return p->message;
}

void probes_poll(void)
{
	struct probes *p;
	size_t i;

	for (p = all; p; p = p->next) {
		for (i = 0; i < ARRAY_LEN(p->probe) + ARRAY_LEN(p->hook); i++) {
			struct action *a = i < ARRAY_LEN(p->probe) ? p->probe[i]
								   : p->hook[i - ARRAY_LEN(p->probe)];

			if (!a || a->fd < 0)
				continue;
			if (a->phase == CONNECTING || a->phase == SENDING)
				pollset_add(a->fd, POLLOUT, on_socket, a);
			else if (a->phase == RECEIVING)
				pollset_add(a->fd, POLLIN, on_socket, a);
		}
	}
}
