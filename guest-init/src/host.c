/*
 * The control session: framing on top of the channels, replies, exec
 * streams, and the dispatcher from message type to handler.
 *
 * Nothing the host sends may take PID 1 down: frames go through the codec's
 * checks, payloads through pp_request_decode(), and every handler validates
 * names and paths before using them. Whatever is refused gets an ERROR with
 * a MESSAGE saying why.
 *
 * This is the one place that replies: handlers (pod.c, container.c,
 * exec.c) return a struct result, and dispatch() turns it into OK or ERROR.
 * A reply that has to wait (REMOVE_CONTAINER until the container's
 * processes are gone, DESTROY_POD and SHUTDOWN until the pod is) is kept
 * here as a waiter, and host_settle() sends it once that holds.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "attach.h"
#include "container.h"
#include "events.h"
#include "files.h"
#include "exec.h"
#include "host.h"
#include "identity.h"
#include "log.h"
#include "memory.h"
#include "pod.h"
#include "process.h"
#include "request.h"
#include "result.h"
#include "util.h"
#include "warmup.h"

#define CTL_OUT_SIZE (2u << 20)
#define LOG_OUT_SIZE (1u << 20)
/* Notices are a few dozen bytes and only hints: a small buffer, dropped
 * rather than queued behind a host that does not read. */
#define EVT_OUT_SIZE (16u * 1024u)
#define STREAM_HIGH_WATER (1u << 20)
#define DEFAULT_GRACE_MS 10000u
#define MAX_WAITERS 64

struct channel host_ctl;
struct channel host_log;
struct channel host_evt;

static uint8_t ctl_out[CTL_OUT_SIZE];
static uint8_t log_out[LOG_OUT_SIZE];
static uint8_t evt_out[EVT_OUT_SIZE];
static uint8_t ctl_in[PP_READER_CAPACITY];
static struct pp_reader ctl_reader;

static uint8_t scratch[PP_HEADER_SIZE + PP_MAX_DATA_CHUNK + 64 * 1024];
static struct pp_buf sb;

static char kernel[65] = "unknown";
static int ready_sent;

/* A reply sent once its request's work is done. */
struct waiter {
	uint32_t seq;
	int pod; /* the pod destroyed, else the container gone */
	char container[PP_MAX_CONTAINER_NAME + 1];
};

static struct waiter waiters[MAX_WAITERS];
static size_t n_waiters;

struct pp_buf *host_frame(uint16_t type, uint32_t seq)
{
	pp_buf_init(&sb, scratch, sizeof(scratch));
	pp_frame_begin(&sb, type, seq);
	return &sb;
}

int host_send(struct pp_buf *b)
{
	size_t n = pp_frame_end(b);

	if (n == 0) {
		say("outgoing frame too large, dropped");
		return -1;
	}
	return channel_send(&host_ctl, b->data + b->frame_start, n);
}

static void send_ready(uint32_t seq)
{
	struct pp_buf *b = host_frame(PP_MSG_READY, seq);

	pp_put_u32(b, PP_F_VERSION, PP_VERSION);
	pp_put_str(b, PP_F_BOOT_ID, identity_boot_id());
	pp_put_str(b, PP_F_KERNEL, kernel);
	host_send(b);
}

static void reply_ok(uint32_t seq)
{
	host_send(host_frame(PP_MSG_OK, seq));
}

static void __attribute__((format(printf, 5, 6)))
reply_error(uint32_t seq, int code, const char *container, const char *process, const char *f, ...)
{
	struct pp_buf *b = host_frame(PP_MSG_ERROR, seq);
	char msg[600];
	va_list ap;

	va_start(ap, f);
	vsnprintf(msg, sizeof(msg), f, ap);
	va_end(ap);
	pp_put_u32(b, PP_F_CODE, (uint32_t)code);
	pp_put_str(b, PP_F_MESSAGE, msg);
	/* Names echo what the host sent, valid or not: cap them so the reply
	 * always fits. */
	if (container)
		pp_put_bytes(b, PP_F_CONTAINER, container, strnlen(container, 256));
	if (process)
		pp_put_bytes(b, PP_F_PROCESS, process, strnlen(process, 256));
	host_send(b);
}

