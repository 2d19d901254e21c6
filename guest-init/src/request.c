/*
 * Payload -> struct pp_request. Two passes over the fields: the first checks
 * every known tag's length and counts the repeated ones, so the second can
 * fill arrays sized exactly, in one allocation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "request.h"

enum kind { K_UNKNOWN, K_STR, K_U32, K_U64, K_BYTES, K_GROUP };

static enum kind tag_kind(uint16_t tag)
{
	switch (tag) {
	case PP_F_VERSION: case PP_F_CODE: case PP_F_PID: case PP_F_EXIT_CODE:
	case PP_F_SIGNAL: case PP_F_STREAM: case PP_F_RESTART: case PP_F_BACKOFF_MS:
	case PP_F_READONLY: case PP_F_GRACE_MS: case PP_F_TTY: case PP_F_ROWS:
	case PP_F_COLS: case PP_F_STATE: case PP_F_RESTARTS: case PP_F_FREE_PAGE_REPORTING:
	case PP_F_NO_NEW_PRIVS: case PP_F_SECCOMP: case PP_F_READONLY_ROOT:
	case PP_F_RUN_AS_NON_ROOT: case PP_F_GROUP_ID: case PP_F_GROUPS_STRICT: case PP_F_FS_GROUP:
	case PP_F_STDIN: case PP_F_STDIN_ONCE: case PP_F_OUTPUT:
	case PP_F_PROBE_KIND: case PP_F_ACTION: case PP_F_PORT: case PP_F_INITIAL_DELAY_MS:
	case PP_F_PERIOD_MS: case PP_F_TIMEOUT_MS: case PP_F_SUCCESS_THRESHOLD:
	case PP_F_FAILURE_THRESHOLD: case PP_F_SLEEP_MS: case PP_F_READY: case PP_F_STARTED:
	case PP_F_FILES: case PP_F_FILE_MODE: case PP_F_FILE_UID: case PP_F_FILE_GID:
	case PP_F_FILE_COUNT:
	case PP_F_VOLUME_MODE: case PP_F_HTTP_TLS:
		return K_U32;
	case PP_F_EVENT_SEQ: case PP_F_TIME_NS: case PP_F_SIZE_LIMIT: case PP_F_CAPS:
	case PP_F_PIDS_MAX: case PP_F_FILE_OFFSET: case PP_F_FILE_BYTES:
		return K_U64;
	case PP_F_DATA: case PP_F_ENTROPY: case PP_F_SECCOMP_FILTER:
		return K_BYTES;
	case PP_F_VOLUME: case PP_F_MOUNT: case PP_F_CONTAINER_STATUS:
	case PP_F_PROBE: case PP_F_HOOK: case PP_F_FILE:
		return K_GROUP;
	case PP_F_BOOT_ID: case PP_F_KERNEL: case PP_F_MESSAGE: case PP_F_CONTAINER:
	case PP_F_PROCESS: case PP_F_HOSTNAME: case PP_F_DNS_SERVER: case PP_F_DNS_SEARCH:
	case PP_F_DNS_OPTION: case PP_F_HOSTS_LINE: case PP_F_NAME: case PP_F_IMAGE:
	case PP_F_ARGV: case PP_F_ENV: case PP_F_CWD: case PP_F_USER: case PP_F_PATH:
	case PP_F_SUBPATH: case PP_F_IMAGE_FILE: case PP_F_HOST_TAG: case PP_F_HOST_FILE:
	case PP_F_SYSCTL: case PP_F_POD:
	case PP_F_HTTP_PATH: case PP_F_HOST: case PP_F_HTTP_HEADER: case PP_F_PROBE_MESSAGE:
	case PP_F_FILE_PATH: case PP_F_GRPC_SERVICE:
		return K_STR;
	}
	return K_UNKNOWN;
}

static int fail(struct pp_request *r, int code, const char *what, uint16_t tag)
{
	const char *name = pp_tag_name(tag);

	r->error_code = code;
	if (name)
		snprintf(r->error, sizeof(r->error), "field %s (0x%02x): %s", name, tag, what);
	else
		snprintf(r->error, sizeof(r->error), "field 0x%02x: %s", tag, what);
	return -1;
}

/* Checks one field's length against its kind. `outer` is the group it sits
 * in, 0 at the top level. */
static int check_field(struct pp_request *r, const struct pp_field *f, uint16_t outer);

