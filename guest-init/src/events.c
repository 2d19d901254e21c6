/*
 * Reliable events. See events.h.
 *
 * Events are kept encoded, in a ring of PP_MAX_PENDING_EVENTS. `sent` is the
 * highest EVENT_SEQ written to the current host session; a new session
 * (HELLO) or a detach rewinds it to `acked`, so everything unacknowledged is
 * sent again.
 */
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "codec.h"
#include "events.h"
#include "host.h"
#include "util.h"

/* Events wait while this much other output is queued, so replies and
 * stream data are not starved by a long replay. */
#define PUMP_HIGH_WATER (256u * 1024u)

struct event {
	uint64_t seq;
	uint8_t *frame;
	size_t len;
};

static struct event ring[PP_MAX_PENDING_EVENTS];
static size_t head, count; /* oldest at ring[head] */
static uint64_t last_seq, acked, sent;
static int session_open; /* the host said HELLO (or got the boot READY) */

static void push(struct pp_buf *b)
{
	size_t len = pp_frame_end(b);
	struct event *e;

	if (len == 0) {
		say("event too large, dropped");
		return;
	}
	if (count == PP_MAX_PENDING_EVENTS) {
		/* Oldest dropped first, as the protocol says. */
		free(ring[head].frame);
		if (ring[head].seq > acked)
			acked = ring[head].seq;
		if (sent < acked)
			sent = acked;
		head = (head + 1) % PP_MAX_PENDING_EVENTS;
		count--;
	}
	e = &ring[(head + count) % PP_MAX_PENDING_EVENTS];
	e->seq = last_seq;
	e->len = len;
	e->frame = memcpy(xmalloc(len), b->data + b->frame_start, len);
	count++;
}

void events_started(const char *container, const char *process, pid_t pid, uint32_t restarts)
{
	struct pp_buf *b = host_frame(PP_MSG_EVENT_STARTED, 0);

	pp_put_u64(b, PP_F_EVENT_SEQ, ++last_seq);
	pp_put_str(b, PP_F_CONTAINER, container);
	pp_put_str(b, PP_F_PROCESS, process);
	pp_put_u32(b, PP_F_PID, (uint32_t)pid);
	pp_put_u32(b, PP_F_RESTARTS, restarts);
	push(b);
}

void events_exited(const char *container, const char *process, int exit_code, int sig,
		   uint32_t restarts)
{
	struct pp_buf *b = host_frame(PP_MSG_EVENT_EXITED, 0);

	pp_put_u64(b, PP_F_EVENT_SEQ, ++last_seq);
	pp_put_str(b, PP_F_CONTAINER, container);
	pp_put_str(b, PP_F_PROCESS, process);
	pp_put_u32(b, PP_F_EXIT_CODE, (uint32_t)exit_code);
	pp_put_u32(b, PP_F_SIGNAL, (uint32_t)sig);
	pp_put_u32(b, PP_F_RESTARTS, restarts);
	push(b);
}

void events_ack(uint64_t seq)
{
	if (seq > last_seq)
		seq = last_seq;
	while (count > 0 && ring[head].seq <= seq) {
		free(ring[head].frame);
		ring[head].frame = NULL;
		head = (head + 1) % PP_MAX_PENDING_EVENTS;
		count--;
	}
	if (seq > acked)
		acked = seq;
	if (sent < acked)
		sent = acked;
}

void events_session(int open)
{
	session_open = open;
	sent = acked;
}

void events_pump(void)
{
	size_t i;

	if (!host_ctl.connected || !session_open) {
		sent = acked;
		return;
	}
	for (i = 0; i < count; i++) {
		struct event *e = &ring[(head + i) % PP_MAX_PENDING_EVENTS];

		if (e->seq <= sent)
			continue;
		if (channel_pending(&host_ctl) > PUMP_HIGH_WATER || channel_room(&host_ctl) < e->len)
			return;
		if (channel_send(&host_ctl, e->frame, e->len) < 0)
			return;
		sent = e->seq;
	}
}

uint64_t events_last_seq(void)
{
	return last_seq;
}
