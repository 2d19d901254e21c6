/*
 * Unit tests of the default seccomp profile (src/seccomp.c): the compiled
 * BPF program is run by a small classic-BPF interpreter over system calls
 * that Docker's default profile allows, refuses, or allows only for some
 * arguments, for the default capabilities and for capabilities a
 * securityContext adds or drops. Built natively with ASan + UBSan (make test).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privileges.h"
#include "seccomp.h"

static int checks, failures;

#define EXPECT_RET(call, got, want) do { uint32_t _g = (got), _w = (want); checks++; \
	if (_g != _w) { failures++; fprintf(stderr, "%s:%d: %s returns 0x%08x, expected 0x%08x\n", \
	__FILE__, __LINE__, call, _g, _w); } } while (0)

#define ALLOWED SECCOMP_RET_ALLOW
#define EPERM_RET (SECCOMP_RET_ERRNO | EPERM)
#define ENOSYS_RET (SECCOMP_RET_ERRNO | ENOSYS)

static struct bpf_op prog[BPF_MAX_OPS];
static size_t prog_len;
static size_t steps; /* instructions the last run executed */

/* Classic BPF as the kernel runs a seccomp filter, for the opcodes the
 * compiler emits; anything else (or running off the end) is a bad value. */
static uint32_t run(const struct syscall_data *d)
{
	uint32_t a = 0;
	size_t pc = 0;

	for (steps = 1; pc < prog_len; steps++) {
		const struct bpf_op *o = &prog[pc];

		switch (o->code) {
		case 0x20: /* ld [k] */
			if (o->k % 4 || o->k + 4 > sizeof(*d))
				return 0xbad0bad0;
			memcpy(&a, (const char *)d + o->k, 4);
			pc++;
			break;
		case 0x05: /* ja k */
			pc += 1 + o->k;
			break;
		case 0x15: /* jeq */
			pc += 1 + (a == o->k ? o->jt : o->jf);
			break;
		case 0x35: /* jge */
			pc += 1 + (a >= o->k ? o->jt : o->jf);
			break;
		case 0x45: /* jset */
			pc += 1 + ((a & o->k) ? o->jt : o->jf);
			break;
		case 0x06: /* ret k */
			return o->k;
		default:
			return 0xbad0bad0;
		}
	}
	return 0xbad0bad0;
}

static uint32_t call(long nr, uint64_t arg0)
{
	struct syscall_data d;

	memset(&d, 0, sizeof(d));
	d.nr = (int32_t)nr;
	d.arch = AUDIT_ARCH_X86_64;
	d.args[0] = arg0;
	return run(&d);
}

static void test_compiles(void)
{
	prog_len = seccomp_compile(privileges_default_caps(), prog, BPF_MAX_OPS);
	checks++;
	if (prog_len == 0 || prog_len > BPF_MAX_OPS) {
		failures++;
		fprintf(stderr, "seccomp_compile gave %zu instructions\n", prog_len);
	}
	EXPECT_RET("compile into 10 slots", (uint32_t)seccomp_compile(privileges_default_caps(), prog + BPF_MAX_OPS - 10, 10), 0);
	/* The tail was not written past: compile again in full. */
	prog_len = seccomp_compile(privileges_default_caps(), prog, BPF_MAX_OPS);
}

static void test_every_number_decided(void)
{
	size_t most = 0;
	long nr;

	for (nr = 0; nr < 1024; nr++) {
		uint32_t r = call(nr, 0);

		checks++;
		if (r != ALLOWED && r != EPERM_RET && r != ENOSYS_RET) {
			failures++;
			fprintf(stderr, "syscall %ld: 0x%08x\n", nr, r);
		}
		if (steps > most)
			most = steps;
	}
	/* A search, not a list: every call is decided in a few steps. */
	checks++;
	if (most > 24) {
		failures++;
		fprintf(stderr, "a system call takes %zu BPF steps\n", most);
	}
}

static void test_allowed(void)
{
	static const long calls[] = {
		SYS_read, SYS_write, SYS_openat, SYS_close, SYS_mmap, SYS_execve, SYS_exit_group,
		SYS_futex, SYS_rt_sigreturn, SYS_fork, SYS_vfork, SYS_wait4, SYS_kill, SYS_chroot,
		SYS_mknodat, SYS_setuid, SYS_capset, SYS_ptrace, SYS_prctl, SYS_seccomp,
		SYS_arch_prctl, SYS_epoll_wait, SYS_openat2, SYS_close_range, SYS_statx,
		SYS_name_to_handle_at, SYS_rseq, SYS_pidfd_open,
	};
	size_t i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		char what[32];

		snprintf(what, sizeof(what), "syscall %ld", calls[i]);
		EXPECT_RET(what, call(calls[i], 0), ALLOWED);
	}
}

