/*
 * Frame and field codec for the wire format in proto.h. See codec.h.
 */
#include <string.h>

#include "codec.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t pp_get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint64_t pp_get_u64(const uint8_t *p)
{
	return ((uint64_t)pp_get_u32(p) << 32) | pp_get_u32(p + 4);
}

void pp_header_encode(uint8_t out[PP_HEADER_SIZE], const struct pp_header *h)
{
	put16(out, h->magic);
	out[2] = h->version;
	out[3] = h->flags;
	put16(out + 4, h->type);
	put16(out + 6, h->reserved);
	put32(out + 8, h->seq);
	put32(out + 12, h->length);
}

void pp_header_decode(const uint8_t in[PP_HEADER_SIZE], struct pp_header *h)
{
	h->magic = get16(in);
	h->version = in[2];
	h->flags = in[3];
	h->type = get16(in + 4);
	h->reserved = get16(in + 6);
	h->seq = pp_get_u32(in + 8);
	h->length = pp_get_u32(in + 12);
}

/* ---- Reader -------------------------------------------------------------- */

void pp_reader_init(struct pp_reader *r, uint8_t *buf)
{
	r->buf = buf;
	pp_reader_reset(r);
}

void pp_reader_reset(struct pp_reader *r)
{
	r->start = r->end = 0;
	r->skip = 0;
	r->resyncing = 0;
}

uint8_t *pp_reader_space(struct pp_reader *r, size_t *room)
{
	/* Compact lazily, here rather than per frame, so a read holding many
	 * small frames costs one move. */
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	*room = PP_READER_CAPACITY - r->end;
	return r->buf + r->end;
}

void pp_reader_commit(struct pp_reader *r, size_t n)
{
	if (n > PP_READER_CAPACITY - r->end)
		n = PP_READER_CAPACITY - r->end;
	r->end += n;
}

/*
 * Drops bytes up to the next possible magic. A lone trailing 0x50 is kept:
 * it may be the first half of a magic still in flight.
 */
static void skip_to_magic(struct pp_reader *r)
{
	size_t i;

	for (i = r->start + 1; i < r->end; i++) {
		if (r->buf[i] == 0x50 && (i + 1 == r->end || r->buf[i + 1] == 0x50))
			break;
	}
	r->start = i;
}

enum pp_read_result pp_reader_next(struct pp_reader *r, struct pp_header *hdr,
				   const uint8_t **payload)
{
	memset(hdr, 0, sizeof(*hdr));
	*payload = NULL;
	for (;;) {
		size_t avail;

		if (r->skip > 0) {
			size_t n = r->end - r->start;

			if (n > r->skip)
				n = (size_t)r->skip;
			r->start += n;
			r->skip -= n;
			if (r->skip > 0)
				return PP_RD_NEED_MORE;
		}
		avail = r->end - r->start;
		if (avail == 0)
			return PP_RD_NEED_MORE;
		if (r->buf[r->start] != 0x50 || (avail >= 2 && r->buf[r->start + 1] != 0x50)) {
			int first = !r->resyncing;

			r->resyncing = 1;
			skip_to_magic(r);
			if (first)
				return PP_RD_BAD_MAGIC;
			continue;
		}
		if (avail >= 3 && r->buf[r->start + 2] != PP_VERSION) {
			/* Wait for the whole header so the ERROR can echo its seq. */
			if (avail < PP_HEADER_SIZE)
				return PP_RD_NEED_MORE;
			pp_header_decode(r->buf + r->start, hdr);
			/* Inside garbage, only something shaped like a real
			 * header (reserved bytes zero) is worth an ERROR; a
			 * stray "PP" is skipped quietly. */
			if (r->resyncing && (hdr->flags != 0 || hdr->reserved != 0)) {
				skip_to_magic(r);
				continue;
			}
			r->resyncing = 1;
			skip_to_magic(r);
			return PP_RD_BAD_VERSION;
		}
		if (avail < PP_HEADER_SIZE)
			return PP_RD_NEED_MORE;
		pp_header_decode(r->buf + r->start, hdr);
		r->resyncing = 0;
		if (hdr->length > PP_MAX_PAYLOAD) {
			r->start += PP_HEADER_SIZE;
			r->skip = hdr->length;
			return PP_RD_TOO_BIG;
		}
		if (avail < PP_HEADER_SIZE + (size_t)hdr->length)
			return PP_RD_NEED_MORE;
		*payload = r->buf + r->start + PP_HEADER_SIZE;
		r->start += PP_HEADER_SIZE + (size_t)hdr->length;
		return PP_RD_FRAME;
	}
}

