/*
 * Decoding of a frame's payload into a typed request, and the validity rules
 * for names and paths the host sends. Pure (it allocates, nothing else), and
 * fuzzed together with codec.c.
 */
#ifndef PEAPOD_REQUEST_H
#define PEAPOD_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "proto.h"

#define PP_MAX_CONTAINER_NAME 63
#define PP_MAX_PROCESS_ID 64
#define PP_MAX_IMAGE_SERIAL 20

struct pp_volume {
	const char *name;
	uint64_t size_limit;
	const char *host_tag;  /* hostPath: 9p mount tag, NULL for emptyDir */
	const char *host_file; /* hostPath of one file: its name in the share, or NULL */
	uint32_t readonly;     /* hostPath: mount the share read-only */
	uint32_t files;        /* 1: a volume of files (FILES_BEGIN/WRITE/COMMIT fill it) */
	const char *image;      /* image volume: device serial, or NULL */
	const char *image_file; /* image volume: file of the image share, or NULL */
	uint32_t mode;          /* emptyDir: permission bits, when has_mode */
	int has_mode;
};

/* One FILE group of FILES_WRITE: a chunk of one file. */
struct pp_file {
	const char *path;    /* FILE_PATH, NULL when absent */
	uint32_t mode;
	uint64_t offset;
	uint32_t uid, gid;
	int has_mode, has_uid, has_gid;
	const uint8_t *data; /* points into the payload */
	uint32_t data_len;
};

struct pp_mount {
	const char *name;
	const char *path;
	const char *subpath; /* NULL when absent */
	uint32_t readonly;
};

#define PP_MAX_GROUP_IDS 64

/* A container's securityContext as ADD_CONTAINER gives it (0x48-0x57); each
 * has_* says whether its field was there, since absent means "the default",
 * not 0. */
struct pp_security {
	uint64_t caps;
	uint32_t no_new_privs, seccomp, readonly_root, run_as_non_root, groups_strict;
	int has_caps, has_no_new_privs;
	uint32_t group_ids[PP_MAX_GROUP_IDS];
	size_t n_group_ids;
	/* SECCOMP_FILTER: points into the payload while the request is
	 * handled; container.c keeps its own copy. */
	const uint8_t *filter;
	uint32_t filter_len;
};

/* Every field any message may carry; which ones a message uses is up to its
 * handler. Strings are NUL-terminated copies; DATA points into the payload. */
struct pp_request {
	uint16_t type;
	uint32_t seq;
	uint64_t present; /* bit `tag` set when that top-level tag was seen */

	uint32_t version, code, pid, exit_code, signal, stream, restart, backoff_ms;
	uint32_t grace_ms, tty, rows, cols, state, restarts, free_page_reporting;
	/* Tags from 0x40 on have no bit in `present`: absent reads as 0. */
	uint32_t stdin_open, stdin_once, output;
	uint64_t event_seq, time_ns;
	uint64_t pids_max; /* START_POD's PIDS_MAX, 0 when absent */
	const char *boot_id, *kernel, *message, *container, *process, *hostname;
	const char *image, *image_file, *cwd, *user;
	const uint8_t *data;
	uint32_t data_len;
	const uint8_t *entropy;
	uint32_t entropy_len;

	const char **argv; /* NULL-terminated, like the counts below */
	size_t argc;
	const char **env;
	size_t envc;
	const char **dns_server;
	size_t n_dns_server;
	const char **dns_search;
	size_t n_dns_search;
	const char **dns_option;
	size_t n_dns_option;
	const char **hosts_line;
	size_t n_hosts_line;
	struct pp_volume *volumes;
	size_t n_volumes;
	struct pp_mount *mounts;
	size_t n_mounts;
	struct pp_file *files; /* FILES_WRITE */
	size_t n_files;
	uint32_t file_count;   /* FILES_BEGIN's FILE_COUNT and FILE_BYTES, 0 when absent */
	uint64_t file_bytes;
	const char *name;      /* NAME at the top level (the volume of FILES_*) */
	struct pp_security security; /* ADD_CONTAINER */
	const char *pod;             /* START_POD: POD, FS_GROUP, SYSCTL* */
	uint32_t fs_group;
	int has_fs_group;
	const char **sysctl;
	size_t n_sysctl;
	/* PROBE and HOOK groups, undecoded (lengths checked): their values
	 * point into the payload, so they live as long as the request's
	 * handler runs; probe_spec.c decodes them. */
	struct pp_field *probes;
	size_t n_probes;
	struct pp_field *hooks;
	size_t n_hooks;

	void *arena;
	int error_code;  /* errno for the ERROR reply when decoding fails */
	char error[160]; /* its MESSAGE */
};

#define PP_HAS(r, tag) (((r)->present >> (tag)) & 1u)

/*
 * Decodes `payload`. Returns 0, or -1 with error_code/error set. Always call
 * pp_request_free() afterwards, whatever the result.
 */
int pp_request_decode(struct pp_request *r, uint16_t type, uint32_t seq,
		      const uint8_t *payload, size_t len);
void pp_request_free(struct pp_request *r);

/* [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most `max` bytes. */
int pp_valid_name(const char *s, size_t max);
/* Process ids: the same, plus '.', '_' inside, at most PP_MAX_PROCESS_ID. */
int pp_valid_process_id(const char *s);
/* Absolute, no "." or ".." component, no empty name, < 4096 bytes. */
int pp_valid_abs_path(const char *s);
/* Relative, no "." or ".." component, no empty name, < 4096 bytes. */
int pp_valid_rel_path(const char *s);
/* One file name: [A-Za-z0-9._-], not "." or "..", at most `max` bytes. What
 * IMAGE_FILE and HOST_FILE must be, so no name can leave its share. */
int pp_valid_file_name(const char *s, size_t max);
/* A path inside a volume of files: relative, no empty or "." component, no
 * component starting with ".." (those names are the volume's own), at most
 * 4095 bytes, components at most 255. */
int pp_valid_volume_file_path(const char *s);
/* A hostname: dot-separated labels of pp_valid_name style, <= 253 bytes
 * (upper case accepted). */
int pp_valid_hostname(const char *s);

#endif
