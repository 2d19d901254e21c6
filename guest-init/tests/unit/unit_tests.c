/*
 * Unit tests of the pure parts of guest-init: frame codec, stream reader,
 * field iterator, request decoder, validity rules and USER resolution.
 * Built natively with ASan + UBSan (make test).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "request.h"
#include "user.h"

#include "check.h"

static uint8_t buf[1 << 16];

/* Raw field bytes: tag, len, value. */
static size_t raw_field(uint8_t *p, uint16_t tag, uint32_t len, const void *v, size_t vlen)
{
	p[0] = (uint8_t)(tag >> 8);
	p[1] = (uint8_t)tag;
	p[2] = (uint8_t)(len >> 24);
	p[3] = (uint8_t)(len >> 16);
	p[4] = (uint8_t)(len >> 8);
	p[5] = (uint8_t)len;
	memcpy(p + 6, v, vlen);
	return 6 + vlen;
}

static void test_header_round_trip(void)
{
	struct pp_header h = { PP_MAGIC, PP_VERSION, 0, PP_MSG_ADD_CONTAINER, 0, 0xdeadbeef, 1234 }, d;
	uint8_t raw[PP_HEADER_SIZE];
	static const uint8_t want[PP_HEADER_SIZE] = { 0x50, 0x50, 1, 0, 0x01, 0x02, 0, 0,
						      0xde, 0xad, 0xbe, 0xef, 0, 0, 0x04, 0xd2 };

	pp_header_encode(raw, &h);
	EXPECT(memcmp(raw, want, sizeof(want)) == 0);
	pp_header_decode(raw, &d);
	EXPECT_INT(d.magic, PP_MAGIC);
	EXPECT_INT(d.version, 1);
	EXPECT_INT(d.type, PP_MSG_ADD_CONTAINER);
	EXPECT_INT(d.seq, 0xdeadbeef);
	EXPECT_INT(d.length, 1234);
}

static size_t build_add_container(uint8_t *out, size_t cap, uint32_t seq)
{
	struct pp_buf b;
	size_t g;

	pp_buf_init(&b, out, cap);
	pp_frame_begin(&b, PP_MSG_ADD_CONTAINER, seq);
	pp_put_str(&b, PP_F_CONTAINER, "web");
	pp_put_str(&b, PP_F_IMAGE, "img0");
	pp_put_str(&b, PP_F_ARGV, "sh");
	pp_put_str(&b, PP_F_ARGV, "-c");
	pp_put_str(&b, PP_F_ARGV, "echo hi");
	pp_put_str(&b, PP_F_ENV, "A=1");
	pp_put_str(&b, PP_F_CWD, "/srv");
	pp_put_str(&b, PP_F_USER, "app:staff");
	pp_put_u32(&b, PP_F_RESTART, PP_RESTART_ON_FAILURE);
	pp_put_u32(&b, PP_F_BACKOFF_MS, 500);
	pp_put_u64(&b, PP_F_TIME_NS, 0x0102030405060708ull);
	pp_put_bytes(&b, 0x7777, "ignored", 7); /* unknown tag */
	g = pp_group_begin(&b, PP_F_MOUNT);
	pp_put_str(&b, PP_F_NAME, "shared");
	pp_put_str(&b, PP_F_PATH, "/data");
	pp_put_u32(&b, PP_F_READONLY, 1);
	pp_put_str(&b, PP_F_SUBPATH, "a/b");
	pp_put_u32(&b, 0x7778, 5); /* unknown inside a group */
	pp_group_end(&b, g);
	g = pp_group_begin(&b, PP_F_MOUNT);
	pp_put_str(&b, PP_F_NAME, "other");
	pp_put_str(&b, PP_F_PATH, "/o");
	pp_group_end(&b, g);
	pp_put_bytes(&b, PP_F_DATA, "", 0);
	return pp_frame_end(&b);
}