static void test_refused(void)
{
	static const struct {
		long nr;
		const char *name;
	} calls[] = {
		{ SYS_mount, "mount" }, { SYS_umount2, "umount2" }, { SYS_pivot_root, "pivot_root" },
		{ SYS_unshare, "unshare" }, { SYS_setns, "setns" }, { SYS_keyctl, "keyctl" },
		{ SYS_add_key, "add_key" }, { SYS_request_key, "request_key" },
		{ SYS_kexec_load, "kexec_load" }, { SYS_kexec_file_load, "kexec_file_load" },
		{ SYS_init_module, "init_module" }, { SYS_finit_module, "finit_module" },
		{ SYS_delete_module, "delete_module" }, { SYS_reboot, "reboot" }, { SYS_bpf, "bpf" },
		{ SYS_perf_event_open, "perf_event_open" }, { SYS_io_uring_setup, "io_uring_setup" },
		{ SYS_io_uring_enter, "io_uring_enter" }, { SYS_io_uring_register, "io_uring_register" },
		{ SYS_open_by_handle_at, "open_by_handle_at" }, { SYS_clock_settime, "clock_settime" },
		{ SYS_settimeofday, "settimeofday" }, { SYS_swapon, "swapon" }, { SYS_acct, "acct" },
		{ SYS_iopl, "iopl" }, { SYS_ioperm, "ioperm" }, { SYS_kcmp, "kcmp" },
		{ SYS_pidfd_getfd, "pidfd_getfd" }, { SYS_syslog, "syslog" }, { SYS_vhangup, "vhangup" },
		{ SYS_userfaultfd, "userfaultfd" }, { SYS_fsopen, "fsopen" },
		{ SYS_move_mount, "move_mount" }, { SYS_open_tree, "open_tree" },
		{ SYS_quotactl, "quotactl" }, { SYS_sethostname, "sethostname" },
		{ SYS_setdomainname, "setdomainname" }, { SYS_mbind, "mbind" },
		{ SYS_set_mempolicy, "set_mempolicy" }, { SYS_lookup_dcookie, "lookup_dcookie" },
		{ SYS_fanotify_init, "fanotify_init" }, { SYS_uselib, "uselib" },
		{ SYS_process_madvise, "process_madvise" }, { SYS_adjtimex + 0, "adjtimex (allowed)" },
	};
	size_t i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		uint32_t want = calls[i].nr == SYS_adjtimex ? ALLOWED : EPERM_RET;

		EXPECT_RET(calls[i].name, call(calls[i].nr, 0), want);
	}
}

static void test_arguments(void)
{
	/* clone: allowed unless it asks for a namespace. */
	EXPECT_RET("clone(SIGCHLD)", call(SYS_clone, 17), ALLOWED);
	EXPECT_RET("clone(thread flags)", call(SYS_clone, 0x3d0f00), ALLOWED);
	EXPECT_RET("clone(CLONE_NEWUSER)", call(SYS_clone, 0x10000000 | 17), EPERM_RET);
	EXPECT_RET("clone(CLONE_NEWNS)", call(SYS_clone, 0x00020000), EPERM_RET);
	EXPECT_RET("clone(CLONE_NEWNET)", call(SYS_clone, 0x40000000), EPERM_RET);
	EXPECT_RET("clone(CLONE_NEWCGROUP)", call(SYS_clone, 0x02000000), EPERM_RET);
	EXPECT_RET("clone(high bits only)", call(SYS_clone, 0x1000000011ull), ALLOWED);
	EXPECT_RET("clone3", call(SYS_clone3, 0), ENOSYS_RET);
	/* socket: any family but AF_VSOCK, judged on the int the kernel uses. */
	EXPECT_RET("socket(AF_INET)", call(SYS_socket, 2), ALLOWED);
	EXPECT_RET("socket(AF_UNIX)", call(SYS_socket, 1), ALLOWED);
	EXPECT_RET("socket(AF_VSOCK)", call(SYS_socket, 40), EPERM_RET);
	EXPECT_RET("socket(1<<32 | AF_VSOCK)", call(SYS_socket, 0x100000028ull), EPERM_RET);
	/* personality: the five values Docker allows. */
	EXPECT_RET("personality(PER_LINUX)", call(SYS_personality, 0), ALLOWED);
	EXPECT_RET("personality(PER_LINUX32)", call(SYS_personality, 8), ALLOWED);
	EXPECT_RET("personality(UNAME26)", call(SYS_personality, 0x20000), ALLOWED);
	EXPECT_RET("personality(UNAME26|PER_LINUX32)", call(SYS_personality, 0x20008), ALLOWED);
	EXPECT_RET("personality(query)", call(SYS_personality, 0xffffffff), ALLOWED);
	EXPECT_RET("personality(ADDR_NO_RANDOMIZE)", call(SYS_personality, 0x0040000), EPERM_RET);
	EXPECT_RET("personality(READ_IMPLIES_EXEC)", call(SYS_personality, 0x0400000), EPERM_RET);
}

static void test_outside_the_table(void)
{
	struct syscall_data d;

	EXPECT_RET("syscall 1000 (newer than the table)", call(1000, 0), ENOSYS_RET);
	EXPECT_RET("x32 read", call(0x40000000 | SYS_read, 0), ENOSYS_RET);
	EXPECT_RET("syscall -1", call(-1, 0), ENOSYS_RET);
	memset(&d, 0, sizeof(d));
	d.nr = 3; /* close on x86_64, read on i386 */
	d.arch = 0x40000003; /* AUDIT_ARCH_I386 */
	EXPECT_RET("i386 ABI", run(&d), SECCOMP_RET_KILL_PROCESS);
}

