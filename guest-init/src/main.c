/*
 * guest-init: PID 1 of a Peapod VM.
 *
 * Boot (filesystems, network, host ports), then one poll() loop that owns
 * everything: signals arrive through a signalfd, time through a timerfd,
 * the host through the channels, and process output through pipes. Nothing
 * in the loop blocks on the host or on a process, except the short wait for
 * a spawned process to exec (process.c).
 *
 * PID 1 must never exit or crash (the kernel panics): fatal conditions are
 * logged and end in a power-off instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "container.h"
#include "events.h"
#include "host.h"
#include "loop.h"
#include "network.h"
#include "pidns.h"
#include "pod.h"
#include "power.h"
#include "trace.h"
#include "warmup.h"
#include "probe.h"
#include "process.h"
#include "util.h"

#define PROBE_INTERVAL_MS 2000     /* host (re)attach fallback when SIGIO is missed */
#define PORT_WAIT_MS 3000          /* virtio ports may appear just after we start */
#define SIGNAL_SHUTDOWN_GRACE_MS 10000

/* ---- Poll set ------------------------------------------------------------------- */

struct watch {
	watch_fn fn;
	void *arg;
};

static struct pollfd *pfds;
static struct watch *watches;
static size_t n_watch, cap_watch;

void pollset_add(int fd, short events, watch_fn fn, void *arg)
{
	if (n_watch == cap_watch) {
		size_t cap = cap_watch ? cap_watch * 2 : 64;
		struct pollfd *p = realloc(pfds, cap * sizeof(*p));
		struct watch *w;

		if (!p)
			fatal("out of memory growing the poll set");
		pfds = p;
		w = realloc(watches, cap * sizeof(*w));
		if (!w)
			fatal("out of memory growing the poll set");
		watches = w;
		cap_watch = cap;
	}
	pfds[n_watch].fd = fd;
	pfds[n_watch].events = events;
	pfds[n_watch].revents = 0;
	watches[n_watch].fn = fn;
	watches[n_watch].arg = arg;
	n_watch++;
}

/* ---- Boot ------------------------------------------------------------------------ */

static void must_mount(const char *src, const char *dst, const char *type, unsigned long flags,
		       const char *data)
{
	if (mkdir_p(dst, 0755) < 0 || mount(src, dst, type, flags, data) < 0)
		fatal("cannot mount %s on %s: %s", type, dst, strerror(errno));
}

/*
 * The kernel starts us on the initramfs (rootfs), which pivot_root(2) cannot
 * leave. Move onto a tmpfs the way switch_root does (MS_MOVE onto / plus
 * chroot), so containers can pivot_root away from our root later.
 */
static void leave_initramfs(void)
{
	must_mount("tmpfs", "/newroot", "tmpfs", 0, "mode=0755");
	if (chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		fatal("cannot leave the initramfs: %s", strerror(errno));
}

static void setup_cgroups(void)
{
	static const char *const controllers[] = { "+cpu", "+memory", "+pids" };
	size_t i;

	/* favordynmods: moving a process into a cgroup (every container's
	 * main process joins its own) takes the threadgroup lock for writing,
	 * which otherwise waits for an RCU grace period: 13-16 ms a container
	 * start under TCG at HZ=100, against under 1 ms so (bench/RESULTS.md,
	 * "Session 9"). It costs fork and exit an atomic each. A kernel before
	 * 6.0 does not know it (EINVAL): mounted without it then. */
	if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "nsdelegate,favordynmods") < 0)
		must_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   "nsdelegate");
	if (mkdir("/sys/fs/cgroup/peapod", 0755) < 0 && errno != EEXIST)
		fatal("cannot create the peapod cgroup: %s", strerror(errno));
	/* One by one, so a controller missing from the kernel costs only
	 * itself. */
	for (i = 0; i < ARRAY_LEN(controllers); i++) {
		if (write_str("/sys/fs/cgroup/cgroup.subtree_control", controllers[i]) < 0 ||
		    write_str("/sys/fs/cgroup/peapod/cgroup.subtree_control", controllers[i]) < 0)
			say("cgroup controller %s unavailable: %s", controllers[i] + 1, strerror(errno));
	}
}