static void test_request_round_trip(void)
{
	size_t n = build_add_container(buf, sizeof(buf), 42);
	struct pp_header h;
	struct pp_request r;

	EXPECT(n > PP_HEADER_SIZE);
	pp_header_decode(buf, &h);
	EXPECT_INT(h.length, n - PP_HEADER_SIZE);
	EXPECT_INT(h.seq, 42);
	EXPECT_INT(pp_request_decode(&r, h.type, h.seq, buf + PP_HEADER_SIZE, h.length), 0);
	EXPECT_STR(r.container, "web");
	EXPECT_STR(r.image, "img0");
	EXPECT_INT(r.argc, 3);
	EXPECT_STR(r.argv[0], "sh");
	EXPECT_STR(r.argv[2], "echo hi");
	EXPECT(r.argv[3] == NULL);
	EXPECT_INT(r.envc, 1);
	EXPECT_STR(r.env[0], "A=1");
	EXPECT_STR(r.cwd, "/srv");
	EXPECT_STR(r.user, "app:staff");
	EXPECT_INT(r.restart, PP_RESTART_ON_FAILURE);
	EXPECT_INT(r.backoff_ms, 500);
	EXPECT(r.time_ns == 0x0102030405060708ull);
	EXPECT(PP_HAS(&r, PP_F_RESTART));
	EXPECT(PP_HAS(&r, PP_F_DATA));
	EXPECT_INT(r.data_len, 0);
	EXPECT(!PP_HAS(&r, PP_F_GRACE_MS));
	EXPECT_INT(r.n_mounts, 2);
	EXPECT_STR(r.mounts[0].name, "shared");
	EXPECT_STR(r.mounts[0].path, "/data");
	EXPECT_STR(r.mounts[0].subpath, "a/b");
	EXPECT_INT(r.mounts[0].readonly, 1);
	EXPECT_STR(r.mounts[1].name, "other");
	EXPECT(r.mounts[1].subpath == NULL);
	EXPECT_INT(r.mounts[1].readonly, 0);
	pp_request_free(&r);

	/* START_POD lists and volumes. */
	{
		struct pp_buf b;
		size_t g;

		pp_buf_init(&b, buf, sizeof(buf));
		pp_frame_begin(&b, PP_MSG_START_POD, 7);
		pp_put_str(&b, PP_F_HOSTNAME, "pod");
		pp_put_str(&b, PP_F_DNS_SERVER, "1.1.1.1");
		pp_put_str(&b, PP_F_DNS_SEARCH, "a.b");
		pp_put_str(&b, PP_F_DNS_OPTION, "ndots:2");
		pp_put_str(&b, PP_F_HOSTS_LINE, "1.2.3.4 x");
		pp_put_str(&b, PP_F_HOSTS_LINE, "1.2.3.5 y");
		g = pp_group_begin(&b, PP_F_VOLUME);
		pp_put_str(&b, PP_F_NAME, "v");
		pp_put_u64(&b, PP_F_SIZE_LIMIT, 1ull << 40);
		pp_group_end(&b, g);
		g = pp_group_begin(&b, PP_F_VOLUME);
		pp_put_str(&b, PP_F_NAME, "host");
		pp_put_str(&b, PP_F_HOST_TAG, "peapod.vol.host");
		pp_put_str(&b, PP_F_HOST_FILE, "app.conf");
		pp_put_u32(&b, PP_F_READONLY, 1);
		pp_group_end(&b, g);
		g = pp_group_begin(&b, PP_F_VOLUME);
		pp_put_str(&b, PP_F_NAME, "data");
		pp_put_str(&b, PP_F_IMAGE_FILE, "sha256_cd34.erofs");
		pp_group_end(&b, g);
		g = pp_group_begin(&b, PP_F_VOLUME);
		pp_put_str(&b, PP_F_NAME, "tmp");
		pp_put_u32(&b, PP_F_VOLUME_MODE, 01777);
		pp_group_end(&b, g);
		n = pp_frame_end(&b);
		EXPECT_INT(pp_request_decode(&r, PP_MSG_START_POD, 7, buf + PP_HEADER_SIZE,
					     n - PP_HEADER_SIZE), 0);
		EXPECT_STR(r.hostname, "pod");
		EXPECT_INT(r.n_dns_server, 1);
		EXPECT_INT(r.n_dns_search, 1);
		EXPECT_INT(r.n_dns_option, 1);
		EXPECT_INT(r.n_hosts_line, 2);
		EXPECT_STR(r.hosts_line[1], "1.2.3.5 y");
		EXPECT_INT(r.n_volumes, 4);
		EXPECT_STR(r.volumes[0].name, "v");
		EXPECT(r.volumes[0].size_limit == 1ull << 40);
		EXPECT(r.volumes[0].host_tag == NULL);
		EXPECT(r.volumes[0].host_file == NULL);
		EXPECT_STR(r.volumes[1].host_tag, "peapod.vol.host");
		EXPECT_STR(r.volumes[1].host_file, "app.conf");
		EXPECT_INT(r.volumes[1].readonly, 1);
		EXPECT(r.volumes[1].image == NULL && r.volumes[1].image_file == NULL);
		EXPECT_INT(r.volumes[1].has_mode, 0);
		EXPECT_STR(r.volumes[2].image_file, "sha256_cd34.erofs");
		EXPECT(r.volumes[2].image == NULL);
		EXPECT_INT(r.volumes[3].has_mode, 1);
		EXPECT_INT(r.volumes[3].mode, 01777);
		pp_request_free(&r);
	}
	/* ADD_CONTAINER naming an image file of the share instead of a device. */
	{
		struct pp_buf b;

		pp_buf_init(&b, buf, sizeof(buf));
		pp_frame_begin(&b, PP_MSG_ADD_CONTAINER, 8);
		pp_put_str(&b, PP_F_CONTAINER, "web");
		pp_put_str(&b, PP_F_IMAGE_FILE, "sha256_ab12.erofs");
		n = pp_frame_end(&b);
		EXPECT_INT(pp_request_decode(&r, PP_MSG_ADD_CONTAINER, 8, buf + PP_HEADER_SIZE,
					     n - PP_HEADER_SIZE), 0);
		EXPECT_STR(r.image_file, "sha256_ab12.erofs");
		EXPECT(r.image == NULL);
		EXPECT(PP_HAS(&r, PP_F_IMAGE_FILE));
		pp_request_free(&r);
	}
	/* RESTORED with its entropy, clock and "stop free page reporting". */
	{
		static const uint8_t seed[32] = { 1, 2, 3 };
		struct pp_buf b;

		pp_buf_init(&b, buf, sizeof(buf));
		pp_frame_begin(&b, PP_MSG_RESTORED, 9);
		pp_put_bytes(&b, PP_F_ENTROPY, seed, sizeof(seed));
		pp_put_u64(&b, PP_F_TIME_NS, 5);
		pp_put_u32(&b, PP_F_FREE_PAGE_REPORTING, 0);
		n = pp_frame_end(&b);
		EXPECT_INT(pp_request_decode(&r, PP_MSG_RESTORED, 9, buf + PP_HEADER_SIZE,
					     n - PP_HEADER_SIZE), 0);
		EXPECT_INT(r.entropy_len, 32);
		EXPECT_INT(r.entropy[2], 3);
		EXPECT(PP_HAS(&r, PP_F_FREE_PAGE_REPORTING));
		EXPECT_INT(r.free_page_reporting, 0);
		EXPECT_STR(pp_tag_name(PP_F_FREE_PAGE_REPORTING), "FREE_PAGE_REPORTING");
		pp_request_free(&r);
	}
	/* An empty payload is a valid message with no fields. */
	EXPECT_INT(pp_request_decode(&r, PP_MSG_PING, 1, NULL, 0), 0);
	EXPECT_INT(r.argc, 0);
	EXPECT(r.argv[0] == NULL);
	pp_request_free(&r);
}

