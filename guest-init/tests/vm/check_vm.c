/*
 * check-vm: black-box tests of guest-init. Boots the real init and kernel in
 * QEMU (TCG) with busybox test images, drives it over the control socket
 * like the Java provider would, and checks what containers see and what the
 * host receives. One VM carries most checks in sequence (boots are the slow
 * part); a second checks a late-attaching host and the ACPI power button.
 *
 * Usage: check_vm --kernel K --initrd I --test-initrd I --images DIR --run DIR
 *
 * --test-initrd: guest-init built with its test hooks (make's
 * initramfs-test.cpio), for the seize race alone.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"

#define T_REPLY 30000
#define T_EXEC 30000

static int passed, failed;
static const char *images_dir; /* the image share's host directory */
static const char *test_initrd; /* guest-init with PEAPOD_TEST_HOOKS */
static struct vm vm_a;

static void check(int ok, const char *name, const char *f, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		printf("ok   %s\n", name);
	} else {
		failed++;
		printf("FAIL %s: ", name);
		va_start(ap, f);
		vprintf(f, ap);
		va_end(ap);
		printf("\n");
	}
	fflush(stdout);
}

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *mstr(const struct msg *m, uint16_t tag)
{
	static char bufs[4][1024];
	static int i;

	i = (i + 1) % 4;
	return msg_str(m, tag, bufs[i], sizeof(bufs[i]));
}

static const char *describe(const struct msg *m)
{
	static char buf[1200];

	if (!m)
		return "no reply";
	snprintf(buf, sizeof(buf), "%s code=%lld message=\"%s\"", pp_type_name(m->type) ? pp_type_name(m->type) : "?",
		 (long long)msg_u32(m, PP_F_CODE), mstr(m, PP_F_MESSAGE));
	return buf;
}

static int is_ok(const struct msg *m)
{
	return m && m->type == PP_MSG_OK;
}

static void put_strv(struct pp_buf *b, uint16_t tag, const char *const *v)
{
	for (; v && *v; v++)
		pp_put_str(b, tag, *v);
}

/* ---- Events ------------------------------------------------------------------- */

struct ev_match {
	uint16_t type;
	const char *container;
	const char *process;
	int64_t restarts; /* -1: any */
};

static int match_event(const struct msg *m, const void *arg)
{
	const struct ev_match *e = arg;

	if (m->type != e->type)
		return 0;
	if (e->container && strcmp(mstr(m, PP_F_CONTAINER), e->container) != 0)
		return 0;
	if (e->process && strcmp(mstr(m, PP_F_PROCESS), e->process) != 0)
		return 0;
	return e->restarts < 0 || msg_u32(m, PP_F_RESTARTS) == e->restarts;
}

static struct msg *wait_event(struct vm *vm, uint16_t type, const char *ct, const char *proc,
			      int64_t restarts, int timeout_ms)
{
	struct ev_match e = { type, ct, proc, restarts };

	return vm_take(vm, match_event, &e, timeout_ms);
}

/* ---- Containers and exec ------------------------------------------------------- */

struct mnt {
	const char *volume, *path, *subpath;
	int readonly;
};

struct ct_opts {
	const char *image;
	const char *image_file; /* instead of image */
	const char *const *env;
	const char *cwd, *user;
	uint32_t restart, backoff_ms;
	const struct mnt *mounts;
	int stdin_open, stdin_once, tty;
};

static struct msg *add_container(struct vm *vm, const char *name, const char *const *argv,
				 const struct ct_opts *o)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_ADD_CONTAINER);

	pp_put_str(b, PP_F_CONTAINER, name);
	if (o && o->image_file)
		pp_put_str(b, PP_F_IMAGE_FILE, o->image_file);
	else
		pp_put_str(b, PP_F_IMAGE, o && o->image ? o->image : "img0");
	put_strv(b, PP_F_ARGV, argv);
	if (o) {
		const struct mnt *m;

		put_strv(b, PP_F_ENV, o->env);
		if (o->cwd)
			pp_put_str(b, PP_F_CWD, o->cwd);
		if (o->user)
			pp_put_str(b, PP_F_USER, o->user);
		pp_put_u32(b, PP_F_RESTART, o->restart);
		if (o->backoff_ms)
			pp_put_u32(b, PP_F_BACKOFF_MS, o->backoff_ms);
		if (o->stdin_open)
			pp_put_u32(b, PP_F_STDIN, 1);
		if (o->stdin_once)
			pp_put_u32(b, PP_F_STDIN_ONCE, 1);
		if (o->tty)
			pp_put_u32(b, PP_F_TTY, 1);
		for (m = o->mounts; m && m->volume; m++) {
			size_t g = pp_group_begin(b, PP_F_MOUNT);

			pp_put_str(b, PP_F_NAME, m->volume);
			pp_put_str(b, PP_F_PATH, m->path);
			if (m->subpath)
				pp_put_str(b, PP_F_SUBPATH, m->subpath);
			pp_put_u32(b, PP_F_READONLY, (uint32_t)m->readonly);
			pp_group_end(b, g);
		}
	}
	return vm_call(vm, b, T_REPLY);
}

static struct msg *remove_container(struct vm *vm, const char *name, uint32_t grace_ms)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_REMOVE_CONTAINER);

	pp_put_str(b, PP_F_CONTAINER, name);
	pp_put_u32(b, PP_F_GRACE_MS, grace_ms);
	return vm_call(vm, b, T_REPLY);
}

struct exec_opts {
	const char *user, *cwd;
	const char *const *env;
	int tty, rows, cols;
	const char *input; /* sent, then end of input */
	const char *id;    /* default: generated */
	int no_wait;       /* return after OK */
};

struct result {
	int started;
	char error[600];
	int code, sig;
	char out[65536];
	size_t out_len, out_total;
	char err[16384];
	size_t err_len;
};

static int match_stream(const struct msg *m, const void *arg)
{
	return (m->type == PP_MSG_STDOUT || m->type == PP_MSG_STDERR) &&
	       strcmp(mstr(m, PP_F_PROCESS), (const char *)arg) == 0;
}

static void stdin_send(struct vm *vm, const char *id, const void *data, size_t len)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_STDIN);

	pp_put_str(b, PP_F_PROCESS, id);
	pp_put_bytes(b, PP_F_DATA, data, len);
	vm_send(vm, b);
}

/* Collects output of `id` until its EVENT_EXITED (sent after all output). */
static void exec_collect(struct vm *vm, const char *id, struct result *r, int timeout_ms)
{
	struct msg *m = wait_event(vm, PP_MSG_EVENT_EXITED, NULL, id, -1, timeout_ms);

	r->code = m ? (int)msg_u32(m, PP_F_EXIT_CODE) : -1;
	r->sig = m ? (int)msg_u32(m, PP_F_SIGNAL) : -1;
	if (!m)
		snprintf(r->error, sizeof(r->error), "no EVENT_EXITED within %d ms", timeout_ms);
	free(m);
	while ((m = vm_take(vm, match_stream, id, 0)) != NULL) {
		struct pp_field f;

		if (msg_field(m, PP_F_DATA, &f) && m->type == PP_MSG_STDOUT)
			r->out_total += f.len;
		if (msg_field(m, PP_F_DATA, &f)) {
			char *dst = m->type == PP_MSG_STDOUT ? r->out : r->err;
			size_t *len = m->type == PP_MSG_STDOUT ? &r->out_len : &r->err_len;
			size_t cap = m->type == PP_MSG_STDOUT ? sizeof(r->out) : sizeof(r->err);

			if (*len + f.len < cap) {
				memcpy(dst + *len, f.value, f.len);
				*len += f.len;
				dst[*len] = 0;
			}
		}
		free(m);
	}
}

static int exec_run(struct vm *vm, const char *ct, const char *const *argv,
		    const struct exec_opts *o, struct result *r)
{
	static int counter;
	char idbuf[32];
	const char *id;
	struct pp_buf *b;
	struct msg *m;

	memset(r, 0, sizeof(*r));
	r->code = -1;
	snprintf(idbuf, sizeof(idbuf), "x%d", ++counter);
	id = o && o->id ? o->id : idbuf;
	b = vm_req(vm, PP_MSG_EXEC);
	pp_put_str(b, PP_F_CONTAINER, ct);
	pp_put_str(b, PP_F_PROCESS, id);
	put_strv(b, PP_F_ARGV, argv);
	if (o) {
		put_strv(b, PP_F_ENV, o->env);
		if (o->user)
			pp_put_str(b, PP_F_USER, o->user);
		if (o->cwd)
			pp_put_str(b, PP_F_CWD, o->cwd);
		if (o->tty) {
			pp_put_u32(b, PP_F_TTY, 1);
			pp_put_u32(b, PP_F_ROWS, (uint32_t)o->rows);
			pp_put_u32(b, PP_F_COLS, (uint32_t)o->cols);
		}
	}
	m = vm_call(vm, b, T_REPLY);
	if (!is_ok(m)) {
		snprintf(r->error, sizeof(r->error), "%s", m ? mstr(m, PP_F_MESSAGE) : "no reply");
		free(m);
		return -1;
	}
	free(m);
	r->started = 1;
	if (o && o->no_wait)
		return 0;
	if (o && o->input) {
		stdin_send(vm, id, o->input, strlen(o->input));
		stdin_send(vm, id, "", 0);
	}
	exec_collect(vm, id, r, T_EXEC);
	return r->code;
}

/* Shorthand: run a shell command in `ct`, return stdout. */
static const char *sh(struct vm *vm, const char *ct, const char *cmd, int *code)
{
	static struct result r;

	exec_run(vm, ct, ARGV("sh", "-c", cmd), NULL, &r);
	if (code)
		*code = r.code;
	if (!r.started)
		snprintf(r.out, sizeof(r.out), "<exec failed: %s>", r.error);
	return r.out;
}

/* ---- The checks ------------------------------------------------------------------ */

static char boot_id[64];

static int check_boot(struct vm *vm)
{
	struct msg *m;
	struct pp_buf *b;

	if (vm_connect(vm, T_REPLY) < 0) {
		check(0, "connect to the control socket", "cannot connect");
		return -1;
	}
	/* First attach after boot: READY with seq 0. */
	m = vm_reply(vm, 0, T_REPLY);
	check(m && m->type == PP_MSG_READY && msg_u32(m, PP_F_VERSION) == 1 &&
		      strlen(mstr(m, PP_F_BOOT_ID)) == 36,
	      "READY at boot with VERSION 1 and BOOT_ID", "%s", describe(m));
	snprintf(boot_id, sizeof(boot_id), "%s", mstr(m, PP_F_BOOT_ID));
	free(m);

	b = vm_req(vm, PP_MSG_HELLO);
	pp_put_u32(b, PP_F_VERSION, PP_VERSION);
	m = vm_call(vm, b, T_REPLY);
	check(m && m->type == PP_MSG_READY && strcmp(mstr(m, PP_F_BOOT_ID), boot_id) == 0 &&
		      strstr(mstr(m, PP_F_KERNEL), "peapod") != NULL,
	      "HELLO answered by READY (seq echoed, same boot id, KERNEL)", "%s kernel=%s",
	      describe(m), mstr(m, PP_F_KERNEL));
	if (!m)
		return -1;
	free(m);
	m = vm_call(vm, vm_req(vm, PP_MSG_PING), T_REPLY);
	check(is_ok(m), "PING answered by OK", "%s", describe(m));
	free(m);
	return 0;
}

static void expect_error(struct vm *vm, uint32_t seq, int code, const char *needle, const char *name)
{
	struct msg *m = vm_reply(vm, seq, T_REPLY);

	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == code &&
		      strstr(mstr(m, PP_F_MESSAGE), needle) != NULL,
	      name, "%s (wanted code %d, message with \"%s\")", describe(m), code, needle);
	free(m);
}

static void raw_frame(struct vm *vm, uint16_t type, uint8_t version, uint32_t seq,
		      const uint8_t *payload, uint32_t len, uint32_t claimed)
{
	uint8_t hdr[PP_HEADER_SIZE];
	struct pp_header h = { PP_MAGIC, version, 0, type, 0, seq, claimed };

	(void)len;
	pp_header_encode(hdr, &h);
	vm_send_raw(vm, hdr, sizeof(hdr));
	if (len)
		vm_send_raw(vm, payload, len);
}

static void check_bad_frames(struct vm *vm)
{
	static const char garbage[] = "this is not a frame at all, just garbage bytes!\n";
	uint8_t p[64];
	uint8_t *big;
	struct msg *m;
	size_t n;

	raw_frame(vm, 0x0777, PP_VERSION, 901, NULL, 0, 0);
	expect_error(vm, 901, ENOSYS, "unknown message type 0x0777", "unknown type -> ERROR ENOSYS");

	vm_send_raw(vm, garbage, sizeof(garbage) - 1);
	expect_error(vm, 0, EPROTO, "bad frame magic", "garbage -> ERROR EPROTO, then resync");

	raw_frame(vm, PP_MSG_PING, 9, 903, NULL, 0, 0);
	expect_error(vm, 903, EPROTONOSUPPORT, "version 9", "wrong version -> ERROR");

	/* Oversized: the header claims 1 MiB + 1; the payload follows and must
	 * be skipped, not parsed. */
	big = calloc(1, PP_MAX_PAYLOAD + 1);
	memset(big, 'P', PP_MAX_PAYLOAD + 1); /* looks like magic: must still be skipped */
	raw_frame(vm, PP_MSG_PING, PP_VERSION, 904, big, PP_MAX_PAYLOAD + 1, PP_MAX_PAYLOAD + 1);
	free(big);
	expect_error(vm, 904, EMSGSIZE, "exceeds", "oversized frame -> ERROR EMSGSIZE");

	/* A field claiming more bytes than the payload holds. */
	n = 0;
	p[n++] = 0; p[n++] = PP_F_CONTAINER; p[n++] = 0; p[n++] = 0; p[n++] = 0; p[n++] = 50;
	memcpy(p + n, "web", 3);
	n += 3;
	raw_frame(vm, PP_MSG_ADD_CONTAINER, PP_VERSION, 905, p, (uint32_t)n, (uint32_t)n);
	expect_error(vm, 905, EINVAL, "CONTAINER", "field past the end -> ERROR EINVAL");

	/* A u32 that is not 4 bytes. */
	n = 0;
	p[n++] = 0; p[n++] = PP_F_GRACE_MS; p[n++] = 0; p[n++] = 0; p[n++] = 0; p[n++] = 2;
	p[n++] = 1; p[n++] = 2;
	raw_frame(vm, PP_MSG_DESTROY_POD, PP_VERSION, 906, p, (uint32_t)n, (uint32_t)n);
	expect_error(vm, 906, EINVAL, "GRACE_MS", "wrong u32 length -> ERROR EINVAL");

	/* A 200 KB container name: refused, and the ERROR still fits. */
	{
		char *name = malloc(200001);
		struct pp_buf *b;

		memset(name, 'a', 200000);
		name[200000] = 0;
		b = vm_req(vm, PP_MSG_ADD_CONTAINER);
		pp_put_str(b, PP_F_CONTAINER, name);
		pp_put_str(b, PP_F_IMAGE, "img0");
		pp_put_str(b, PP_F_ARGV, "true");
		m = vm_call(vm, b, T_REPLY);
		free(name);
		check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EINVAL &&
			      strncmp(mstr(m, PP_F_MESSAGE), "invalid container name", 22) == 0,
		      "huge container name -> ERROR EINVAL", "%s", describe(m));
		free(m);
	}

	m = vm_call(vm, vm_req(vm, PP_MSG_PING), T_REPLY);
	check(is_ok(m), "VM keeps working after bad frames", "%s", describe(m));
	free(m);
}

/* RESTORED (what a VM restored from a template gets first): arguments are
 * checked, the boot id changes and READY reports the new one; once a pod
 * started, the boot id is fixed. */