/* ---- Field iterator ----------------------------------------------------- */

void pp_iter_init(struct pp_iter *it, const uint8_t *p, size_t len)
{
	it->p = p;
	it->len = len;
	it->off = 0;
}

enum pp_iter_result pp_iter_next(struct pp_iter *it, struct pp_field *f)
{
	size_t left = it->len - it->off;

	memset(f, 0, sizeof(*f));
	if (left == 0)
		return PP_IT_END;
	if (left < 2)
		return PP_IT_TRUNCATED;
	f->tag = get16(it->p + it->off);
	if (left < PP_FIELD_HEADER_SIZE)
		return PP_IT_TRUNCATED;
	f->len = pp_get_u32(it->p + it->off + 2);
	if (f->len > left - PP_FIELD_HEADER_SIZE)
		return PP_IT_TRUNCATED;
	f->value = it->p + it->off + PP_FIELD_HEADER_SIZE;
	it->off += PP_FIELD_HEADER_SIZE + (size_t)f->len;
	return PP_IT_FIELD;
}

/* ---- Encoder ------------------------------------------------------------ */

void pp_buf_init(struct pp_buf *b, uint8_t *data, size_t cap)
{
	b->data = data;
	b->cap = cap;
	b->len = 0;
	b->frame_start = 0;
	b->overflow = 0;
}