int host_stream_room(void)
{
	if (!host_ctl.connected)
		return 1; /* read and drop: nobody is there to slow us down */
	return channel_pending(&host_ctl) < STREAM_HIGH_WATER &&
	       channel_room(&host_ctl) > PP_MAX_DATA_CHUNK + 1024;
}

void host_stream(uint16_t type, const char *process, const void *data, size_t len)
{
	struct pp_buf *b;

	if (!host_ctl.connected)
		return;
	b = host_frame(type, 0);
	pp_put_str(b, PP_F_PROCESS, process);
	pp_put_bytes(b, PP_F_DATA, data, len);
	host_send(b);
}

int host_notice_readiness(const char *container, int ready, int started, uint32_t restarts,
			  const char *message)
{
	struct pp_buf *b;
	size_t n;

	if (!host_evt.connected)
		return -1;
	b = host_frame(PP_MSG_EVENT_READINESS, 0);
	pp_put_str(b, PP_F_CONTAINER, container);
	pp_put_u32(b, PP_F_READY, (uint32_t)ready);
	pp_put_u32(b, PP_F_STARTED, (uint32_t)started);
	pp_put_u32(b, PP_F_RESTARTS, restarts);
	if (*message)
		pp_put_str(b, PP_F_PROBE_MESSAGE, message);
	n = pp_frame_end(b);
	if (!n)
		return -1;
	return channel_send(&host_evt, b->data + b->frame_start, n);
}

/* ---- Channels ----------------------------------------------------------------- */

static void ctl_connected(struct channel *ch)
{
	(void)ch;
	say("host attached");
	if (!ready_sent) {
		ready_sent = 1;
		send_ready(0);
		events_session(1);
	} else {
		events_session(0); /* until its HELLO */
	}
}

static void ctl_disconnected(struct channel *ch)
{
	(void)ch;
	say("host detached");
	attach_host_gone();
	events_session(0);
}

/* What the evt port's buffer held is gone with the host that left: the
 * next one hears each container's readiness afresh. */
static void evt_disconnected(struct channel *ch)
{
	(void)ch;
	container_readiness_untold();
}

void host_init(void)
{
	struct utsname u;

	identity_init();
	if (uname(&u) == 0)
		snprintf(kernel, sizeof(kernel), "%s", u.release);

	pp_reader_init(&ctl_reader, ctl_in);
	channel_init(&host_ctl, PP_CTL_PORT_NAME, &virtio_serial_ops, ctl_out, sizeof(ctl_out));
	host_ctl.reader = &ctl_reader;
	host_ctl.on_connect = ctl_connected;
	host_ctl.on_disconnect = ctl_disconnected;
	channel_init(&host_log, PP_LOG_PORT_NAME, &virtio_serial_ops, log_out, sizeof(log_out));
	host_log.keep_output = 1;
	log_init(&host_log);
	/* Nothing is read from it, and no frame kept for a host that comes
	 * later: container_notice_readiness() keeps what is untold instead,
	 * and sends it once a host attaches. */
	channel_init(&host_evt, PP_EVT_PORT_NAME, &virtio_serial_ops, evt_out, sizeof(evt_out));
	host_evt.on_disconnect = evt_disconnected;
}

/* ---- Requests ------------------------------------------------------------------- */

static void on_stdin(const struct pp_request *r, struct result *res)
{
	struct proc *p = r->process ? proc_find_id(r->process) : NULL;
	int rc;

	if (!p) {
		result_error(res, ESRCH, NULL, r->process, "process \"%s\" not found",
			     r->process ? r->process : "");
		return;
	}
	if (p->kind == PROC_MAIN) {
		attach_stdin(p, r->data, r->data_len, res);
		return;
	}
	rc = proc_stdin(p, r->data, r->data_len);
	if (rc < 0)
		result_error(res, -rc, p->container, p->id, "process \"%s\": stdin: %s", p->id,
			     strerror(-rc));
	else
		res->kind = RESULT_NONE;
}

static void on_winsize(const struct pp_request *r, struct result *res)
{
	struct proc *p = r->process ? proc_find_id(r->process) : NULL;
	int rc;

	if (!p) {
		result_error(res, ESRCH, NULL, r->process, "process \"%s\" not found",
			     r->process ? r->process : "");
		return;
	}
	rc = proc_winsize(p, (uint16_t)(r->rows > 65535 ? 65535 : r->rows),
			  (uint16_t)(r->cols > 65535 ? 65535 : r->cols));
	if (rc < 0)
		result_error(res, -rc, p->container, p->id, "process \"%s\": window size: %s", p->id,
			     strerror(-rc));
	else
		res->kind = RESULT_NONE;
}

