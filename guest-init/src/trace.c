/*
 * See trace.h.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int trace_on;
#ifdef PEAPOD_TEST_HOOKS
int trace_spawn_window_ms;
#endif
/* A copy of the console: a spawned child's steps after it moved its stdio
 * onto the container's pipes still reach the console (CLOEXEC: gone at
 * execve, so no container process holds it). */
static int trace_fd = 2;

void trace_init(void)
{
	const char *v = getenv("peapod_trace");

	trace_on = v && strcmp(v, "1") == 0;
#ifdef PEAPOD_TEST_HOOKS
	v = getenv("peapod_test_spawn_window_ms");
	trace_spawn_window_ms = v ? atoi(v) : 0;
	if (trace_spawn_window_ms < 0 || trace_spawn_window_ms > 1000)
		trace_spawn_window_ms = 0;
#endif
	if (trace_on && (trace_fd = fcntl(2, F_DUPFD_CLOEXEC, 3)) < 0)
		trace_fd = 2;
}

void trace_say(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsay_to(trace_fd, f, ap);
	va_end(ap);
}
