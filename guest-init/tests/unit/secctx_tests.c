/*
 * Unit tests of the securityContext fields (0x48-0x57): their decoding in
 * ADD_CONTAINER and START_POD, defaults when absent, the refusals of bad
 * values, the supplementary group merge and the namespaced sysctl rule.
 * Built natively with ASan + UBSan (make test).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "privileges.h"
#include "request.h"
#include "secctx.h"

#include "check.h"

static uint8_t buf[1 << 16];

static int decode(struct pp_request *r, struct pp_buf *b)
{
	size_t n = pp_frame_end(b);
	struct pp_header h;

	EXPECT(n >= PP_HEADER_SIZE);
	pp_header_decode(buf, &h);
	return pp_request_decode(r, h.type, h.seq, buf + PP_HEADER_SIZE, h.length);
}

static void test_defaults_when_absent(void)
{
	struct pp_buf b;
	struct pp_request r;

	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_ADD_CONTAINER, 1);
	pp_put_str(&b, PP_F_CONTAINER, "web");
	EXPECT_INT(decode(&r, &b), 0);
	/* Docker's default set, no_new_privs on, the default profile. */
	EXPECT(secctx_caps(&r.security) == privileges_default_caps());
	EXPECT(secctx_caps(NULL) == privileges_default_caps());
	EXPECT_INT(secctx_no_new_privs(&r.security), 1);
	EXPECT_INT(secctx_no_new_privs(NULL), 1);
	EXPECT_INT(r.security.seccomp, PP_SECCOMP_RUNTIME_DEFAULT);
	EXPECT_INT(r.security.readonly_root, 0);
	EXPECT_INT(r.security.run_as_non_root, 0);
	EXPECT_INT(r.security.n_group_ids, 0);
	pp_request_free(&r);
}

static void test_restricted_container(void)
{
	struct pp_buf b;
	struct pp_request r;

	/* The "restricted" Pod Security Standard: drop ALL, no escalation. */
	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_ADD_CONTAINER, 2);
	pp_put_str(&b, PP_F_CONTAINER, "web");
	pp_put_u64(&b, PP_F_CAPS, 1ull << 10); /* NET_BIND_SERVICE only */
	pp_put_u32(&b, PP_F_NO_NEW_PRIVS, 1);
	pp_put_u32(&b, PP_F_SECCOMP, PP_SECCOMP_RUNTIME_DEFAULT);
	pp_put_u32(&b, PP_F_READONLY_ROOT, 1);
	pp_put_u32(&b, PP_F_RUN_AS_NON_ROOT, 1);
	pp_put_u32(&b, PP_F_GROUP_ID, 2000);
	pp_put_u32(&b, PP_F_GROUP_ID, 3000);
	pp_put_u32(&b, PP_F_GROUPS_STRICT, 1);
	EXPECT_INT(decode(&r, &b), 0);
	EXPECT(secctx_caps(&r.security) == (1ull << 10));
	EXPECT_INT(secctx_no_new_privs(&r.security), 1);
	EXPECT_INT(r.security.readonly_root, 1);
	EXPECT_INT(r.security.run_as_non_root, 1);
	EXPECT_INT(r.security.n_group_ids, 2);
	EXPECT_INT(r.security.group_ids[1], 3000);
	EXPECT_INT(r.security.groups_strict, 1);
	pp_request_free(&r);

	/* Escalation allowed and no capability at all. */
	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_ADD_CONTAINER, 3);
	pp_put_u64(&b, PP_F_CAPS, 0);
	pp_put_u32(&b, PP_F_NO_NEW_PRIVS, 0);
	pp_put_u32(&b, PP_F_SECCOMP, PP_SECCOMP_UNCONFINED);
	EXPECT_INT(decode(&r, &b), 0);
	EXPECT(secctx_caps(&r.security) == 0);
	EXPECT_INT(secctx_no_new_privs(&r.security), 0);
	EXPECT_INT(r.security.seccomp, PP_SECCOMP_UNCONFINED);
	pp_request_free(&r);

	/* A Localhost profile: the host's program travels as bytes. */
	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_ADD_CONTAINER, 4);
	pp_put_u32(&b, PP_F_SECCOMP, PP_SECCOMP_FILTER);
	pp_put_bytes(&b, PP_F_SECCOMP_FILTER, "\x06\0\0\0\0\0\xff\x7f", 8); /* ret ALLOW */
	EXPECT_INT(decode(&r, &b), 0);
	EXPECT_INT(r.security.seccomp, PP_SECCOMP_FILTER);
	EXPECT_INT(r.security.filter_len, 8);
	EXPECT(r.security.filter && r.security.filter[0] == 0x06 && r.security.filter[7] == 0x7f);
	pp_request_free(&r);
}