static void test_reader_frames(void)
{
	static uint8_t rbuf[PP_READER_CAPACITY];
	struct pp_reader rd;
	struct pp_header h;
	const uint8_t *payload;
	size_t n = build_add_container(buf, sizeof(buf), 9), i, room;
	uint8_t *dst;
	int frames = 0;

	/* Byte by byte: NEED_MORE until the last byte, then one frame. */
	pp_reader_init(&rd, rbuf);
	for (i = 0; i < n; i++) {
		enum pp_read_result res;

		dst = pp_reader_space(&rd, &room);
		*dst = buf[i];
		pp_reader_commit(&rd, 1);
		res = pp_reader_next(&rd, &h, &payload);
		if (i + 1 < n) {
			EXPECT_INT(res, PP_RD_NEED_MORE);
		} else {
			EXPECT_INT(res, PP_RD_FRAME);
			EXPECT_INT(h.seq, 9);
			EXPECT_INT(h.length, n - PP_HEADER_SIZE);
			EXPECT(memcmp(payload, buf + PP_HEADER_SIZE, n - PP_HEADER_SIZE) == 0);
		}
	}
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_NEED_MORE);

	/* Three frames in one read. */
	pp_reader_reset(&rd);
	dst = pp_reader_space(&rd, &room);
	memcpy(dst, buf, n);
	memcpy(dst + n, buf, n);
	memcpy(dst + 2 * n, buf, n);
	pp_reader_commit(&rd, 3 * n);
	while (pp_reader_next(&rd, &h, &payload) == PP_RD_FRAME)
		frames++;
	EXPECT_INT(frames, 3);
}

static void feed(struct pp_reader *rd, const void *p, size_t n)
{
	size_t room;
	uint8_t *dst = pp_reader_space(rd, &room);

	memcpy(dst, p, n);
	pp_reader_commit(rd, n);
}