static uint8_t *reserve(struct pp_buf *b, size_t n)
{
	uint8_t *p;

	if (b->overflow || n > b->cap - b->len) {
		b->overflow = 1;
		return NULL;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
}

void pp_frame_begin(struct pp_buf *b, uint16_t type, uint32_t seq)
{
	struct pp_header h = { PP_MAGIC, PP_VERSION, 0, type, 0, seq, 0 };
	uint8_t *p;

	b->frame_start = b->len;
	p = reserve(b, PP_HEADER_SIZE);
	if (p)
		pp_header_encode(p, &h);
}

size_t pp_frame_end(struct pp_buf *b)
{
	size_t n;

	if (b->overflow)
		return 0;
	n = b->len - b->frame_start;
	if (n - PP_HEADER_SIZE > PP_MAX_PAYLOAD) {
		b->overflow = 1;
		return 0;
	}
	put32(b->data + b->frame_start + 12, (uint32_t)(n - PP_HEADER_SIZE));
	return n;
}

void pp_put_bytes(struct pp_buf *b, uint16_t tag, const void *v, size_t len)
{
	uint8_t *p;

	if (len > UINT32_MAX) {
		b->overflow = 1;
		return;
	}
	p = reserve(b, PP_FIELD_HEADER_SIZE + len);
	if (!p)
		return;
	put16(p, tag);
	put32(p + 2, (uint32_t)len);
	if (len)
		memcpy(p + PP_FIELD_HEADER_SIZE, v, len);
}

void pp_put_str(struct pp_buf *b, uint16_t tag, const char *s)
{
	pp_put_bytes(b, tag, s, strlen(s));
}

void pp_put_u32(struct pp_buf *b, uint16_t tag, uint32_t v)
{
	uint8_t raw[4];

	put32(raw, v);
	pp_put_bytes(b, tag, raw, sizeof(raw));
}

void pp_put_u64(struct pp_buf *b, uint16_t tag, uint64_t v)
{
	uint8_t raw[8];

	put32(raw, (uint32_t)(v >> 32));
	put32(raw + 4, (uint32_t)v);
	pp_put_bytes(b, tag, raw, sizeof(raw));
}

size_t pp_group_begin(struct pp_buf *b, uint16_t tag)
{
	uint8_t *p = reserve(b, PP_FIELD_HEADER_SIZE);

	if (!p)
		return 0;
	put16(p, tag);
	put32(p + 2, 0);
	return b->len;
}

void pp_group_end(struct pp_buf *b, size_t mark)
{
	if (b->overflow || mark < PP_FIELD_HEADER_SIZE || mark > b->len)
		return;
	put32(b->data + mark - 4, (uint32_t)(b->len - mark));
}

/* ---- Names ----------------------------------------------------------------- */

const char *pp_type_name(uint16_t type)
{
	switch (type) {
	case PP_MSG_READY: return "READY";
	case PP_MSG_OK: return "OK";
	case PP_MSG_ERROR: return "ERROR";
	case PP_MSG_EVENT_STARTED: return "EVENT_STARTED";
	case PP_MSG_EVENT_EXITED: return "EVENT_EXITED";
	case PP_MSG_STDOUT: return "STDOUT";
	case PP_MSG_STDERR: return "STDERR";
	case PP_MSG_LOG: return "LOG";
	case PP_MSG_HELLO: return "HELLO";
	case PP_MSG_START_POD: return "START_POD";
	case PP_MSG_ADD_CONTAINER: return "ADD_CONTAINER";
	case PP_MSG_SIGNAL: return "SIGNAL";
	case PP_MSG_EXEC: return "EXEC";
	case PP_MSG_STDIN: return "STDIN";
	case PP_MSG_WINSIZE: return "WINSIZE";
	case PP_MSG_REMOVE_CONTAINER: return "REMOVE_CONTAINER";
	case PP_MSG_DESTROY_POD: return "DESTROY_POD";
	case PP_MSG_SHUTDOWN: return "SHUTDOWN";
	case PP_MSG_ACK_EVENTS: return "ACK_EVENTS";
	case PP_MSG_PING: return "PING";
	case PP_MSG_STATUS: return "STATUS";
	case PP_MSG_RESTORED: return "RESTORED";
	case PP_MSG_ATTACH: return "ATTACH";
	case PP_MSG_DETACH: return "DETACH";
	case PP_MSG_FILES_BEGIN: return "FILES_BEGIN";
	case PP_MSG_FILES_WRITE: return "FILES_WRITE";
	case PP_MSG_FILES_COMMIT: return "FILES_COMMIT";
	}
	return NULL;
}

const char *pp_tag_name(uint16_t tag)
{
	switch (tag) {
	case PP_F_VERSION: return "VERSION";
	case PP_F_BOOT_ID: return "BOOT_ID";
	case PP_F_KERNEL: return "KERNEL";
	case PP_F_CODE: return "CODE";
	case PP_F_MESSAGE: return "MESSAGE";
	case PP_F_CONTAINER: return "CONTAINER";
	case PP_F_PROCESS: return "PROCESS";
	case PP_F_PID: return "PID";
	case PP_F_EXIT_CODE: return "EXIT_CODE";
	case PP_F_SIGNAL: return "SIGNAL";
	case PP_F_EVENT_SEQ: return "EVENT_SEQ";
	case PP_F_DATA: return "DATA";
	case PP_F_STREAM: return "STREAM";
	case PP_F_TIME_NS: return "TIME_NS";
	case PP_F_HOSTNAME: return "HOSTNAME";
	case PP_F_DNS_SERVER: return "DNS_SERVER";
	case PP_F_DNS_SEARCH: return "DNS_SEARCH";
	case PP_F_DNS_OPTION: return "DNS_OPTION";
	case PP_F_HOSTS_LINE: return "HOSTS_LINE";
	case PP_F_VOLUME: return "VOLUME";
	case PP_F_NAME: return "NAME";
	case PP_F_SIZE_LIMIT: return "SIZE_LIMIT";
	case PP_F_IMAGE: return "IMAGE";
	case PP_F_ARGV: return "ARGV";
	case PP_F_ENV: return "ENV";
	case PP_F_CWD: return "CWD";
	case PP_F_USER: return "USER";
	case PP_F_RESTART: return "RESTART";
	case PP_F_BACKOFF_MS: return "BACKOFF_MS";
	case PP_F_MOUNT: return "MOUNT";
	case PP_F_PATH: return "PATH";
	case PP_F_READONLY: return "READONLY";
	case PP_F_SUBPATH: return "SUBPATH";
	case PP_F_IMAGE_FILE: return "IMAGE_FILE";
	case PP_F_HOST_TAG: return "HOST_TAG";
	case PP_F_HOST_FILE: return "HOST_FILE";
	case PP_F_GRACE_MS: return "GRACE_MS";
	case PP_F_TTY: return "TTY";
	case PP_F_ROWS: return "ROWS";
	case PP_F_COLS: return "COLS";
	case PP_F_CONTAINER_STATUS: return "CONTAINER_STATUS";
	case PP_F_PROBE: return "PROBE";
	case PP_F_HOOK: return "HOOK";
	case PP_F_PROBE_KIND: return "PROBE_KIND";
	case PP_F_ACTION: return "ACTION";
	case PP_F_HTTP_PATH: return "HTTP_PATH";
	case PP_F_PORT: return "PORT";
	case PP_F_HOST: return "HOST";
	case PP_F_HTTP_HEADER: return "HTTP_HEADER";
	case PP_F_INITIAL_DELAY_MS: return "INITIAL_DELAY_MS";
	case PP_F_PERIOD_MS: return "PERIOD_MS";
	case PP_F_TIMEOUT_MS: return "TIMEOUT_MS";
	case PP_F_SUCCESS_THRESHOLD: return "SUCCESS_THRESHOLD";
	case PP_F_FAILURE_THRESHOLD: return "FAILURE_THRESHOLD";
	case PP_F_SLEEP_MS: return "SLEEP_MS";
	case PP_F_READY: return "READY";
	case PP_F_STARTED: return "STARTED";
	case PP_F_PROBE_MESSAGE: return "PROBE_MESSAGE";
	case PP_F_HTTP_TLS: return "HTTP_TLS";
	case PP_F_GRPC_SERVICE: return "GRPC_SERVICE";
	case PP_F_STATE: return "STATE";
	case PP_F_RESTARTS: return "RESTARTS";
	case PP_F_ENTROPY: return "ENTROPY";
	case PP_F_FREE_PAGE_REPORTING: return "FREE_PAGE_REPORTING";
	case PP_F_CAPS: return "CAPS";
	case PP_F_NO_NEW_PRIVS: return "NO_NEW_PRIVS";
	case PP_F_SECCOMP: return "SECCOMP";
	case PP_F_SECCOMP_FILTER: return "SECCOMP_FILTER";
	case PP_F_READONLY_ROOT: return "READONLY_ROOT";
	case PP_F_RUN_AS_NON_ROOT: return "RUN_AS_NON_ROOT";
	case PP_F_GROUP_ID: return "GROUP_ID";
	case PP_F_GROUPS_STRICT: return "GROUPS_STRICT";
	case PP_F_FS_GROUP: return "FS_GROUP";
	case PP_F_PIDS_MAX: return "PIDS_MAX";
	case PP_F_FILES: return "FILES";
	case PP_F_FILE: return "FILE";
	case PP_F_FILE_PATH: return "FILE_PATH";
	case PP_F_FILE_MODE: return "FILE_MODE";
	case PP_F_FILE_OFFSET: return "FILE_OFFSET";
	case PP_F_FILE_UID: return "FILE_UID";
	case PP_F_FILE_GID: return "FILE_GID";
	case PP_F_FILE_COUNT: return "FILE_COUNT";
	case PP_F_FILE_BYTES: return "FILE_BYTES";
	case PP_F_VOLUME_MODE: return "VOLUME_MODE";
	case PP_F_SYSCTL: return "SYSCTL";
	case PP_F_POD: return "POD";
	case PP_F_STDIN: return "STDIN";
	case PP_F_STDIN_ONCE: return "STDIN_ONCE";
	case PP_F_OUTPUT: return "OUTPUT";
	}
	return NULL;
}
