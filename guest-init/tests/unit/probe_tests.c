/*
 * Unit tests of probe_spec.c: PROBE/HOOK group decoding with its defaults
 * and refusals, the HTTP request a probe sends (no header injection), the
 * status line reader, and Kubernetes' threshold rules. Native, ASan + UBSan.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "probe_spec.h"
#include "request.h"

#include "check.h"

static uint8_t frame[8192];

/* Builds an ADD_CONTAINER payload holding one group built by `fill`, decodes
 * it through request.c (as guest-init does) and then the group. */
static int decode(uint16_t group_tag, void (*fill)(struct pp_buf *), struct probe_spec *s,
		  char *err, size_t errlen)
{
	struct pp_buf b;
	struct pp_request r;
	size_t g, n;
	int code;

	pp_buf_init(&b, frame, sizeof(frame));
	pp_frame_begin(&b, PP_MSG_ADD_CONTAINER, 1);
	pp_put_str(&b, PP_F_CONTAINER, "web");
	g = pp_group_begin(&b, group_tag);
	fill(&b);
	pp_group_end(&b, g);
	n = pp_frame_end(&b);
	if (pp_request_decode(&r, PP_MSG_ADD_CONTAINER, 1, frame + PP_HEADER_SIZE,
			      n - PP_HEADER_SIZE) < 0) {
		snprintf(err, errlen, "request: %s", r.error);
		pp_request_free(&r);
		memset(s, 0, sizeof(*s));
		return -1;
	}
	EXPECT_INT(group_tag == PP_F_PROBE ? r.n_probes : r.n_hooks, 1);
	code = probe_spec_decode(s, group_tag == PP_F_PROBE ? &r.probes[0] : &r.hooks[0],
				 group_tag == PP_F_HOOK, err, errlen);
	pp_request_free(&r);
	return code;
}

static void http_liveness(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_LIVENESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_HTTP);
	pp_put_str(b, PP_F_HTTP_PATH, "/healthz?deep=1");
	pp_put_u32(b, PP_F_PORT, 8080);
	pp_put_str(b, PP_F_HTTP_HEADER, "X-Probe: yes");
	pp_put_str(b, PP_F_HTTP_HEADER, "host: app.local");
	pp_put_u32(b, PP_F_GRACE_MS, 5000);
}

static void test_http_probe_defaults_and_request(void)
{
	struct probe_spec s;
	char err[200], req[PROBE_MAX_REQUEST];
	size_t n;

	EXPECT_INT(decode(PP_F_PROBE, http_liveness, &s, err, sizeof(err)), 0);
	EXPECT_INT(s.kind, PP_PROBE_LIVENESS);
	EXPECT_INT(s.port, 8080);
	EXPECT_STR(s.host, "127.0.0.1");
	EXPECT_INT(s.period_ms, 10000);
	EXPECT_INT(s.timeout_ms, 1000);
	EXPECT_INT(s.success_threshold, 1);
	EXPECT_INT(s.failure_threshold, 3);
	EXPECT_INT(s.has_grace, 1);
	EXPECT_INT(s.grace_ms, 5000);
	n = probe_http_request(&s, req, sizeof(req));
	EXPECT(n > 0);
	/* The spec's Host replaces the default one; the others stay. */
	EXPECT_STR(req, "GET /healthz?deep=1 HTTP/1.1\r\nUser-Agent: kube-probe/1.31\r\n"
			"Accept: */*\r\nX-Probe: yes\r\nhost: app.local\r\nConnection: close\r\n\r\n");
	EXPECT_INT(probe_http_request(&s, req, 20), 0); /* too small: refused, not cut */
	probe_spec_free(&s);
}

static void grpc_readiness(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_READINESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_GRPC);
	pp_put_u32(b, PP_F_PORT, 9090);
	pp_put_str(b, PP_F_GRPC_SERVICE, "probe");
}

static void grpc_no_service(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_LIVENESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_GRPC);
	pp_put_u32(b, PP_F_PORT, 9090);
}

static void grpc_no_port(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_LIVENESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_GRPC);
}

static void grpc_hook(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_HOOK_PRE_STOP);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_GRPC);
	pp_put_u32(b, PP_F_PORT, 9090);
}

