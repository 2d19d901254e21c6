/*
 * A byte-stream link to the host: today a virtio-serial port, later maybe
 * vsock. The transport is behind `ops`; everything above it (framing,
 * buffering, connect/disconnect) is transport-neutral.
 *
 * Output is a bounded buffer of whole frames: a frame is queued entirely or
 * refused, and written out in order as the transport accepts it, so frames
 * never interleave and the event loop never blocks on a slow host.
 */
#ifndef PEAPOD_CHANNEL_H
#define PEAPOD_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

struct channel;

struct channel_ops {
	/* Finds and opens the transport (fd set, non-blocking); -1 when it is
	 * not there (yet). */
	int (*open)(struct channel *ch);
	/* 1 when a host is attached to the other end, 0 when not. */
	int (*peer_attached)(struct channel *ch);
};

struct channel {
	const char *name;
	const struct channel_ops *ops;
	int fd;
	int connected;
	/* Keep queued output across a host detach (log records); otherwise it
	 * is dropped, since a new host session starts from a clean stream. */
	int keep_output;
	/* A HELLO came in since the host last attached. The virtio control
	 * queue (attach/detach) and the data queue race, so a new host's HELLO
	 * can be read before the previous host's detach is seen; that detach
	 * must then not drop the new session's READY. */
	int session_started;
	/* The last detach was such a possibly stale one: the next attach
	 * continues the session instead of starting over. */
	int session_kept;
	uint8_t *out;
	size_t out_cap, out_start, out_end;
	uint64_t dropped; /* frames refused: buffer full or no host */
	struct pp_reader *reader; /* incoming bytes go here; NULL: discarded */
	void (*on_connect)(struct channel *ch);
	void (*on_disconnect)(struct channel *ch);
};

extern const struct channel_ops virtio_serial_ops;

void channel_init(struct channel *ch, const char *name, const struct channel_ops *ops,
		  uint8_t *out, size_t out_cap);
/* Opens if needed and notices a host (dis)connecting. Cheap; called on
 * SIGIO and from a slow timer. */
void channel_probe(struct channel *ch);
/* poll() events wanted now, or 0 when the fd must stay out of the poll set
 * (a virtio port with no host reports POLLHUP without end). */
short channel_poll_events(const struct channel *ch);
/* Handles poll() results: reads into the reader, writes pending output,
 * notices a detach. Returns the bytes read. */
size_t channel_handle(struct channel *ch, short revents);
/* Queues one whole frame; -1 (and counted in `dropped`) when there is no
 * host and output is not kept, or when it does not fit. */
int channel_send(struct channel *ch, const void *frame, size_t len);
size_t channel_pending(const struct channel *ch);
/* A host said HELLO: output queued before it was meant for an earlier host
 * and is dropped; see `session_started`. */
void channel_begin_session(struct channel *ch);
size_t channel_room(const struct channel *ch);
void channel_flush(struct channel *ch);
/* Shutdown path only: waits up to timeout_ms for the output to drain. */
void channel_drain(struct channel *ch, int timeout_ms);

#endif
