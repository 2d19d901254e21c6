/*
 * Host links. See channel.h. The virtio-serial transport follows
 * drivers/char/virtio_console.c: while no host is attached, read() returns 0,
 * poll() reports POLLHUP (and POLLIN) continuously and write() would block
 * (EAGAIN here, as the fd is non-blocking). The driver raises SIGIO on the
 * owner of an O_ASYNC fd when the host attaches or detaches, which is what
 * lets us take the fd out of the poll set while detached.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "util.h"

/* ---- virtio-serial transport -------------------------------------------- */

static int vs_open(struct channel *ch)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	char path[300], name[128];
	int fd = -1;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		if (fmt(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name) < 0)
			continue;
		n = read_file(path, name, sizeof(name));
		if (n <= 0)
			continue;
		if (name[n - 1] == '\n')
			name[n - 1] = 0;
		if (strcmp(name, ch->name) != 0)
			continue;
		if (fmt(path, sizeof(path), "/dev/%s", e->d_name) < 0)
			continue;
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			say("cannot open %s for port %s: %s", path, ch->name, strerror(errno));
		break;
	}
	closedir(d);
	if (fd < 0)
		return -1;
	/* SIGIO on host attach/detach (and on input). */
	if (fcntl(fd, F_SETOWN, getpid()) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC) < 0)
		say("port %s: no SIGIO notification: %s", ch->name, strerror(errno));
	ch->fd = fd;
	return 0;
}

static int vs_peer_attached(struct channel *ch)
{
	struct pollfd p = { ch->fd, POLLOUT, 0 };

	if (poll(&p, 1, 0) < 0)
		return 0;
	return !(p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

const struct channel_ops virtio_serial_ops = { vs_open, vs_peer_attached };

/* ---- Transport-neutral part ----------------------------------------------- */

void channel_init(struct channel *ch, const char *name, const struct channel_ops *ops,
		  uint8_t *out, size_t out_cap)
{
	memset(ch, 0, sizeof(*ch));
	ch->name = name;
	ch->ops = ops;
	ch->fd = -1;
	ch->out = out;
	ch->out_cap = out_cap;
}

static void detach(struct channel *ch)
{
	if (!ch->connected)
		return;
	ch->connected = 0;
	if (ch->session_started) {
		/* Possibly the previous host's detach, seen only after the new
		 * host's HELLO: keep the new session's output, input and state.
		 * If this host really left, the next one's HELLO starts over. */
		ch->session_started = 0;
		ch->session_kept = 1;
		return;
	}
	if (!ch->keep_output)
		ch->out_start = ch->out_end = 0;
	if (ch->reader)
		pp_reader_reset(ch->reader);
	if (ch->on_disconnect)
		ch->on_disconnect(ch);
}

void channel_probe(struct channel *ch)
{
	if (ch->fd < 0 && ch->ops->open(ch) < 0)
		return;
	if (ch->ops->peer_attached(ch)) {
		if (!ch->connected) {
			ch->connected = 1;
			if (ch->session_kept) {
				ch->session_kept = 0;
			} else {
				if (ch->reader)
					pp_reader_reset(ch->reader);
				if (ch->on_connect)
					ch->on_connect(ch);
			}
			channel_flush(ch);
		}
	}
	/* A detach is left to the poll loop: the fd reports POLLHUP, and
	 * channel_handle() first reads what the host sent before it left (an
	 * ACK_EVENTS, say), then sees read() return 0. Dropping it here would
	 * lose those bytes, or worse, leave them to the next session. */
}

short channel_poll_events(const struct channel *ch)
{
	short ev = 0;

	if (ch->fd < 0 || !ch->connected)
		return 0;
	if (ch->reader)
		ev |= POLLIN;
	if (channel_pending(ch))
		ev |= POLLOUT;
	/* Even with no wishes, watch the fd so a detach (POLLHUP) is seen. */
	return ev ? ev : POLLPRI;
}

size_t channel_handle(struct channel *ch, short revents)
{
	size_t total = 0;

	if (ch->fd < 0 || !ch->connected)
		return 0;
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		for (;;) {
			uint8_t sink[4096];
			uint8_t *dst = sink;
			size_t room = sizeof(sink);
			ssize_t n;

			if (ch->reader)
				dst = pp_reader_space(ch->reader, &room);
			if (room == 0)
				break; /* a full frame is waiting to be parsed */
			n = read(ch->fd, dst, room);
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0) {
				/* No data and no host: it went away. */
				detach(ch);
				return total;
			}
			if (n < 0) {
				if (errno != EAGAIN)
					detach(ch);
				break;
			}
			if (ch->reader)
				pp_reader_commit(ch->reader, (size_t)n);
			total += (size_t)n;
			/* Parse before reading more, so the reader's buffer is
			 * never asked to hold more than one frame's worth. */
			if (ch->reader)
				break;
		}
	}
	if (revents & POLLOUT)
		channel_flush(ch);
	return total;
}

size_t channel_pending(const struct channel *ch)
{
	return ch->out_end - ch->out_start;
}

size_t channel_room(const struct channel *ch)
{
	return ch->out_cap - channel_pending(ch);
}

int channel_send(struct channel *ch, const void *frame, size_t len)
{
	if ((!ch->connected && !ch->keep_output) || len > channel_room(ch)) {
		ch->dropped++;
		return -1;
	}
	if (len > ch->out_cap - ch->out_end) {
		memmove(ch->out, ch->out + ch->out_start, channel_pending(ch));
		ch->out_end -= ch->out_start;
		ch->out_start = 0;
	}
	memcpy(ch->out + ch->out_end, frame, len);
	ch->out_end += len;
	channel_flush(ch);
	return 0;
}

void channel_flush(struct channel *ch)
{
	while (ch->connected && ch->fd >= 0 && channel_pending(ch) > 0) {
		ssize_t n = write(ch->fd, ch->out + ch->out_start, channel_pending(ch));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				detach(ch);
			return;
		}
		ch->out_start += (size_t)n;
	}
	if (channel_pending(ch) == 0)
		ch->out_start = ch->out_end = 0;
}

void channel_begin_session(struct channel *ch)
{
	ch->out_start = ch->out_end = 0;
	ch->session_started = 1;
	ch->session_kept = 0;
}

void channel_drain(struct channel *ch, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;

	while (ch->connected && channel_pending(ch) > 0 && mono_ms() < end) {
		struct pollfd p = { ch->fd, POLLOUT, 0 };

		if (poll(&p, 1, 50) > 0 && (p.revents & POLLHUP))
			return;
		channel_flush(ch);
	}
}