static void check_restored(struct vm *vm)
{
	uint8_t entropy[64];
	struct timespec ts;
	struct pp_buf *b;
	struct msg *m;
	char old[64];
	size_t i;

	for (i = 0; i < sizeof(entropy); i++)
		entropy[i] = (uint8_t)(i * 37u + 11u);
	clock_gettime(CLOCK_REALTIME, &ts);
	b = vm_req(vm, PP_MSG_RESTORED);
	pp_put_bytes(b, PP_F_ENTROPY, entropy, 8);
	pp_put_u64(b, PP_F_TIME_NS, (uint64_t)ts.tv_sec * 1000000000u);
	m = vm_call(vm, b, T_REPLY);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EINVAL &&
		      strstr(mstr(m, PP_F_MESSAGE), "ENTROPY"),
	      "RESTORED with 8 bytes of ENTROPY refused with EINVAL", "%s", describe(m));
	free(m);

	snprintf(old, sizeof(old), "%s", boot_id);
	b = vm_req(vm, PP_MSG_RESTORED);
	pp_put_bytes(b, PP_F_ENTROPY, entropy, sizeof(entropy));
	pp_put_u64(b, PP_F_TIME_NS, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m) && strlen(mstr(m, PP_F_BOOT_ID)) == 36 && strcmp(mstr(m, PP_F_BOOT_ID), old) != 0,
	      "RESTORED answered by OK with a new BOOT_ID", "%s boot id %s (was %s)", describe(m),
	      m ? mstr(m, PP_F_BOOT_ID) : "", old);
	if (m)
		snprintf(boot_id, sizeof(boot_id), "%s", mstr(m, PP_F_BOOT_ID));
	free(m);

	b = vm_req(vm, PP_MSG_HELLO);
	pp_put_u32(b, PP_F_VERSION, PP_VERSION);
	m = vm_call(vm, b, T_REPLY);
	check(m && m->type == PP_MSG_READY && strcmp(mstr(m, PP_F_BOOT_ID), boot_id) == 0,
	      "READY after RESTORED reports the new boot id", "%s", describe(m));
	free(m);
}

static void check_restored_refused_in_pod(struct vm *vm)
{
	uint8_t entropy[32] = { 1 };
	struct pp_buf *b = vm_req(vm, PP_MSG_RESTORED);
	struct msg *m;

	pp_put_bytes(b, PP_F_ENTROPY, entropy, sizeof(entropy));
	pp_put_u64(b, PP_F_TIME_NS, 1);
	m = vm_call(vm, b, T_REPLY);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EBUSY,
	      "RESTORED after START_POD refused with EBUSY", "%s", describe(m));
	free(m);
}

static void check_pod_start(struct vm *vm)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_START_POD);
	struct timespec ts;
	struct msg *m;
	size_t g;

	clock_gettime(CLOCK_REALTIME, &ts);
	pp_put_str(b, PP_F_HOSTNAME, "testpod");
	pp_put_str(b, PP_F_HOSTS_LINE, "10.1.2.3 db.internal db");
	pp_put_u64(b, PP_F_TIME_NS, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	g = pp_group_begin(b, PP_F_VOLUME);
	pp_put_str(b, PP_F_NAME, "shared");
	pp_group_end(b, g);
	g = pp_group_begin(b, PP_F_VOLUME);
	pp_put_str(b, PP_F_NAME, "small");
	pp_put_u64(b, PP_F_SIZE_LIMIT, 1 << 20);
	pp_group_end(b, g);
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m), "START_POD", "%s", describe(m));
	free(m);

	b = vm_req(vm, PP_MSG_START_POD);
	pp_put_str(b, PP_F_HOSTNAME, "again");
	m = vm_call(vm, b, T_REPLY);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EBUSY,
	      "second START_POD refused with EBUSY", "%s", describe(m));
	free(m);
}

/* A file the host replaced under the same name (a tag that moved on) is
 * mounted afresh, not served from the kept mount of the old one. */
static void check_moved_image_file(struct vm *vm)
{
	struct ct_opts o = { .image_file = "moving.erofs" };
	char from[600], to[600], tmp[600];
	struct msg *m;
	const char *out;

	snprintf(from, sizeof(from), "%s/img0.erofs", images_dir);
	snprintf(to, sizeof(to), "%s/moving.erofs", images_dir);
	snprintf(tmp, sizeof(tmp), "%s/moving.tmp", images_dir);
	unlink(to);
	unlink(tmp);
	check(link(from, to) == 0, "share file moving.erofs -> img0", "%s", strerror(errno));
	m = add_container(vm, "moving", ARGV("sleep", "1000"), &o);
	free(m);
	out = sh(vm, "moving", "cat /etc/image-name", NULL);
	check(strcmp(out, "img0\n") == 0, "moving.erofs first runs img0", "got \"%s\"", out);
	free(remove_container(vm, "moving", 1000));

	snprintf(from, sizeof(from), "%s/img1.erofs", images_dir);
	check(link(from, tmp) == 0 && rename(tmp, to) == 0, "share file moving.erofs -> img1", "%s",
	      strerror(errno));
	m = add_container(vm, "moving", ARGV("sleep", "1000"), &o);
	check(is_ok(m), "ADD_CONTAINER after the share file changed", "%s", describe(m));
	free(m);
	out = sh(vm, "moving", "cat /etc/image-name", NULL);
	check(strcmp(out, "img1\n") == 0, "the changed share file is mounted afresh", "got \"%s\"", out);
	free(remove_container(vm, "moving", 1000));
	unlink(to);
}

/* Images given as files of the 9p image share: loop-mounted on demand,
 * released with the container, and no name can leave the share. */
static void check_image_files(struct vm *vm)
{
	static const char *const bad[] = { "../img0.erofs", "a/img0.erofs", "..", "." };
	struct ct_opts o = { .image_file = "img1.erofs" };
	const char *out;
	struct msg *m;
	size_t i;
	int code;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ct_opts ob = { .image_file = bad[i] };
		char want[200];

		snprintf(want, sizeof(want), "container \"byfile\": invalid image file name \"%s\" "
			 "(one file name of [A-Za-z0-9._-])", bad[i]);
		m = add_container(vm, "byfile", ARGV("true"), &ob);
		check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EINVAL &&
			      strcmp(mstr(m, PP_F_MESSAGE), want) == 0,
		      "IMAGE_FILE outside the share refused", "%s: %s", bad[i], describe(m));
		free(m);
	}
	o.image_file = "nosuch.erofs";
	m = add_container(vm, "byfile", ARGV("true"), &o);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == ENOENT &&
		      strstr(mstr(m, PP_F_MESSAGE), "image file \"nosuch.erofs\" not in the image share"),
	      "missing IMAGE_FILE: ENOENT naming it", "%s", describe(m));
	free(m);

	o.image_file = "img1.erofs";
	m = add_container(vm, "byfile", ARGV("sleep", "1000"), &o);
	check(is_ok(m), "ADD_CONTAINER with IMAGE_FILE -> OK", "%s", describe(m));
	free(m);
	out = sh(vm, "byfile", "cat /etc/image-name", NULL);
	check(strcmp(out, "img1\n") == 0, "IMAGE_FILE container runs from that image", "got \"%s\"", out);
	out = sh(vm, "byfile", "grep -l img1.erofs /sys/block/loop*/loop/backing_file | wc -l", &code);
	check(strcmp(out, "1\n") == 0, "one loop device backs the image file", "got \"%s\"", out);
	/* Each 4 KiB page a buffered loop read was one 9p round trip (share.c). */
	out = sh(vm, "byfile",
		 "for d in /sys/block/loop*; do grep -q img1.erofs $d/loop/backing_file &&"
		 " echo $(cat $d/loop/dio) $(cat $d/queue/read_ahead_kb); done",
		 NULL);
	check(strcmp(out, "1 2048\n") == 0, "the image file's loop device: direct I/O, 2 MiB readahead",
	      "got \"%s\"", out);
	m = remove_container(vm, "byfile", 1000);
	check(is_ok(m), "REMOVE_CONTAINER of the IMAGE_FILE container", "%s", describe(m));
	free(m);
	out = sh(vm, "web", "grep -l img1.erofs /sys/block/loop*/loop/backing_file | wc -l", &code);
	check(strcmp(out, "1\n") == 0, "its loop device is kept for the next container of that image",
	      "got \"%s\"", out);
	m = add_container(vm, "byfile", ARGV("sleep", "1000"), &o);
	check(is_ok(m), "ADD_CONTAINER of the same IMAGE_FILE again", "%s", describe(m));
	free(m);
	out = sh(vm, "byfile", "cat /etc/image-name; grep -l img1.erofs /sys/block/loop*/loop/backing_file | wc -l",
		 NULL);
	check(strcmp(out, "img1\n1\n") == 0, "the kept mount serves it: still one loop device",
	      "got \"%s\"", out);
	m = remove_container(vm, "byfile", 1000);
	free(m);
	check_moved_image_file(vm);
}

static void check_add_errors(struct vm *vm)
{
	struct ct_opts o = { .image = "img3" };
	struct msg *m;

	m = add_container(vm, "web2", ARGV("true"), &o);
	check(m && m->type == PP_MSG_ERROR &&
		      strcmp(mstr(m, PP_F_MESSAGE),
			     "container \"web2\": image device with serial \"img3\" not found") == 0 &&
		      strcmp(mstr(m, PP_F_CONTAINER), "web2") == 0,
	      "missing image device: exact error", "%s", describe(m));
	free(m);

	m = add_container(vm, "nocmd", ARGV("nosuch", "arg"), NULL);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == ENOENT &&
		      strcmp(mstr(m, PP_F_MESSAGE),
			     "container \"nocmd\": executable \"nosuch\" not found in PATH") == 0,
	      "missing command: exact error", "%s", describe(m));
	free(m);

	m = add_container(vm, "Bad_Name", ARGV("true"), NULL);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EINVAL,
	      "invalid container name refused", "%s", describe(m));
	free(m);

	{
		static const struct mnt bad[] = { { "shared", "/x/../../etc", NULL, 0 }, { 0 } };
		struct ct_opts ob = { .mounts = bad };

		m = add_container(vm, "dotdot", ARGV("true"), &ob);
		check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EINVAL,
		      "mount path with \"..\" refused", "%s", describe(m));
		free(m);
	}
}

static int wait_log(struct vm *vm, const char *ct, const char *needle, int timeout_ms)
{
	static char buf[1 << 20];
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	do {
		vm_log(vm, ct, 0, buf, sizeof(buf));
		if (strstr(buf, needle))
			return 1;
		usleep(100000);
	} while (now_ms() < end);
	return 0;
}

static void check_two_containers(struct vm *vm)
{
	static const struct mnt web_mounts[] = { { "shared", "/data", NULL, 0 }, { 0 } };
	static const struct mnt cli_mounts[] = {
		{ "shared", "/data", NULL, 0 },
		{ "shared", "/sub", "sub", 0 },
		{ "shared", "/ro", NULL, 1 },
		{ "shared", "/escape/target", NULL, 0 },
		{ "small", "/small", NULL, 0 },
		{ 0 },
	};
	struct ct_opts ow = { .image = "img0", .mounts = web_mounts };
	struct ct_opts oc = { .image = "img1", .mounts = cli_mounts };
	struct msg *m;
	const char *out;
	int code, i;

	m = add_container(vm, "web",
			  ARGV("sh", "-c",
			       "mkdir -p /www && echo hello-from-web > /www/index.html && "
			       "echo web-started && exec httpd -f -p 8080 -h /www"),
			  &ow);
	check(is_ok(m) && msg_u32(m, PP_F_PID) > 1, "ADD_CONTAINER web -> OK(PID)", "%s",
	      describe(m));
	free(m);
	m = wait_event(vm, PP_MSG_EVENT_STARTED, "web", "web", 0, T_REPLY);
	check(m && msg_u64(m, PP_F_EVENT_SEQ) > 0 && msg_u32(m, PP_F_PID) > 1,
	      "EVENT_STARTED for web", "%s", m ? "bad fields" : "no event");
	free(m);
	m = add_container(vm, "cli", ARGV("sh", "-c", "echo cli-started; exec sleep 1000000"), &oc);
	check(is_ok(m), "ADD_CONTAINER cli (second image) -> OK", "%s", describe(m));
	free(m);

	out = sh(vm, "cli", "hostname; cat /etc/hostname", NULL);
	check(strcmp(out, "testpod\ntestpod\n") == 0, "hostname and /etc/hostname in a container",
	      "got \"%s\"", out);
	out = sh(vm, "cli", "cat /etc/hosts", NULL);
	check(strstr(out, "127.0.0.1\tlocalhost\n") && strstr(out, "::1\tlocalhost ip6-localhost ip6-loopback\n") &&
		      strstr(out, "10.0.2.15\ttestpod\n") && strstr(out, "10.1.2.3 db.internal db\n"),
	      "/etc/hosts in a container", "got \"%s\"", out);
	out = sh(vm, "web", "cat /etc/resolv.conf", NULL);
	check(strcmp(out, "nameserver 10.0.2.3\n") == 0, "resolv.conf default nameserver", "got \"%s\"", out);

	out = sh(vm, "cli", "ps", NULL);
	check(strstr(out, "httpd") != NULL, "shared PID namespace (cli sees web's httpd)", "got \"%s\"", out);

	for (i = 0; i < 20; i++) {
		out = sh(vm, "cli", "wget -q -O - http://127.0.0.1:8080/", &code);
		if (code == 0)
			break;
		usleep(300000);
	}
	check(strcmp(out, "hello-from-web\n") == 0, "shared loopback (cli -> web's httpd on 127.0.0.1)",
	      "got \"%s\"", out);

	if (vm->host_port) {
		char resp[4096] = "";
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a;
		size_t len = 0;

		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)vm->host_port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			const char *req = "GET / HTTP/1.0\r\n\r\n";
			struct pollfd p = { s, POLLIN, 0 };

			if (write(s, req, strlen(req)) > 0) {
				while (len + 1 < sizeof(resp) && poll(&p, 1, 10000) > 0) {
					ssize_t n = read(s, resp + len, sizeof(resp) - 1 - len);

					if (n <= 0)
						break;
					len += (size_t)n;
				}
			}
			resp[len] = 0;
		}
		close(s);
		check(strstr(resp, "hello-from-web") != NULL, "eth0: host port forward reaches httpd",
		      "got \"%s\"", resp);
	}

	sh(vm, "web", "echo shm-data > /dev/shm/token", NULL);
	out = sh(vm, "cli", "cat /dev/shm/token", NULL);
	check(strcmp(out, "shm-data\n") == 0, "shared /dev/shm", "got \"%s\"", out);

	out = sh(vm, "web", "cat /etc/image-name", NULL);
	check(strcmp(out, "img0\n") == 0, "web has its own root (img0)", "got \"%s\"", out);
	out = sh(vm, "cli", "cat /etc/image-name", NULL);
	check(strcmp(out, "img1\n") == 0, "cli has its own root (img1)", "got \"%s\"", out);

	sh(vm, "web", "echo mine > /only-in-web", &code);
	sh(vm, "cli", "test -e /only-in-web", &code);
	check(code == 1, "writes are private to a container", "test -e gave %d", code);
	out = sh(vm, "web", "cat /only-in-web", NULL);
	check(strcmp(out, "mine\n") == 0, "container root is writable", "got \"%s\"", out);

	sh(vm, "web", "echo vol-data > /data/f && mkdir -p /data/sub && echo sub-data > /data/sub/g", NULL);
	out = sh(vm, "cli", "cat /data/f /sub/g /ro/f", NULL);
	check(strcmp(out, "vol-data\nsub-data\nvol-data\n") == 0, "emptyDir shared, SUBPATH, read-only mount",
	      "got \"%s\"", out);
	sh(vm, "cli", "touch /ro/new", &code);
	check(code != 0, "READONLY mount refuses writes", "touch exited %d", code);
	out = sh(vm, "cli", "grep ' /ro ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1-3", NULL);
	check(strcmp(out, "ro,nosuid,nodev\n") == 0, "READONLY mount: read-only, nosuid, nodev on the mount itself",
	      "got \"%s\"", out);
	{
		/* A mount that fails after its directories were made (here its
		 * last component is too long a name): the directories it made go
		 * again. They were left behind, here in the volume web shares. */
		static char deep[300];
		struct mnt leftover[] = { { "shared", "/data", NULL, 0 }, { "shared", deep, NULL, 0 }, { 0 } };
		struct ct_opts ol = { .image = "img1", .mounts = leftover };

		snprintf(deep, sizeof(deep), "/data/leftover/made/%0260d", 0);
		m = add_container(vm, "leftover", ARGV("true"), &ol);
		check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == ENAMETOOLONG,
		      "a mount path with a too long name fails", "%s", describe(m));
		free(m);
		out = sh(vm, "web", "ls -a /data/leftover 2>&1 || echo none", NULL);
		check(strstr(out, "No such file") != NULL && strstr(out, "none\n") != NULL,
		      "a failed volume mount leaves no directory behind in the shared volume", "got \"%s\"", out);
	}

	out = sh(vm, "cli", "cat /tmp/target/f", NULL);
	check(strcmp(out, "vol-data\n") == 0, "mount target under an escaping symlink stays in the root",
	      "got \"%s\"", out);
	sh(vm, "cli", "dd if=/dev/zero of=/small/f bs=1024 count=2048 2>/dev/null", &code);
	check(code != 0, "emptyDir SIZE_LIMIT enforced", "dd exited %d", code);
	out = sh(vm, "cli", "grep CapBnd /proc/self/status; mount -t tmpfs none /mnt >/dev/null 2>&1 || echo no-mount", NULL);
	check(strcmp(out, "CapBnd:\t00000000a80425fb\nno-mount\n") == 0,
	      "container processes have Docker's default capabilities", "got \"%s\"", out);

	out = sh(vm, "cli", "ls /dev | tr '\\n' ' '; readlink /dev/ptmx", NULL);
	check(strstr(out, "null") && strstr(out, "pts") && strstr(out, "shm") && strstr(out, "urandom") &&
		      strstr(out, "pts/ptmx"),
	      "container /dev", "got \"%s\"", out);
	/* Mount points only: the root overlay's options do name init's paths. */
	out = sh(vm, "cli", "awk '{print $2}' /proc/mounts | grep -c peapod; echo end", NULL);
	check(strcmp(out, "0\nend\n") == 0, "no init mounts visible in a container",
	      "got \"%s\"", out);

	check(wait_log(vm, "web", "web-started\n", 10000) && wait_log(vm, "cli", "cli-started\n", 10000),
	      "main process stdout in the log port", "log lacks the start lines");
}