static void test_reader_malformed(void)
{
	static uint8_t rbuf[PP_READER_CAPACITY];
	struct pp_reader rd;
	struct pp_header h;
	const uint8_t *payload;
	uint8_t raw[PP_HEADER_SIZE];
	struct pp_header big = { PP_MAGIC, PP_VERSION, 0, PP_MSG_PING, 0, 77, PP_MAX_PAYLOAD + 1 };
	struct pp_header v2 = { PP_MAGIC, 2, 0, PP_MSG_HELLO, 0, 78, 0 };
	struct pp_header ping = { PP_MAGIC, PP_VERSION, 0, PP_MSG_PING, 0, 79, 0 };
	struct pp_header max = { PP_MAGIC, PP_VERSION, 0, PP_MSG_PING, 0, 80, PP_MAX_PAYLOAD };
	uint8_t *junk;

	pp_reader_init(&rd, rbuf);

	/* Short header: nothing yet. */
	pp_header_encode(raw, &ping);
	feed(&rd, raw, PP_HEADER_SIZE - 1);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_NEED_MORE);
	feed(&rd, raw + PP_HEADER_SIZE - 1, 1);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_FRAME);
	EXPECT_INT(h.seq, 79);

	/* Garbage: reported once, then resync on the next magic. A trailing
	 * single 'P' is kept as a possible half magic. */
	feed(&rd, "xyzzy garbage", 13);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_BAD_MAGIC);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_NEED_MORE);
	feed(&rd, "more junk P", 11);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_NEED_MORE);
	EXPECT_INT(rd.end - rd.start, 1);
	feed(&rd, raw + 1, PP_HEADER_SIZE - 1); /* completes "PP..." */
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_FRAME);
	EXPECT_INT(h.seq, 79);
	EXPECT_INT(rd.resyncing, 0);

	/* Bad version: ERROR with its seq, then skipped. */
	pp_header_encode(raw, &v2);
	feed(&rd, raw, PP_HEADER_SIZE);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_BAD_VERSION);
	EXPECT_INT(h.seq, 78);
	EXPECT_INT(h.version, 2);
	pp_header_encode(raw, &ping);
	feed(&rd, raw, PP_HEADER_SIZE);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_FRAME);
	EXPECT_INT(h.seq, 79);

	/* A stray "PP" with a bad version inside garbage is not reported. */
	feed(&rd, "junkPP\x07\x01............ more", 24);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_BAD_MAGIC);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_NEED_MORE);
	feed(&rd, raw, PP_HEADER_SIZE);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_FRAME);

	/* Oversized: reported with its seq; the payload is skipped even when
	 * it arrives in pieces and contains magic-looking bytes. */
	pp_header_encode(raw, &big);
	feed(&rd, raw, PP_HEADER_SIZE);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_TOO_BIG);
	EXPECT_INT(h.seq, 77);
	EXPECT_INT(h.length, PP_MAX_PAYLOAD + 1);
	junk = malloc(PP_MAX_PAYLOAD + 1);
	memset(junk, 0x50, PP_MAX_PAYLOAD + 1);
	feed(&rd, junk, 1000);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_NEED_MORE);
	feed(&rd, junk, PP_MAX_PAYLOAD + 1 - 1000);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_NEED_MORE);
	pp_header_encode(raw, &ping);
	feed(&rd, raw, PP_HEADER_SIZE);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_FRAME);
	EXPECT_INT(h.seq, 79);

	/* Exactly the maximum is fine and fits the reader. */
	pp_header_encode(raw, &max);
	feed(&rd, raw, PP_HEADER_SIZE);
	feed(&rd, junk, PP_MAX_PAYLOAD);
	EXPECT_INT(pp_reader_next(&rd, &h, &payload), PP_RD_FRAME);
	EXPECT_INT(h.length, PP_MAX_PAYLOAD);
	free(junk);
	{
		size_t room;

		pp_reader_space(&rd, &room);
		EXPECT_INT(room, PP_READER_CAPACITY);
	}
}

static void test_iterator(void)
{
	struct pp_iter it;
	struct pp_field f;
	uint8_t p[32];
	size_t n;

	/* Zero-length field, then end. */
	n = raw_field(p, PP_F_DATA, 0, "", 0);
	pp_iter_init(&it, p, n);
	EXPECT_INT(pp_iter_next(&it, &f), PP_IT_FIELD);
	EXPECT_INT(f.tag, PP_F_DATA);
	EXPECT_INT(f.len, 0);
	EXPECT_INT(pp_iter_next(&it, &f), PP_IT_END);

	/* One byte: not even a tag. */
	pp_iter_init(&it, p, 1);
	EXPECT_INT(pp_iter_next(&it, &f), PP_IT_TRUNCATED);
	EXPECT_INT(f.tag, 0);
	/* Tag but no full length. */
	pp_iter_init(&it, p, 5);
	EXPECT_INT(pp_iter_next(&it, &f), PP_IT_TRUNCATED);
	EXPECT_INT(f.tag, PP_F_DATA);
	/* Length past the end, including a length near 2^32. */
	n = raw_field(p, PP_F_ARGV, 10, "abc", 3);
	pp_iter_init(&it, p, n);
	EXPECT_INT(pp_iter_next(&it, &f), PP_IT_TRUNCATED);
	EXPECT_INT(f.tag, PP_F_ARGV);
	n = raw_field(p, PP_F_ARGV, 0xffffffffu, "abc", 3);
	pp_iter_init(&it, p, n);
	EXPECT_INT(pp_iter_next(&it, &f), PP_IT_TRUNCATED);
}

