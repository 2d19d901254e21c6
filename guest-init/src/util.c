/*
 * Helpers: console messages, files, clocks, timers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void vsay(const char *f, va_list ap)
{
	vsay_to(2, f, ap);
}

void vsay_to(int fd, const char *f, va_list ap)
{
	char line[512];
	struct timespec up;
	int n;

	/* Uptime, as the kernel stamps its own lines, so boot phases can be
	 * read off one console log. */
	clock_gettime(CLOCK_BOOTTIME, &up);
	n = snprintf(line, sizeof(line), "[%5ld.%06ld] peapod-init: ", (long)up.tv_sec,
		     (long)(up.tv_nsec / 1000));

	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, f, ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	/* fd 2 is /dev/console, handed to us by the kernel. A failing console
	 * must not stop anything, so the result is ignored. */
	if (write(fd, line, (size_t)n) < 0)
		return;
}

void say(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsay(f, ap);
	va_end(ap);
}

void fatal(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsay(f, ap);
	va_end(ap);
	say("fatal error, powering off");
	sync();
	for (;;) {
		reboot(RB_POWER_OFF);
		sleep(1);
	}
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

char **xstrvdup(const char *const *v)
{
	size_t n = 0, i;
	char **out;

	while (v && v[n])
		n++;
	out = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

void strv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int fmt(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return n;
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file(const char *path, const void *data, size_t len, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	int err;

	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

int write_str(const char *path, const char *s)
{
	/* For sysfs/cgroupfs/procfs: one write() per value, no O_CREAT. */
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	return 0;
}

ssize_t read_fd(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	return (ssize_t)len;
}

ssize_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return -1;
	len = read_fd(fd, buf, cap);
	close(fd);
	return len;
}

int mkdir_p(const char *path, int mode)
{
	char tmp[4096];
	char *p;

	if (fmt(tmp, sizeof(tmp), "%s", path) < 0)
		return -1;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- Timers ---------------------------------------------------------------- */

static struct timer *timers;

void timer_init(struct timer *t, void (*fn)(void *), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

void timer_cancel(struct timer *t)
{
	struct timer **pp;

	if (!t->armed)
		return;
	for (pp = &timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = 0;
	t->next = NULL;
}

void timer_arm(struct timer *t, uint64_t delay_ms)
{
	timer_cancel(t);
	t->due_ms = mono_ms() + delay_ms;
	t->armed = 1;
	t->next = timers;
	timers = t;
}

uint64_t timer_next_due(void)
{
	uint64_t due = UINT64_MAX;
	struct timer *t;

	for (t = timers; t; t = t->next) {
		if (t->due_ms < due)
			due = t->due_ms;
	}
	return due;
}

void timer_run_due(void)
{
	uint64_t now = mono_ms();
	int again = 1;

	/* A callback may arm or cancel any timer, so restart the scan after
	 * each one instead of holding a pointer into the list. */
	while (again) {
		struct timer *t;

		again = 0;
		for (t = timers; t; t = t->next) {
			if (t->due_ms <= now) {
				timer_cancel(t);
				t->fn(t->arg);
				again = 1;
				break;
			}
		}
	}
}
