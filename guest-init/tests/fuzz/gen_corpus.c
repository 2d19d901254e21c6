/*
 * Writes the fuzzer's seed corpus: one file per typical request stream,
 * plus malformed ones. Generated rather than committed so it follows the
 * protocol as the encoder knows it. Each file starts with the fuzz target's
 * read-size byte.
 */
#include <stdio.h>
#include <string.h>

#include "codec.h"

static uint8_t out[1 << 16];
static const char *dir;
static int count;

static void emit(const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%03d", dir, ++count);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return;
	}
	fputc(count * 37 & 0xff, f);
	fwrite(p, 1, n, f);
	fclose(f);
}

static struct pp_buf b;

static void begin(uint16_t type)
{
	pp_buf_init(&b, out, sizeof(out));
	pp_frame_begin(&b, type, (uint32_t)count + 1);
}

static void end(void)
{
	size_t n = pp_frame_end(&b);

	emit(out, n);
}

int main(int argc, char **argv)
{
	size_t g, n;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	dir = argv[1];

	begin(PP_MSG_HELLO);
	pp_put_u32(&b, PP_F_VERSION, PP_VERSION);
	end();
	begin(PP_MSG_PING);
	end();
	begin(PP_MSG_STATUS);
	end();

	begin(PP_MSG_START_POD);
	pp_put_str(&b, PP_F_HOSTNAME, "pod.example");
	pp_put_str(&b, PP_F_DNS_SERVER, "10.0.2.3");
	pp_put_str(&b, PP_F_DNS_SEARCH, "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh");
	pp_put_str(&b, PP_F_DNS_OPTION, "ndots:2");
	pp_put_str(&b, PP_F_HOSTS_LINE, "app:x:1000:\nstaff:x:50:app");
	pp_put_u64(&b, PP_F_TIME_NS, 1700000000000000000ull);
	g = pp_group_begin(&b, PP_F_VOLUME);
	pp_put_str(&b, PP_F_NAME, "data");
	pp_put_u64(&b, PP_F_SIZE_LIMIT, 1 << 20);
	pp_group_end(&b, g);
	end();

	begin(PP_MSG_ADD_CONTAINER);
	pp_put_str(&b, PP_F_CONTAINER, "web");
	pp_put_str(&b, PP_F_IMAGE, "img0");
	pp_put_str(&b, PP_F_ARGV, "sh");
	pp_put_str(&b, PP_F_ARGV, "-c");
	pp_put_str(&b, PP_F_ARGV, "exec httpd -f");
	pp_put_str(&b, PP_F_ENV, "PATH=/bin");
	pp_put_str(&b, PP_F_CWD, "/srv/www");
	pp_put_str(&b, PP_F_USER, "app:staff");
	pp_put_u32(&b, PP_F_RESTART, 1);
	pp_put_u32(&b, PP_F_BACKOFF_MS, 1000);
	pp_put_u32(&b, PP_F_GRACE_MS, 5000);
	g = pp_group_begin(&b, PP_F_MOUNT);
	pp_put_str(&b, PP_F_NAME, "data");
	pp_put_str(&b, PP_F_PATH, "/data");
	pp_put_str(&b, PP_F_SUBPATH, "a/b");
	pp_put_u32(&b, PP_F_READONLY, 1);
	pp_group_end(&b, g);
	end();

	begin(PP_MSG_EXEC);
	pp_put_str(&b, PP_F_CONTAINER, "web");
	pp_put_str(&b, PP_F_PROCESS, "exec-1");
	pp_put_str(&b, PP_F_ARGV, "ls");
	pp_put_str(&b, PP_F_USER, "1000:1000");
	pp_put_u32(&b, PP_F_TTY, 1);
	pp_put_u32(&b, PP_F_ROWS, 24);
	pp_put_u32(&b, PP_F_COLS, 80);
	end();

	begin(PP_MSG_STDIN);
	pp_put_str(&b, PP_F_PROCESS, "exec-1");
	pp_put_bytes(&b, PP_F_DATA, "hello\n", 6);
	end();
	begin(PP_MSG_WINSIZE);
	pp_put_str(&b, PP_F_PROCESS, "exec-1");
	pp_put_u32(&b, PP_F_ROWS, 50);
	pp_put_u32(&b, PP_F_COLS, 132);
	end();
	begin(PP_MSG_SIGNAL);
	pp_put_str(&b, PP_F_CONTAINER, "web");
	pp_put_u32(&b, PP_F_SIGNAL, 15);
	end();
	begin(PP_MSG_REMOVE_CONTAINER);
	pp_put_str(&b, PP_F_CONTAINER, "web");
	pp_put_u32(&b, PP_F_GRACE_MS, 1000);
	end();
	begin(PP_MSG_ACK_EVENTS);
	pp_put_u64(&b, PP_F_EVENT_SEQ, 12);
	end();

	/* A revision of a volume of files. */
	begin(PP_MSG_FILES_BEGIN);
	pp_put_str(&b, PP_F_NAME, "config");
	pp_put_u32(&b, PP_F_FILE_COUNT, 2);
	pp_put_u64(&b, PP_F_FILE_BYTES, 9);
	end();
	begin(PP_MSG_FILES_WRITE);
	pp_put_str(&b, PP_F_NAME, "config");
	g = pp_group_begin(&b, PP_F_FILE);
	pp_put_str(&b, PP_F_FILE_PATH, "dir/game.properties");
	pp_put_u32(&b, PP_F_FILE_MODE, 0644);
	pp_put_u64(&b, PP_F_FILE_OFFSET, 0);
	pp_put_bytes(&b, PP_F_DATA, "lives=3\n", 8);
	pp_put_u32(&b, PP_F_FILE_UID, 1000);
	pp_put_u32(&b, PP_F_FILE_GID, 1000);
	pp_group_end(&b, g);
	g = pp_group_begin(&b, PP_F_FILE);
	pp_put_str(&b, PP_F_FILE_PATH, "../escape");
	pp_put_u32(&b, PP_F_FILE_MODE, 0777);
	pp_put_u64(&b, PP_F_FILE_OFFSET, 0);
	pp_put_bytes(&b, PP_F_DATA, "x", 1);
	pp_group_end(&b, g);
	end();
	begin(PP_MSG_FILES_COMMIT);
	pp_put_str(&b, PP_F_NAME, "config");
	end();
	begin(PP_MSG_DESTROY_POD);
	pp_put_u32(&b, PP_F_GRACE_MS, 1000);
	end();

	/* Malformed: group in a group, field past the end, short u32. */
	begin(PP_MSG_ADD_CONTAINER);
	g = pp_group_begin(&b, PP_F_MOUNT);
	{
		size_t g2 = pp_group_begin(&b, PP_F_VOLUME);

		pp_put_str(&b, PP_F_NAME, "x");
		pp_group_end(&b, g2);
	}
	pp_group_end(&b, g);
	end();
	begin(PP_MSG_ADD_CONTAINER);
	pp_put_str(&b, PP_F_CONTAINER, "web");
	n = pp_frame_end(&b);
	out[PP_HEADER_SIZE + 2] = 0x7f; /* inflate the field length */
	emit(out, n);
	begin(PP_MSG_SIGNAL);
	pp_put_bytes(&b, PP_F_SIGNAL, "\0\17", 2);
	end();
	/* Oversized header, bad version, garbage then a frame. */
	{
		uint8_t raw[64];
		struct pp_header h = { PP_MAGIC, PP_VERSION, 0, PP_MSG_PING, 0, 1, PP_MAX_PAYLOAD + 5 };

		pp_header_encode(raw, &h);
		memcpy(raw + 16, "PPPPP", 5);
		emit(raw, 21);
		h.length = 0;
		h.version = 3;
		pp_header_encode(raw, &h);
		emit(raw, 16);
		memcpy(raw, "junk P junkPP", 13);
		h.version = PP_VERSION;
		pp_header_encode(raw + 13, &h);
		emit(raw, 29);
	}
	printf("gen_corpus: %d seeds in %s\n", count, dir);
	return 0;
}
