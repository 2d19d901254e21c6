/*
 * start-bench: what one container start costs guest-init, measured from the
 * host as the provider sees it. Boots the real init and kernel in QEMU (TCG),
 * then runs rounds of the race's pod shape: START_POD, ADD_CONTAINER "http"
 * and ADD_CONTAINER "sidecar" (the same image, linked into the image share
 * under a new name each round, so the first start of a round mounts it as a
 * pool VM's first start does), DESTROY_POD. Round 0 is a warm-up (the pool
 * runs one before a VM waits), so every measured round runs with a warm
 * translation cache.
 *
 * Usage: start_bench --kernel K --initrd I --images DIR --run DIR
 *                    [--rounds N] [--vcpus N] [--tb-size MIB] [--trace] [--same-image]
 *                    [--replace] [--replace-loop] [--restored] [--listen] [--no-sidecar]
 *
 * --replace-loop: replaces in one running VM, the STATUS right behind the
 * ADD_CONTAINER as the provider sends them (see replace_loop; environment:
 * BENCH_SETTLE_MS between rounds, BENCH_BUSY_SH work at the container's
 * start).
 *
 * --listen forwards a host port to the guest's port 80 and times httpd's
 * ADD_CONTAINER reply to its first HTTP answer (a GET every 2 ms from a
 * child, beside the sidecar's start); --no-sidecar leaves the sidecar out.
 *
 * --trace adds peapod_trace=1 to the kernel command line and prints
 * guest-init's step trace of the last round. Prints medians last as
 * `name: value unit` lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"

#define T_REPLY 30000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* CPU time QEMU has used (all its threads), ms: what a step cost the host,
 * less swayed by a busy host than the wall clock (clock ticks of 10 ms,
 * so only medians over many rounds mean anything). */
static double qemu_cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void call_ok(struct vm *vm, struct pp_buf *b, const char *what)
{
	struct msg *m = vm_call(vm, b, T_REPLY);
	char msg[600];

	if (!m || m->type != PP_MSG_OK) {
		fprintf(stderr, "start-bench: %s: %s\n", what,
			m ? msg_str(m, PP_F_MESSAGE, msg, sizeof(msg)) : "no reply");
		exit(1);
	}
	free(m);
}

static void start_pod(struct vm *vm)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_START_POD);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	pp_put_str(b, PP_F_HOSTNAME, "bench");
	pp_put_u64(b, PP_F_TIME_NS, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	call_ok(vm, b, "START_POD");
}

/* What the provider sends a VM restored from a template first. */
static void restored(struct vm *vm)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_RESTORED);
	struct timespec ts;
	uint8_t entropy[32];
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; i < sizeof(entropy); i++)
		entropy[i] = (uint8_t)(rand() & 0xff);
	pp_put_u64(b, PP_F_TIME_NS, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	pp_put_bytes(b, PP_F_ENTROPY, entropy, sizeof(entropy));
	call_ok(vm, b, "RESTORED");
}

static void add(struct vm *vm, const char *name, const char *image_file, const char *const *argv)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_ADD_CONTAINER);

	pp_put_str(b, PP_F_CONTAINER, name);
	pp_put_str(b, PP_F_IMAGE_FILE, image_file);
	for (; *argv; argv++)
		pp_put_str(b, PP_F_ARGV, *argv);
	pp_put_u32(b, PP_F_GRACE_MS, 0);
	call_ok(vm, b, "ADD_CONTAINER");
}

/* --listen: one GET / on the forwarded port; 1 once httpd answers anything.
 * QEMU's user network accepts the host's connection whatever the guest does
 * and closes it when the guest refuses (nothing listens yet): EOF, 0. */
static int http_answers(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static const char get[] = "GET / HTTP/1.0\r\n\r\n";
	struct pollfd p;
	char buf[16];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    write(fd, get, sizeof(get) - 1) == (ssize_t)(sizeof(get) - 1)) {
		p.fd = fd;
		p.events = POLLIN;
		ok = poll(&p, 1, 1000) == 1 && read(fd, buf, sizeof(buf)) > 0;
	}
	close(fd);
	return ok;
}