static void https_hook(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_HOOK_PRE_STOP);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_HTTP);
	pp_put_u32(b, PP_F_PORT, 8443);
	pp_put_u32(b, PP_F_HTTP_TLS, 1);
}

static void test_grpc_and_https(void)
{
	struct probe_spec s;
	char err[200];

	EXPECT_INT(decode(PP_F_PROBE, grpc_readiness, &s, err, sizeof(err)), 0);
	EXPECT_INT(s.action, PP_ACTION_GRPC);
	EXPECT_INT(s.port, 9090);
	EXPECT_STR(s.host, "127.0.0.1");
	EXPECT_STR(s.service, "probe");
	probe_spec_free(&s);
	EXPECT_INT(decode(PP_F_PROBE, grpc_no_service, &s, err, sizeof(err)), 0);
	EXPECT_STR(s.service, "");
	EXPECT_INT(s.tls, 0);
	probe_spec_free(&s);
	EXPECT_INT(decode(PP_F_PROBE, grpc_no_port, &s, err, sizeof(err)), EINVAL);
	EXPECT_STR(err, "probe: PORT 0 is out of range (1-65535)");
	probe_spec_free(&s);
	EXPECT_INT(decode(PP_F_HOOK, grpc_hook, &s, err, sizeof(err)), EINVAL);
	EXPECT_STR(err, "hook: grpc is an action of probes only");
	probe_spec_free(&s);
	EXPECT_INT(decode(PP_F_HOOK, https_hook, &s, err, sizeof(err)), 0);
	EXPECT_INT(s.tls, 1);
	EXPECT_STR(s.path, "/");
	probe_spec_free(&s);
}

static void injected_header(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_READINESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_HTTP);
	pp_put_u32(b, PP_F_PORT, 80);
	pp_put_str(b, PP_F_HTTP_HEADER, "X-A: 1\r\nX-Injected: 2");
}

static void injected_path(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_READINESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_HTTP);
	pp_put_u32(b, PP_F_PORT, 80);
	pp_put_str(b, PP_F_HTTP_PATH, "/ HTTP/1.1\r\nX: y");
}

static void bad_port(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_READINESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_TCP);
	pp_put_u32(b, PP_F_PORT, 70000);
}

static void bad_host(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_READINESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_TCP);
	pp_put_u32(b, PP_F_PORT, 80);
	pp_put_str(b, PP_F_HOST, "example.com");
}

static void empty_exec(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_STARTUP);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_EXEC);
}

static void liveness_two_successes(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_LIVENESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_EXEC);
	pp_put_str(b, PP_F_ARGV, "true");
	pp_put_u32(b, PP_F_SUCCESS_THRESHOLD, 2);
}

static void sleep_probe(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_LIVENESS);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_SLEEP);
}

static void unknown_kind(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, 9);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_TCP);
	pp_put_u32(b, PP_F_PORT, 80);
}

static void short_u32(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_PROBE_LIVENESS);
	pp_put_bytes(b, PP_F_PORT, "\x01\x02", 2);
}

static void test_refusals(void)
{
	static const struct {
		void (*fill)(struct pp_buf *);
		int code;
		const char *msg;
	} cases[] = {
		{ injected_header, EINVAL, "probe: HTTP_HEADER \"X-A: 1\r\nX-Injected: 2\" is not \"Name: value\" on one line" },
		{ injected_path, EINVAL, "probe: HTTP_PATH must start with '/' and hold no space, CR or LF" },
		{ bad_port, EINVAL, "probe: PORT 70000 is out of range (1-65535)" },
		{ bad_host, EINVAL, "probe: HOST \"example.com\" is not an IPv4 address" },
		{ empty_exec, EINVAL, "probe: exec needs a command (ARGV)" },
		{ liveness_two_successes, EINVAL, "probe: SUCCESS_THRESHOLD must be 1 for liveness and startup probes" },
		{ sleep_probe, EINVAL, "probe: sleep is an action of hooks only" },
		{ unknown_kind, EINVAL, "probe: unknown PROBE_KIND 9" },
		{ short_u32, -1, "request: field PORT (0x5d): u32 must be 4 bytes" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probe_spec s;
		char err[200] = "";

		EXPECT_INT(decode(PP_F_PROBE, cases[i].fill, &s, err, sizeof(err)), cases[i].code);
		EXPECT_STR(err, cases[i].msg);
		probe_spec_free(&s);
	}
}

static void sleep_hook(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_HOOK_PRE_STOP);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_SLEEP);
	pp_put_u32(b, PP_F_SLEEP_MS, 1500);
}

