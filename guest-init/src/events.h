/*
 * The reliable event queue: EVENT_STARTED / EVENT_EXITED frames numbered by
 * EVENT_SEQ and kept until the host acknowledges them (ACK_EVENTS), so an
 * event survives host disconnects. They are written to the control channel
 * by events_pump() as room allows, after any output queued before them.
 */
#ifndef PEAPOD_EVENTS_H
#define PEAPOD_EVENTS_H

#include <stdint.h>
#include <sys/types.h>

void events_started(const char *container, const char *process, pid_t pid, uint32_t restarts);
void events_exited(const char *container, const char *process, int exit_code, int sig,
		   uint32_t restarts);
void events_ack(uint64_t seq);
/* Events flow only within a session: from HELLO (or the READY sent at the
 * first attach after boot) until the host detaches. */
void events_session(int open);
void events_pump(void);
uint64_t events_last_seq(void);

#endif