static int check_group(struct pp_request *r, const struct pp_field *g)
{
	struct pp_iter it;
	struct pp_field f;
	enum pp_iter_result res;

	pp_iter_init(&it, g->value, g->len);
	while ((res = pp_iter_next(&it, &f)) == PP_IT_FIELD) {
		if (check_field(r, &f, g->tag) < 0)
			return -1;
	}
	if (res == PP_IT_TRUNCATED)
		return fail(r, EINVAL, "inner field runs past the end of the group", g->tag);
	return 0;
}

static int check_field(struct pp_request *r, const struct pp_field *f, uint16_t outer)
{
	switch (tag_kind(f->tag)) {
	case K_U32:
		if (f->len != 4)
			return fail(r, EINVAL, "u32 must be 4 bytes", f->tag);
		return 0;
	case K_U64:
		if (f->len != 8)
			return fail(r, EINVAL, "u64 must be 8 bytes", f->tag);
		return 0;
	case K_STR:
		if (memchr(f->value, 0, f->len))
			return fail(r, EINVAL, "string contains NUL", f->tag);
		return 0;
	case K_GROUP:
		if (outer)
			return fail(r, EINVAL, "group nested inside a group", f->tag);
		return check_group(r, f);
	case K_BYTES:
		if (f->len > PP_MAX_DATA_CHUNK)
			return fail(r, EMSGSIZE, "longer than 32 KiB", f->tag);
		return 0;
	case K_UNKNOWN:
		return 0;
	}
	return 0;
}

/* ---- Arena ---------------------------------------------------------------- */

struct arena {
	char *p;
	size_t used, cap;
};

static void *take(struct arena *a, size_t n)
{
	void *p;

	n = (n + 7u) & ~(size_t)7u;
	if (n > a->cap - a->used)
		return NULL; /* cannot happen: the size was computed in pass 1 */
	p = a->p + a->used;
	a->used += n;
	return p;
}

static const char *copy_str(struct arena *a, const struct pp_field *f)
{
	char *s = take(a, (size_t)f->len + 1);

	if (!s)
		return "";
	memcpy(s, f->value, f->len);
	s[f->len] = 0;
	return s;
}

struct counts {
	size_t argv, env, dns_server, dns_search, dns_option, hosts_line, volumes, mounts;
	size_t sysctl, group_ids;
	size_t probes, hooks, files;
	size_t bytes;
};

static size_t *counter(struct counts *c, uint16_t tag)
{
	switch (tag) {
	case PP_F_ARGV: return &c->argv;
	case PP_F_ENV: return &c->env;
	case PP_F_DNS_SERVER: return &c->dns_server;
	case PP_F_DNS_SEARCH: return &c->dns_search;
	case PP_F_DNS_OPTION: return &c->dns_option;
	case PP_F_HOSTS_LINE: return &c->hosts_line;
	case PP_F_VOLUME: return &c->volumes;
	case PP_F_MOUNT: return &c->mounts;
	case PP_F_SYSCTL: return &c->sysctl;
	case PP_F_GROUP_ID: return &c->group_ids;
	case PP_F_PROBE: return &c->probes;
	case PP_F_HOOK: return &c->hooks;
	case PP_F_FILE: return &c->files;
	}
	return NULL;
}

static void fill_volume(struct arena *a, struct pp_volume *v, const struct pp_field *g)
{
	struct pp_iter it;
	struct pp_field f;

	memset(v, 0, sizeof(*v));
	pp_iter_init(&it, g->value, g->len);
	while (pp_iter_next(&it, &f) == PP_IT_FIELD) {
		if (f.tag == PP_F_NAME)
			v->name = copy_str(a, &f);
		else if (f.tag == PP_F_SIZE_LIMIT)
			v->size_limit = pp_get_u64(f.value);
		else if (f.tag == PP_F_HOST_TAG)
			v->host_tag = copy_str(a, &f);
		else if (f.tag == PP_F_HOST_FILE)
			v->host_file = copy_str(a, &f);
		else if (f.tag == PP_F_READONLY)
			v->readonly = pp_get_u32(f.value);
		else if (f.tag == PP_F_IMAGE)
			v->image = copy_str(a, &f);
		else if (f.tag == PP_F_IMAGE_FILE)
			v->image_file = copy_str(a, &f);
		else if (f.tag == PP_F_VOLUME_MODE) {
			v->mode = pp_get_u32(f.value);
			v->has_mode = 1;
		} else if (f.tag == PP_F_FILES)
			v->files = pp_get_u32(f.value);
	}
}