static void exec_hook(struct pp_buf *b)
{
	pp_put_u32(b, PP_F_PROBE_KIND, PP_HOOK_POST_START);
	pp_put_u32(b, PP_F_ACTION, PP_ACTION_EXEC);
	pp_put_str(b, PP_F_ARGV, "sh");
	pp_put_str(b, PP_F_ARGV, "-c");
	pp_put_str(b, PP_F_ARGV, "echo hi > /tmp/started");
}

static void test_hooks(void)
{
	struct probe_spec s;
	char err[200];

	EXPECT_INT(decode(PP_F_HOOK, sleep_hook, &s, err, sizeof(err)), 0);
	EXPECT_INT(s.kind, PP_HOOK_PRE_STOP);
	EXPECT_INT(s.sleep_ms, 1500);
	EXPECT_INT(s.period_ms, 0); /* hooks run once: no probe defaults */
	probe_spec_free(&s);
	EXPECT_INT(decode(PP_F_HOOK, exec_hook, &s, err, sizeof(err)), 0);
	EXPECT_STR(s.argv[0], "sh");
	EXPECT_STR(s.argv[2], "echo hi > /tmp/started");
	EXPECT(s.argv[3] == NULL);
	probe_spec_free(&s);
}

static void test_http_status(void)
{
	EXPECT_INT(probe_http_status("HTTP/1.1 200 OK\r\n", 17), 200);
	EXPECT_INT(probe_http_status("HTTP/1.0 404 Not Found", 22), 404);
	EXPECT_INT(probe_http_status("HTTP/1.1 204\r\n", 14), 204);
	EXPECT_INT(probe_http_status("HTTP/1.1 20", 11), 0); /* incomplete: wait */
	EXPECT_INT(probe_http_status("HTT", 3), 0);
	EXPECT_INT(probe_http_status("SSH-2.0-OpenSSH", 15), -1);
	EXPECT_INT(probe_http_status("HTTP/1.1 2x0 OK", 15), -1);
	EXPECT_INT(probe_http_status("HTTP/1.1 999 Odd", 16), -1);
	EXPECT_INT(probe_http_status("HTTP/1.1 2000 OK", 16), -1);
}

static void test_tally(void)
{
	struct probe_spec s;
	struct probe_tally t;

	memset(&s, 0, sizeof(s));
	s.success_threshold = 2;
	s.failure_threshold = 3;
	probe_tally_reset(&t);
	EXPECT_INT(t.reported, -1);
	EXPECT_INT(probe_tally_feed(&t, 1, &s), 0); /* one success is not yet two */
	EXPECT_INT(probe_tally_feed(&t, 1, &s), 1);
	EXPECT_INT(t.reported, 1);
	EXPECT_INT(probe_tally_feed(&t, 0, &s), 0);
	EXPECT_INT(probe_tally_feed(&t, 0, &s), 0);
	EXPECT_INT(probe_tally_feed(&t, 1, &s), 0); /* a success breaks the run of failures */
	EXPECT_INT(probe_tally_feed(&t, 0, &s), 0);
	EXPECT_INT(probe_tally_feed(&t, 0, &s), 0);
	EXPECT_INT(probe_tally_feed(&t, 0, &s), 1);
	EXPECT_INT(t.reported, 0);
	EXPECT_INT(probe_tally_feed(&t, 0, &s), 0); /* already failed: no new change */
	EXPECT_INT(t.reported, 0);
}

int main(void)
{
	test_http_probe_defaults_and_request();
	test_refusals();
	test_grpc_and_https();
	test_hooks();
	test_http_status();
	test_tally();
	printf("probe_tests: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
