/*
 * Encoder and decoder for the frames and fields described in proto.h.
 *
 * Pure code: no I/O, no globals, no allocation. It is shared by guest-init,
 * its unit tests, the fuzz target and the host-side test driver, and it is
 * the part that sees every byte the host sends, so it is written to be
 * fuzzed: every length is checked against what is really there.
 */
#ifndef PEAPOD_CODEC_H
#define PEAPOD_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* ---- Frame header ---------------------------------------------------- */

struct pp_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint16_t type;
	uint16_t reserved;
	uint32_t seq;
	uint32_t length;
};

void pp_header_encode(uint8_t out[PP_HEADER_SIZE], const struct pp_header *h);
void pp_header_decode(const uint8_t in[PP_HEADER_SIZE], struct pp_header *h);

/* ---- Stream reassembly ------------------------------------------------ */

/*
 * Turns a byte stream into frames. The caller reads straight into
 * pp_reader_space() and reports the count with pp_reader_commit(), then calls
 * pp_reader_next() until it returns PP_RD_NEED_MORE.
 */
enum pp_read_result {
	PP_RD_NEED_MORE = 0,
	PP_RD_FRAME,       /* a complete frame: hdr + payload */
	PP_RD_BAD_MAGIC,   /* garbage at the start of a frame; skipping to next magic */
	PP_RD_BAD_VERSION, /* right magic, wrong version; hdr.type/seq are best effort */
	PP_RD_TOO_BIG,     /* length > PP_MAX_PAYLOAD; payload is being skipped */
};

#define PP_READER_CAPACITY (PP_HEADER_SIZE + PP_MAX_PAYLOAD)

struct pp_reader {
	uint8_t *buf;      /* PP_READER_CAPACITY bytes, owned by the caller */
	size_t start;      /* first byte not yet parsed */
	size_t end;        /* one past the last byte held */
	uint64_t skip;     /* payload bytes of an oversized frame still to drop */
	int resyncing;     /* inside a garbage run: report it only once */
};

void pp_reader_init(struct pp_reader *r, uint8_t *buf);
void pp_reader_reset(struct pp_reader *r);
/* Where the next read may write, and how much. */
uint8_t *pp_reader_space(struct pp_reader *r, size_t *room);
void pp_reader_commit(struct pp_reader *r, size_t n);
/*
 * Next event. For PP_RD_FRAME, *payload points into the reader's buffer and
 * stays valid until the next call. For the error results *hdr says what is
 * known about the refused frame (for the ERROR reply's seq).
 */
enum pp_read_result pp_reader_next(struct pp_reader *r, struct pp_header *hdr,
				   const uint8_t **payload);

/* ---- Fields ------------------------------------------------------------ */

#define PP_FIELD_HEADER_SIZE 6u

struct pp_field {
	uint16_t tag;
	uint32_t len;
	const uint8_t *value;
};

struct pp_iter {
	const uint8_t *p;
	size_t len;
	size_t off;
};

enum pp_iter_result { PP_IT_END = 0, PP_IT_FIELD = 1, PP_IT_TRUNCATED = -1 };

void pp_iter_init(struct pp_iter *it, const uint8_t *p, size_t len);
/* On PP_IT_TRUNCATED, f->tag names the field that ran past the end (or 0 when
 * not even its tag fitted). */
enum pp_iter_result pp_iter_next(struct pp_iter *it, struct pp_field *f);

uint32_t pp_get_u32(const uint8_t *p);
uint64_t pp_get_u64(const uint8_t *p);

/* ---- Encoder ----------------------------------------------------------- */

/*
 * Appends into a fixed buffer. Any write that does not fit sets `overflow`
 * and is dropped; check it once after pp_frame_end().
 */
struct pp_buf {
	uint8_t *data;
	size_t cap;
	size_t len;
	size_t frame_start;
	int overflow;
};

void pp_buf_init(struct pp_buf *b, uint8_t *data, size_t cap);
void pp_frame_begin(struct pp_buf *b, uint16_t type, uint32_t seq);
/* Fills in the length; returns the frame size, or 0 on overflow. */
size_t pp_frame_end(struct pp_buf *b);
void pp_put_bytes(struct pp_buf *b, uint16_t tag, const void *v, size_t len);
void pp_put_str(struct pp_buf *b, uint16_t tag, const char *s);
void pp_put_u32(struct pp_buf *b, uint16_t tag, uint32_t v);
void pp_put_u64(struct pp_buf *b, uint16_t tag, uint64_t v);
/* Groups: pp_group_begin returns a mark to pass to pp_group_end. */
size_t pp_group_begin(struct pp_buf *b, uint16_t tag);
void pp_group_end(struct pp_buf *b, size_t mark);

/* Name of a message type or field tag for messages ("ARGV"), or NULL. */
const char *pp_type_name(uint16_t type);
const char *pp_tag_name(uint16_t tag);

#endif