static void boot_filesystems(void)
{
	leave_initramfs();
	must_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	must_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	must_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	must_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		   "newinstance,ptmxmode=0666,mode=0620");
	/* The pod's shared memory: every container binds this one tmpfs. */
	must_mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	must_mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	must_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	setup_cgroups();
	/* Our mounts propagate nowhere: containers copy them at unshare()
	 * time and detach what they do not need. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		say("cannot make / private: %s", strerror(errno));
	if (mkdir_p(POD_DIR, 0755) < 0 || mkdir_p(VOLUMES_DIR, 0755) < 0 ||
	    mkdir_p("/run/peapod/images", 0755) < 0 || mkdir_p("/run/peapod/containers", 0700) < 0)
		fatal("cannot create /run/peapod: %s", strerror(errno));
	if (sethostname("peapod", 6) < 0)
		say("sethostname: %s", strerror(errno));
}

/* ---- Loop ------------------------------------------------------------------------- */

static int sig_fd, timer_fd, power_fd = -1;
static struct timer probe_timer;

static void shutdown_request(const char *why)
{
	say("%s: shutting down", why);
	pod_destroy(SIGNAL_SHUTDOWN_GRACE_MS, 1);
}

/* The pod is gone after a SHUTDOWN or a signal, and its replies are queued:
 * write them out and power off. */
static void __attribute__((noreturn)) power_off(void)
{
	sync();
	say("powering off");
	channel_drain(&host_ctl, 2000);
	channel_drain(&host_log, 2000);
	reboot(RB_POWER_OFF);
	fatal("reboot(RB_POWER_OFF): %s", strerror(errno));
}

static void probe_channels(void)
{
	channel_probe(&host_ctl);
	channel_probe(&host_log);
	channel_probe(&host_evt);
}

static void probe_fire(void *arg)
{
	(void)arg;
	probe_channels();
	timer_arm(&probe_timer, PROBE_INTERVAL_MS);
}

static void on_signal(void *arg, int fd, short revents)
{
	struct signalfd_siginfo si[16];
	ssize_t n;

	(void)arg;
	(void)revents;
	while ((n = read(fd, si, sizeof(si))) > 0) {
		size_t i;

		for (i = 0; i < (size_t)n / sizeof(si[0]); i++) {
			switch (si[i].ssi_signo) {
			case SIGCHLD:
				proc_reap_all();
				break;
			case SIGIO:
				probe_channels();
				break;
			case SIGTERM:
			case SIGINT: /* Ctrl-Alt-Del, with RB_DISABLE_CAD */
			case SIGPWR:
				shutdown_request(strsignal((int)si[i].ssi_signo));
				break;
			default:
				break;
			}
		}
	}
}

static void on_timer(void *arg, int fd, short revents)
{
	uint64_t ticks;

	(void)arg;
	(void)revents;
	if (read(fd, &ticks, sizeof(ticks)) < 0)
		return;
}

static void on_ctl(void *arg, int fd, short revents)
{
	(void)arg;
	if (fd != host_ctl.fd)
		return;
	channel_handle(&host_ctl, revents);
	host_handle_input();
}

static void on_log(void *arg, int fd, short revents)
{
	(void)arg;
	if (fd == host_log.fd)
		channel_handle(&host_log, revents);
}

static void on_evt(void *arg, int fd, short revents)
{
	(void)arg;
	if (fd == host_evt.fd)
		channel_handle(&host_evt, revents);
}

static void on_power(void *arg, int fd, short revents)
{
	(void)arg;
	(void)revents;
	if (power_button_pressed(fd))
		shutdown_request("power button");
}