/* Docker's capability-gated entries: opened for the capabilities held. */
static void test_capabilities(void)
{
	uint64_t def = privileges_default_caps();

	prog_len = seccomp_compile(def | (1ull << 25) | (1ull << 21), prog, BPF_MAX_OPS);
	EXPECT_RET("clock_settime with SYS_TIME", call(SYS_clock_settime, 0), ALLOWED);
	EXPECT_RET("settimeofday with SYS_TIME", call(SYS_settimeofday, 0), ALLOWED);
	EXPECT_RET("mount with SYS_ADMIN", call(SYS_mount, 0), ALLOWED);
	EXPECT_RET("unshare with SYS_ADMIN", call(SYS_unshare, 0), ALLOWED);
	EXPECT_RET("clone(CLONE_NEWNS) with SYS_ADMIN", call(SYS_clone, 0x00020000), ALLOWED);
	EXPECT_RET("reboot without SYS_BOOT", call(SYS_reboot, 0), EPERM_RET);
	EXPECT_RET("keyctl whatever the capabilities", call(SYS_keyctl, 0), EPERM_RET);
	EXPECT_RET("kexec_load whatever the capabilities", call(SYS_kexec_load, 0), EPERM_RET);
	EXPECT_RET("io_uring_setup whatever the capabilities", call(SYS_io_uring_setup, 0), EPERM_RET);
	/* drop: [ALL]: not even chroot. */
	prog_len = seccomp_compile(0, prog, BPF_MAX_OPS);
	EXPECT_RET("chroot without SYS_CHROOT", call(SYS_chroot, 0), EPERM_RET);
	EXPECT_RET("read without any capability", call(SYS_read, 0), ALLOWED);
	/* Everything: still a filter, still no kexec. */
	prog_len = seccomp_compile(~0ull, prog, BPF_MAX_OPS);
	EXPECT_RET("reboot with SYS_BOOT", call(SYS_reboot, 0), ALLOWED);
	EXPECT_RET("init_module with SYS_MODULE", call(SYS_init_module, 0), ALLOWED);
	EXPECT_RET("kexec_load with every capability", call(SYS_kexec_load, 0), EPERM_RET);
	EXPECT_RET("clone3 with every capability", call(SYS_clone3, 0), ENOSYS_RET);
	prog_len = seccomp_compile(def, prog, BPF_MAX_OPS);
}

/* One instruction in the host's wire layout (PP_F_SECCOMP_FILTER). */
static void put_op(uint8_t *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
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

/* A Localhost program as the host sends it: its length is checked, and once
 * installed (in a child) mkdir fails with EPERM while the rest works; a
 * program the kernel refuses gives EINVAL instead of running unconfined. */
static void test_host_program(void)
{
	uint8_t deny_mkdir[4 * 8], bad[1 * 8];
	int status;
	pid_t pid;

	checks += 4;
	if (seccomp_program_valid(0) || seccomp_program_valid(12) ||
	    seccomp_program_valid((BPF_MAX_OPS + 1) * 8) || !seccomp_program_valid(BPF_MAX_OPS * 8)) {
		failures++;
		fprintf(stderr, "%s:%d: program lengths misjudged\n", __FILE__, __LINE__);
	}
	put_op(deny_mkdir, 0x20, 0, 0, 0);                      /* ld nr */
	put_op(deny_mkdir + 8, 0x15, 0, 1, SYS_mkdir);          /* jeq mkdir */
	put_op(deny_mkdir + 16, 0x06, 0, 0, SECCOMP_RET_ERRNO | EPERM);
	put_op(deny_mkdir + 24, 0x06, 0, 0, SECCOMP_RET_ALLOW);
	put_op(bad, 0x15, 9, 9, 0); /* jumps past the end, and no return */
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(10);
		if (seccomp_install_program(bad, sizeof(bad)) != EINVAL)
			_exit(11);
		if (seccomp_install_program(deny_mkdir, sizeof(deny_mkdir)) != 0)
			_exit(12);
		if (mkdir("/tmp/peapod-seccomp-test-never", 0700) == 0 || errno != EPERM)
			_exit(13);
		if (getpid() <= 0 || access("/", F_OK) != 0)
			_exit(14);
		_exit(0);
	}
	checks++;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		failures++;
		fprintf(stderr, "%s:%d: host program child ended with status 0x%x\n", __FILE__, __LINE__,
			status);
	}
}

int main(void)
{
	test_compiles();
	test_every_number_decided();
	test_allowed();
	test_refused();
	test_arguments();
	test_outside_the_table();
	test_capabilities();
	test_host_program();
	printf("seccomp tests: %d checks, %d failed (program: %zu instructions)\n", checks, failures,
	       prog_len);
	return failures ? 1 : 0;
}