/* STATUS: its OK carries the pod's state, so it is sent here. */
static void on_status(const struct pp_request *r, struct result *res)
{
	struct pp_buf *b = host_frame(PP_MSG_OK, r->seq);

	pp_put_str(b, PP_F_HOSTNAME, pod_hostname());
	container_status(b);
	if (b->overflow) {
		result_error(res, EMSGSIZE, NULL, NULL, "status does not fit in one frame");
		return;
	}
	host_send(b);
	res->kind = RESULT_NONE;
}

/* RESTORED: its OK carries the new boot id. */
static void on_restored(const struct pp_request *r, struct result *res)
{
	const char *why = "";
	struct pp_buf *b;
	int rc;

	if (pod_started() || pod_destroying()) {
		result_error(res, EBUSY, NULL, NULL,
			     "RESTORED: a pod was started in this VM; its boot id cannot change");
		return;
	}
	if (!PP_HAS(r, PP_F_TIME_NS) || r->entropy_len < PP_MIN_ENTROPY ||
	    r->entropy_len > PP_MAX_ENTROPY) {
		result_error(res, EINVAL, NULL, NULL,
			     "RESTORED needs TIME_NS and %u to %u bytes of ENTROPY (got %u)",
			     PP_MIN_ENTROPY, PP_MAX_ENTROPY, r->entropy_len);
		return;
	}
	rc = identity_renew(r->entropy, r->entropy_len, r->time_ns, &why);
	if (rc < 0) {
		result_error(res, -rc, NULL, NULL, "RESTORED: %s: %s", why, strerror(-rc));
		return;
	}
	if (PP_HAS(r, PP_F_FREE_PAGE_REPORTING) && r->free_page_reporting == 0 &&
	    (rc = memory_stop_free_page_reporting()) < 0)
		say("cannot turn free page reporting off: %s", strerror(-rc));
	say("restored from a template: boot id %s", identity_boot_id());
	b = host_frame(PP_MSG_OK, r->seq);
	pp_put_str(b, PP_F_BOOT_ID, identity_boot_id());
	host_send(b);
	res->kind = RESULT_NONE;
	warmup_after_restore();
}

static uint32_t grace(const struct pp_request *r)
{
	return PP_HAS(r, PP_F_GRACE_MS) ? r->grace_ms : DEFAULT_GRACE_MS;
}

/* Whether the work a waiter waits for is done. */
static int settled(const struct waiter *w)
{
	struct container_view v;

	return w->pod ? !pod_destroying() : container_view(w->container, &v) < 0;
}

void host_settle(void)
{
	size_t i = 0;

	while (i < n_waiters) {
		if (!settled(&waiters[i])) {
			i++;
			continue;
		}
		reply_ok(waiters[i].seq);
		waiters[i] = waiters[--n_waiters]; /* order among waiters does not matter */
	}
}

static void run(const struct pp_request *r, struct result *res)
{
	switch (r->type) {
	case PP_MSG_HELLO:
		channel_begin_session(&host_ctl);
		attach_host_gone(); /* a new host: nothing of the last one's stays attached */
		send_ready(r->seq);
		events_session(1);
		res->kind = RESULT_NONE; /* READY is the reply */
		break;
	case PP_MSG_PING:
		break;
	case PP_MSG_STATUS:
		on_status(r, res);
		break;
	case PP_MSG_RESTORED:
		on_restored(r, res);
		break;
	case PP_MSG_START_POD:
		pod_start(r, res);
		break;
	case PP_MSG_ADD_CONTAINER:
		container_add(r, res);
		break;
	case PP_MSG_SIGNAL:
		container_signal(r, res);
		break;
	case PP_MSG_EXEC:
		exec_start(r, res);
		break;
	case PP_MSG_STDIN:
		on_stdin(r, res);
		break;
	case PP_MSG_WINSIZE:
		on_winsize(r, res);
		break;
	case PP_MSG_ATTACH:
		attach_start(r, res);
		break;
	case PP_MSG_DETACH:
		attach_stop(r, res);
		break;
	case PP_MSG_FILES_BEGIN:
		files_begin(r, res);
		break;
	case PP_MSG_FILES_WRITE:
		files_write(r, res);
		break;
	case PP_MSG_FILES_COMMIT:
		files_commit(r, res);
		break;
	case PP_MSG_REMOVE_CONTAINER:
		container_remove(r->container, r->grace_ms, PP_HAS(r, PP_F_GRACE_MS), res);
		break;
	case PP_MSG_DESTROY_POD:
	case PP_MSG_SHUTDOWN:
		pod_destroy(grace(r), r->type == PP_MSG_SHUTDOWN);
		res->kind = RESULT_LATER;
		break;
	case PP_MSG_ACK_EVENTS:
		if (!PP_HAS(r, PP_F_EVENT_SEQ)) {
			result_error(res, EINVAL, NULL, NULL, "ACK_EVENTS needs EVENT_SEQ");
			break;
		}
		events_ack(r->event_seq);
		res->kind = RESULT_NONE;
		break;
	default:
		result_error(res, ENOSYS, NULL, NULL, "unknown message type 0x%04x", r->type);
		break;
	}
}

