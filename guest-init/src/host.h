/*
 * The control session with the host: replies, exec output streams and the
 * request dispatcher.
 */
#ifndef PEAPOD_HOST_H
#define PEAPOD_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "channel.h"
#include "codec.h"

extern struct channel host_ctl;
extern struct channel host_log;
extern struct channel host_evt;

void host_init(void);
/* Parses and handles every complete frame the control reader holds,
 * replying to each (see host.c). */
void host_handle_input(void);
/* Loop hook: replies to the requests whose work finished (a container
 * removed, the pod destroyed). */
void host_settle(void);

/* Builds a frame in the shared scratch buffer; host_send() queues it. */
struct pp_buf *host_frame(uint16_t type, uint32_t seq);
int host_send(struct pp_buf *b);

/* Exec output: room for one more chunk? (backpressure on the pipes) */
int host_stream_room(void);
void host_stream(uint16_t type, const char *process, const void *data, size_t len);

/* A readiness notice on the evt port (see "Readiness notices" in proto.h):
 * 0 once queued there; -1, nothing sent, when no host listens there or its
 * buffer is full (the caller keeps it pending). */
int host_notice_readiness(const char *container, int ready, int started, uint32_t restarts,
			  const char *message);

#endif