static void test_malformed(void)
{
	struct pp_buf b;
	struct pp_request r;
	int i;

	/* CAPS is a u64: 4 bytes make the message invalid, naming the field. */
	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_ADD_CONTAINER, 4);
	pp_put_u32(&b, PP_F_CAPS, 0);
	EXPECT_INT(decode(&r, &b), -1);
	EXPECT_INT(r.error_code, EINVAL);
	EXPECT(strstr(r.error, "CAPS") != NULL);
	pp_request_free(&r);

	/* More groups than the array holds: refused, not overflowed. */
	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_ADD_CONTAINER, 5);
	for (i = 0; i < PP_MAX_GROUP_IDS + 1; i++)
		pp_put_u32(&b, PP_F_GROUP_ID, (uint32_t)i);
	EXPECT_INT(decode(&r, &b), -1);
	EXPECT_INT(r.error_code, E2BIG);
	pp_request_free(&r);
}

static void test_start_pod_fields(void)
{
	struct pp_buf b;
	struct pp_request r;

	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_START_POD, 6);
	pp_put_str(&b, PP_F_POD, "web");
	pp_put_u32(&b, PP_F_FS_GROUP, 2000);
	pp_put_str(&b, PP_F_SYSCTL, "net/ipv4/ip_local_port_range=1024 65000");
	pp_put_str(&b, PP_F_SYSCTL, "kernel/shm_rmid_forced=1");
	EXPECT_INT(decode(&r, &b), 0);
	EXPECT(r.pod && strcmp(r.pod, "web") == 0);
	EXPECT_INT(r.has_fs_group, 1);
	EXPECT_INT(r.fs_group, 2000);
	EXPECT_INT(r.n_sysctl, 2);
	EXPECT(strcmp(r.sysctl[1], "kernel/shm_rmid_forced=1") == 0);
	EXPECT(r.sysctl[2] == NULL);
	pp_request_free(&r);

	pp_buf_init(&b, buf, sizeof(buf));
	pp_frame_begin(&b, PP_MSG_START_POD, 7);
	EXPECT_INT(decode(&r, &b), 0);
	EXPECT_INT(r.has_fs_group, 0);
	EXPECT_INT(r.n_sysctl, 0);
	EXPECT(r.sysctl[0] == NULL);
	pp_request_free(&r);
}

static void test_groups(void)
{
	struct pp_security s;
	struct user_ids ids;
	gid_t out[8];
	size_t n;

	memset(&s, 0, sizeof(s));
	memset(&ids, 0, sizeof(ids));
	ids.groups[0] = 10;
	ids.groups[1] = 20;
	ids.ngroups = 2;
	s.group_ids[0] = 20; /* already the user's: once */
	s.group_ids[1] = 2000;
	s.n_group_ids = 2;
	n = secctx_groups(&s, &ids, out, 8);
	EXPECT_INT(n, 3);
	EXPECT_INT(out[0], 10);
	EXPECT_INT(out[1], 20);
	EXPECT_INT(out[2], 2000);
	/* supplementalGroupsPolicy Strict: /etc/group's are left out. */
	s.groups_strict = 1;
	n = secctx_groups(&s, &ids, out, 8);
	EXPECT_INT(n, 2);
	EXPECT_INT(out[0], 20);
	EXPECT_INT(out[1], 2000);
	/* Bounded by the output. */
	s.groups_strict = 0;
	EXPECT_INT(secctx_groups(&s, &ids, out, 2), 2);
	EXPECT_INT(secctx_groups(NULL, &ids, out, 8), 2);
}

static void test_sysctls(void)
{
	char err[200];

	EXPECT(secctx_sysctl_valid("net/ipv4/ip_local_port_range=1024 65000", err, sizeof(err)));
	EXPECT(secctx_sysctl_valid("net/core/somaxconn=1024", err, sizeof(err)));
	EXPECT(secctx_sysctl_valid("kernel/shm_rmid_forced=1", err, sizeof(err)));
	EXPECT(secctx_sysctl_valid("kernel/msgmax=65536", err, sizeof(err)));
	EXPECT(secctx_sysctl_valid("kernel/sem=250 32000 100 128", err, sizeof(err)));
	EXPECT(secctx_sysctl_valid("fs/mqueue/msg_max=20", err, sizeof(err)));
	/* Node-level ones would change the kernel guest-init runs on. */
	EXPECT(!secctx_sysctl_valid("kernel/core_pattern=|/bin/sh", err, sizeof(err)));
	EXPECT(strstr(err, "not namespaced") != NULL);
	EXPECT(!secctx_sysctl_valid("kernel/semx=1", err, sizeof(err)));
	EXPECT(!secctx_sysctl_valid("vm/overcommit_memory=1", err, sizeof(err)));
	EXPECT(!secctx_sysctl_valid("kernel/panic=1", err, sizeof(err)));
	/* No way out of /proc/sys. */
	EXPECT(!secctx_sysctl_valid("net/../kernel/core_pattern=x", err, sizeof(err)));
	EXPECT(!secctx_sysctl_valid("/proc/sys/net/core/somaxconn=1", err, sizeof(err)));
	EXPECT(!secctx_sysctl_valid("net/core/somaxconn", err, sizeof(err)));
	EXPECT(!secctx_sysctl_valid("=1", err, sizeof(err)));
	EXPECT(!secctx_sysctl_valid("net/core/somaxconn=1\n2", err, sizeof(err)));
}

int main(void)
{
	test_defaults_when_absent();
	test_restricted_container();
	test_malformed();
	test_start_pod_fields();
	test_groups();
	test_sysctls();
	printf("secctx_tests: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