static void dispatch(const struct pp_request *r)
{
	struct result res;
	struct waiter *w;
	int waits = r->type == PP_MSG_REMOVE_CONTAINER || r->type == PP_MSG_DESTROY_POD ||
		    r->type == PP_MSG_SHUTDOWN;

	/* A request after HELLO means the host got READY, so the previous
	 * host's detach is behind us: from now on a detach is real. */
	if (r->type != PP_MSG_HELLO)
		host_ctl.session_started = 0;
	memset(&res, 0, sizeof(res));
	if (waits && n_waiters >= MAX_WAITERS)
		result_error(&res, EBUSY, r->container, NULL,
			     "too many pending requests (at most %d)", MAX_WAITERS);
	else
		run(r, &res);
	switch (res.kind) {
	case RESULT_OK:
		if (res.pid > 0) {
			struct pp_buf *b = host_frame(PP_MSG_OK, r->seq);

			pp_put_u32(b, PP_F_PID, (uint32_t)res.pid);
			host_send(b);
		} else {
			reply_ok(r->seq);
		}
		break;
	case RESULT_ERROR:
		reply_error(r->seq, res.code, res.has_container ? res.container : NULL,
			    res.has_process ? res.process : NULL, "%s", res.message);
		break;
	case RESULT_LATER:
		w = &waiters[n_waiters++];
		w->seq = r->seq;
		w->pod = r->type != PP_MSG_REMOVE_CONTAINER;
		snprintf(w->container, sizeof(w->container), "%s", w->pod ? "" : r->container);
		host_settle(); /* a pod with nothing in it is gone already */
		break;
	case RESULT_NONE:
		break;
	}
}

void host_handle_input(void)
{
	for (;;) {
		struct pp_header h;
		const uint8_t *payload;
		struct pp_request r;
		const char *name;

		/* Powering off: nothing after the SHUTDOWN is handled. */
		if (pod_power_off_due())
			return;
		switch (pp_reader_next(&ctl_reader, &h, &payload)) {
		case PP_RD_NEED_MORE:
			return;
		case PP_RD_BAD_MAGIC:
			reply_error(0, EPROTO, NULL, NULL,
				    "bad frame magic: skipping input to the next frame");
			break;
		case PP_RD_BAD_VERSION:
			reply_error(h.seq, EPROTONOSUPPORT, NULL, NULL,
				    "unsupported protocol version %u (this guest speaks %u)",
				    h.version, PP_VERSION);
			break;
		case PP_RD_TOO_BIG:
			reply_error(h.seq, EMSGSIZE, NULL, NULL,
				    "frame payload of %u bytes exceeds the limit of %u bytes", h.length,
				    PP_MAX_PAYLOAD);
			break;
		case PP_RD_FRAME:
			if (pp_request_decode(&r, h.type, h.seq, payload, h.length) < 0) {
				name = pp_type_name(h.type);
				if (name)
					reply_error(h.seq, r.error_code, NULL, NULL, "%s: %s", name, r.error);
				else
					reply_error(h.seq, ENOSYS, NULL, NULL,
						    "unknown message type 0x%04x", h.type);
			} else {
				dispatch(&r);
			}
			pp_request_free(&r);
			break;
		}
	}
}