/*
 * The attack corpus of a container against the VM (issue 12, item 4): root
 * in "cli" tries each way out that Docker's defaults close, and after all of
 * them the VM, guest-init and the other container ("web") must be as they
 * were. Every check here failed on guest-init before the confinement.
 */
/* After each attack: guest-init answers, the VM runs, and web (the other
 * container) still runs and sees the guest's core_pattern unchanged. */
static void unaffected(struct vm *vm, const char *attack)
{
	char name[160];
	struct msg *m = vm_call(vm, vm_req(vm, PP_MSG_PING), T_REPLY);
	const char *out = is_ok(m) ? sh(vm, "web", "cat /proc/sys/kernel/core_pattern", NULL) : "";

	snprintf(name, sizeof(name), "after %s: guest-init, the VM and web are unaffected", attack);
	check(is_ok(m) && strcmp(out, "core\n") == 0 && vm_wait_exit(vm, 0) < 0, name,
	      "%s, web read \"%s\"", describe(m), out);
	free(m);
}

static int web_serves(struct vm *vm)
{
	int code = -1, i;
	const char *out = "";

	for (i = 0; i < 10; i++) {
		out = sh(vm, "cli", "wget -q -O - http://127.0.0.1:8080/", &code);
		if (code == 0)
			break;
		usleep(300000);
	}
	return strcmp(out, "hello-from-web\n") == 0;
}

static void check_confinement(struct vm *vm)
{
	struct exec_opts o;
	struct result r;
	const char *out;
	int code;

	out = sh(vm, "cli", "cat /proc/sys/kernel/core_pattern", NULL);
	check(strcmp(out, "core\n") == 0, "guest core_pattern before the attacks", "got \"%s\"", out);
	out = sh(vm, "cli",
		 "echo '|/bin/sh -c reboot' > /proc/sys/kernel/core_pattern && echo wrote; "
		 "echo 1 > /proc/sys/kernel/panic_on_oops && echo wrote; "
		 "echo 3 > /proc/sys/vm/drop_caches && echo wrote; "
		 "echo b > /proc/sysrq-trigger && echo wrote; "
		 "cat /proc/sys/kernel/core_pattern", NULL);
	check(strcmp(out, "core\n") == 0,
	      "/proc/sys and /proc/sysrq-trigger are read-only (core_pattern unchanged)", "got \"%s\"",
	      out);
	unaffected(vm, "writes to /proc/sys and /proc/sysrq-trigger");
	out = sh(vm, "cli",
		 "for p in /proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats "
		 "/proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware "
		 "/sys/devices/virtual/powercap; do "
		 "if [ -d $p ]; then ls -A $p; elif [ -e $p ]; then cat $p; fi; done | wc -c; "
		 "grep -c ' /sys/firmware \\| /proc/timer_list ' /proc/mounts", NULL);
	check(strcmp(out, "0\n2\n") == 0, "masked /proc and /sys paths show nothing", "got \"%s\"", out);
	unaffected(vm, "reads of masked paths");

	/* CAP_MKNOD stays (as in Docker), but no node made opens: every
	 * writable mount is nodev. vda is the first image's disk. */
	out = sh(vm, "cli",
		 "dev=$(cat /sys/block/vda/dev); maj=${dev%:*}; min=${dev#*:}; "
		 "for f in /tmp/vda /dev/vda /data/vda /dev/shm/vda; do "
		 "mknod $f b $maj $min || echo no-mknod $f; "
		 "head -c 512 $f > /dev/null 2>&1 && echo read $f; done; "
		 "mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem > /dev/null 2>&1 && echo read /tmp/mem; "
		 "head -c 4 /dev/zero | wc -c; echo ok > /dev/null && echo null-ok", NULL);
	check(strcmp(out, "4\nnull-ok\n") == 0,
	      "mknod of the root disk and /dev/mem: made, but cannot be opened", "got \"%s\"", out);
	unaffected(vm, "mknod and reads of the root disk");

	out = sh(vm, "cli",
		 "mount -t proc proc /mnt 2>/dev/null || echo no-proc; "
		 "mount -t 9p -o trans=virtio,version=9p2000.L " PP_IMAGE_SHARE_TAG
		 " /mnt 2>/dev/null || echo no-9p; "
		 "mount -t tmpfs none /dev 2>/dev/null || echo no-tmpfs; "
		 "umount /proc/sys 2>/dev/null || echo no-umount", NULL);
	check(strcmp(out, "no-proc\nno-9p\nno-tmpfs\nno-umount\n") == 0,
	      "mounts (proc, the image 9p share, tmpfs) and umount fail", "got \"%s\"", out);
	unaffected(vm, "mounts");

	out = sh(vm, "cli",
		 "/bin/sysprobe getpid fork socket-inet unshare-user clone-newuser clone3 keyctl "
		 "kexec_load io_uring_setup socket-vsock personality-norandom mount-proc",
		 &code);
	check(code == 0 && strcmp(out, "getpid: ok\nfork: ok\nsocket-inet: ok\n"
				       "unshare-user: EPERM\nclone-newuser: EPERM\nclone3: ENOSYS\n"
				       "keyctl: EPERM\nkexec_load: EPERM\nio_uring_setup: EPERM\n"
				       "socket-vsock: EPERM\npersonality-norandom: EPERM\n"
				       "mount-proc: EPERM\n") == 0,
	      "seccomp: Docker's default profile (unshare, keyctl, kexec_load, io_uring ... refused)",
	      "exit %d, got \"%s\"", code, out);
	unaffected(vm, "refused system calls");

	out = sh(vm, "cli",
		 "grep -E '^(CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; "
		 "grep -E '^(NoNewPrivs|Seccomp):' /proc/$(pidof sleep)/status", NULL);
	check(strcmp(out, "CapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
			  "CapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\nSeccomp:\t2\n"
			  "NoNewPrivs:\t1\nSeccomp:\t2\n") == 0,
	      "root in a container: default capabilities, no_new_privs, seccomp (exec and main)",
	      "got \"%s\"", out);
	memset(&o, 0, sizeof(o));
	o.user = "app";
	exec_run(vm, "cli", ARGV("grep", "-E", "^(CapEff|CapBnd|NoNewPrivs):", "/proc/self/status"),
		 &o, &r);
	check(strcmp(r.out, "CapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\n") == 0,
	      "a non-root USER has no capabilities", "got \"%s\"", r.out);

	/* The pod's own PID namespace: PID 1 is the pause process. */
	out = sh(vm, "cli", "tr '\\0' '\\n' < /proc/1/cmdline; ps -o comm | sort -u | tr '\\n' ' '",
		 NULL);
	check(strncmp(out, "pause\n", 6) == 0 && strstr(out, "httpd") && strstr(out, "sleep") &&
		      !strstr(out, "init") && !strstr(out, "kthreadd") && !strstr(out, "ksoftirqd") &&
		      !strstr(out, "kworker"),
	      "ps shows the pod's processes only: pause as PID 1, no guest-init, no kernel threads",
	      "got \"%s\"", out);
	out = sh(vm, "cli",
		 "ls /proc/1/root/ > /dev/null 2>&1 && echo root; cat /proc/1/environ > /dev/null 2>&1 "
		 "&& echo environ; readlink /proc/1/exe && echo exe; "
		 "for s in TERM INT PWR HUP KILL; do kill -$s 1; done; sleep 1; "
		 "tr -d '\\0' < /proc/1/cmdline",
		 NULL);
	check(strcmp(out, "pause") == 0,
	      "PID 1 of the pod cannot be entered (/proc/1/root) or killed (kill -TERM/-PWR/-9 1)",
	      "got \"%s\"", out);

	unaffected(vm, "signals to PID 1");

	check(web_serves(vm), "after the attacks: web still serves cli over loopback",
	      "no hello-from-web");
	out = sh(vm, "web", "ls /mnt | wc -l", NULL);
	check(strcmp(out, "0\n") == 0, "after the attacks: no mount reached web", "got \"%s\"", out);
}

static void check_exec(struct vm *vm)
{
	struct result r;
	struct exec_opts o;
	struct msg *m;
	struct pp_buf *b;

	exec_run(vm, "cli", ARGV("sh", "-c", "echo out; echo err >&2; exit 7"), NULL, &r);
	check(r.code == 7 && r.sig == 0 && strcmp(r.out, "out\n") == 0 && strcmp(r.err, "err\n") == 0,
	      "exec: exit code, stdout and stderr", "code=%d out=\"%s\" err=\"%s\" %s", r.code, r.out,
	      r.err, r.error);

	/* More output than the guest buffers: backpressure, nothing lost,
	 * and EVENT_EXITED only after the last byte. */
	exec_run(vm, "cli", ARGV("sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' a; echo -n END"), NULL, &r);
	check(r.code == 0 && r.out_total == 3000003, "exec with 3 MB of output: every byte, then EXITED",
	      "code=%d bytes=%zu", r.code, r.out_total);
	exec_run(vm, "cli", ARGV("sh", "-c", "kill -9 $$"), NULL, &r);
	check(r.code == 137 && r.sig == 9, "exec: killed by a signal -> 128+9", "code=%d sig=%d",
	      r.code, r.sig);

	memset(&o, 0, sizeof(o));
	o.input = "abc\nxyz";
	exec_run(vm, "cli", ARGV("cat"), &o, &r);
	check(r.code == 0 && strcmp(r.out, "abc\nxyz") == 0, "exec: STDIN and end of input",
	      "code=%d out=\"%s\"", r.code, r.out);

	memset(&o, 0, sizeof(o));
	o.tty = 1;
	o.rows = 40;
	o.cols = 100;
	exec_run(vm, "cli", ARGV("sh", "-c", "stty size; tty"), &o, &r);
	check(r.code == 0 && strncmp(r.out, "40 100\r\n/dev/pts/", 17) == 0,
	      "exec with TTY: window size and /dev/pts", "code=%d out=\"%s\" %s", r.code, r.out, r.error);

	memset(&o, 0, sizeof(o));
	o.tty = 1;
	o.rows = 24;
	o.cols = 80;
	o.id = "resize";
	o.no_wait = 1;
	exec_run(vm, "cli", ARGV("sh", "-c", "read x; stty size"), &o, &r);
	b = vm_req(vm, PP_MSG_WINSIZE);
	pp_put_str(b, PP_F_PROCESS, "resize");
	pp_put_u32(b, PP_F_ROWS, 50);
	pp_put_u32(b, PP_F_COLS, 132);
	vm_send(vm, b);
	stdin_send(vm, "resize", "go\n", 3);
	memset(&r, 0, sizeof(r));
	exec_collect(vm, "resize", &r, T_EXEC);
	check(r.code == 0 && strstr(r.out, "50 132\r\n") != NULL, "WINSIZE resizes the tty",
	      "code=%d out=\"%s\"", r.code, r.out);

	memset(&o, 0, sizeof(o));
	o.id = "sleeper";
	o.no_wait = 1;
	exec_run(vm, "cli", ARGV("sleep", "1000"), &o, &r);
	b = vm_req(vm, PP_MSG_SIGNAL);
	pp_put_str(b, PP_F_PROCESS, "sleeper");
	pp_put_u32(b, PP_F_SIGNAL, 15);
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m), "SIGNAL to an exec process -> OK", "%s", describe(m));
	free(m);
	memset(&r, 0, sizeof(r));
	exec_collect(vm, "sleeper", &r, T_EXEC);
	check(r.code == 143 && r.sig == 15, "signalled exec exits 128+15", "code=%d sig=%d", r.code, r.sig);

	memset(&o, 0, sizeof(o));
	o.user = "app";
	exec_run(vm, "cli", ARGV("id"), &o, &r);
	check(strstr(r.out, "uid=1000(app) gid=1000(app)") && strstr(r.out, "50(staff)") &&
		      strstr(r.out, "44(video)"),
	      "exec USER by name with supplementary groups", "got \"%s\" %s", r.out, r.error);
	o.user = "1234:77";
	exec_run(vm, "cli", ARGV("sh", "-c", "id -u; id -g"), &o, &r);
	check(strcmp(r.out, "1234\n77\n") == 0, "exec USER numeric uid:gid", "got \"%s\" %s", r.out, r.error);
	o.user = "app:staff";
	exec_run(vm, "cli", ARGV("sh", "-c", "id -u; id -g; echo $HOME"), &o, &r);
	check(strcmp(r.out, "1000\n50\n/home/app\n") == 0, "exec USER name:group and HOME",
	      "got \"%s\" %s", r.out, r.error);
	o.user = "nosuch";
	exec_run(vm, "cli", ARGV("id"), &o, &r);
	check(!r.started && strcmp(r.error, "container \"cli\": user \"nosuch\" not found in /etc/passwd") == 0,
	      "exec unknown USER: error", "got \"%s\"", r.error);

	memset(&o, 0, sizeof(o));
	o.env = ARGV("GREETING=hi there");
	o.cwd = "/tmp";
	exec_run(vm, "cli", ARGV("sh", "-c", "echo \"$GREETING|$(pwd)|$HOSTNAME|$PATH\""), &o, &r);
	check(strcmp(r.out, "hi there|/tmp|testpod|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n") == 0,
	      "exec ENV, CWD and default variables", "got \"%s\"", r.out);

	exec_run(vm, "cli", ARGV("nosuch"), NULL, &r);
	check(!r.started && strcmp(r.error, "container \"cli\": executable \"nosuch\" not found in PATH") == 0,
	      "exec missing command: error", "got \"%s\"", r.error);

	/* Orphans: their parent exits at once, so they are reparented to
	 * the pod's PID 1 (the pause process), which must reap them. */
	exec_run(vm, "cli", ARGV("sh", "-c", "for i in 1 2 3 4 5; do (sleep 0.3; true) & done; exit 0"),
		 NULL, &r);
	usleep(2000000);
	exec_run(vm, "cli", ARGV("sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null"), NULL, &r);
	{
		const char *p = r.out;
		int zombies = 0, procs = 0;

		while ((p = strstr(p, ") ")) != NULL) {
			procs++;
			zombies += p[2] == 'Z';
			p += 2;
		}
		/* pause, web's httpd, cli's sleep, and this cat at least */
		check(procs >= 4 && zombies == 0, "orphaned processes are reaped (no zombies)",
		      "%d processes, %d zombies", procs, zombies);
	}
}

