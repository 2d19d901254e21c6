/*
 * QEMU process, control socket client and log file reader for check-vm.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

/* Host TSC in kHz, for tsc_early_khz (TCG boots hang in calibration on a
 * busy host without it). */
static long tsc_khz(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	double mhz = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	}
	if (f)
		fclose(f);
	return mhz > 0 ? (long)(mhz * 1000) : 2000000;
}

int vm_boot(struct vm *vm, const struct vm_opts *o)
{
	char append[512], accel[64], smp[16], con[600], ctl[600], log[600], img0[600], img1[600], share[700], net[200], qmp[600];
	char *argv[64];
	int n = 0;

	memset(vm, 0, sizeof(*vm));
	vm->ctl = -1;
	vm->rdbuf = malloc(PP_READER_CAPACITY);
	pp_reader_init(&vm->rd, vm->rdbuf);
	snprintf(vm->dir, sizeof(vm->dir), "%s/%s", o->run, o->name);
	mkdir(o->run, 0755);
	mkdir(vm->dir, 0755);
	snprintf(con, sizeof(con), "%s/console.log", vm->dir);
	unlink(con);
	snprintf(log, sizeof(log), "%s/containers.log", vm->dir);
	unlink(log);
	snprintf(ctl, sizeof(ctl), "%s/ctl.sock", vm->dir);
	unlink(ctl);
	snprintf(qmp, sizeof(qmp), "%s/qmp.sock", vm->dir);
	unlink(qmp);

	snprintf(append, sizeof(append), "console=ttyS0 quiet panic=-1 tsc_early_khz=%ld%s%s", tsc_khz(),
		 o->append ? " " : "", o->append ? o->append : "");
	snprintf(accel, sizeof(accel), "tcg,tb-size=%d", o->tb_size_mib ? o->tb_size_mib : 8);
	snprintf(smp, sizeof(smp), "%d", o->vcpus ? o->vcpus : 1);
	snprintf(con, sizeof(con), "file,id=con,path=%s/console.log", vm->dir);
	snprintf(ctl, sizeof(ctl), "socket,id=ctl,path=%s/ctl.sock,server=on,wait=off", vm->dir);
	snprintf(log, sizeof(log), "file,id=log,path=%s/containers.log", vm->dir);
	snprintf(img0, sizeof(img0), "id=img0,file=%s/img0.erofs,format=raw,if=none,readonly=on", o->images);
	snprintf(img1, sizeof(img1), "id=img1,file=%s/img1.erofs,format=raw,if=none,readonly=on", o->images);
	/* The same images, also as files of the image share (IMAGE_FILE). */
	snprintf(share, sizeof(share), "local,id=images,path=%s,readonly=on,security_model=none", o->images);
	if (o->guest_port) {
		vm->host_port = free_port();
		snprintf(net, sizeof(net), "user,id=net0,hostfwd=tcp:127.0.0.1:%d-:%d", vm->host_port,
			 o->guest_port);
	} else {
		snprintf(net, sizeof(net), "user,id=net0");
	}
	snprintf(qmp, sizeof(qmp), "unix:%s/qmp.sock,server=on,wait=off", vm->dir);

#define A(x) argv[n++] = (char *)(x)
	A("qemu-system-x86_64");
	A("-M"); A("microvm,x-option-roms=off,isa-serial=on,rtc=on");
	A("-accel"); A(accel);
	A("-m"); A("128"); A("-smp"); A(smp);
	A("-nodefaults"); A("-no-user-config"); A("-nographic"); A("-no-reboot");
	A("-kernel"); A(o->kernel); A("-initrd"); A(o->initrd); A("-append"); A(append);
	A("-chardev"); A(con); A("-serial"); A("chardev:con");
	A("-device"); A("virtio-serial-device,max_ports=4");
	A("-chardev"); A(ctl); A("-device"); A("virtserialport,chardev=ctl,name=peapod.ctl");
	A("-chardev"); A(log); A("-device"); A("virtserialport,chardev=log,name=peapod.log");
	A("-drive"); A(img0); A("-device"); A("virtio-blk-device,drive=img0,serial=img0");
	A("-drive"); A(img1); A("-device"); A("virtio-blk-device,drive=img1,serial=img1");
	A("-fsdev"); A(share);
	A("-device"); A("virtio-9p-device,fsdev=images,mount_tag=" PP_IMAGE_SHARE_TAG);
	A("-netdev"); A(net); A("-device"); A("virtio-net-device,netdev=net0");
	A("-device"); A("virtio-rng-device");
	A("-qmp"); A(qmp);
	A(NULL);
#undef A
	vm->pid = fork();
	if (vm->pid < 0)
		return -1;
	if (vm->pid == 0) {
		char out[600];
		int fd;

		snprintf(out, sizeof(out), "%s/qemu.out", vm->dir);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return 0;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un a;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
		return s;
	if (s >= 0)
		close(s);
	return -1;
}

int vm_connect(struct vm *vm, int timeout_ms)
{
	char path[600];
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	snprintf(path, sizeof(path), "%s/ctl.sock", vm->dir);
	while (now_ms() < end) {
		vm->ctl = unix_connect(path);
		if (vm->ctl >= 0) {
			pp_reader_reset(&vm->rd);
			return 0;
		}
		if (vm_wait_exit(vm, 0) >= 0)
			return -1;
		usleep(20000);
	}
	return -1;
}

void vm_disconnect(struct vm *vm)
{
	if (vm->ctl >= 0)
		close(vm->ctl);
	vm->ctl = -1;
	pp_reader_reset(&vm->rd);
}

int vm_wait_exit(struct vm *vm, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	if (vm->exited)
		return vm->status;
	for (;;) {
		int st;
		pid_t r = waitpid(vm->pid, &st, WNOHANG);

		if (r == vm->pid) {
			vm->exited = 1;
			vm->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			return vm->status;
		}
		if (now_ms() >= end)
			return -1;
		usleep(20000);
	}
}

void vm_kill(struct vm *vm)
{
	vm_disconnect(vm);
	if (vm->pid > 0 && !vm->exited) {
		kill(vm->pid, SIGKILL);
		vm_wait_exit(vm, 5000);
	}
	vm_clear_inbox(vm);
	free(vm->rdbuf);
	vm->rdbuf = NULL;
}

int vm_qmp(struct vm *vm, const char *command)
{
	char path[600], buf[4096], cmd[256];
	int s, i;

	snprintf(path, sizeof(path), "%s/qmp.sock", vm->dir);
	s = unix_connect(path);
	if (s < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"%s\"}\n", command);
	if (write(s, cmd, strlen(cmd)) < 0) {
		close(s);
		return -1;
	}
	/* Greeting + two returns; enough to know the command was taken. */
	for (i = 0; i < 10; i++) {
		struct pollfd p = { s, POLLIN, 0 };

		if (poll(&p, 1, 1000) <= 0 || read(s, buf, sizeof(buf)) <= 0)
			break;
	}
	close(s);
	return 0;
}

struct pp_buf *vm_req(struct vm *vm, uint16_t type)
{
	pp_buf_init(&vm->b, vm->scratch, sizeof(vm->scratch));
	pp_frame_begin(&vm->b, type, ++vm->seq);
	return &vm->b;
}

int vm_send_raw(struct vm *vm, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(vm->ctl, p, len);

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

int vm_send(struct vm *vm, struct pp_buf *b)
{
	size_t n = pp_frame_end(b);

	if (n == 0)
		return -1;
	return vm_send_raw(vm, b->data + b->frame_start, n);
}

static void inbox_add(struct vm *vm, const struct pp_header *h, const uint8_t *payload)
{
	struct msg *m = malloc(sizeof(*m) + h->length), **pp;

	m->next = NULL;
	m->type = h->type;
	m->seq = h->seq;
	m->at_ms = now_ms();
	m->len = h->length;
	memcpy(m->payload, payload, h->length);
	for (pp = &vm->inbox; *pp; pp = &(*pp)->next)
		;
	*pp = m;
	if (m->type == PP_MSG_EVENT_STARTED || m->type == PP_MSG_EVENT_EXITED) {
		uint64_t s = msg_u64(m, PP_F_EVENT_SEQ);

		if (s > vm->max_event_seq)
			vm->max_event_seq = s;
	}
}

int vm_pump(struct vm *vm, int timeout_ms)
{
	struct pollfd p = { vm->ctl, POLLIN, 0 };
	struct pp_header h;
	const uint8_t *payload;
	enum pp_read_result res;
	size_t room;
	uint8_t *dst;
	ssize_t n;

	if (vm->ctl < 0)
		return -1;
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	dst = pp_reader_space(&vm->rd, &room);
	n = read(vm->ctl, dst, room);
	if (n <= 0)
		return -1;
	pp_reader_commit(&vm->rd, (size_t)n);
	while ((res = pp_reader_next(&vm->rd, &h, &payload)) != PP_RD_NEED_MORE) {
		if (res == PP_RD_FRAME)
			inbox_add(vm, &h, payload);
		else
			fprintf(stderr, "check-vm: bad frame from the guest (%d)\n", res);
	}
	return 1;
}

struct msg *vm_take(struct vm *vm, msg_match match, const void *arg, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		struct msg **pp;
		uint64_t now;

		for (pp = &vm->inbox; *pp; pp = &(*pp)->next) {
			if (!match || match(*pp, arg)) {
				struct msg *m = *pp;

				*pp = m->next;
				m->next = NULL;
				return m;
			}
		}
		now = now_ms();
		if (now >= end)
			return NULL;
		if (vm_pump(vm, (int)(end - now)) < 0)
			return NULL;
	}
}

static int is_reply(const struct msg *m, const void *arg)
{
	uint32_t seq = *(const uint32_t *)arg;

	return m->seq == seq &&
	       (m->type == PP_MSG_OK || m->type == PP_MSG_ERROR || m->type == PP_MSG_READY);
}

struct msg *vm_reply(struct vm *vm, uint32_t seq, int timeout_ms)
{
	return vm_take(vm, is_reply, &seq, timeout_ms);
}

struct msg *vm_call(struct vm *vm, struct pp_buf *b, int timeout_ms)
{
	uint32_t seq = vm->seq;

	if (vm_send(vm, b) < 0)
		return NULL;
	return vm_reply(vm, seq, timeout_ms);
}

void vm_clear_inbox(struct vm *vm)
{
	while (vm->inbox) {
		struct msg *m = vm->inbox;

		vm->inbox = m->next;
		free(m);
	}
}

int msg_field(const struct msg *m, uint16_t tag, struct pp_field *f)
{
	struct pp_iter it;

	pp_iter_init(&it, m->payload, m->len);
	while (pp_iter_next(&it, f) == PP_IT_FIELD) {
		if (f->tag == tag)
			return 1;
	}
	return 0;
}

const char *msg_str(const struct msg *m, uint16_t tag, char *buf, size_t cap)
{
	struct pp_field f;
	size_t n = 0;

	if (m && msg_field(m, tag, &f)) {
		n = f.len < cap - 1 ? f.len : cap - 1;
		memcpy(buf, f.value, n);
	}
	buf[n] = 0;
	return buf;
}

int64_t msg_u32(const struct msg *m, uint16_t tag)
{
	struct pp_field f;

	if (!m || !msg_field(m, tag, &f) || f.len != 4)
		return -1;
	return pp_get_u32(f.value);
}

uint64_t msg_u64(const struct msg *m, uint16_t tag)
{
	struct pp_field f;

	if (!m || !msg_field(m, tag, &f) || f.len != 8)
		return 0;
	return pp_get_u64(f.value);
}

size_t vm_log(struct vm *vm, const char *container, uint32_t stream, char *out, size_t cap)
{
	char path[600];
	uint8_t *buf = malloc(PP_READER_CAPACITY);
	struct pp_reader rd;
	size_t len = 0;
	int fd;

	out[0] = 0;
	snprintf(path, sizeof(path), "%s/containers.log", vm->dir);
	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	pp_reader_init(&rd, buf);
	for (;;) {
		size_t room;
		uint8_t *dst = pp_reader_space(&rd, &room);
		ssize_t n = read(fd, dst, room);
		struct pp_header h;
		const uint8_t *payload;
		enum pp_read_result res;

		if (n <= 0)
			break;
		pp_reader_commit(&rd, (size_t)n);
		while ((res = pp_reader_next(&rd, &h, &payload)) != PP_RD_NEED_MORE) {
			struct msg *m;
			char name[80];
			struct pp_field f;

			if (res != PP_RD_FRAME || h.type != PP_MSG_LOG)
				continue;
			m = malloc(sizeof(*m) + h.length);
			m->len = h.length;
			memcpy(m->payload, payload, h.length);
			msg_str(m, PP_F_CONTAINER, name, sizeof(name));
			if (strcmp(name, container) == 0 &&
			    (stream == 0 || msg_u32(m, PP_F_STREAM) == (int64_t)stream) &&
			    msg_field(m, PP_F_DATA, &f) && len + f.len < cap) {
				memcpy(out + len, f.value, f.len);
				len += f.len;
				out[len] = 0;
			}
			free(m);
		}
	}
	close(fd);
	free(buf);
	return len;
}