static void fill_file(struct arena *a, struct pp_file *file, const struct pp_field *g)
{
	struct pp_iter it;
	struct pp_field f;

	memset(file, 0, sizeof(*file));
	pp_iter_init(&it, g->value, g->len);
	while (pp_iter_next(&it, &f) == PP_IT_FIELD) {
		if (f.tag == PP_F_FILE_PATH) {
			file->path = copy_str(a, &f);
		} else if (f.tag == PP_F_FILE_MODE) {
			file->mode = pp_get_u32(f.value);
			file->has_mode = 1;
		} else if (f.tag == PP_F_FILE_OFFSET) {
			file->offset = pp_get_u64(f.value);
		} else if (f.tag == PP_F_FILE_UID) {
			file->uid = pp_get_u32(f.value);
			file->has_uid = 1;
		} else if (f.tag == PP_F_FILE_GID) {
			file->gid = pp_get_u32(f.value);
			file->has_gid = 1;
		} else if (f.tag == PP_F_DATA) {
			file->data = f.value;
			file->data_len = f.len;
		}
	}
}

static void fill_mount(struct arena *a, struct pp_mount *m, const struct pp_field *g)
{
	struct pp_iter it;
	struct pp_field f;

	memset(m, 0, sizeof(*m));
	pp_iter_init(&it, g->value, g->len);
	while (pp_iter_next(&it, &f) == PP_IT_FIELD) {
		if (f.tag == PP_F_NAME)
			m->name = copy_str(a, &f);
		else if (f.tag == PP_F_PATH)
			m->path = copy_str(a, &f);
		else if (f.tag == PP_F_SUBPATH)
			m->subpath = copy_str(a, &f);
		else if (f.tag == PP_F_READONLY)
			m->readonly = pp_get_u32(f.value);
	}
}

static void fill_scalar(struct pp_request *r, struct arena *a, const struct pp_field *f)
{
	uint32_t *u32 = NULL;
	uint64_t *u64 = NULL;
	const char **str = NULL;

	switch (f->tag) {
	case PP_F_VERSION: u32 = &r->version; break;
	case PP_F_CODE: u32 = &r->code; break;
	case PP_F_PID: u32 = &r->pid; break;
	case PP_F_EXIT_CODE: u32 = &r->exit_code; break;
	case PP_F_SIGNAL: u32 = &r->signal; break;
	case PP_F_STREAM: u32 = &r->stream; break;
	case PP_F_RESTART: u32 = &r->restart; break;
	case PP_F_BACKOFF_MS: u32 = &r->backoff_ms; break;
	case PP_F_GRACE_MS: u32 = &r->grace_ms; break;
	case PP_F_TTY: u32 = &r->tty; break;
	case PP_F_ROWS: u32 = &r->rows; break;
	case PP_F_COLS: u32 = &r->cols; break;
	case PP_F_STATE: u32 = &r->state; break;
	case PP_F_RESTARTS: u32 = &r->restarts; break;
	case PP_F_FREE_PAGE_REPORTING: u32 = &r->free_page_reporting; break;
	case PP_F_CAPS:
		r->security.caps = pp_get_u64(f->value);
		r->security.has_caps = 1;
		return;
	case PP_F_NO_NEW_PRIVS:
		r->security.no_new_privs = pp_get_u32(f->value);
		r->security.has_no_new_privs = 1;
		return;
	case PP_F_SECCOMP: u32 = &r->security.seccomp; break;
	case PP_F_READONLY_ROOT: u32 = &r->security.readonly_root; break;
	case PP_F_RUN_AS_NON_ROOT: u32 = &r->security.run_as_non_root; break;
	case PP_F_GROUPS_STRICT: u32 = &r->security.groups_strict; break;
	case PP_F_FS_GROUP:
		r->fs_group = pp_get_u32(f->value);
		r->has_fs_group = 1;
		return;
	case PP_F_POD: str = &r->pod; break;
	case PP_F_STDIN: u32 = &r->stdin_open; break;
	case PP_F_STDIN_ONCE: u32 = &r->stdin_once; break;
	case PP_F_OUTPUT: u32 = &r->output; break;
	case PP_F_FILE_COUNT: u32 = &r->file_count; break;
	case PP_F_FILE_BYTES: u64 = &r->file_bytes; break;
	case PP_F_NAME: str = &r->name; break;
	case PP_F_EVENT_SEQ: u64 = &r->event_seq; break;
	case PP_F_TIME_NS: u64 = &r->time_ns; break;
	case PP_F_PIDS_MAX: u64 = &r->pids_max; break;
	case PP_F_BOOT_ID: str = &r->boot_id; break;
	case PP_F_KERNEL: str = &r->kernel; break;
	case PP_F_MESSAGE: str = &r->message; break;
	case PP_F_CONTAINER: str = &r->container; break;
	case PP_F_PROCESS: str = &r->process; break;
	case PP_F_HOSTNAME: str = &r->hostname; break;
	case PP_F_IMAGE: str = &r->image; break;
	case PP_F_IMAGE_FILE: str = &r->image_file; break;
	case PP_F_CWD: str = &r->cwd; break;
	case PP_F_USER: str = &r->user; break;
	case PP_F_DATA:
		r->data = f->value;
		r->data_len = f->len;
		break;
	case PP_F_ENTROPY:
		r->entropy = f->value;
		r->entropy_len = f->len;
		break;
	case PP_F_SECCOMP_FILTER:
		r->security.filter = f->value;
		r->security.filter_len = f->len;
		return;
	default:
		return; /* a group-only tag (NAME, PATH ...) at the top level: ignored */
	}
	if (u32)
		*u32 = pp_get_u32(f->value);
	else if (u64)
		*u64 = pp_get_u64(f->value);
	else if (str)
		*str = copy_str(a, f);
	if (f->tag < 64)
		r->present |= (uint64_t)1 << f->tag;
}