static void check_env_user_container(struct vm *vm)
{
	static char log[65536];
	struct ct_opts o = {
		.env = ARGV("FOO=bar"),
		.cwd = "/work/dir",
		.user = "app",
	};
	struct msg *m;

	m = add_container(vm, "envtest",
			  ARGV("sh", "-c",
			       "echo \"FOO=$FOO PWD=$(pwd) UID=$(id -u) GID=$(id -g) HOME=$HOME "
			       "HOSTNAME=$HOSTNAME\"; echo to-stderr >&2; exit 0"),
			  &o);
	check(is_ok(m), "ADD_CONTAINER with ENV, CWD, USER", "%s", describe(m));
	free(m);
	m = wait_event(vm, PP_MSG_EVENT_EXITED, "envtest", "envtest", 0, T_EXEC);
	check(m && msg_u32(m, PP_F_EXIT_CODE) == 0, "envtest exits 0", "%s", m ? "bad code" : "no event");
	free(m);
	usleep(300000);
	vm_log(vm, "envtest", PP_STREAM_STDOUT, log, sizeof(log));
	check(strcmp(log, "FOO=bar PWD=/work/dir UID=1000 GID=1000 HOME=/home/app HOSTNAME=testpod\n") == 0,
	      "container env, cwd and user (log port, stdout)", "got \"%s\"", log);
	vm_log(vm, "envtest", PP_STREAM_STDERR, log, sizeof(log));
	check(strcmp(log, "to-stderr\n") == 0, "stderr record on the log port", "got \"%s\"", log);

	m = vm_call(vm, vm_req(vm, PP_MSG_STATUS), T_REPLY);
	{
		struct pp_iter it;
		struct pp_field f;
		int found = 0;

		pp_iter_init(&it, m ? m->payload : NULL, m ? m->len : 0);
		while (m && pp_iter_next(&it, &f) == PP_IT_FIELD) {
			struct pp_iter gi;
			struct pp_field g;
			char name[64] = "";
			int64_t state = -1;

			if (f.tag != PP_F_CONTAINER_STATUS)
				continue;
			pp_iter_init(&gi, f.value, f.len);
			while (pp_iter_next(&gi, &g) == PP_IT_FIELD) {
				if (g.tag == PP_F_CONTAINER && g.len < sizeof(name)) {
					memcpy(name, g.value, g.len);
					name[g.len] = 0;
				} else if (g.tag == PP_F_STATE) {
					state = pp_get_u32(g.value);
				}
			}
			if (strcmp(name, "envtest") == 0 && state == PP_STATE_EXITED)
				found |= 1;
			if (strcmp(name, "web") == 0 && state == PP_STATE_RUNNING)
				found |= 2;
		}
		check(is_ok(m) && found == 3 && strcmp(mstr(m, PP_F_HOSTNAME), "testpod") == 0,
		      "STATUS lists containers and states", "%s found=%d", describe(m), found);
	}
	free(m);
	m = remove_container(vm, "envtest", 1000);
	check(is_ok(m), "REMOVE_CONTAINER of an exited container", "%s", describe(m));
	free(m);
}

/* The k-th (from 0) "WORD N" line of crashy's output: N's value, or -1. */
static double nth_value(const char *log, const char *word, int k)
{
	size_t len = strlen(word);
	const char *p = log;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == log || p[-1] == '\n') && p[len] == ' ' && k-- == 0)
			return strtod(p + len + 1, NULL);
		p += len;
	}
	return -1;
}

static void check_restart(struct vm *vm)
{
	struct ct_opts o = { .restart = PP_RESTART_ON_FAILURE, .backoff_ms = 1000 };
	struct msg *m, *e0, *s1, *e1, *s2;
	static char log[1 << 16];
	double end0, end1, fork1, fork2;
	int64_t gap1 = -1, gap2 = -1;

	/* Each run says when its process was forked (its start time, in the
	 * guest's clock ticks of 10 ms since boot) and, last, when it ends
	 * (/proc/uptime): the backoff is the time between a run's end and the
	 * next run's fork, in the guest. The host's EVENT_EXITED -> EVENT_STARTED
	 * gaps counted the restart's exec and the events' way to the host too,
	 * seconds under load (4744 and 4430 ms for 400 and 800 ms once). What is
	 * left besides the wait (the reap, a fresh root, the fork) took 130-250 ms
	 * at load 11, so the first wait is 1 s: the second one doubled is 1 s
	 * longer, a constant one would be as long give or take that. */
	m = add_container(vm, "crashy", ARGV("sh", "-c",
		"echo \"fork $(cut -d' ' -f22 /proc/$$/stat)\"; echo crash-run;"
		" echo \"end $(cut -d' ' -f1 /proc/uptime)\"; exit 3"), &o);
	check(is_ok(m), "ADD_CONTAINER with RESTART on-failure", "%s", describe(m));
	free(m);
	e0 = wait_event(vm, PP_MSG_EVENT_EXITED, "crashy", NULL, 0, T_EXEC);
	s1 = wait_event(vm, PP_MSG_EVENT_STARTED, "crashy", NULL, 1, T_EXEC);
	e1 = wait_event(vm, PP_MSG_EVENT_EXITED, "crashy", NULL, 1, T_EXEC);
	s2 = wait_event(vm, PP_MSG_EVENT_STARTED, "crashy", NULL, 2, T_EXEC);
	check(e0 && msg_u32(e0, PP_F_EXIT_CODE) == 3 && s1 && e1 && s2,
	      "restarts with EVENT_STARTED/EXITED and RESTARTS counts", "events missing");
	/* the third run's fork line may still be on its way */
	{
		uint64_t until = now_ms() + T_EXEC;

		do {
			vm_log(vm, "crashy", 0, log, sizeof(log));
			if (nth_value(log, "fork", 2) >= 0)
				break;
			usleep(100000);
		} while (now_ms() < until);
	}
	end0 = nth_value(log, "end", 0);
	end1 = nth_value(log, "end", 1);
	fork1 = nth_value(log, "fork", 1);
	fork2 = nth_value(log, "fork", 2);
	if (end0 >= 0 && fork1 >= 0)
		gap1 = (int64_t)(fork1 * 10 - end0 * 1000 + 0.5);
	if (end1 >= 0 && fork2 >= 0)
		gap2 = (int64_t)(fork2 * 10 - end1 * 1000 + 0.5);
	/* 10 ms ticks on both ends: never shorter than the wait; the second
	 * one 1 s longer, give or take half of it for the restart's own work */
	check(gap1 >= 990 && gap2 >= 1990 && gap2 - gap1 >= 500, "restart backoff doubles (1 s, 2 s)",
	      "exit -> next fork in the guest %lld ms, %lld ms (host's event gaps %lld, %lld ms)",
	      (long long)gap1, (long long)gap2,
	      e0 && s1 ? (long long)(s1->at_ms - e0->at_ms) : -1LL,
	      e1 && s2 ? (long long)(s2->at_ms - e1->at_ms) : -1LL);
	printf("     (restart backoff: exit -> next fork %lld ms, %lld ms in the guest)\n", (long long)gap1,
	       (long long)gap2);
	free(e0);
	free(s1);
	free(e1);
	free(s2);
	m = remove_container(vm, "crashy", 1000);
	check(is_ok(m), "REMOVE_CONTAINER during backoff", "%s", describe(m));
	free(m);

	o.restart = PP_RESTART_NEVER;
	m = add_container(vm, "once", ARGV("sh", "-c", "exit 4"), &o);
	free(m);
	m = wait_event(vm, PP_MSG_EVENT_EXITED, "once", NULL, 0, T_EXEC);
	free(m);
	m = wait_event(vm, PP_MSG_EVENT_STARTED, "once", NULL, 1, 1500);
	check(m == NULL, "RESTART never: no restart", "restarted");
	free(m);
	m = remove_container(vm, "once", 1000);
	free(m);

	o.restart = PP_RESTART_ALWAYS;
	o.backoff_ms = 200;
	m = add_container(vm, "always", ARGV("true"), &o);
	free(m);
	m = wait_event(vm, PP_MSG_EVENT_STARTED, "always", NULL, 1, T_EXEC);
	check(m != NULL, "RESTART always restarts after exit 0", "no restart");
	free(m);
	m = remove_container(vm, "always", 1000);
	free(m);
}

/* ---- Attach: a main process's stdin, tty and output to an attached host ---- */

static struct msg *hello(struct vm *vm);

static struct msg *attach(struct vm *vm, const char *ct, int with_stdin, int output)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_ATTACH);

	pp_put_str(b, PP_F_CONTAINER, ct);
	pp_put_u32(b, PP_F_STDIN, (uint32_t)with_stdin);
	pp_put_u32(b, PP_F_OUTPUT, (uint32_t)output);
	return vm_call(vm, b, T_REPLY);
}

static struct msg *detach_from(struct vm *vm, const char *ct)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_DETACH);

	pp_put_str(b, PP_F_CONTAINER, ct);
	return vm_call(vm, b, T_REPLY);
}

/* Collects the attached output (STDOUT frames for process `id`) until it
 * contains `needle`; returns whether it did. */
static int attached_output(struct vm *vm, const char *id, const char *needle, char *out, size_t cap,
			   int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	size_t len = strlen(out);

	for (;;) {
		struct msg *m = vm_take(vm, match_stream, id, 200);
		struct pp_field f;

		if (m && msg_field(m, PP_F_DATA, &f) && len + f.len < cap) {
			memcpy(out + len, f.value, f.len);
			len += f.len;
			out[len] = 0;
		}
		free(m);
		if (strstr(out, needle))
			return 1;
		if (now_ms() >= end)
			return 0;
	}
}

static void check_attach(struct vm *vm)
{
	struct ct_opts o = { 0 };
	static char out[8192];
	struct msg *m;
	struct pp_buf *b;
	uint32_t seq;

	/* stdin without stdinOnce: input from one attach, then another. */
	o.stdin_open = 1;
	m = add_container(vm, "talk", ARGV("cat"), &o);
	check(is_ok(m), "ADD_CONTAINER with STDIN", "%s", describe(m));
	free(m);
	stdin_send(vm, "talk", "early\n", 6);
	expect_error(vm, vm->seq, EPERM, "needs an ATTACH with STDIN",
		     "STDIN to a main process before ATTACH -> ERROR EPERM");
	m = attach(vm, "talk", 1, 1);
	check(is_ok(m), "ATTACH with STDIN and OUTPUT", "%s", describe(m));
	free(m);
	m = attach(vm, "talk", 1, 1);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EBUSY,
	      "a second ATTACH on one connection -> ERROR EBUSY", "%s", describe(m));
	free(m);
	out[0] = 0;
	stdin_send(vm, "talk", "hi\n", 3);
	check(attached_output(vm, "talk", "hi\n", out, sizeof(out), T_EXEC),
	      "STDIN reaches the main process, its output the attached host", "got \"%s\"", out);
	m = detach_from(vm, "talk");
	check(is_ok(m), "DETACH", "%s", describe(m));
	free(m);
	stdin_send(vm, "talk", "after\n", 6);
	expect_error(vm, vm->seq, EPERM, "needs an ATTACH", "STDIN after DETACH -> ERROR EPERM");
	m = attach(vm, "talk", 1, 1);
	free(m);
	out[0] = 0;
	stdin_send(vm, "talk", "again\n", 6);
	stdin_send(vm, "talk", "", 0); /* the client's end of input: not the process's */
	check(attached_output(vm, "talk", "again\n", out, sizeof(out), T_EXEC),
	      "stdin stays open across attachments without STDIN_ONCE", "got \"%s\"", out);
	m = wait_event(vm, PP_MSG_EVENT_EXITED, "talk", NULL, -1, 1500);
	check(m == NULL, "a client's end of input leaves stdin open without STDIN_ONCE", "cat exited");
	free(m);
	m = remove_container(vm, "talk", 1000);
	free(m);

	/* stdinOnce: the first detach ends the input, until a restart. */
	o.stdin_once = 1;
	o.restart = PP_RESTART_ON_FAILURE;
	o.backoff_ms = 200;
	m = add_container(vm, "once", ARGV("sh", "-c", "cat; echo eof-seen; sleep 1; exit 1"), &o);
	free(m);
	m = attach(vm, "once", 1, 0);
	free(m);
	stdin_send(vm, "once", "x\n", 2);
	m = detach_from(vm, "once");
	free(m);
	check(wait_log(vm, "once", "x\neof-seen\n", T_EXEC),
	      "STDIN_ONCE: the first DETACH closes the main process's stdin", "no eof-seen in the log");
	m = attach(vm, "once", 1, 0);
	free(m);
	stdin_send(vm, "once", "late\n", 5);
	expect_error(vm, vm->seq, EPIPE, "stdin", "STDIN_ONCE: stdin stays closed for the next attach");
	m = wait_event(vm, PP_MSG_EVENT_STARTED, "once", NULL, 1, T_EXEC);
	check(m != NULL, "STDIN_ONCE container restarted", "no restart");
	free(m);
	stdin_send(vm, "once", "second-run\n", 11);
	m = detach_from(vm, "once");
	free(m);
	check(wait_log(vm, "once", "second-run\neof-seen\n", T_EXEC),
	      "a restart opens stdin again; the next DETACH closes it again", "not in the log");
	m = remove_container(vm, "once", 1000);
	free(m);

	/* A host that goes away detaches: stdinOnce's input ends. */
	memset(&o, 0, sizeof(o));
	o.stdin_open = o.stdin_once = 1;
	m = add_container(vm, "gone", ARGV("sh", "-c", "cat; echo gone-eof; sleep 1000"), &o);
	free(m);
	m = attach(vm, "gone", 1, 1);
	free(m);
	stdin_send(vm, "gone", "bye\n", 4);
	vm_pump(vm, 300);
	vm_disconnect(vm);
	vm_clear_inbox(vm);
	check(wait_log(vm, "gone", "bye\ngone-eof\n", T_EXEC),
	      "STDIN_ONCE: the host disconnecting detaches and ends the input", "no gone-eof in the log");
	if (vm_connect(vm, T_REPLY) < 0) {
		check(0, "reconnect after attach", "cannot connect");
		return;
	}
	m = hello(vm);
	free(m);
	m = remove_container(vm, "gone", 1000);
	free(m);

	/* TTY: the main process's terminal in its own devpts, resized, and a
	 * fresh one per start; the attachment carries over the restart. */
	memset(&o, 0, sizeof(o));
	o.stdin_open = o.tty = 1;
	o.restart = PP_RESTART_ON_FAILURE;
	o.backoff_ms = 300;
	m = add_container(vm, "term", ARGV("sh", "-c", "tty; stty size; read line; echo got:$line; stty size; exit 2"),
			  &o);
	check(is_ok(m), "ADD_CONTAINER with TTY", "%s", describe(m));
	free(m);
	check(wait_log(vm, "term", "/dev/pts/0\r\n24 80\r\n", T_EXEC),
	      "TTY main process: /dev/pts/0 of its own devpts, 24x80 at first", "not in the log");
	m = attach(vm, "term", 1, 1);
	check(is_ok(m), "ATTACH to a TTY container", "%s", describe(m));
	free(m);
	b = vm_req(vm, PP_MSG_WINSIZE);
	pp_put_str(b, PP_F_PROCESS, "term");
	pp_put_u32(b, PP_F_ROWS, 30);
	pp_put_u32(b, PP_F_COLS, 100);
	vm_send(vm, b);
	out[0] = 0;
	stdin_send(vm, "term", "go\n", 3);
	check(attached_output(vm, "term", "got:go\r\n30 100\r\n", out, sizeof(out), T_EXEC),
	      "TTY: input echoed, WINSIZE resizes the main process's terminal", "got \"%s\"", out);
	out[0] = 0;
	check(attached_output(vm, "term", "/dev/pts/0\r\n24 80\r\n", out, sizeof(out), T_EXEC),
	      "TTY: a restart gets a fresh pty (24x80 again), streamed to the still attached host",
	      "got \"%s\"", out);
	m = remove_container(vm, "term", 1000);
	free(m);

	/* Refusals. */
	m = add_container(vm, "plain", ARGV("sleep", "1000"), NULL);
	free(m);
	m = attach(vm, "plain", 1, 1);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == ENOTTY &&
		      strstr(mstr(m, PP_F_MESSAGE), "not started with stdin"),
	      "ATTACH with STDIN to a container without stdin -> ERROR ENOTTY", "%s", describe(m));
	free(m);
	m = attach(vm, "plain", 0, 1);
	check(is_ok(m), "ATTACH for output only to a container without stdin", "%s", describe(m));
	free(m);
	stdin_send(vm, "plain", "x", 1);
	seq = vm->seq;
	expect_error(vm, seq, EPERM, "needs an ATTACH with STDIN",
		     "STDIN from an output-only attachment -> ERROR EPERM");
	m = attach(vm, "nosuch", 0, 1);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == ENOENT,
	      "ATTACH to a missing container -> ERROR ENOENT", "%s", describe(m));
	free(m);
	m = remove_container(vm, "plain", 1000);
	free(m);
}

