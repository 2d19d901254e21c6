/*
 * Step timestamps on the console for profiling guest-init under TCG, where
 * perf is unusable: on when the kernel command line says peapod_trace=1
 * (the kernel hands unknown key=value words to init as environment). Each
 * line carries the uptime in microseconds (see say()), so the cost of a step
 * is the difference to the line before it.
 */
#ifndef PEAPOD_TRACE_H
#define PEAPOD_TRACE_H

#include "util.h"

extern int trace_on;
#ifdef PEAPOD_TEST_HOOKS
/* check-vm's seize race, in the test build only (make's init-test, never
 * the initramfs a VM boots): with peapod_test_spawn_window_ms=N on the
 * kernel command line guest-init sleeps N ms between its fork() of the
 * helper and its PTRACE_SEIZE. It was the window of session 11's fork of
 * the process itself; the helper it opens now is in guest-init's PID
 * namespace, which no container sees, so the sleep only guards against a
 * return to that structure. 0 otherwise. */
extern int trace_spawn_window_ms;
#endif

void trace_init(void);
void trace_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define TRACE(...)                                        \
	do {                                              \
		if (trace_on)                             \
			trace_say("trace: " __VA_ARGS__); \
	} while (0)

#endif