/* A child that tries the port every 2 ms and writes the time httpd first
 * answered (now_us) into `out`; the parent goes on with the sidecar, as the
 * provider does once httpd's ADD_CONTAINER returned. */
static pid_t listen_watch(int port, int out)
{
	pid_t pid = fork();

	if (pid == 0) {
		double t;
		int i;

		for (i = 0; i < 5000 && !http_answers(port); i++)
			usleep(2000);
		t = i < 5000 ? now_us() : -1;
		_exit(write(out, &t, sizeof(t)) == sizeof(t) ? 0 : 1);
	}
	return pid;
}

static void destroy_pod(struct vm *vm)
{
	struct pp_buf *b = vm_req(vm, PP_MSG_DESTROY_POD);

	pp_put_u32(b, PP_F_GRACE_MS, 0);
	call_ok(vm, b, "DESTROY_POD");
}

/* A fresh VM per sample: [warm-up pod whose container exits at once, as the
 * pool's], a pod with one sleeping container, then the replace as the
 * provider does it (DESTROY_POD, START_POD, ADD_CONTAINER), timed. */
static double replace_sample(const struct vm_opts *opts, int warm, const char *image_file)
{
	struct vm_opts named = *opts;
	const struct vm_opts *o = &named;
	static const char *const sleeper[] = { "sleep", "3600", NULL };
	static const char *const quick[] = { "true", NULL };
	struct vm vm;
	struct msg *m;
	double t0, t1;

	named.name = warm ? "after-warm-up" : "after-first-start"; /* console.log of the last of each */
	if (vm_boot(&vm, o) < 0 || vm_connect(&vm, T_REPLY) < 0) {
		fprintf(stderr, "start-bench: the VM did not come up\n");
		exit(1);
	}
	m = vm_take(&vm, NULL, NULL, 120000);
	if (!m || m->type != PP_MSG_READY) {
		fprintf(stderr, "start-bench: no READY\n");
		exit(1);
	}
	free(m);
	if (warm) {
		start_pod(&vm);
		add(&vm, "warmup", image_file, quick);
		destroy_pod(&vm);
	}
	start_pod(&vm);
	add(&vm, "main", image_file, sleeper);
	usleep(200000);
	vm_clear_inbox(&vm);
	t0 = now_us();
	destroy_pod(&vm);
	start_pod(&vm);
	add(&vm, "next", image_file, sleeper);
	t1 = now_us();
	vm_kill(&vm);
	return (t1 - t0) / 1e3;
}

/*
 * --replace-loop: the provider's replace in one running VM, `rounds` times
 * after a warm-up: a pod with one sleeping container, then DESTROY_POD,
 * START_POD and ADD_CONTAINER with the STATUS sent right behind it (as
 * PodVm.addContainer pipelines it), timed to the STATUS's answer. Per round
 * on stderr: the ADD_CONTAINER's and the STATUS's answers from the ADD's
 * sending.
 */