static int decode_raw(struct pp_request *r, const uint8_t *p, size_t n)
{
	int rc = pp_request_decode(r, PP_MSG_ADD_CONTAINER, 5, p, n);

	pp_request_free(r);
	return rc;
}

static void test_decode_malformed(void)
{
	struct pp_request r;
	uint8_t p[64 * 1024];
	uint8_t inner[64];
	size_t n, m;

	/* u32 with 3 bytes. */
	n = raw_field(p, PP_F_RESTART, 3, "\0\0\1", 3);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_INT(r.error_code, EINVAL);
	EXPECT_STR(r.error, "field RESTART (0x25): u32 must be 4 bytes");
	/* u64 with 4 bytes. */
	n = raw_field(p, PP_F_TIME_NS, 4, "\0\0\0\1", 4);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field TIME_NS (0x0e): u64 must be 8 bytes");
	/* NUL inside a string. */
	n = raw_field(p, PP_F_CONTAINER, 3, "a\0b", 3);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field CONTAINER (0x06): string contains NUL");
	/* Field past the end of the payload. */
	n = raw_field(p, PP_F_CONTAINER, 3, "web", 3);
	n += raw_field(p + n, PP_F_ARGV, 9, "sh", 2);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field ARGV (0x21): runs past the end of the payload");
	/* Trailing byte. */
	n = raw_field(p, PP_F_CONTAINER, 3, "web", 3);
	p[n++] = 0;
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field 0x00: runs past the end of the payload");
	/* A group nested in a group. */
	m = raw_field(inner, PP_F_NAME, 1, "v", 1);
	n = raw_field(p, PP_F_VOLUME, (uint32_t)m, inner, m);
	m = raw_field(inner, PP_F_MOUNT, (uint32_t)n, p, n);
	n = raw_field(p, PP_F_VOLUME, (uint32_t)m, inner, m);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field MOUNT (0x27): group nested inside a group");
	/* Group whose inner field runs past the group. */
	m = raw_field(inner, PP_F_NAME, 5, "v", 1);
	n = raw_field(p, PP_F_MOUNT, (uint32_t)m, inner, m);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field MOUNT (0x27): inner field runs past the end of the group");
	/* Wrong u32 inside a group. */
	m = raw_field(inner, PP_F_READONLY, 1, "\1", 1);
	n = raw_field(p, PP_F_MOUNT, (uint32_t)m, inner, m);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field READONLY (0x29): u32 must be 4 bytes");
	/* DATA over 32 KiB. */
	memset(inner, 0, sizeof(inner));
	n = raw_field(p, PP_F_DATA, PP_MAX_DATA_CHUNK + 1, "", 0) + PP_MAX_DATA_CHUNK + 1;
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_INT(r.error_code, EMSGSIZE);
	/* Unknown tags of any length are fine. */
	n = raw_field(p, 0x9999, 3, "\0\0\0", 3);
	EXPECT_INT(decode_raw(&r, p, n), 0);
}

/* FILES_WRITE with FILE groups (volumes of files), and the path rule
 * guest-init applies to them. */