static void check_signals_and_grace(struct vm *vm)
{
	struct pp_buf *b;
	struct msg *m;
	uint64_t t0, dt;

	m = add_container(vm, "stubborn",
			  ARGV("sh", "-c", "trap '' TERM; echo armed; while :; do sleep 1; done"), NULL);
	check(is_ok(m), "ADD_CONTAINER stubborn", "%s", describe(m));
	free(m);
	wait_log(vm, "stubborn", "armed", 10000);
	t0 = now_ms();
	m = remove_container(vm, "stubborn", 2000);
	dt = now_ms() - t0;
	check(is_ok(m) && dt >= 1900, "SIGTERM-ignoring container killed after the grace period",
	      "%s after %llu ms", describe(m), (unsigned long long)dt);
	free(m);
	m = wait_event(vm, PP_MSG_EVENT_EXITED, "stubborn", "stubborn", -1, 5000);
	check(m && msg_u32(m, PP_F_SIGNAL) == 9 && msg_u32(m, PP_F_EXIT_CODE) == 137,
	      "its EVENT_EXITED says SIGKILL (137)", "%s", m ? "wrong code" : "no event");
	free(m);

	m = add_container(vm, "sig", ARGV("sleep", "100000"), NULL);
	free(m);
	b = vm_req(vm, PP_MSG_SIGNAL);
	pp_put_str(b, PP_F_CONTAINER, "sig");
	pp_put_u32(b, PP_F_SIGNAL, 15);
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m), "SIGNAL to a container", "%s", describe(m));
	free(m);
	m = wait_event(vm, PP_MSG_EVENT_EXITED, "sig", "sig", -1, T_EXEC);
	check(m && msg_u32(m, PP_F_EXIT_CODE) == 143 && msg_u32(m, PP_F_SIGNAL) == 15,
	      "container main killed by SIGTERM -> 143", "%s", m ? "wrong code" : "no event");
	free(m);
	m = remove_container(vm, "sig", 1000);
	free(m);

	t0 = now_ms();
	m = remove_container(vm, "web", 10000);
	dt = now_ms() - t0;
	check(is_ok(m) && dt < 8000, "REMOVE_CONTAINER of a well-behaved container is quick",
	      "%s after %llu ms", describe(m), (unsigned long long)dt);
	free(m);
	m = wait_event(vm, PP_MSG_EVENT_EXITED, "web", "web", -1, 5000);
	check(m != NULL, "web EVENT_EXITED on removal", "no event");
	free(m);
	m = remove_container(vm, "web", 1000);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == ENOENT,
	      "removed container is gone", "%s", describe(m));
	free(m);
}

static uint64_t max_event_seq(struct vm *vm)
{
	vm_pump(vm, 200);
	return vm->max_event_seq;
}

static void ack(struct vm *vm, uint64_t seq)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_ACK_EVENTS);

	pp_put_u64(b, PP_F_EVENT_SEQ, seq);
	vm_send(vm, b);
}

static struct msg *hello(struct vm *vm)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_HELLO);

	pp_put_u32(b, PP_F_VERSION, PP_VERSION);
	return vm_call(vm, b, T_REPLY);
}

static void check_reconnect(struct vm *vm)
{
	static char log[65536];
	uint64_t acked, first = 0;
	struct msg *m, *started, *exited;
	int replayed = 0;

	/* Everything so far is acknowledged (replayed events may repeat
	 * seqs we saw: the max covers them). */
	acked = max_event_seq(vm);
	ack(vm, acked);
	m = add_container(vm, "ticker",
			  ARGV("sh", "-c",
			       "i=0; while [ $i -lt 8 ]; do echo tick-$i; i=$((i+1)); sleep 0.2; done; exit 5"),
			  NULL);
	check(is_ok(m), "ADD_CONTAINER ticker", "%s", describe(m));
	free(m);
	vm_disconnect(vm);
	vm_clear_inbox(vm);
	/* The ticks take 1.6 s plus 8 forks and execs, which a loaded machine
	 * stretches under TCG: wait for the last one rather than a fixed time. */
	wait_log(vm, "ticker", "tick-7\n", 15000);
	usleep(1000000); /* its exit (after one more sleep 0.2), still detached */
	vm_log(vm, "ticker", PP_STREAM_STDOUT, log, sizeof(log));
	check(strstr(log, "tick-0\n") && strstr(log, "tick-7\n"),
	      "logs kept in the log file while no host is attached", "got \"%s\"", log);

	if (vm_connect(vm, T_REPLY) < 0) {
		check(0, "reconnect", "cannot connect");
		return;
	}
	m = hello(vm);
	check(m && m->type == PP_MSG_READY && strcmp(mstr(m, PP_F_BOOT_ID), boot_id) == 0,
	      "reconnect: HELLO -> READY, same boot id", "%s", describe(m));
	free(m);
	started = wait_event(vm, PP_MSG_EVENT_STARTED, "ticker", NULL, -1, T_REPLY);
	exited = wait_event(vm, PP_MSG_EVENT_EXITED, "ticker", NULL, -1, T_REPLY);
	if (started)
		first = msg_u64(started, PP_F_EVENT_SEQ);
	check(started && exited && msg_u32(exited, PP_F_EXIT_CODE) == 5 && first == acked + 1,
	      "events from while detached replayed after HELLO", "started=%p exited=%p first=%llu acked=%llu",
	      (void *)started, (void *)exited, (unsigned long long)first, (unsigned long long)acked);
	if (exited)
		acked = msg_u64(exited, PP_F_EVENT_SEQ);
	free(started);
	free(exited);
	ack(vm, acked);
	vm_pump(vm, 300);
	vm_disconnect(vm);
	vm_clear_inbox(vm);
	if (vm_connect(vm, T_REPLY) < 0) {
		check(0, "reconnect", "cannot connect");
		return;
	}
	m = hello(vm);
	free(m);
	vm_pump(vm, 1000);
	{
		char seen[512] = "";

		for (m = vm->inbox; m; m = m->next) {
			if (m->type == PP_MSG_EVENT_STARTED || m->type == PP_MSG_EVENT_EXITED) {
				size_t l = strlen(seen);

				replayed++;
				snprintf(seen + l, sizeof(seen) - l, " %s(%s/%s seq %llu)",
					 pp_type_name(m->type), mstr(m, PP_F_CONTAINER), mstr(m, PP_F_PROCESS),
					 (unsigned long long)msg_u64(m, PP_F_EVENT_SEQ));
			}
		}
		check(replayed == 0, "acknowledged events are not replayed", "%d replayed:%s (acked %llu)",
		      replayed, seen, (unsigned long long)acked);
	}
	m = remove_container(vm, "ticker", 1000);
	free(m);
}

static void check_destroy_and_new_pod(struct vm *vm)
{
	struct pp_buf *b;
	struct msg *m;
	const char *out;

	b = vm_req(vm, PP_MSG_DESTROY_POD);
	pp_put_u32(b, PP_F_GRACE_MS, 3000);
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m), "DESTROY_POD", "%s", describe(m));
	free(m);
	m = vm_call(vm, vm_req(vm, PP_MSG_STATUS), T_REPLY);
	{
		struct pp_field f;

		check(is_ok(m) && !msg_field(m, PP_F_CONTAINER_STATUS, &f) &&
			      strcmp(mstr(m, PP_F_HOSTNAME), "peapod") == 0,
		      "no containers left after DESTROY_POD", "%s", describe(m));
	}
	free(m);
	m = hello(vm);
	check(m && strcmp(mstr(m, PP_F_BOOT_ID), boot_id) == 0, "same VM (boot id) after DESTROY_POD",
	      "%s", describe(m));
	free(m);

	b = vm_req(vm, PP_MSG_START_POD);
	pp_put_str(b, PP_F_HOSTNAME, "second");
	pp_put_str(b, PP_F_DNS_SERVER, "1.1.1.1");
	pp_put_str(b, PP_F_DNS_SEARCH, "example.com");
	pp_put_str(b, PP_F_DNS_SEARCH, "svc.local");
	pp_put_str(b, PP_F_DNS_OPTION, "ndots:2");
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m), "new START_POD in the same VM", "%s", describe(m));
	free(m);
	m = add_container(vm, "again", ARGV("sleep", "100000"), NULL);
	check(is_ok(m), "container in the new pod (same image name again)", "%s", describe(m));
	free(m);
	out = sh(vm, "again", "hostname; cat /etc/resolv.conf; grep second /etc/hosts; ls /data 2>&1 | head -1", NULL);
	check(strcmp(out, "second\nnameserver 1.1.1.1\nsearch example.com svc.local\noptions ndots:2\n"
			  "10.0.2.15\tsecond\nls: /data: No such file or directory\n") == 0,
	      "new pod's hostname, resolv.conf and hosts", "got \"%s\"", out);
}

/* ADD_CONTAINER with a securityContext (fields 0x48-0x4E) and `user`. */
struct sec_opts {
	const char *user;
	int has_caps;
	uint64_t caps;
	int nnp; /* -1: absent */
	uint32_t seccomp, readonly_root, run_as_non_root;
	uint32_t group; /* 0: none */
	const char *mount; /* the "vol" volume at this path, or NULL */
	const uint8_t *filter; /* SECCOMP_FILTER's bytes, or NULL */
	size_t filter_len;
	const char *const *argv; /* NULL: sleep 100000 */
};

static struct msg *add_secure(struct vm *vm, const char *name, const struct sec_opts *o)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_ADD_CONTAINER);

	pp_put_str(b, PP_F_CONTAINER, name);
	pp_put_str(b, PP_F_IMAGE, "img0");
	put_strv(b, PP_F_ARGV, o->argv ? o->argv : ARGV("sleep", "100000"));
	if (o->user)
		pp_put_str(b, PP_F_USER, o->user);
	if (o->has_caps)
		pp_put_u64(b, PP_F_CAPS, o->caps);
	if (o->nnp >= 0)
		pp_put_u32(b, PP_F_NO_NEW_PRIVS, (uint32_t)o->nnp);
	pp_put_u32(b, PP_F_SECCOMP, o->seccomp);
	pp_put_u32(b, PP_F_READONLY_ROOT, o->readonly_root);
	pp_put_u32(b, PP_F_RUN_AS_NON_ROOT, o->run_as_non_root);
	if (o->group)
		pp_put_u32(b, PP_F_GROUP_ID, o->group);
	if (o->filter)
		pp_put_bytes(b, PP_F_SECCOMP_FILTER, o->filter, o->filter_len);
	if (o->mount) {
		size_t g = pp_group_begin(b, PP_F_MOUNT);

		pp_put_str(b, PP_F_NAME, "vol");
		pp_put_str(b, PP_F_PATH, o->mount);
		pp_put_u32(b, PP_F_READONLY, 0);
		pp_group_end(b, g);
	}
	return vm_call(vm, b, T_REPLY);
}

static struct msg *start_secure_pod(struct vm *vm, const char *sysctl)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_START_POD);
	size_t g;

	pp_put_str(b, PP_F_HOSTNAME, "secure");
	pp_put_str(b, PP_F_POD, "secure");
	pp_put_u32(b, PP_F_FS_GROUP, 2000);
	pp_put_str(b, PP_F_SYSCTL, sysctl);
	g = pp_group_begin(b, PP_F_VOLUME);
	pp_put_str(b, PP_F_NAME, "vol");
	pp_group_end(b, g);
	return vm_call(vm, b, T_REPLY);
}

/* One classic BPF instruction in SECCOMP_FILTER's layout (little-endian). */
static void put_bpf(uint8_t *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	p[0] = (uint8_t)code;
	p[1] = (uint8_t)(code >> 8);
	p[2] = jt;
	p[3] = jf;
	p[4] = (uint8_t)k;
	p[5] = (uint8_t)(k >> 8);
	p[6] = (uint8_t)(k >> 16);
	p[7] = (uint8_t)(k >> 24);
}

/*
 * A Localhost profile as the host compiles it (SECCOMP_FILTER, 0x98): a
 * program that denies mkdir(2) and mkdirat(2) with EPERM confines the
 * container and its execs; SECCOMP FILTER without a program, a program that
 * is not whole instructions, and one the kernel refuses are errors, and
 * guest-init answers after each.
 */
static void check_localhost_program(struct vm *vm)
{
	uint8_t deny[6 * 8], bad[8];
	struct sec_opts o;
	struct msg *m;
	const char *out;

	put_bpf(deny, 0x20, 0, 0, 0);                     /* ld nr */
	put_bpf(deny + 8, 0x15, 2, 0, 83);                /* mkdir */
	put_bpf(deny + 16, 0x15, 1, 0, 258);              /* mkdirat */
	put_bpf(deny + 24, 0x05, 0, 0, 1);                /* ja allow */
	put_bpf(deny + 32, 0x06, 0, 0, 0x00050000u | 1);  /* EPERM */
	put_bpf(deny + 40, 0x06, 0, 0, 0x7fff0000u);      /* ALLOW */
	memset(&o, 0, sizeof(o));
	o.nnp = -1;
	o.seccomp = PP_SECCOMP_FILTER;
	o.filter = deny;
	o.filter_len = sizeof(deny);
	m = add_secure(vm, "localhost", &o);
	check(is_ok(m), "a container with a Localhost program starts", "%s", describe(m));
	free(m);
	out = sh(vm, "localhost", "mkdir /tmp/d 2>&1; echo x > /tmp/f && cat /tmp/f; "
		 "grep '^Seccomp:' /proc/self/status", NULL);
	check(strcmp(out, "mkdir: can't create directory '/tmp/d': Operation not permitted\nx\n"
			  "Seccomp:\t2\n") == 0,
	      "the Localhost program refuses mkdir, the rest works", "got \"%s\"", out);

	o.filter = NULL;
	m = add_secure(vm, "noprogram", &o);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EINVAL,
	      "SECCOMP FILTER without a program is refused", "%s", describe(m));
	free(m);
	o.filter = deny;
	o.filter_len = 12;
	m = add_secure(vm, "halfop", &o);
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EINVAL &&
		      strstr(mstr(m, PP_F_MESSAGE), "seccomp program of 12 bytes"),
	      "a program of 12 bytes is refused", "%s", describe(m));
	free(m);
	put_bpf(bad, 0x15, 9, 9, 0); /* jumps past the end, no return */
	o.filter = bad;
	o.filter_len = sizeof(bad);
	m = add_secure(vm, "badprogram", &o);
	check(m && m->type == PP_MSG_ERROR && strstr(mstr(m, PP_F_MESSAGE), "cannot install the seccomp profile"),
	      "a program the kernel refuses keeps the container from starting", "%s", describe(m));
	free(m);
	m = vm_call(vm, vm_req(vm, PP_MSG_PING), T_REPLY);
	check(is_ok(m), "guest-init answers after the refused programs", "%s", describe(m));
	free(m);

	/* A profile answering EINVAL for prctl(2), escalation allowed (so the
	 * filter went on before the capabilities were dropped): the first
	 * PR_CAPBSET_DROP said EINVAL, read as past the last capability, and
	 * the bounding set stayed full (found in review, session 11). */
	put_bpf(deny, 0x20, 0, 0, 0);                     /* ld nr */
	put_bpf(deny + 8, 0x15, 0, 1, 157);               /* prctl */
	put_bpf(deny + 16, 0x06, 0, 0, 0x00050000u | 22); /* EINVAL */
	put_bpf(deny + 24, 0x06, 0, 0, 0x7fff0000u);      /* ALLOW */
	o.filter = deny;
	o.filter_len = 4 * 8;
	o.nnp = 0;
	m = add_secure(vm, "prctl-einval", &o);
	check(is_ok(m), "a container whose Localhost program fails prctl starts", "%s", describe(m));
	free(m);
	out = sh(vm, "prctl-einval", "grep -E '^(CapBnd|CapEff|Seccomp):' /proc/self/status", NULL);
	check(strcmp(out, "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nSeccomp:\t2\n") == 0,
	      "a profile failing prctl with EINVAL leaves the bounding set dropped", "got \"%s\"", out);
}

/* The read-only paths of `ct`'s /proc, as its mountinfo has them: each a
 * mount of its own, read-only, nosuid, nodev and noexec on the mount itself
 * (masks.c makes a read-only copy and attaches it on the path's fd). The
 * VM kernel has no /proc/sysrq-trigger (no CONFIG_MAGIC_SYSRQ): masks.c
 * skips it. */
static void check_readonly_paths(struct vm *vm, const char *ct, const char *what)
{
	char name[200];
	const char *out;

	out = sh(vm, ct,
		 "for p in /proc/bus /proc/fs /proc/irq /proc/sys; do "
		 "awk -v p=$p '$5 == p { split($6, o, \",\"); print p, o[1], o[2], o[3], o[4] }' "
		 "/proc/self/mountinfo; done", NULL);
	snprintf(name, sizeof(name),
		 "%s: /proc/bus, fs, irq and sys are mounts read-only, nosuid, nodev, noexec", what);
	check(strcmp(out, "/proc/bus ro nosuid nodev noexec\n/proc/fs ro nosuid nodev noexec\n"
			  "/proc/irq ro nosuid nodev noexec\n/proc/sys ro nosuid nodev noexec\n") == 0,
	      name, "got \"%s\"", out);
}