static void arm_timerfd(void)
{
	struct itimerspec its;
	uint64_t due = timer_next_due();

	memset(&its, 0, sizeof(its));
	if (due != UINT64_MAX) {
		if (due == 0)
			due = 1; /* 0 would disarm */
		its.it_value.tv_sec = (time_t)(due / 1000);
		its.it_value.tv_nsec = (long)(due % 1000) * 1000000L;
	}
	if (timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		say("timerfd_settime: %s", strerror(errno));
}

static void add_channel(struct channel *ch, watch_fn fn)
{
	short ev = channel_poll_events(ch);

	if (ev)
		pollset_add(ch->fd, ev, fn, NULL);
}

static void loop(void)
{
	for (;;) {
		size_t i;
		int n;

		n_watch = 0;
		pollset_add(sig_fd, POLLIN, on_signal, NULL);
		pollset_add(timer_fd, POLLIN, on_timer, NULL);
		add_channel(&host_ctl, on_ctl);
		add_channel(&host_log, on_log);
		add_channel(&host_evt, on_evt);
		if (power_fd >= 0)
			pollset_add(power_fd, POLLIN, on_power, NULL);
		proc_poll();
		container_poll();
		probes_poll();
		arm_timerfd();

		n = poll(pfds, n_watch, -1);
		if (n < 0 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		for (i = 0; n > 0 && i < n_watch; i++) {
			if (pfds[i].revents)
				watches[i].fn(watches[i].arg, pfds[i].fd, pfds[i].revents);
		}
		timer_run_due();
		/* After dispatch: finish removals, free what is done, and
		 * send what became ready. */
		proc_gc();
		container_check();
		pod_check();
		container_notice_readiness();
		host_settle();
		if (pod_power_off_due())
			power_off();
		events_pump();
		channel_flush(&host_ctl);
		channel_flush(&host_log);
		channel_flush(&host_evt);
		/* After the answers are out: the next pod's PID namespace and
		 * /proc get made while the host works on its next request. */
		if (!pod_destroying())
			pidns_prepare();
	}
}

static void setup_signals(void)
{
	sigset_t set;

	/* Everything asynchronous comes through the signalfd; the faults a
	 * bug would raise stay deliverable so they are not silently lost. */
	sigfillset(&set);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	sigdelset(&set, SIGABRT);
	sigprocmask(SIG_SETMASK, &set, NULL);
	/* The one disposition changed: spawn.c's child_main puts it back for
	 * container processes; one added here must be put back there too. */
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_fd < 0)
		fatal("signalfd: %s", strerror(errno));
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (timer_fd < 0)
		fatal("timerfd_create: %s", strerror(errno));
	/* Ctrl-Alt-Del becomes SIGINT instead of an immediate reboot. */
	reboot(RB_DISABLE_CAD);
}

int main(int argc, char **argv)
{
	uint64_t until;

	/* PID 1 of the pod's PID namespace, started by pidns.c. */
	if (argc > 0 && strcmp(argv[0], PIDNS_PAUSE_NAME) == 0)
		pidns_pause_main();
	if (argc > 0 && strcmp(argv[0], WARMUP_NAME) == 0)
		warmup_main();
	if (getpid() != 1) {
		fprintf(stderr, "guest-init: must run as PID 1 inside a Peapod VM\n");
		return 1;
	}
	setup_signals();
	trace_init();
	boot_filesystems();
	network_up();
	host_init();
	proc_set_output(&(const struct proc_output){ host_stream, host_stream_room });

	/* virtio-serial ports are announced by the host over the control
	 * queue and may show up a moment after we start. */
	until = mono_ms() + PORT_WAIT_MS;
	for (;;) {
		probe_channels();
		if ((host_ctl.fd >= 0 && host_log.fd >= 0) || mono_ms() >= until)
			break;
		usleep(10000);
	}
	if (host_ctl.fd < 0)
		say("port %s not found yet; will keep looking", PP_CTL_PORT_NAME);
	power_fd = power_button_open();
	timer_init(&probe_timer, probe_fire, NULL);
	timer_arm(&probe_timer, PROBE_INTERVAL_MS);
	loop();
	return 0;
}