static void test_files_write(void)
{
	struct pp_buf b;
	struct pp_request r;
	struct pp_header h;
	uint8_t p[256], inner[128];
	size_t mark, n, m;
	static const uint8_t chunk[5] = { 'h', 'e', 'l', 'l', 'o' };

	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_FILES_WRITE, 7);
	pp_put_str(&b, PP_F_NAME, "config");
	mark = pp_group_begin(&b, PP_F_FILE);
	pp_put_str(&b, PP_F_FILE_PATH, "dir/game.properties");
	pp_put_u32(&b, PP_F_FILE_MODE, 0440);
	pp_put_u64(&b, PP_F_FILE_OFFSET, 0);
	pp_put_bytes(&b, PP_F_DATA, chunk, sizeof(chunk));
	pp_put_u32(&b, PP_F_FILE_GID, 2000);
	pp_group_end(&b, mark);
	mark = pp_group_begin(&b, PP_F_FILE);
	pp_put_str(&b, PP_F_FILE_PATH, "b");
	pp_put_u64(&b, PP_F_FILE_OFFSET, 32768);
	pp_group_end(&b, mark);
	EXPECT(pp_frame_end(&b) > 0);
	pp_header_decode(buf, &h);
	EXPECT_INT(pp_request_decode(&r, h.type, h.seq, buf + PP_HEADER_SIZE, h.length), 0);
	EXPECT_STR(r.name, "config");
	EXPECT_INT(r.n_files, 2);
	EXPECT_STR(r.files[0].path, "dir/game.properties");
	EXPECT_INT(r.files[0].mode, 0440);
	EXPECT_INT(r.files[0].has_mode, 1);
	EXPECT_INT(r.files[0].data_len, 5);
	EXPECT(memcmp(r.files[0].data, "hello", 5) == 0);
	EXPECT_INT(r.files[0].has_uid, 0);
	EXPECT_INT(r.files[0].has_gid, 1);
	EXPECT_INT(r.files[0].gid, 2000);
	EXPECT_STR(r.files[1].path, "b");
	EXPECT_INT(r.files[1].has_mode, 0);
	EXPECT(r.files[1].offset == 32768);
	EXPECT(r.files[1].data == NULL);
	pp_request_free(&r);

	/* FILES_BEGIN's totals, and FILES in a VOLUME group. */
	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_FILES_BEGIN, 8);
	pp_put_str(&b, PP_F_NAME, "config");
	pp_put_u32(&b, PP_F_FILE_COUNT, 3);
	pp_put_u64(&b, PP_F_FILE_BYTES, 1u << 20);
	mark = pp_group_begin(&b, PP_F_VOLUME);
	pp_put_str(&b, PP_F_NAME, "config");
	pp_put_u32(&b, PP_F_FILES, 1);
	pp_group_end(&b, mark);
	EXPECT(pp_frame_end(&b) > 0);
	pp_header_decode(buf, &h);
	EXPECT_INT(pp_request_decode(&r, h.type, h.seq, buf + PP_HEADER_SIZE, h.length), 0);
	EXPECT_INT(r.file_count, 3);
	EXPECT(r.file_bytes == 1u << 20);
	EXPECT_INT(r.n_volumes, 1);
	EXPECT_INT(r.volumes[0].files, 1);
	pp_request_free(&r);

	/* Malformed FILE groups are refused whole. */
	m = raw_field(inner, PP_F_FILE_MODE, 2, "\1\0", 2);
	n = raw_field(p, PP_F_FILE, (uint32_t)m, inner, m);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field FILE_MODE (0x73): u32 must be 4 bytes");
	m = raw_field(inner, PP_F_FILE_OFFSET, 4, "\0\0\0\0", 4);
	n = raw_field(p, PP_F_FILE, (uint32_t)m, inner, m);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field FILE_OFFSET (0x74): u64 must be 8 bytes");
	m = raw_field(inner, PP_F_FILE_PATH, 3, "a\0b", 3);
	n = raw_field(p, PP_F_FILE, (uint32_t)m, inner, m);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field FILE_PATH (0x72): string contains NUL");
	m = raw_field(inner, PP_F_FILE_PATH, 9, "a", 1);
	n = raw_field(p, PP_F_FILE, (uint32_t)m, inner, m);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field FILE (0x71): inner field runs past the end of the group");

	/* The path rule: what a hostile host or manifest might send. */
	EXPECT(pp_valid_volume_file_path("game.properties"));
	EXPECT(pp_valid_volume_file_path("my-group/my-config"));
	EXPECT(pp_valid_volume_file_path(".hidden"));
	EXPECT(pp_valid_volume_file_path("a.."));
	EXPECT(!pp_valid_volume_file_path(""));
	EXPECT(!pp_valid_volume_file_path("/etc/passwd"));
	EXPECT(!pp_valid_volume_file_path(".."));
	EXPECT(!pp_valid_volume_file_path("../x"));
	EXPECT(!pp_valid_volume_file_path("a/../../x"));
	EXPECT(!pp_valid_volume_file_path("a/.."));
	EXPECT(!pp_valid_volume_file_path("..data"));
	EXPECT(!pp_valid_volume_file_path("..data/x"));
	EXPECT(!pp_valid_volume_file_path("x/..2026_12_07"));
	EXPECT(!pp_valid_volume_file_path("."));
	EXPECT(!pp_valid_volume_file_path("a/./b"));
	EXPECT(!pp_valid_volume_file_path("a//b"));
	EXPECT(!pp_valid_volume_file_path("a/"));
	{
		char longpart[300], longpath[4200];

		memset(longpart, 'x', 256);
		longpart[256] = 0;
		EXPECT(!pp_valid_volume_file_path(longpart));
		longpart[255] = 0;
		EXPECT(pp_valid_volume_file_path(longpart));
		memset(longpath, 'a', sizeof(longpath));
		for (n = 1; n < 4100; n += 2)
			longpath[n] = '/';
		longpath[4095] = 0;
		EXPECT(pp_valid_volume_file_path(longpath));
		longpath[4095] = 'a';
		longpath[4096] = 0;
		EXPECT(!pp_valid_volume_file_path(longpath));
	}
}

static void test_encoder_overflow(void)
{
	uint8_t small[30];
	struct pp_buf b;

	pp_buf_init(&b, small, sizeof(small));
	pp_frame_begin(&b, PP_MSG_OK, 1);
	pp_put_u32(&b, PP_F_PID, 5);
	EXPECT_INT(b.overflow, 0);
	pp_put_str(&b, PP_F_MESSAGE, "this does not fit");
	EXPECT_INT(b.overflow, 1);
	EXPECT_INT(pp_frame_end(&b), 0);
}