/*
 * Kubernetes' securityContext inside the VM: the "restricted" Pod Security
 * Standard (non-root, no capabilities, no escalation, the default seccomp
 * profile) plus a read-only root and fsGroup, runAsNonRoot refusing root,
 * escalation and capabilities asked for, namespaced sysctls set and put
 * back, a node-level one refused.
 */
static void check_security_context(struct vm *vm)
{
	struct sec_opts o;
	struct pp_buf *b;
	struct msg *m;
	char before[64];
	const char *out;
	int code;

	snprintf(before, sizeof(before), "%s", sh(vm, "again", "cat /proc/sys/net/core/somaxconn", NULL));
	b = vm_req(vm, PP_MSG_DESTROY_POD);
	pp_put_u32(b, PP_F_GRACE_MS, 3000);
	free(vm_call(vm, b, T_REPLY));

	m = start_secure_pod(vm, "kernel/core_pattern=|/bin/sh -c reboot");
	check(m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == EINVAL &&
		      strstr(mstr(m, PP_F_MESSAGE), "not namespaced"),
	      "a node-level sysctl (kernel.core_pattern) is refused", "%s", describe(m));
	free(m);
	m = start_secure_pod(vm, "net/core/somaxconn=1234");
	check(is_ok(m), "START_POD with fsGroup and a namespaced sysctl", "%s", describe(m));
	free(m);

	memset(&o, 0, sizeof(o));
	o.user = "1000:1000";
	o.has_caps = 1;
	o.caps = 0; /* drop: [ALL] */
	o.nnp = 1;
	o.readonly_root = 1;
	o.run_as_non_root = 1;
	o.group = 2000;
	o.mount = "/data";
	m = add_secure(vm, "restricted", &o);
	check(is_ok(m), "a restricted container starts", "%s", describe(m));
	free(m);
	out = sh(vm, "restricted",
		 "id -u; id -g; id -G; grep -E '^(CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):' "
		 "/proc/self/status; touch /x 2>/dev/null || echo root-ro; "
		 "touch /data/f && stat -c '%g' /data/f; stat -c '%a %g' /data; "
		 "cat /proc/sys/net/core/somaxconn", &code);
	check(code == 0 && strcmp(out, "1000\n1000\n1000 44 50 2000\nCapPrm:\t0000000000000000\n"
				      "CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n"
				      "NoNewPrivs:\t1\nSeccomp:\t2\nroot-ro\n2000\n2777 2000\n1234\n") == 0,
	      "restricted: uid 1000 (its /etc/group groups and fsGroup 2000), fsGroup 2000 on the emptyDir, no capabilities, no_new_privs, "
	      "seccomp, read-only root, the pod's sysctl", "exit %d, got \"%s\"", code, out);

	memset(&o, 0, sizeof(o));
	o.nnp = -1;
	o.run_as_non_root = 1;
	m = add_secure(vm, "rootless", &o);
	check(m && m->type == PP_MSG_ERROR &&
		      strstr(mstr(m, PP_F_MESSAGE), "container has runAsNonRoot and image will run as "
						    "root (pod: \"secure\", container: rootless)"),
	      "runAsNonRoot refuses a container that would run as root", "%s", describe(m));
	free(m);
	o.user = "root"; /* a name is resolved, then checked */
	m = add_secure(vm, "rootname", &o);
	check(m && m->type == PP_MSG_ERROR && strstr(mstr(m, PP_F_MESSAGE), "runAsNonRoot"),
	      "runAsNonRoot refuses USER root given by name", "%s", describe(m));
	free(m);

	/* allowPrivilegeEscalation: true, capabilities.add SYS_ADMIN,
	 * seccompProfile Unconfined: what was asked for, nothing else. */
	memset(&o, 0, sizeof(o));
	o.has_caps = 1;
	o.caps = 0xa80425fbull | (1ull << 21);
	o.nnp = 0;
	o.seccomp = PP_SECCOMP_UNCONFINED;
	m = add_secure(vm, "asked", &o);
	check(is_ok(m), "a container asking for SYS_ADMIN, escalation and no seccomp starts", "%s",
	      describe(m));
	free(m);
	out = sh(vm, "asked",
		 "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; "
		 "mkdir -p /tmp/m && mount -t tmpfs none /tmp/m 2>&1 && echo mounted", &code);
	check(strcmp(out, "CapEff:\t00000000a82425fb\nNoNewPrivs:\t0\nSeccomp:\t0\nmounted\n") == 0,
	      "SYS_ADMIN added, no_new_privs off, unconfined: a mount works in the container",
	      "exit %d, got \"%s\"", code, out);
	/* It moves a process out of its cgroup, so removing the container
	 * leaves it running: the pod's PID namespace must then end with the
	 * pod (the next pod checks), not be kept for the next one. The
	 * process's main thread exits while another runs on, so a listing of
	 * the namespace shows it as a zombie. */
	out = sh(vm, "asked",
		 "mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg && "
		 "(sysprobe zombie-leader < /dev/null > /dev/null 2>&1 & echo $! > /tmp/cg/cgroup.procs) && "
		 "echo escaped", &code);
	check(strcmp(out, "escaped\n") == 0, "SYS_ADMIN: a process moved to the root cgroup",
	      "exit %d, got \"%s\"", code, out);
	m = vm_call(vm, vm_req(vm, PP_MSG_PING), T_REPLY);
	check(is_ok(m) && vm_wait_exit(vm, 0) < 0, "guest-init answers after a SYS_ADMIN container's mount",
	      "%s", describe(m));
	free(m);

	/* SYS_ADMIN added under the default profile: Docker's entries for it
	 * (mount, unshare ...) open with it, as containerd resolves them. */
	memset(&o, 0, sizeof(o));
	o.has_caps = 1;
	o.caps = 0xa80425fbull | (1ull << 21);
	o.nnp = 0;
	m = add_secure(vm, "sysadmin", &o);
	check(is_ok(m), "a container adding SYS_ADMIN under RuntimeDefault starts", "%s", describe(m));
	free(m);
	check_readonly_paths(vm, "sysadmin", "a SYS_ADMIN container (its own /proc)");
	out = sh(vm, "sysadmin",
		 "grep -E '^(Seccomp):' /proc/self/status; mkdir -p /tmp/m && "
		 "mount -t tmpfs none /tmp/m && echo mounted; /bin/sysprobe keyctl kexec_load", NULL);
	check(strcmp(out, "Seccomp:\t2\nmounted\nkeyctl: EPERM\nkexec_load: EPERM\n") == 0,
	      "RuntimeDefault with SYS_ADMIN: mount allowed, keyctl and kexec_load still refused",
	      "got \"%s\"", out);

	/* Its own /proc is mounted by its process itself, in the pod's PID
	 * namespace (spawn.c's helper, which makes the rest, is outside it):
	 * PID 1 there is the pause process, and no kernel thread shows. */
	out = sh(vm, "sysadmin",
		 "tr -d '\\0' < /proc/1/cmdline; echo; cat /proc/[0-9]*/comm | grep -c '^kthreadd$'", NULL);
	check(strcmp(out, "pause\n0\n") == 0, "a SYS_ADMIN container's own /proc shows the pod's PID namespace",
	      "got \"%s\"", out);

	/* The other containers bind the pod's masked /proc (pidns.c); one
	 * holding SYS_ADMIN has its own, so what it unmounts or remounts
	 * (the filesystems too, not only its mounts) the others do not see. */
	out = sh(vm, "sysadmin",
		 "umount -l /proc/timer_list 2>&1 && echo unmasked; umount -l /proc/sys 2>&1 && echo sys-rw; "
		 "mount -o remount,rw /proc/acpi 2>&1 && touch /proc/acpi/planted && echo planted; "
		 "mount -o remount,hidepid=invisible /proc 2>&1 && echo hidepid", NULL);
	check(strcmp(out, "unmasked\nsys-rw\nplanted\nhidepid\n") == 0,
	      "SYS_ADMIN container unmasks its /proc and remounts its filesystems", "got \"%s\"",
	      out);
	memset(&o, 0, sizeof(o));
	o.nnp = -1;
	m = add_secure(vm, "plain", &o);
	check(is_ok(m), "a container with the default securityContext starts", "%s", describe(m));
	free(m);
	check_readonly_paths(vm, "plain", "a container (the pod's /proc)");
	out = sh(vm, "plain",
		 "head -c 16 /proc/timer_list | wc -c; ls -A /proc/acpi | wc -l; "
		 "{ echo 1 > /proc/sys/kernel/panic_on_oops; } 2>/dev/null && echo wrote; "
		 "cat /proc/sys/kernel/panic_on_oops; [ -d /proc/1 ] && echo sees-pause; "
		 "for m in /proc/sys /sys; do "
		 "echo $m $(grep \" $m \" /proc/mounts | cut -d' ' -f4 | cut -d, -f1); done", &code);
	check(code == 0 && strcmp(out, "0\n0\n0\nsees-pause\n/proc/sys ro\n/sys ro\n") == 0,
	      "after that, another container's /proc is as masked as before: /proc/timer_list and "
	      "/proc/acpi show nothing, /proc/sys and /sys read-only, no hidepid",
	      "exit %d, got \"%s\"", code, out);
	/* The proc filesystem the others bind can be reconfigured through a
	 * sibling's /proc/PID/root by one holding SYS_ADMIN (fspick does not
	 * look at mount namespaces): a denial of service inside the pod, which
	 * must not outlive it (the next pod checks /proc/meminfo). */
	{
		char cmd[160], pid[32];

		snprintf(pid, sizeof(pid), "%s", sh(vm, "plain", "sleep 600 </dev/null >/dev/null 2>&1 & echo $!", NULL));
		pid[strcspn(pid, "\n")] = 0;
		snprintf(cmd, sizeof(cmd), "sysprobe reconfigure /proc/%s/root/proc", pid);
		out = sh(vm, "sysadmin", cmd, NULL);
		check(strcmp(out, "reconfigure: ok\n") == 0 || strcmp(out, "reconfigure: EPERM\n") == 0,
		      "SYS_ADMIN container reconfigures a sibling's proc (or is refused)", "got \"%s\"", out);
	}

	/* Escalation allowed with the default profile: the filter goes on
	 * while the child is still root. */
	memset(&o, 0, sizeof(o));
	o.nnp = 0;
	m = add_secure(vm, "escalating", &o);
	check(is_ok(m), "allowPrivilegeEscalation with the default profile starts", "%s", describe(m));
	free(m);
	out = sh(vm, "escalating",
		 "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; "
		 "mkdir -p /tmp/m && mount -t tmpfs none /tmp/m 2>/dev/null || echo no-mount", NULL);
	check(strcmp(out, "CapEff:\t00000000a80425fb\nNoNewPrivs:\t0\nSeccomp:\t2\nno-mount\n") == 0,
	      "allowPrivilegeEscalation: no_new_privs off, default capabilities and seccomp",
	      "got \"%s\"", out);

	check_localhost_program(vm);

	b = vm_req(vm, PP_MSG_DESTROY_POD);
	pp_put_u32(b, PP_F_GRACE_MS, 3000);
	free(vm_call(vm, b, T_REPLY));

	m = start_secure_pod(vm, "net/core/somaxconn=1234");
	check(is_ok(m), "START_POD after a pod that left a process outside its cgroups", "%s",
	      describe(m));
	free(m);
	memset(&o, 0, sizeof(o));
	o.nnp = -1;
	m = add_secure(vm, "next", &o);
	check(is_ok(m), "the next pod's container starts", "%s", describe(m));
	free(m);
	out = sh(vm, "next", "cat /proc/[0-9]*/comm | grep -c '^sysprobe$'; tr -d '\\0' < /proc/1/cmdline",
		 NULL);
	check(strcmp(out, "0\npause") == 0,
	      "the process that escaped its cgroup (a zombie with a thread running) ended with its "
	      "pod's PID namespace",
	      "got \"%s\"", out);
	out = sh(vm, "next", "head -c 9 /proc/meminfo", NULL);
	check(strcmp(out, "MemTotal:") == 0,
	      "the proc a SYS_ADMIN container reconfigured did not outlive its pod", "got \"%s\"", out);
	b = vm_req(vm, PP_MSG_DESTROY_POD);
	pp_put_u32(b, PP_F_GRACE_MS, 3000);
	free(vm_call(vm, b, T_REPLY));
	b = vm_req(vm, PP_MSG_START_POD);
	pp_put_str(b, PP_F_HOSTNAME, "after");
	free(vm_call(vm, b, T_REPLY));
	free(add_container(vm, "after", ARGV("sleep", "100000"), NULL));
	out = sh(vm, "after", "cat /proc/sys/net/core/somaxconn", NULL);
	check(strcmp(out, before) == 0, "the pod's sysctl is put back when the pod is destroyed",
	      "got \"%s\", before \"%s\"", out, before);
	/* "next" left nothing in its namespace: this pod has it, and its PIDs
	 * go on from there (in a new namespace this shell would be PID 4). */
	out = sh(vm, "after", "echo $$", NULL);
	check(atoi(out) > 6, "a pod that left nothing behind hands its PID namespace to the next",
	      "the shell's PID is \"%s\"", out);
}

/* ---- Volumes of files ------------------------------------------------------------ */

struct vfile {
	const char *path;
	uint32_t mode;
	const char *content;
	int gid; /* -1: none */
};

/* FILES_BEGIN, one FILES_WRITE with every file, FILES_COMMIT; the first
 * reply that is not OK (or the commit's). `bytes`/`count` < 0: the real totals. */
static struct msg *put_files(struct vm *vm, const char *volume, const struct vfile *files, long bytes,
			     long count)
{
	struct pp_buf *b;
	struct msg *m;
	const struct vfile *f;
	long total = 0, n = 0;

	for (f = files; f && f->path; f++) {
		total += (long)strlen(f->content);
		n++;
	}
	b = vm_req(vm, PP_MSG_FILES_BEGIN);
	pp_put_str(b, PP_F_NAME, volume);
	pp_put_u32(b, PP_F_FILE_COUNT, (uint32_t)(count < 0 ? n : count));
	pp_put_u64(b, PP_F_FILE_BYTES, (uint64_t)(bytes < 0 ? total : bytes));
	m = vm_call(vm, b, T_REPLY);
	if (!is_ok(m))
		return m;
	free(m);
	b = vm_req(vm, PP_MSG_FILES_WRITE);
	pp_put_str(b, PP_F_NAME, volume);
	for (f = files; f && f->path; f++) {
		size_t g = pp_group_begin(b, PP_F_FILE);

		pp_put_str(b, PP_F_FILE_PATH, f->path);
		pp_put_u32(b, PP_F_FILE_MODE, f->mode);
		pp_put_u64(b, PP_F_FILE_OFFSET, 0);
		pp_put_bytes(b, PP_F_DATA, f->content, strlen(f->content));
		if (f->gid >= 0)
			pp_put_u32(b, PP_F_FILE_GID, (uint32_t)f->gid);
		pp_group_end(b, g);
	}
	m = vm_call(vm, b, T_REPLY);
	if (!is_ok(m))
		return m;
	free(m);
	b = vm_req(vm, PP_MSG_FILES_COMMIT);
	pp_put_str(b, PP_F_NAME, volume);
	return vm_call(vm, b, T_REPLY);
}

static int is_error(const struct msg *m, int code, const char *needle)
{
	return m && m->type == PP_MSG_ERROR && msg_u32(m, PP_F_CODE) == code &&
	       (!needle || strstr(mstr(m, PP_F_MESSAGE), needle));
}

/*
 * Volumes of files (FILES_BEGIN/WRITE/COMMIT): files with their modes and
 * group, a read-only mount whatever READONLY says, a new revision seen in
 * place by a running container while its subPath mount keeps the old file,
 * and what a hostile host or container tries: paths out of the volume, more
 * than announced or than a pod may hold, a container with CAP_SYS_ADMIN that
 * remounts its view writable and plants a symlink and a directory where
 * guest-init writes next.
 */
