/*
 * Small helpers shared by every part of guest-init: console messages,
 * files, clocks and timers.
 */
#ifndef PEAPOD_UTIL_H
#define PEAPOD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A line on the VM console ("peapod-init: ..."); the host keeps the console
 * in a file, so this is the log of last resort. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* say() to another fd (trace.c's copy of the console). */
void vsay_to(int fd, const char *fmt, va_list ap);
/* Something PID 1 cannot go on without: log, sync and power off. Never
 * returns, never exits (exiting PID 1 panics the kernel). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
/* NULL-terminated deep copy of a string vector. */
char **xstrvdup(const char *const *v);
void strv_free(char **v);

/* snprintf that reports truncation as -1 instead of silently cutting. */
int fmt(char *buf, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));

int write_file(const char *path, const void *data, size_t len, int mode);
int write_str(const char *path, const char *s);
/* Reads fd until its end or cap - 1 bytes, NUL-terminated; returns the length. */
ssize_t read_fd(int fd, char *buf, size_t cap);
/* Reads at most cap-1 bytes and NUL-terminates; returns the length or -1. */
ssize_t read_file(const char *path, char *buf, size_t cap);
int write_all(int fd, const void *data, size_t len);
int mkdir_p(const char *path, int mode);
int set_nonblock(int fd);

uint64_t mono_ms(void);
uint64_t real_ns(void);

/*
 * Timers: one list, served by a single timerfd in the event loop. A timer
 * lives inside the object it belongs to; cancel it before freeing that.
 */
struct timer {
	struct timer *next;
	uint64_t due_ms; /* CLOCK_MONOTONIC */
	int armed;
	void (*fn)(void *arg);
	void *arg;
};

void timer_init(struct timer *t, void (*fn)(void *), void *arg);
void timer_arm(struct timer *t, uint64_t delay_ms);
void timer_cancel(struct timer *t);
/* Earliest due time, or UINT64_MAX when nothing is armed. */
uint64_t timer_next_due(void);
void timer_run_due(void);

#endif