static void test_validators(void)
{
	char long_name[80];

	EXPECT(pp_valid_name("web", 63));
	EXPECT(pp_valid_name("a", 63));
	EXPECT(pp_valid_name("web-1", 63));
	EXPECT(!pp_valid_name("", 63));
	EXPECT(!pp_valid_name("-web", 63));
	EXPECT(!pp_valid_name("web-", 63));
	EXPECT(!pp_valid_name("Web", 63));
	EXPECT(!pp_valid_name("we_b", 63));
	EXPECT(!pp_valid_name("../x", 63));
	memset(long_name, 'a', 64);
	long_name[64] = 0;
	EXPECT(!pp_valid_name(long_name, 63));
	long_name[63] = 0;
	EXPECT(pp_valid_name(long_name, 63));
	EXPECT(pp_valid_process_id("exec-1.a_b"));
	EXPECT(!pp_valid_process_id("exec/1"));
	EXPECT(!pp_valid_process_id(".x"));
	EXPECT(pp_valid_abs_path("/"));
	EXPECT(pp_valid_abs_path("/a/b"));
	EXPECT(pp_valid_abs_path("/a/b/"));
	EXPECT(pp_valid_abs_path("/a/..b"));
	EXPECT(!pp_valid_abs_path("a/b"));
	EXPECT(!pp_valid_abs_path("/a/../b"));
	EXPECT(!pp_valid_abs_path("/a/./b"));
	EXPECT(!pp_valid_abs_path("/a//b"));
	EXPECT(!pp_valid_abs_path("/.."));
	EXPECT(!pp_valid_abs_path(""));
	EXPECT(pp_valid_rel_path("a/b"));
	EXPECT(!pp_valid_rel_path("/a"));
	EXPECT(!pp_valid_rel_path(".."));
	EXPECT(!pp_valid_rel_path("a/../../b"));
	EXPECT(!pp_valid_rel_path(""));
	/* Image and host file names: one component, so nothing leaves the share. */
	EXPECT(pp_valid_file_name("sha256_ab12.erofs", PP_MAX_IMAGE_FILE));
	EXPECT(pp_valid_file_name("..x", PP_MAX_IMAGE_FILE));
	EXPECT(!pp_valid_file_name("..", PP_MAX_IMAGE_FILE));
	EXPECT(!pp_valid_file_name(".", PP_MAX_IMAGE_FILE));
	EXPECT(!pp_valid_file_name("", PP_MAX_IMAGE_FILE));
	EXPECT(!pp_valid_file_name("a/b", PP_MAX_IMAGE_FILE));
	EXPECT(!pp_valid_file_name("/etc", PP_MAX_IMAGE_FILE));
	EXPECT(!pp_valid_file_name("../images/x.erofs", PP_MAX_IMAGE_FILE));
	EXPECT(!pp_valid_file_name("a b", PP_MAX_IMAGE_FILE));
	EXPECT(!pp_valid_file_name("a\\b", PP_MAX_IMAGE_FILE));
	EXPECT(!pp_valid_file_name("abcd", 3));
	EXPECT(pp_valid_hostname("pod"));
	EXPECT(pp_valid_hostname("My-Pod.example.com"));
	EXPECT(!pp_valid_hostname("pod-"));
	EXPECT(!pp_valid_hostname("a..b"));
	EXPECT(!pp_valid_hostname("a b"));
	EXPECT(!pp_valid_hostname(""));
}

static const char passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"# comment\n"
	"app:x:1000:1000:App:/home/app:/bin/sh\n"
	"broken:x:notanumber:1:\n"
	"svc:x:1001:1001::/srv"; /* no trailing newline, short */
static const char group[] =
	"root:x:0:\n"
	"app:x:1000:\n"
	"staff:x:50:app,other\n"
	"video:x:44:root,app\n"
	"svc:x:1001:\n";