static void check_files(struct vm *vm)
{
	static const struct mnt reader_mounts[] = {
		{ "cfg", "/etc/cfg", NULL, 0 },
		{ "cfg", "/etc/game.properties", "game.properties", 0 },
		{ NULL, NULL, NULL, 0 },
	};
	static const struct vfile first[] = {
		{ "game.properties", 0440, "lives=3\n", -1 },
		{ "dir/ui", 0644, "color=purple\n", 2000 },
		{ NULL, 0, NULL, 0 },
	};
	static const struct vfile second[] = {
		{ "game.properties", 0440, "lives=4\n", -1 },
		{ NULL, 0, NULL, 0 },
	};
	static const struct vfile planted[] = {
		{ "game.properties", 0440, "lives=5\n", -1 },
		{ "dir/pwned", 0644, "inside\n", -1 },
		{ NULL, 0, NULL, 0 },
	};
	struct ct_opts o = { .mounts = reader_mounts };
	struct pp_buf *b;
	struct msg *m;
	const char *out;
	char pid_before[32], rev[128];
	int code;
	size_t g;

	b = vm_req(vm, PP_MSG_DESTROY_POD);
	pp_put_u32(b, PP_F_GRACE_MS, 3000);
	free(vm_call(vm, b, T_REPLY));
	b = vm_req(vm, PP_MSG_START_POD);
	pp_put_str(b, PP_F_HOSTNAME, "files");
	g = pp_group_begin(b, PP_F_VOLUME);
	pp_put_str(b, PP_F_NAME, "cfg");
	pp_put_u32(b, PP_F_FILES, 1);
	pp_group_end(b, g);
	g = pp_group_begin(b, PP_F_VOLUME);
	pp_put_str(b, PP_F_NAME, "scratch");
	pp_group_end(b, g);
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m), "START_POD with a volume of files", "%s", describe(m));
	free(m);

	m = put_files(vm, "cfg", first, -1, -1);
	check(is_ok(m), "a revision of two files is committed", "%s", describe(m));
	free(m);
	m = add_container(vm, "reader", ARGV("sleep", "100000"), &o);
	check(is_ok(m), "a container mounts the volume and a file of it by subPath", "%s", describe(m));
	free(m);
	out = sh(vm, "reader", "cat /etc/cfg/game.properties /etc/cfg/dir/ui /etc/game.properties;"
		 " stat -c '%a %g' /etc/cfg/..data/game.properties /etc/cfg/..data/dir/ui;"
		 " readlink /etc/cfg/game.properties; touch /etc/cfg/new 2>&1 | grep -c 'Read-only'", NULL);
	check(strcmp(out, "lives=3\ncolor=purple\nlives=3\n440 0\n644 2000\n..data/game.properties\n1\n") == 0,
	      "files, modes, group, ..data links, and a read-only mount", "got \"%s\"", out);
	snprintf(rev, sizeof(rev), "%s", sh(vm, "reader", "readlink /etc/cfg/..data", NULL));
	check(strncmp(rev, "..20", 4) == 0, "..data names a timestamped revision", "got \"%s\"", rev);
	snprintf(pid_before, sizeof(pid_before), "%s", sh(vm, "reader", "pidof sleep", NULL));

	m = put_files(vm, "cfg", second, -1, -1);
	check(is_ok(m), "a second revision is committed", "%s", describe(m));
	free(m);
	out = sh(vm, "reader", "cat /etc/cfg/game.properties; ls /etc/cfg/dir 2>&1 | grep -c 'No such';"
		 " cat /etc/game.properties; ls -a /etc/cfg | grep -c '^\\.\\.20'", NULL);
	check(strcmp(out, "lives=4\n1\nlives=3\n1\n") == 0,
	      "the running container sees the new files, the subPath mount the old one, one revision left",
	      "got \"%s\"", out);
	check(strcmp(pid_before, sh(vm, "reader", "pidof sleep", NULL)) == 0 && pid_before[0], "no container restarted", "%s",
	      pid_before);

	/* A hostile host: paths out of the volume, the volume's own names. */
	{
		static const struct vfile up[] = { { "../escape", 0644, "x", -1 }, { NULL, 0, NULL, 0 } };
		static const struct vfile data[] = { { "..data", 0644, "x", -1 }, { NULL, 0, NULL, 0 } };
		static const struct vfile abs[] = { { "/etc/passwd", 0644, "x", -1 }, { NULL, 0, NULL, 0 } };
		static const struct vfile deep[] = { { "a/../../x", 0644, "x", -1 }, { NULL, 0, NULL, 0 } };
		static const struct vfile setuid[] = { { "s", 04755, "x", -1 }, { NULL, 0, NULL, 0 } };

		m = put_files(vm, "cfg", up, -1, -1);
		check(is_error(m, EINVAL, "invalid file path \"../escape\""), "FILE_PATH ../escape is refused", "%s",
		      describe(m));
		free(m);
		m = put_files(vm, "cfg", data, -1, -1);
		check(is_error(m, EINVAL, "invalid file path"), "FILE_PATH ..data is refused", "%s", describe(m));
		free(m);
		m = put_files(vm, "cfg", abs, -1, -1);
		check(is_error(m, EINVAL, "invalid file path"), "an absolute FILE_PATH is refused", "%s", describe(m));
		free(m);
		m = put_files(vm, "cfg", deep, -1, -1);
		check(is_error(m, EINVAL, "invalid file path"), "FILE_PATH a/../../x is refused", "%s", describe(m));
		free(m);
		m = put_files(vm, "cfg", setuid, -1, -1);
		check(is_error(m, EINVAL, "FILE_MODE"), "a setuid FILE_MODE is refused", "%s", describe(m));
		free(m);
		m = put_files(vm, "scratch", second, -1, -1);
		check(is_error(m, ENOENT, "no volume of files"), "an emptyDir takes no files", "%s", describe(m));
		free(m);
	}
	/* Bounds: more than a pod may hold, more than announced. */
	m = put_files(vm, "cfg", second, (long)PP_MAX_POD_FILE_BYTES + 1, -1);
	check(is_error(m, E2BIG, "more than 8388608 bytes"), "more bytes than a pod may hold are refused",
	      "%s", describe(m));
	free(m);
	m = put_files(vm, "cfg", second, -1, (long)PP_MAX_POD_FILES + 1);
	check(is_error(m, E2BIG, "more than 1024 files"), "more files than a pod may hold are refused", "%s",
	      describe(m));
	free(m);
	m = put_files(vm, "cfg", first, 3, -1);
	check(is_error(m, E2BIG, "more bytes than the 3"), "more bytes than announced are refused", "%s",
	      describe(m));
	free(m);
	m = put_files(vm, "cfg", first, -1, 1);
	check(is_error(m, E2BIG, "more files than the 1"), "more files than announced are refused", "%s",
	      describe(m));
	free(m);
	out = sh(vm, "reader", "cat /etc/cfg/game.properties; ls -a /etc/cfg | grep -c '^\\.\\.20'", NULL);
	check(strcmp(out, "lives=4\n1\n") == 0, "refused revisions leave the files as they were", "got \"%s\"", out);

	/* A container with CAP_SYS_ADMIN makes its view writable and plants links. */
	b = vm_req(vm, PP_MSG_ADD_CONTAINER);
	pp_put_str(b, PP_F_CONTAINER, "attacker");
	pp_put_str(b, PP_F_IMAGE, "img0");
	put_strv(b, PP_F_ARGV, ARGV("sleep", "100000"));
	pp_put_u64(b, PP_F_CAPS, (1ull << 21) | (1ull << 0) | (1ull << 1)); /* SYS_ADMIN, CHOWN, DAC_OVERRIDE */
	g = pp_group_begin(b, PP_F_MOUNT);
	pp_put_str(b, PP_F_NAME, "cfg");
	pp_put_str(b, PP_F_PATH, "/cfg");
	pp_put_u32(b, PP_F_READONLY, 0);
	pp_group_end(b, g);
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m), "a container with CAP_SYS_ADMIN mounts the volume", "%s", describe(m));
	free(m);
	out = sh(vm, "attacker", "mount -o remount,bind,rw /cfg && ln -s / /cfg/dir && rm /cfg/game.properties &&"
		 " echo evil > /cfg/game.properties && echo planted", &code);
	check(strcmp(out, "planted\n") == 0, "the attacker remounts its view writable and plants a link to /",
	      "got \"%s\" (%d)", out, code);
	m = put_files(vm, "cfg", planted, -1, -1);
	check(is_ok(m), "the next revision is committed over what was planted", "%s", describe(m));
	free(m);
	out = sh(vm, "reader", "readlink /etc/cfg/dir; readlink /etc/cfg/game.properties; cat /etc/cfg/dir/pwned"
		 " /etc/cfg/game.properties", NULL);
	check(strcmp(out, "..data/dir\n..data/game.properties\ninside\nlives=5\n") == 0,
	      "the planted link and file are replaced, nothing was written through them", "got \"%s\"", out);
	out = sh(vm, "attacker", "ls /pwned 2>&1 | grep -c 'No such'; mkdir /cfg/..data_tmp && echo planted", NULL);
	check(strcmp(out, "1\nplanted\n") == 0, "nothing reached the attacker's root; it plants a directory",
	      "got \"%s\"", out);
	m = put_files(vm, "cfg", second, -1, -1);
	check(m && m->type == PP_MSG_ERROR, "a revision that cannot be published is refused", "%s", describe(m));
	free(m);
	out = sh(vm, "reader", "cat /etc/cfg/game.properties", NULL);
	check(strcmp(out, "lives=5\n") == 0, "the last good revision is still served", "got \"%s\"", out);
}

static void check_shutdown(struct vm *vm)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_SHUTDOWN);
	struct msg *m;
	int status;

	pp_put_u32(b, PP_F_GRACE_MS, 3000);
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m), "SHUTDOWN -> OK", "%s", describe(m));
	free(m);
	status = vm_wait_exit(vm, 30000);
	check(status == 0, "SHUTDOWN powers off (qemu exits 0)", "status %d", status);
}

/* Whether the VM's console shows `needle` within timeout_ms. */
static int console_says(struct vm *vm, const char *needle, int timeout_ms)
{
	char path[600], buf[65536];
	int waited;

	snprintf(path, sizeof(path), "%s/console.log", vm->dir);
	for (waited = 0; waited <= timeout_ms; waited += 50) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = 0;
		if (strstr(buf, needle))
			return 1;
		usleep(50000);
	}
	return 0;
}

/*
 * RESTORED and START_POD in one write: guest-init handles both before the
 * restored VM's warm-up begins (a timer, after the reply has gone). The
 * warm-up's mount namespace is a copy of guest-init's, which would now hold
 * the pod's mounts as long as the warm-up ran, SCHED_IDLE, seconds while a
 * container keeps the vCPU; so it is skipped. (Started at its time, it
 * copies the namespace in the vfork child, before the next request.)
 */