int pp_request_decode(struct pp_request *r, uint16_t type, uint32_t seq,
		      const uint8_t *payload, size_t len)
{
	struct pp_iter it;
	struct pp_field f;
	enum pp_iter_result res;
	struct counts c;
	struct arena a;
	size_t nptr;
	size_t i_argv = 0, i_env = 0, i_srv = 0, i_srch = 0, i_opt = 0, i_hosts = 0;
	size_t i_vol = 0, i_mnt = 0, i_sysctl = 0;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	r->type = type;
	r->seq = seq;

	/* Pass 1: validate and size. */
	pp_iter_init(&it, payload, len);
	while ((res = pp_iter_next(&it, &f)) == PP_IT_FIELD) {
		size_t *n;

		if (check_field(r, &f, 0) < 0)
			return -1;
		n = counter(&c, f.tag);
		if (n)
			(*n)++;
		/* Each string copy takes at most its field's size (header >= NUL),
		 * rounded up to 8; the field bytes bound the total. */
		c.bytes += (size_t)f.len + 8 + PP_FIELD_HEADER_SIZE;
	}
	if (res == PP_IT_TRUNCATED)
		return fail(r, EINVAL, "runs past the end of the payload", f.tag);
	if (c.group_ids > PP_MAX_GROUP_IDS)
		return fail(r, E2BIG, "more than 64 groups", PP_F_GROUP_ID);

	nptr = c.argv + c.env + c.dns_server + c.dns_search + c.dns_option + c.hosts_line +
	       c.sysctl + 7;
	a.cap = nptr * sizeof(char *) + c.volumes * sizeof(struct pp_volume) +
		c.mounts * sizeof(struct pp_mount) + c.files * sizeof(struct pp_file) +
		(c.probes + c.hooks) * sizeof(struct pp_field) + c.bytes + 80;
	a.used = 0;
	a.p = malloc(a.cap);
	if (!a.p) {
		r->error_code = ENOMEM;
		snprintf(r->error, sizeof(r->error), "out of memory decoding the request");
		return -1;
	}
	r->arena = a.p;
	r->argv = take(&a, (c.argv + 1) * sizeof(char *));
	r->env = take(&a, (c.env + 1) * sizeof(char *));
	r->dns_server = take(&a, (c.dns_server + 1) * sizeof(char *));
	r->dns_search = take(&a, (c.dns_search + 1) * sizeof(char *));
	r->dns_option = take(&a, (c.dns_option + 1) * sizeof(char *));
	r->hosts_line = take(&a, (c.hosts_line + 1) * sizeof(char *));
	r->sysctl = take(&a, (c.sysctl + 1) * sizeof(char *));
	r->volumes = take(&a, c.volumes * sizeof(struct pp_volume) + 1);
	r->mounts = take(&a, c.mounts * sizeof(struct pp_mount) + 1);
	r->probes = take(&a, c.probes * sizeof(struct pp_field) + 1);
	r->hooks = take(&a, c.hooks * sizeof(struct pp_field) + 1);
	r->files = take(&a, c.files * sizeof(struct pp_file) + 1);

	/* Pass 2: fill. Lengths are known good now. */
	pp_iter_init(&it, payload, len);
	while (pp_iter_next(&it, &f) == PP_IT_FIELD) {
		switch (f.tag) {
		case PP_F_ARGV: r->argv[i_argv++] = copy_str(&a, &f); break;
		case PP_F_ENV: r->env[i_env++] = copy_str(&a, &f); break;
		case PP_F_DNS_SERVER: r->dns_server[i_srv++] = copy_str(&a, &f); break;
		case PP_F_DNS_SEARCH: r->dns_search[i_srch++] = copy_str(&a, &f); break;
		case PP_F_DNS_OPTION: r->dns_option[i_opt++] = copy_str(&a, &f); break;
		case PP_F_HOSTS_LINE: r->hosts_line[i_hosts++] = copy_str(&a, &f); break;
		case PP_F_VOLUME: fill_volume(&a, &r->volumes[i_vol++], &f); break;
		case PP_F_MOUNT: fill_mount(&a, &r->mounts[i_mnt++], &f); break;
		case PP_F_SYSCTL: r->sysctl[i_sysctl++] = copy_str(&a, &f); break;
		case PP_F_GROUP_ID:
			r->security.group_ids[r->security.n_group_ids++] = pp_get_u32(f.value);
			break;
		case PP_F_PROBE: r->probes[r->n_probes++] = f; break;
		case PP_F_HOOK: r->hooks[r->n_hooks++] = f; break;
		case PP_F_FILE: fill_file(&a, &r->files[r->n_files++], &f); break;
		default: fill_scalar(r, &a, &f); break;
		}
	}
	r->argv[i_argv] = NULL;
	r->env[i_env] = NULL;
	r->dns_server[i_srv] = NULL;
	r->dns_search[i_srch] = NULL;
	r->dns_option[i_opt] = NULL;
	r->hosts_line[i_hosts] = NULL;
	r->sysctl[i_sysctl] = NULL;
	r->n_sysctl = i_sysctl;
	r->argc = i_argv;
	r->envc = i_env;
	r->n_dns_server = i_srv;
	r->n_dns_search = i_srch;
	r->n_dns_option = i_opt;
	r->n_hosts_line = i_hosts;
	r->n_volumes = i_vol;
	r->n_mounts = i_mnt;
	if (i_argv)
		r->present |= (uint64_t)1 << PP_F_ARGV;
	if (i_env)
		r->present |= (uint64_t)1 << PP_F_ENV;
	return 0;
}