static int replace_loop(const struct vm_opts *o, int rounds, const char *image_file, int restore)
{
	/* BENCH_BUSY_SH: the container runs sh -c 'BUSY; exec sleep 3600'
	 * instead, work at its start as a cold program's start (its code
	 * translated afresh by QEMU) has. */
	const char *busy = getenv("BENCH_BUSY_SH");
	char busy_cmd[600];
	const char *const busy_argv[] = { "sh", "-c", busy_cmd, NULL };
	static const char *const sleep_argv[] = { "sleep", "3600", NULL };
	const char *const *sleeper = busy ? busy_argv : sleep_argv;
	double *total = calloc((size_t)rounds, sizeof(double));
	double *addr = calloc((size_t)rounds, sizeof(double));
	double *stat = calloc((size_t)rounds, sizeof(double));
	struct vm vm;
	struct msg *m;
	int i;

	snprintf(busy_cmd, sizeof(busy_cmd), "%s; exec sleep 3600", busy ? busy : "");
	if (vm_boot(&vm, o) < 0 || vm_connect(&vm, T_REPLY) < 0) {
		fprintf(stderr, "start-bench: the VM did not come up\n");
		return 1;
	}
	m = vm_take(&vm, NULL, NULL, 120000);
	if (!m || m->type != PP_MSG_READY) {
		fprintf(stderr, "start-bench: no READY\n");
		vm_kill(&vm);
		return 1;
	}
	free(m);
	if (restore)
		restored(&vm);
	start_pod(&vm);
	add(&vm, "main", image_file, sleeper);
	for (i = -1; i < rounds; i++) { /* round -1: the warm-up */
		struct pp_buf *b;
		uint32_t add_seq, status_seq;
		double t0, t1, t2, t3, t4;
		const char *const *a;

		if (getenv("BENCH_SETTLE_MS"))
			usleep(1000 * (useconds_t)atoi(getenv("BENCH_SETTLE_MS")));
		vm_clear_inbox(&vm);
		t0 = now_us();
		destroy_pod(&vm);
		start_pod(&vm);
		t1 = now_us();
		b = vm_req(&vm, PP_MSG_ADD_CONTAINER);
		pp_put_str(b, PP_F_CONTAINER, "main");
		pp_put_str(b, PP_F_IMAGE_FILE, image_file);
		for (a = sleeper; *a; a++)
			pp_put_str(b, PP_F_ARGV, *a);
		pp_put_u32(b, PP_F_GRACE_MS, 0);
		add_seq = vm.seq;
		if (vm_send(&vm, b) < 0)
			break;
		b = vm_req(&vm, PP_MSG_STATUS);
		status_seq = vm.seq;
		if (vm_send(&vm, b) < 0)
			break;
		m = vm_reply(&vm, add_seq, T_REPLY);
		if (!m || m->type != PP_MSG_OK) {
			fprintf(stderr, "start-bench: ADD_CONTAINER failed\n");
			vm_kill(&vm);
			return 1;
		}
		free(m);
		t2 = now_us();
		m = vm_reply(&vm, status_seq, T_REPLY);
		if (!m) {
			fprintf(stderr, "start-bench: no STATUS\n");
			vm_kill(&vm);
			return 1;
		}
		free(m);
		t3 = now_us();
		t4 = t3;
		fprintf(stderr, "round %d: DESTROY+START_POD %.1f, ADD answered %.1f, STATUS answered %.1f, replace %.1f ms\n",
			i, (t1 - t0) / 1e3, (t2 - t1) / 1e3, (t3 - t1) / 1e3, (t4 - t0) / 1e3);
		if (i < 0)
			continue;
		total[i] = (t4 - t0) / 1e3;
		addr[i] = (t2 - t1) / 1e3;
		stat[i] = (t3 - t1) / 1e3;
	}
	vm_kill(&vm);
	if (o->append && strstr(o->append, "peapod_trace=1")) {
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "grep 'trace:' %s/console.log | tail -80", vm.dir);
		fflush(stderr);
		if (system(cmd) != 0)
			fprintf(stderr, "start-bench: no trace in %s/console.log\n", vm.dir);
	}
	printf("guest_replace_loop_add_answered: %.2f ms (median, n=%d)\n", median(addr, rounds), rounds);
	printf("guest_replace_loop_status_answered: %.2f ms (median, n=%d)\n", median(stat, rounds), rounds);
	printf("guest_replace_loop: %.2f ms (median, n=%d)\n", median(total, rounds), rounds);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const http[] = { "httpd", "-f", "-p", "80", NULL };
	static const char *const sleeper[] = { "sleep", "3600", NULL };
	struct vm_opts o = { .name = "start-bench" };
	int rounds = 10, trace = 0, replace = 0, same = 0, restore = 0, listen = 0, sidecar = 1, i, n = 0;
	double *first, *second, *pod, *destroy, *cpu, *listened;
	struct vm vm;
	struct msg *m;
	char src[600];

	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--trace") == 0) {
			trace = 1;
			continue;
		}
		if (strcmp(argv[i], "--replace") == 0) {
			replace = 1;
			continue;
		}
		if (strcmp(argv[i], "--replace-loop") == 0) {
			replace = 2;
			continue;
		}
		if (strcmp(argv[i], "--same-image") == 0) {
			same = 1;
			continue;
		}
		if (strcmp(argv[i], "--listen") == 0) {
			listen = 1; /* time httpd's ADD_CONTAINER reply -> its first answer */
			continue;
		}
		if (strcmp(argv[i], "--no-sidecar") == 0) {
			sidecar = 0;
			continue;
		}
		if (strcmp(argv[i], "--restored") == 0) {
			restore = 1; /* RESTORED after READY, as to a VM restored from a template */
			continue;
		}
		if (!v)
			break;
		if (strcmp(argv[i], "--kernel") == 0)
			o.kernel = v;
		else if (strcmp(argv[i], "--initrd") == 0)
			o.initrd = v;
		else if (strcmp(argv[i], "--images") == 0)
			o.images = v;
		else if (strcmp(argv[i], "--run") == 0)
			o.run = v;
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(v);
		else if (strcmp(argv[i], "--vcpus") == 0)
			o.vcpus = atoi(v);
		else if (strcmp(argv[i], "--tb-size") == 0)
			o.tb_size_mib = atoi(v);
		else
			break;
		i++;
	}
	if (i < argc || !o.kernel || !o.initrd || !o.images || !o.run || rounds < 1) {
		fprintf(stderr, "usage: start_bench --kernel K --initrd I --images DIR --run DIR"
				" [--rounds N] [--vcpus N] [--tb-size MIB] [--trace] [--same-image] [--replace] [--replace-loop] [--restored]"
				" [--listen] [--no-sidecar]\n");
		return 2;
	}
	/* As the provider boots a TCG guest (QemuCommandLine.kernelCommandLine). */
	o.append = trace ? "tsc=reliable peapod_trace=1" : "tsc=reliable";
	first = calloc((size_t)rounds, sizeof(double));
	second = calloc((size_t)rounds, sizeof(double));
	pod = calloc((size_t)rounds, sizeof(double));
	destroy = calloc((size_t)rounds, sizeof(double));
	cpu = calloc((size_t)rounds, sizeof(double));
	listened = calloc((size_t)rounds, sizeof(double));
	if (listen)
		o.guest_port = 80;
	if (replace == 2) {
		char path[700];

		snprintf(path, sizeof(path), "%s/bench.erofs", o.images);
		snprintf(src, sizeof(src), "%s/img0.erofs", o.images);
		unlink(path);
		if (link(src, path) < 0) {
			fprintf(stderr, "start-bench: link %s: %s\n", path, strerror(errno));
			return 1;
		}
		return replace_loop(&o, rounds, "bench.erofs", restore);
	}
	if (replace) {
		double *cold = calloc((size_t)rounds, sizeof(double));
		double *warm = calloc((size_t)rounds, sizeof(double));
		char path[700];

		snprintf(path, sizeof(path), "%s/bench.erofs", o.images);
		snprintf(src, sizeof(src), "%s/img0.erofs", o.images);
		unlink(path);
		if (link(src, path) < 0) {
			fprintf(stderr, "start-bench: link %s: %s\n", path, strerror(errno));
			return 1;
		}
		for (i = 0; i < rounds; i++) {
			cold[i] = replace_sample(&o, 0, "bench.erofs");
			warm[i] = replace_sample(&o, 1, "bench.erofs");
			fprintf(stderr, "round %d: replace %.1f ms after a first start, %.1f ms after a warm-up\n",
				i, cold[i], warm[i]);
		}
		printf("guest_replace_after_first_start: %.2f ms (median, n=%d)\n", median(cold, rounds), rounds);
		printf("guest_replace_after_warm_up: %.2f ms (median, n=%d)\n", median(warm, rounds), rounds);
		return 0;
	}
	if (vm_boot(&vm, &o) < 0 || vm_connect(&vm, T_REPLY) < 0) {
		fprintf(stderr, "start-bench: the VM did not come up\n");
		return 1;
	}
	m = vm_take(&vm, NULL, NULL, 120000); /* READY at boot */
	if (!m || m->type != PP_MSG_READY) {
		fprintf(stderr, "start-bench: no READY\n");
		vm_kill(&vm);
		return 1;
	}
	free(m);
	if (restore)
		restored(&vm);
	snprintf(src, sizeof(src), "%s/img0.erofs", o.images);
	for (i = 0; i <= rounds; i++) {
		char file[64], path[700];
		double t0, t1, t2, t3, t4, c0, c1, tl = 0;
		int fds[2] = { -1, -1 };
		pid_t watch = -1;

		/* A new name each round: mounted afresh, as in a fresh pool VM;
		 * with --same-image the kept mount serves every round, as in a
		 * replace. */
		snprintf(file, sizeof(file), "bench-%d.erofs", same ? 0 : i);
		snprintf(path, sizeof(path), "%s/%s", o.images, file);
		unlink(path);
		if (link(src, path) < 0) {
			fprintf(stderr, "start-bench: link %s: %s\n", path, strerror(errno));
			vm_kill(&vm);
			return 1;
		}
		c0 = qemu_cpu_ms(vm.pid);
		t0 = now_us();
		start_pod(&vm);
		t1 = now_us();
		add(&vm, "http", file, http);
		t2 = now_us();
		if (listen && pipe(fds) == 0)
			watch = listen_watch(vm.host_port, fds[1]);
		if (sidecar)
			add(&vm, "sidecar", file, sleeper);
		t3 = now_us();
		if (watch > 0) {
			if (read(fds[0], &tl, sizeof(tl)) != sizeof(tl) || tl < 0) {
				fprintf(stderr, "start-bench: httpd never answered\n");
				vm_kill(&vm);
				return 1;
			}
			waitpid(watch, NULL, 0);
			close(fds[0]);
			close(fds[1]);
			tl = (tl - t2) / 1e3;
			fprintf(stderr, "round %d: httpd answered %.1f ms after its ADD_CONTAINER returned\n", i, tl);
		}
		destroy_pod(&vm);
		t4 = now_us();
		c1 = qemu_cpu_ms(vm.pid);
		vm_clear_inbox(&vm);
		unlink(path);
		fprintf(stderr, "round %d: START_POD %.1f, ADD http %.1f, ADD sidecar %.1f, DESTROY_POD %.1f ms\n",
			i, (t1 - t0) / 1e3, (t2 - t1) / 1e3, (t3 - t2) / 1e3, (t4 - t3) / 1e3);
		if (i == 0)
			continue; /* the warm-up */
		pod[n] = (t1 - t0) / 1e3;
		first[n] = (t2 - t1) / 1e3;
		second[n] = (t3 - t2) / 1e3;
		destroy[n] = (t4 - t3) / 1e3;
		cpu[n] = c1 - c0;
		listened[n] = tl;
		n++;
	}
	vm_kill(&vm);
	if (trace) {
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "grep 'trace:' %s/console.log | tail -40", vm.dir);
		fflush(stderr);
		if (system(cmd) != 0)
			fprintf(stderr, "start-bench: no trace in %s/console.log\n", vm.dir);
	}
	printf("guest_start_pod: %.2f ms (median, n=%d)\n", median(pod, n), n);
	printf("guest_add_container_first: %.2f ms (median, n=%d)\n", median(first, n), n);
	printf("guest_add_container_second: %.2f ms (median, n=%d)\n", median(second, n), n);
	printf("guest_destroy_pod: %.2f ms (median, n=%d)\n", median(destroy, n), n);
	if (listen)
		printf("guest_http_answers_after_add: %.2f ms (median, n=%d)\n", median(listened, n), n);
	{
		double sum = 0;

		for (i = 0; i < n; i++)
			sum += cpu[i];
		printf("qemu_cpu_per_round: %.2f ms (mean, n=%d; START_POD, 2 x ADD_CONTAINER, DESTROY_POD)\n",
		       sum / n, n);
	}
	return 0;
}