static void check_warmup_after_a_pipelined_start(struct vm *vm)
{
	uint8_t entropy[32] = { 7 }, both[1024];
	uint32_t restored_seq, start_seq;
	struct timespec ts;
	struct pp_buf *b;
	struct msg *m, *m2;
	size_t n1, n2;

	clock_gettime(CLOCK_REALTIME, &ts);
	b = vm_req(vm, PP_MSG_RESTORED);
	pp_put_bytes(b, PP_F_ENTROPY, entropy, sizeof(entropy));
	pp_put_u64(b, PP_F_TIME_NS, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	n1 = pp_frame_end(b);
	restored_seq = vm->seq;
	memcpy(both, b->data + b->frame_start, n1);
	b = vm_req(vm, PP_MSG_START_POD);
	pp_put_str(b, PP_F_HOSTNAME, "late");
	n2 = pp_frame_end(b);
	start_seq = vm->seq;
	memcpy(both + n1, b->data + b->frame_start, n2);
	vm_send_raw(vm, both, n1 + n2);
	m = vm_reply(vm, restored_seq, T_REPLY);
	m2 = vm_reply(vm, start_seq, T_REPLY);
	check(is_ok(m) && is_ok(m2), "RESTORED and START_POD in one write -> OK, OK", "%s; %s",
	      describe(m), describe(m2));
	check(console_says(vm, "warm-up skipped: a pod started before it could begin", 5000),
	      "the warm-up does not begin once a pod started (its mount namespace would hold the pod's)",
	      "see %s/console.log", vm->dir);
	free(m);
	free(m2);
}

/*
 * A container holding CAP_SYS_ADMIN freezes another's cgroup (cgroup.freeze
 * through a cgroup2 mount of its own), and the host runs an EXEC in that
 * container: the child joins the frozen cgroup first thing and never
 * reaches its execve. guest-init, which waits for it synchronously, held
 * PID 1 and every request for the 25 s of the start timeout; now it sees
 * the freeze at its next wake (100 ms at most) and answers the EXEC with
 * the error. Thawed, EXECs run again.
 */
static void check_frozen_cgroup(struct vm *vm)
{
	struct sec_opts so;
	struct result r;
	struct msg *m;
	const char *out;
	uint64_t t0, took;

	memset(&so, 0, sizeof(so));
	so.nnp = -1;
	m = add_secure(vm, "victim", &so);
	check(is_ok(m), "a container to freeze starts", "%s", describe(m));
	free(m);
	so.has_caps = 1;
	so.caps = 0xa80425fbull | (1ull << 21); /* the defaults and SYS_ADMIN */
	so.seccomp = PP_SECCOMP_UNCONFINED;
	m = add_secure(vm, "freezer", &so);
	check(is_ok(m), "a container with SYS_ADMIN starts", "%s", describe(m));
	free(m);
	out = sh(vm, "freezer",
		 "mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg && "
		 "echo 1 > /tmp/cg/peapod/victim/cgroup.freeze && cat /tmp/cg/peapod/victim/cgroup.freeze", NULL);
	check(strcmp(out, "1\n") == 0, "SYS_ADMIN: another container's cgroup frozen", "got \"%s\"", out);
	t0 = now_ms();
	exec_run(vm, "victim", ARGV("true"), NULL, &r);
	took = now_ms() - t0;
	check(!r.started && strstr(r.error, "frozen") && took < 5000,
	      "an EXEC in a frozen container is refused at once, not after the 25 s start timeout",
	      "started %d, %llu ms: %s", r.started, (unsigned long long)took, r.error);
	m = vm_call(vm, vm_req(vm, PP_MSG_PING), T_REPLY);
	check(is_ok(m), "guest-init answers after it", "%s", describe(m));
	free(m);
	out = sh(vm, "freezer", "echo 0 > /tmp/cg/peapod/victim/cgroup.freeze && echo thawed", NULL);
	check(strcmp(out, "thawed\n") == 0, "the frozen cgroup thawed", "got \"%s\"", out);
	out = sh(vm, "victim", "echo runs", NULL);
	check(strcmp(out, "runs\n") == 0, "thawed, an EXEC in it runs", "got \"%s\"", out);
}

/*
 * A container granted SYS_PTRACE races guest-init for the processes it
 * starts: its attacker (sysprobe seize-next) PTRACE_SEIZEs the pod's next
 * PID over and over while the host runs EXECs in it. Until session 12
 * guest-init forked the process into the pod's PID namespace and seized it
 * after fork() returned: an attacker that got there first held a process
 * with every capability in guest-init's mount namespace, root over the VM
 * (it can make its tracee run any code), until guest-init's failed SEIZE
 * killed it. Now the process is born traced by guest-init (a helper in
 * guest-init's PID namespace clones it), so nothing can attach to it
 * before its execve. The VM runs guest-init with a 20 ms sleep between
 * its fork() and its SEIZE (peapod_test_spawn_window_ms, trace.h) and two
 * vCPUs, so the attacker wins every time there is anything to win: against
 * guest-init before this change it held the process in 40 of 40 EXECs.
 * The attacker must reach the pod's processes (seize some after their
 * execve, which it may: they are the container's own) for the check to
 * say anything.
 */
static void check_seize_race_vm(const struct vm_opts *base)
{
	struct vm_opts o = *base;
	struct vm *vm = calloc(1, sizeof(*vm));
	struct sec_opts so;
	struct pp_buf *b;
	struct result r;
	struct msg *m;
	char log[16384], own[32], *line;
	int i, ok = 0, refused = 0, other = 0, held_pre = 0, held_post = 0;
	const int execs = 40;

	o.name = "seize";
	o.guest_port = 0;
	o.vcpus = 2;
	o.append = "peapod_test_spawn_window_ms=20";
	o.initrd = test_initrd; /* the window is a test build's alone */
	if (!o.initrd) {
		check(0, "the seize race has a test build of guest-init", "no --test-initrd");
		free(vm);
		return;
	}
	if (vm_boot(vm, &o) < 0 || vm_connect(vm, T_REPLY) < 0) {
		check(0, "boot the seize-race VM", "no VM");
		vm_kill(vm);
		free(vm);
		return;
	}
	free(hello(vm));
	b = vm_req(vm, PP_MSG_START_POD);
	pp_put_str(b, PP_F_HOSTNAME, "seize");
	m = vm_call(vm, b, T_REPLY);
	check(is_ok(m), "START_POD in the seize-race VM", "%s", describe(m));
	free(m);
	memset(&so, 0, sizeof(so));
	so.nnp = -1;
	so.has_caps = 1;
	so.caps = 0xa80425fbull | (1ull << 19); /* the defaults and SYS_PTRACE */
	so.seccomp = PP_SECCOMP_UNCONFINED;
	/* The attacker is the container's main process: an EXEC could not
	 * stop it while it wins (guest-init refused each, before the fix). */
	so.argv = ARGV("/bin/sysprobe", "seize-next");
	m = add_secure(vm, "tracer", &so);
	check(is_ok(m), "a container with SYS_PTRACE starts, seizing the pod's next PIDs", "%s",
	      describe(m));
	free(m);
	usleep(300000);
	for (i = 0; i < execs; i++) {
		exec_run(vm, "tracer", ARGV("sleep", "0.02"), NULL, &r);
		if (r.started && r.code == 0)
			ok++;
		else if (!r.started && strstr(r.error, "cannot trace"))
			refused++;
		else if (other++ == 0)
			fprintf(stderr, "exec %d: started %d code %d: %s\n", i, r.started, r.code, r.error);
	}
	m = vm_call(vm, vm_req(vm, PP_MSG_PING), T_REPLY);
	check(is_ok(m), "guest-init answers while a container seizes the pod's next PIDs", "%s",
	      describe(m));
	free(m);
	free(remove_container(vm, "tracer", 3000)); /* SIGTERM: it sums up */
	wait_log(vm, "tracer", "own CapEff", 5000);
	vm_log(vm, "tracer", 0, log, sizeof(log));
	printf("seize race: %d of %d EXECs ran, %d refused; the attacker says:\n%s", ok, execs, refused, log);
	own[0] = 0;
	line = strstr(log, "own CapEff ");
	if (line)
		sscanf(line + 11, "%31[0-9a-f]", own);
	for (line = log; (line = strstr(line, "held ")) != NULL; line++) {
		char caps[32] = "", mnt[32] = "";

		if (sscanf(line, "held %*d %31s %31s", caps, mnt) != 2)
			continue;
		/* "gone": it ended before it could be looked at. One
		 * held before its execve is killed by guest-init, whose
		 * SEIZE failed, and its EXEC refused: counted below. */
		if (strcmp(mnt, "container") == 0 && strcmp(caps, own) == 0)
			held_post++;
		else if (strcmp(mnt, "gone") != 0)
			held_pre++;
	}
	check(own[0] && held_post > 0,
	      "the attacker reaches the pod's processes (seizes some after their execve)",
	      "%d seized after execve; log: %s", held_post, log);
	check(held_pre == 0 && refused == 0 && ok == execs,
	      "a container granted SYS_PTRACE never holds a process guest-init starts before its execve",
	      "%d held with guest-init's mount namespace or more capabilities than the container's, "
	      "%d EXECs refused, %d of %d ran", held_pre, refused, ok, execs);
	check_frozen_cgroup(vm); /* this VM has a pod to spare */
	vm_kill(vm);
	free(vm);
}

/*
 * A seccomp profile answering clone with ERRNO(0) made the helper take
 * itself for the child: the container's program ran in guest-init's PID
 * namespace, held PID 1's request for as long as it liked, and with
 * SYS_PTRACE took guest-init's fds through pidfd_getfd (review of
 * 7aa58d0). The start must be refused, and the program never run.
 */
static void check_clone_errno0_vm(const struct vm_opts *base)
{
	struct vm_opts o = *base;
	struct vm *vm = calloc(1, sizeof(*vm));
	struct sec_opts so;
	uint8_t prog[4 * 8];
	struct msg *m;
	const char *out;

	o.name = "clone0";
	o.guest_port = 0;
	if (vm_boot(vm, &o) < 0 || vm_connect(vm, T_REPLY) < 0) {
		check(0, "clone answered 0: boot", "no VM");
		free(vm);
		return;
	}
	free(hello(vm));
	free(start_secure_pod(vm, "net/core/somaxconn=1234"));
	memset(&so, 0, sizeof(so));
	so.nnp = -1;
	so.mount = "/v";
	m = add_secure(vm, "reader", &so);
	check(is_ok(m), "clone answered 0: the reader starts", "%s", describe(m));
	free(m);
	put_bpf(prog, 0x20, 0, 0, 0);                 /* ld nr */
	put_bpf(prog + 8, 0x15, 0, 1, 56);            /* clone */
	put_bpf(prog + 16, 0x06, 0, 0, 0x00050000u);  /* ERRNO(0) */
	put_bpf(prog + 24, 0x06, 0, 0, 0x7fff0000u);  /* ALLOW */
	so.seccomp = PP_SECCOMP_FILTER;
	so.filter = prog;
	so.filter_len = sizeof(prog);
	so.argv = ARGV("sh", "-c", "echo ran > /v/clone0-ran; exec sleep 20");
	m = add_secure(vm, "evil", &so);
	check(!is_ok(m), "clone answered 0: the start is refused", "%s", describe(m));
	free(m);
	out = sh(vm, "reader", "ls /v", NULL);
	check(out && !strstr(out, "clone0-ran"), "clone answered 0: the program never ran",
	      "the volume holds: %s", out ? out : "(no answer)");
	m = vm_call(vm, vm_req(vm, PP_MSG_PING), 5000);
	check(is_ok(m), "clone answered 0: the VM answers", "%s", describe(m));
	free(m);
	vm_kill(vm);
	free(vm);
}

/*
 * Until its execve, a process guest-init starts holds a copy of guest-init's
 * heap: the pod's container specs, environments included. A container's
 * root without CAP_SYS_PTRACE (default capabilities, RuntimeDefault) read it
 * through /proc/PID/mem of its own EXECs' processes, which had its uid and
 * capabilities, and found another container's secret there, in 1 of 3
 * processes read (review of 7aa58d0); with the same access it could write
 * code into them, and the VM shut down (kill(0, SIGTERM) from PID 1's
 * process group). The helper now makes them undumpable and gives them a
 * session of their own before the clone.
 */
static void check_heap_copy_vm(const struct vm_opts *base)
{
	struct vm_opts o = *base;
	struct vm *vm = calloc(1, sizeof(*vm));
	struct ct_opts co;
	struct sec_opts so;
	struct result r;
	struct msg *m;
	char log[65536];
	const char *said;
	long tries = -1, found = -1, seen = -1;
	int i, started = 0;

	o.name = "heap";
	o.guest_port = 0;
	o.vcpus = 2;
	if (vm_boot(vm, &o) < 0 || vm_connect(vm, T_REPLY) < 0) {
		check(0, "heap copy: boot", "no VM");
		free(vm);
		return;
	}
	free(hello(vm));
	free(start_secure_pod(vm, "net/core/somaxconn=1234"));
	memset(&co, 0, sizeof(co));
	co.env = ARGV("DB_PASSWORD=hunter2-of-the-victim");
	co.user = "1000";
	m = add_container(vm, "victim", ARGV("sleep", "100000"), &co);
	check(is_ok(m), "heap copy: the victim (uid 1000, a secret in its environment) starts", "%s",
	      describe(m));
	free(m);
	memset(&so, 0, sizeof(so));
	so.nnp = -1; /* RuntimeDefault, default capabilities, root */
	so.argv = ARGV("/bin/sysprobe", "memread-next", "hunter2-of-the-victil");
	m = add_secure(vm, "attacker", &so);
	check(is_ok(m), "heap copy: the attacker (root, default capabilities) starts", "%s",
	      describe(m));
	free(m);
	usleep(300000);
	for (i = 0; i < 10; i++) {
		exec_run(vm, "attacker", ARGV("true"), NULL, &r);
		started += r.started;
	}
	m = vm_call(vm, vm_req(vm, PP_MSG_PING), 5000);
	check(started == 10 && is_ok(m), "heap copy: 10 EXECs in the attacker's container ran, the VM answers",
	      "%d started, ping: %s", started, describe(m));
	free(m);
	free(remove_container(vm, "attacker", 3000));
	wait_log(vm, "attacker", "memread:", 3000);
	vm_log(vm, "attacker", 0, log, sizeof(log));
	said = strstr(log, "memread:");
	if (said)
		sscanf(said, "memread: tries %ld, processes read %ld, found %ld", &tries, &seen, &found);
	check(tries > 0 && found == 0,
	      "heap copy: a container without SYS_PTRACE finds no other container's secret in its EXECs' memory",
	      "tries %ld, processes read %ld, found %ld; log: %.300s", tries, seen, found, log);
	vm_kill(vm);
	free(vm);
}

/*
 * Being guest-init's tracee from birth keeps a container from attaching to
 * a process before its execve, not from reaching it otherwise: a container
 * granted CAP_SYS_PTRACE passes every other check on a process of its pod
 * it can name. Its attacker (sysprobe grab-next) opens the pod's next PID's
 * /proc/PID/root, /proc/PID/mem and each fd (pidfd_getfd) over and over
 * while the host runs EXECs in its container; a process found anywhere but
 * in the container's root, or with more capabilities than the container
 * or an fd of guest-init's (host channels, namespaces, signalfd, a
 * cgroup.procs), counts as grabbed. Against 5632418, whose
 * process did its set-up itself with every capability in guest-init's
 * mount namespace and cgroup, it grabbed 39 of 40 EXECs (wrote a file into
 * guest-init's root, read /dev/vda, moved itself to the root cgroup, took
 * the host channels' fds; found in review, session 12). Now a helper in
 * guest-init's PID namespace does the set-up and clones a process that is
 * already no more than its container (spawn.c). No test window: a real VM.
 * CHECK_VM_ONLY=grab runs it alone.
 */
static void check_grab_race_vm(const struct vm_opts *base)
{
	struct vm_opts o = *base;
	struct vm *vm = calloc(1, sizeof(*vm));
	struct sec_opts so;
	struct pp_buf *b;
	struct result r;
	struct msg *m;
	char log[65536];
	int i, ok = 0, grabbed = 0;
	const int execs = 40;
	char *line;

	o.name = "grab";
	o.guest_port = 0;
	o.vcpus = 2;
	if (vm_boot(vm, &o) < 0 || vm_connect(vm, T_REPLY) < 0) {
		check(0, "boot the grab VM", "no VM");
		vm_kill(vm);
		free(vm);
		return;
	}
	free(hello(vm));
	b = vm_req(vm, PP_MSG_START_POD);
	pp_put_str(b, PP_F_HOSTNAME, "grab");
	m = vm_call(vm, b, T_REPLY);
	free(m);
	memset(&so, 0, sizeof(so));
	so.nnp = -1;
	so.has_caps = 1;
	so.caps = 0xa80425fbull | (1ull << 19); /* the defaults and SYS_PTRACE */
	so.seccomp = PP_SECCOMP_UNCONFINED;
	so.argv = ARGV("/bin/sysprobe", "grab-next");
	m = add_secure(vm, "tracer", &so);
	check(is_ok(m), "grab container starts", "%s", describe(m));
	free(m);
	usleep(300000);
	for (i = 0; i < execs; i++) {
		exec_run(vm, "tracer", ARGV("sleep", "0.02"), NULL, &r);
		if (r.started && r.code == 0)
			ok++;
	}
	free(remove_container(vm, "tracer", 3000));
	wait_log(vm, "tracer", "grab: tries", 5000);
	vm_log(vm, "tracer", 0, log, sizeof(log));
	printf("grab race: %d of %d EXECs ran; the attacker says:\n%s", ok, execs, log);
	check(ok == execs, "EXECs run while a container grabs at them", "%d of %d", ok, execs);
	for (line = log; (line = strstr(line, "grabbed ")) != NULL; line++)
		if ((line == log || line[-1] == '\n') && line[8] >= '0' && line[8] <= '9')
			grabbed++; /* a line of its own (not the tally's "grabbed N") */
	check(grabbed == 0, "a container granted SYS_PTRACE grabs no process before its execve (root, fds, caps)",
	      "%d grabbed", grabbed);
	check(strstr(log, "as its container: ") != NULL,
	      "the attacker reaches the pod's processes (as their container's own)", "log: %s", log);
	vm_kill(vm);
	free(vm);
}

static void check_late_host_and_power_button(const struct vm_opts *base)
{
	struct vm_opts o = *base;
	struct vm *vm = calloc(1, sizeof(*vm));
	struct msg *m;
	int status;

	o.name = "late";
	o.guest_port = 0;
	if (vm_boot(vm, &o) < 0) {
		check(0, "boot second VM", "fork failed");
		return;
	}
	/* Let it boot with nobody attached. */
	usleep(4000000);
	if (vm_connect(vm, T_REPLY) < 0) {
		check(0, "late host attach", "cannot connect");
		vm_kill(vm);
		return;
	}
	m = hello(vm);
	check(m && m->type == PP_MSG_READY && strlen(mstr(m, PP_F_BOOT_ID)) == 36,
	      "host attaching after boot gets READY", "%s", describe(m));
	free(m);
	check_warmup_after_a_pipelined_start(vm);
	m = add_container(vm, "sleepy", ARGV("sleep", "100000"), NULL);
	check(is_ok(m), "container in the second VM", "%s", describe(m));
	free(m);
	vm_qmp(vm, "system_powerdown");
	status = vm_wait_exit(vm, 30000);
	check(status == 0, "ACPI power button powers off (qemu exits 0)", "status %d", status);
	vm_kill(vm);
	free(vm);
}

int main(int argc, char **argv)
{
	struct vm_opts o = { 0 };
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--kernel") == 0)
			o.kernel = argv[i + 1];
		else if (strcmp(argv[i], "--initrd") == 0)
			o.initrd = argv[i + 1];
		else if (strcmp(argv[i], "--test-initrd") == 0)
			test_initrd = argv[i + 1];
		else if (strcmp(argv[i], "--images") == 0)
			o.images = argv[i + 1];
		else if (strcmp(argv[i], "--run") == 0)
			o.run = argv[i + 1];
	}
	if (!o.kernel || !o.initrd || !o.images || !o.run || access(o.kernel, R_OK) != 0) {
		fprintf(stderr, "usage: check_vm --kernel K --initrd I --images DIR --run DIR (kernel must exist)\n");
		return 2;
	}
	images_dir = o.images;
	/* A VM that died (say, a guest-init a container could shut down) must
	 * fail the checks that follow, not kill this driver on its next write. */
	signal(SIGPIPE, SIG_IGN);
	if (getenv("CHECK_VM_ONLY") && strcmp(getenv("CHECK_VM_ONLY"), "heap") == 0) {
		check_heap_copy_vm(&o);
		check_clone_errno0_vm(&o);
		printf("check-vm: %d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	if (getenv("CHECK_VM_ONLY") && strcmp(getenv("CHECK_VM_ONLY"), "grab") == 0) {
		check_grab_race_vm(&o);
		printf("check-vm: %d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	if (getenv("CHECK_VM_ONLY") && strcmp(getenv("CHECK_VM_ONLY"), "seize") == 0) {
		check_seize_race_vm(&o); /* the one check, while working on it */
		printf("check-vm: %d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	o.name = "main";
	o.guest_port = 8080;
	if (vm_boot(&vm_a, &o) < 0 || check_boot(&vm_a) < 0) {
		check(0, "boot", "see %s/console.log", vm_a.dir);
	} else {
		check_bad_frames(&vm_a);
		check_restored(&vm_a);
		check_pod_start(&vm_a);
		check_restored_refused_in_pod(&vm_a);
		check_add_errors(&vm_a);
		check_two_containers(&vm_a);
		check_confinement(&vm_a);
		check_image_files(&vm_a);
		check_exec(&vm_a);
		check_env_user_container(&vm_a);
		check_restart(&vm_a);
		check_attach(&vm_a);
		check_signals_and_grace(&vm_a);
		check_reconnect(&vm_a);
		check_destroy_and_new_pod(&vm_a);
		check_security_context(&vm_a);
		check_files(&vm_a);
		check_shutdown(&vm_a);
	}
	vm_kill(&vm_a);
	check_late_host_and_power_button(&o);
	check_seize_race_vm(&o);
	check_grab_race_vm(&o);
	check_heap_copy_vm(&o);
	check_clone_errno0_vm(&o);
	printf("check-vm: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