void pp_request_free(struct pp_request *r)
{
	free(r->arena);
	r->arena = NULL;
}

/* ---- Validity rules ------------------------------------------------------ */

static int lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

int pp_valid_name(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return 0;
	for (i = 1; i + 1 < n; i++) {
		if (!lower_alnum(s[i]) && s[i] != '-')
			return 0;
	}
	return 1;
}

int pp_valid_process_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > PP_MAX_PROCESS_ID || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return 0;
	for (i = 1; i + 1 < n; i++) {
		if (!lower_alnum(s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_')
			return 0;
	}
	return 1;
}

/* Components between slashes: none empty (except a single trailing
 * slash), none "." or "..". */
static int clean_components(const char *s)
{
	const char *p = s;

	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!e)
			break;
		p = e + 1;
	}
	return 1;
}

int pp_valid_abs_path(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 4096 || s[0] != '/')
		return 0;
	if (n == 1)
		return 1;
	return clean_components(s + 1);
}

int pp_valid_rel_path(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 4096 || s[0] == '/')
		return 0;
	return clean_components(s);
}

int pp_valid_file_name(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

int pp_valid_volume_file_path(const char *s)
{
	size_t n = strlen(s);
	const char *p = s;

	if (n == 0 || n > 4095 || s[0] == '/')
		return 0;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0 || len > 255 || (len == 1 && p[0] == '.') ||
		    (len >= 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!e)
			return 1;
		p = e + 1;
	}
}

int pp_valid_hostname(const char *s)
{
	size_t n = strlen(s), label = 0, i;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i <= n; i++) {
		char ch = s[i];

		if (ch == '.' || ch == 0) {
			if (label == 0 || s[i - 1] == '-' || label > 63)
				return 0;
			label = 0;
			continue;
		}
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!lower_alnum(ch) && !(ch == '-' && label > 0))
			return 0;
		label++;
	}
	return 1;
}
