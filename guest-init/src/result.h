/*
 * What a request handler decided, for host.c to answer. Handlers (pod.c,
 * container.c, exec.c) fill in a result and never write to the host
 * themselves: host.c is the one place that sends replies, and the event
 * queue (events.c) the one place that sends events.
 */
#ifndef PEAPOD_RESULT_H
#define PEAPOD_RESULT_H

#include <sys/types.h>

enum result_kind {
	RESULT_OK,    /* OK, with PID when pid > 0 (a zeroed result is a plain OK) */
	RESULT_ERROR, /* ERROR with CODE, MESSAGE, and the names when given */
	RESULT_LATER, /* OK once the work is done (REMOVE_CONTAINER, DESTROY_POD) */
	RESULT_NONE,  /* no reply (STDIN, WINSIZE and ACK_EVENTS that succeed) */
};

#define RESULT_NAME_MAX 256 /* names echo what the host sent: capped so a reply fits */

struct result {
	enum result_kind kind;
	pid_t pid;
	int code;
	int has_container, has_process;
	char container[RESULT_NAME_MAX + 1];
	char process[RESULT_NAME_MAX + 1];
	char message[600];
};

void result_pid(struct result *res, pid_t pid);
/* An ERROR; container and process may be NULL. */
void result_error(struct result *res, int code, const char *container, const char *process,
		  const char *f, ...) __attribute__((format(printf, 5, 6)));

#endif
