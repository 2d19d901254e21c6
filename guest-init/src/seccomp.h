/*
 * The default seccomp profile of every container process: Docker's default
 * profile resolved for x86_64 and for the process's capabilities (the
 * default set of privileges.c unless a securityContext changed it), as
 * tables in seccomp.c, compiled to a classic BPF program and installed last
 * before execve().
 */
#ifndef PEAPOD_SECCOMP_H
#define PEAPOD_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

/* One classic BPF instruction (the layout of struct sock_filter). */
struct bpf_op {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

/* What the filter sees (the layout of struct seccomp_data). */
struct syscall_data {
	int32_t nr;
	uint32_t arch;
	uint64_t ip;
	uint64_t args[6];
};

#define BPF_MAX_OPS 4096 /* the kernel's BPF_MAXINSNS */

#define SECCOMP_RET_KILL_PROCESS 0x80000000u
#define SECCOMP_RET_ERRNO 0x00050000u
#define SECCOMP_RET_ALLOW 0x7fff0000u
#define AUDIT_ARCH_X86_64 0xc000003eu

/* The profile for a holder of `caps` (bit N: capability N) as a BPF program
 * in out[]; returns its length, or 0 when it does not fit in `cap`
 * instructions. Pure. */
size_t seccomp_compile(uint64_t caps, struct bpf_op *out, size_t cap);

/* Installs the profile for `caps` on the calling process. Needs
 * no_new_privs (or CAP_SYS_ADMIN). 0, or an errno. */
int seccomp_install(uint64_t caps);

/* A Localhost profile, compiled by the host (PP_F_SECCOMP_FILTER): whether
 * `len` bytes can be such a program (whole instructions, 1 to
 * PP_MAX_FILTER_OPS of them). The kernel checks the instructions. */
int seccomp_program_valid(size_t len);

/* Installs that program on the calling process, as seccomp_install does
 * the default profile. 0, or an errno (EINVAL: the kernel refused it). */
int seccomp_install_program(const uint8_t *program, size_t len);

#endif
