/*
 * libFuzzer target: arbitrary bytes as the control stream, through the
 * same path guest-init uses (reader -> request decoder -> validity rules),
 * plus USER resolution on decoded strings. A decoded request's argv is
 * re-encoded and decoded again, which must give the same strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "request.h"
#include "user.h"

static uint8_t rbuf[PP_READER_CAPACITY];
static uint8_t ebuf[PP_HEADER_SIZE + PP_MAX_PAYLOAD];

static void round_trip(const struct pp_request *r)
{
	struct pp_buf b;
	struct pp_request again;
	size_t i, n;

	pp_buf_init(&b, ebuf, sizeof(ebuf));
	pp_frame_begin(&b, r->type, r->seq);
	for (i = 0; i < r->argc; i++)
		pp_put_str(&b, PP_F_ARGV, r->argv[i]);
	for (i = 0; i < r->n_mounts; i++) {
		size_t g = pp_group_begin(&b, PP_F_MOUNT);

		if (r->mounts[i].path)
			pp_put_str(&b, PP_F_PATH, r->mounts[i].path);
		pp_put_u32(&b, PP_F_READONLY, r->mounts[i].readonly);
		pp_group_end(&b, g);
	}
	n = pp_frame_end(&b);
	if (n == 0)
		return;
	if (pp_request_decode(&again, r->type, r->seq, ebuf + PP_HEADER_SIZE, n - PP_HEADER_SIZE) != 0)
		__builtin_trap();
	if (again.argc != r->argc || again.n_mounts != r->n_mounts)
		__builtin_trap();
	for (i = 0; i < r->argc; i++) {
		if (strcmp(again.argv[i], r->argv[i]) != 0)
			__builtin_trap();
	}
	for (i = 0; i < r->n_mounts; i++) {
		if ((again.mounts[i].path == NULL) != (r->mounts[i].path == NULL) ||
		    again.mounts[i].readonly != r->mounts[i].readonly)
			__builtin_trap();
	}
	pp_request_free(&again);
}

static volatile unsigned checksum;

static void use(const struct pp_request *r)
{
	struct user_ids ids;
	char err[200];
	size_t i;

	if (r->container)
		(void)pp_valid_name(r->container, PP_MAX_CONTAINER_NAME);
	if (r->process)
		(void)pp_valid_process_id(r->process);
	if (r->hostname)
		(void)pp_valid_hostname(r->hostname);
	if (r->cwd)
		(void)pp_valid_abs_path(r->cwd);
	for (i = 0; i < r->n_mounts; i++) {
		if (r->mounts[i].path)
			(void)pp_valid_abs_path(r->mounts[i].path);
		if (r->mounts[i].subpath)
			(void)pp_valid_rel_path(r->mounts[i].subpath);
	}
	for (i = 0; i < r->n_files; i++) {
		if (r->files[i].path)
			(void)pp_valid_volume_file_path(r->files[i].path);
		if (r->files[i].data_len && r->files[i].data[r->files[i].data_len - 1] == 0xff)
			checksum++; /* every byte DATA points at must be readable */
	}
	if (r->user)
		(void)user_resolve(r->user, r->n_hosts_line ? r->hosts_line[0] : NULL,
				   r->n_dns_search ? r->dns_search[0] : NULL, &ids, err, sizeof(err));
	round_trip(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_reader rd;
	size_t off = 0, step;

	if (size == 0)
		return 0;
	/* The first byte picks the read size, so frames also arrive split. */
	step = (size_t)data[0] * 7 + 1;
	data++;
	size--;
	pp_reader_init(&rd, rbuf);
	while (off < size) {
		size_t room, n;
		uint8_t *dst = pp_reader_space(&rd, &room);
		struct pp_header h;
		const uint8_t *payload;
		enum pp_read_result res;

		n = size - off < step ? size - off : step;
		if (n > room)
			n = room;
		memcpy(dst, data + off, n);
		pp_reader_commit(&rd, n);
		off += n;
		while ((res = pp_reader_next(&rd, &h, &payload)) != PP_RD_NEED_MORE) {
			struct pp_request r;

			if (res != PP_RD_FRAME)
				continue;
			if (h.length > PP_MAX_PAYLOAD)
				__builtin_trap();
			if (pp_request_decode(&r, h.type, h.seq, payload, h.length) == 0)
				use(&r);
			else if (r.error[0] == 0)
				__builtin_trap(); /* a refusal always says why */
			pp_request_free(&r);
		}
	}
	return 0;
}