static void test_user(void)
{
	struct user_ids u;
	char err[200];

	EXPECT_INT(user_resolve(NULL, passwd, group, &u, err, sizeof(err)), 0);
	EXPECT_INT(u.uid, 0);
	EXPECT_INT(u.gid, 0);
	EXPECT_STR(u.home, "/root");
	EXPECT_INT(u.ngroups, 1); /* root is in video */

	EXPECT_INT(user_resolve("app", passwd, group, &u, err, sizeof(err)), 0);
	EXPECT_INT(u.uid, 1000);
	EXPECT_INT(u.gid, 1000);
	EXPECT_STR(u.home, "/home/app");
	EXPECT_INT(u.ngroups, 2);
	EXPECT_INT(u.groups[0], 50);
	EXPECT_INT(u.groups[1], 44);

	EXPECT_INT(user_resolve("1000", passwd, group, &u, err, sizeof(err)), 0);
	EXPECT_INT(u.gid, 1000); /* from the passwd entry */
	EXPECT_STR(u.home, "/home/app");

	EXPECT_INT(user_resolve("4321", passwd, group, &u, err, sizeof(err)), 0);
	EXPECT_INT(u.uid, 4321);
	EXPECT_INT(u.gid, 0);
	EXPECT_STR(u.home, "/");
	EXPECT_INT(u.ngroups, 0);

	EXPECT_INT(user_resolve("4321:77", NULL, NULL, &u, err, sizeof(err)), 0);
	EXPECT_INT(u.uid, 4321);
	EXPECT_INT(u.gid, 77);

	EXPECT_INT(user_resolve("app:staff", passwd, group, &u, err, sizeof(err)), 0);
	EXPECT_INT(u.gid, 50);
	EXPECT_INT(user_resolve("1001:video", passwd, group, &u, err, sizeof(err)), 0);
	EXPECT_INT(u.uid, 1001);
	EXPECT_INT(u.gid, 44);
	EXPECT_STR(u.home, "/srv");

	EXPECT_INT(user_resolve("bob", passwd, group, &u, err, sizeof(err)), -1);
	EXPECT_STR(err, "user \"bob\" not found in /etc/passwd");
	EXPECT_INT(user_resolve("app", NULL, NULL, &u, err, sizeof(err)), -1);
	EXPECT_INT(user_resolve("app:nogroup", passwd, group, &u, err, sizeof(err)), -1);
	EXPECT_STR(err, "group \"nogroup\" not found in /etc/group");
	EXPECT_INT(user_resolve("broken", passwd, group, &u, err, sizeof(err)), -1);
	EXPECT_INT(user_resolve("app:", passwd, group, &u, err, sizeof(err)), -1);
	EXPECT_INT(user_resolve(":1", passwd, group, &u, err, sizeof(err)), -1);
	EXPECT_INT(user_resolve("99999999999", passwd, group, &u, err, sizeof(err)), -1);
}

/* ADD_CONTAINER's stdin/tty fields and ATTACH (tags from 0x40 on, which
 * have no presence bit: absent must read as 0). */
static void test_attach_fields(void)
{
	struct pp_request r;
	uint8_t p[256];
	uint8_t one[4] = { 0, 0, 0, 1 };
	size_t n;

	n = raw_field(p, PP_F_CONTAINER, 3, "cli", 3);
	n += raw_field(p + n, PP_F_STDIN, 4, one, 4);
	n += raw_field(p + n, PP_F_STDIN_ONCE, 4, one, 4);
	n += raw_field(p + n, PP_F_TTY, 4, one, 4);
	EXPECT_INT(decode_raw(&r, p, n), 0);
	EXPECT_INT(r.stdin_open, 1);
	EXPECT_INT(r.stdin_once, 1);
	EXPECT_INT(r.tty, 1);
	EXPECT_INT(r.output, 0);

	n = raw_field(p, PP_F_CONTAINER, 3, "cli", 3);
	n += raw_field(p + n, PP_F_OUTPUT, 4, one, 4);
	EXPECT_INT(decode_raw(&r, p, n), 0);
	EXPECT_INT(r.output, 1);
	EXPECT_INT(r.stdin_open, 0);
	EXPECT_INT(r.stdin_once, 0);

	n = raw_field(p, PP_F_STDIN, 1, one, 1);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field STDIN (0x40): u32 must be 4 bytes");
	n = raw_field(p, PP_F_OUTPUT, 8, "\0\0\0\0\0\0\0\1", 8);
	EXPECT_INT(decode_raw(&r, p, n), -1);
	EXPECT_STR(r.error, "field OUTPUT (0x42): u32 must be 4 bytes");

	EXPECT_STR(pp_type_name(PP_MSG_ATTACH), "ATTACH");
	EXPECT_STR(pp_type_name(PP_MSG_DETACH), "DETACH");
	EXPECT_STR(pp_tag_name(PP_F_STDIN_ONCE), "STDIN_ONCE");
}

static void test_names(void)
{
	EXPECT_STR(pp_type_name(PP_MSG_ADD_CONTAINER), "ADD_CONTAINER");
	EXPECT(pp_type_name(0x0777) == NULL);
	EXPECT_STR(pp_tag_name(PP_F_CONTAINER_STATUS), "CONTAINER_STATUS");
	EXPECT_STR(pp_tag_name(PP_F_IMAGE_FILE), "IMAGE_FILE");
	EXPECT_STR(pp_tag_name(PP_F_HOST_TAG), "HOST_TAG");
	EXPECT(pp_tag_name(0x99) == NULL);
}

int main(void)
{
	test_header_round_trip();
	test_request_round_trip();
	test_reader_frames();
	test_reader_malformed();
	test_iterator();
	test_decode_malformed();
	test_encoder_overflow();
	test_validators();
	test_user();
	test_names();
	test_attach_fields();
	test_files_write();
	printf("unit tests: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
