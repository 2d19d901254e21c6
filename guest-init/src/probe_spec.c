/*
 * Decoding of PROBE/HOOK groups and the pure rules of probe_spec.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "h2.h"
#include "probe_spec.h"

static int bad(char *err, size_t errlen, int code, const char *f, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(char *err, size_t errlen, int code, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(err, errlen, f, ap);
	va_end(ap);
	return code;
}

static char *dup_field(const struct pp_field *f)
{
	char *s = malloc((size_t)f->len + 1);

	if (s) {
		memcpy(s, f->value, f->len);
		s[f->len] = 0;
	}
	return s;
}

/* No byte that could end a request line or header early. */
static int clean_http_text(const char *s)
{
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n')
			return 0;
	}
	return 1;
}

static int valid_header(const char *h)
{
	const char *colon = strchr(h, ':');
	const char *p;

	if (!colon || colon == h || !clean_http_text(h))
		return 0;
	for (p = h; p < colon; p++) {
		/* An HTTP token: no space, control or separator in the name. */
		if (*p <= ' ' || *p >= 127 || strchr("()<>@,;:\\\"/[]?={}", *p))
			return 0;
	}
	return 1;
}

int probe_spec_decode(struct probe_spec *s, const struct pp_field *group, int is_hook,
		      char *err, size_t errlen)
{
	const char *what = is_hook ? "hook" : "probe";
	size_t nargv = 0, nhdr = 0;
	struct pp_iter it;
	struct pp_field f;
	struct in_addr addr;
	uint32_t port = 0;

	memset(s, 0, sizeof(*s));
	s->argv = calloc(PROBE_MAX_ARGV + 1, sizeof(char *));
	s->headers = calloc(PROBE_MAX_HEADERS + 1, sizeof(char *));
	if (!s->argv || !s->headers)
		return bad(err, errlen, ENOMEM, "%s: out of memory", what);
	pp_iter_init(&it, group->value, group->len);
	while (pp_iter_next(&it, &f) == PP_IT_FIELD) {
		char **str = NULL;
		uint32_t v = f.len == 4 ? pp_get_u32(f.value) : 0;

		switch (f.tag) {
		case PP_F_PROBE_KIND: s->kind = v; break;
		case PP_F_ACTION: s->action = v; break;
		case PP_F_PORT: port = v; break;
		case PP_F_INITIAL_DELAY_MS: s->initial_delay_ms = v; break;
		case PP_F_PERIOD_MS: s->period_ms = v; break;
		case PP_F_TIMEOUT_MS: s->timeout_ms = v; break;
		case PP_F_SUCCESS_THRESHOLD: s->success_threshold = v; break;
		case PP_F_FAILURE_THRESHOLD: s->failure_threshold = v; break;
		case PP_F_SLEEP_MS: s->sleep_ms = v; break;
		case PP_F_GRACE_MS: s->grace_ms = v; s->has_grace = 1; break;
		case PP_F_HTTP_PATH: str = &s->path; break;
		case PP_F_HOST: str = &s->host; break;
		case PP_F_GRPC_SERVICE: str = &s->service; break;
		case PP_F_HTTP_TLS: s->tls = v == 1; break;
		case PP_F_ARGV:
			if (nargv >= PROBE_MAX_ARGV)
				return bad(err, errlen, E2BIG, "%s: more than %d ARGV", what, PROBE_MAX_ARGV);
			str = &s->argv[nargv++];
			break;
		case PP_F_HTTP_HEADER:
			if (nhdr >= PROBE_MAX_HEADERS)
				return bad(err, errlen, E2BIG, "%s: more than %d HTTP_HEADER", what,
					   PROBE_MAX_HEADERS);
			str = &s->headers[nhdr++];
			break;
		default:
			break; /* unknown tags are ignored, as everywhere */
		}
		if (str) {
			free(*str);
			*str = dup_field(&f);
			if (!*str)
				return bad(err, errlen, ENOMEM, "%s: out of memory", what);
		}
	}
	if (is_hook ? (s->kind < PP_HOOK_POST_START || s->kind > PP_HOOK_PRE_STOP)
		    : (s->kind < PP_PROBE_LIVENESS || s->kind > PP_PROBE_STARTUP))
		return bad(err, errlen, EINVAL, "%s: unknown PROBE_KIND %u", what, s->kind);
	switch (s->action) {
	case PP_ACTION_EXEC:
		if (nargv == 0 || !*s->argv[0])
			return bad(err, errlen, EINVAL, "%s: exec needs a command (ARGV)", what);
		break;
	case PP_ACTION_HTTP:
		if (!s->path)
			s->path = strdup("/");
		if (!s->path)
			return bad(err, errlen, ENOMEM, "%s: out of memory", what);
		if (s->path[0] != '/' || !clean_http_text(s->path) || strchr(s->path, ' '))
			return bad(err, errlen, EINVAL,
				   "%s: HTTP_PATH must start with '/' and hold no space, CR or LF", what);
		for (nhdr = 0; s->headers[nhdr]; nhdr++) {
			if (!valid_header(s->headers[nhdr]))
				return bad(err, errlen, EINVAL,
					   "%s: HTTP_HEADER \"%.40s\" is not \"Name: value\" on one line",
					   what, s->headers[nhdr]);
		}
		__attribute__((fallthrough)); /* HTTP needs what TCP needs */
	case PP_ACTION_GRPC:
		if (s->action == PP_ACTION_GRPC) {
			if (is_hook)
				return bad(err, errlen, EINVAL, "hook: grpc is an action of probes only");
			if (!s->service)
				s->service = strdup("");
			if (!s->service)
				return bad(err, errlen, ENOMEM, "%s: out of memory", what);
			if (strlen(s->service) > H2_MAX_SERVICE)
				return bad(err, errlen, E2BIG, "probe: GRPC_SERVICE is longer than %u bytes",
					   H2_MAX_SERVICE);
		}
		__attribute__((fallthrough));
	case PP_ACTION_TCP:
		if (port < 1 || port > 65535)
			return bad(err, errlen, EINVAL, "%s: PORT %u is out of range (1-65535)", what,
				   port);
		s->port = (uint16_t)port;
		if (!s->host)
			s->host = strdup("127.0.0.1");
		if (!s->host)
			return bad(err, errlen, ENOMEM, "%s: out of memory", what);
		if (inet_pton(AF_INET, s->host, &addr) != 1)
			return bad(err, errlen, EINVAL, "%s: HOST \"%.40s\" is not an IPv4 address", what,
				   s->host);
		break;
	case PP_ACTION_SLEEP:
		if (!is_hook)
			return bad(err, errlen, EINVAL, "probe: sleep is an action of hooks only");
		break;
	default:
		return bad(err, errlen, EINVAL, "%s: unknown ACTION %u", what, s->action);
	}
	if (!is_hook) {
		if (s->period_ms == 0)
			s->period_ms = PROBE_DEFAULT_PERIOD_MS;
		if (s->timeout_ms == 0)
			s->timeout_ms = PROBE_DEFAULT_TIMEOUT_MS;
		if (s->success_threshold == 0)
			s->success_threshold = 1;
		if (s->failure_threshold == 0)
			s->failure_threshold = PROBE_DEFAULT_FAILURES;
		/* Kubernetes: liveness and startup probes must have a success
		 * threshold of 1 (a restart is decided by failures alone). */
		if (s->kind != PP_PROBE_READINESS && s->success_threshold != 1)
			return bad(err, errlen, EINVAL,
				   "probe: SUCCESS_THRESHOLD must be 1 for liveness and startup probes");
	}
	return 0;
}

void probe_spec_free(struct probe_spec *s)
{
	size_t i;

	if (s->argv) {
		for (i = 0; s->argv[i]; i++)
			free(s->argv[i]);
	}
	if (s->headers) {
		for (i = 0; s->headers[i]; i++)
			free(s->headers[i]);
	}
	free(s->argv);
	free(s->headers);
	free(s->path);
	free(s->host);
	free(s->service);
	memset(s, 0, sizeof(*s));
}

/* ---- HTTP ----------------------------------------------------------------- */

static int has_header(const struct probe_spec *s, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; s->headers && s->headers[i]; i++) {
		if (strncasecmp(s->headers[i], name, n) == 0 && s->headers[i][n] == ':')
			return 1;
	}
	return 0;
}

size_t probe_http_request(const struct probe_spec *s, char *buf, size_t cap)
{
	size_t len = 0, i;
	int n;

#define ADD(...) do { \
		n = snprintf(buf + len, cap - len, __VA_ARGS__); \
		if (n < 0 || (size_t)n >= cap - len) \
			return 0; \
		len += (size_t)n; \
	} while (0)
	if (cap == 0)
		return 0;
	ADD("GET %s HTTP/1.1\r\n", s->path ? s->path : "/");
	if (!has_header(s, "Host"))
		ADD("Host: %s:%u\r\n", s->host ? s->host : "127.0.0.1", (unsigned)s->port);
	if (!has_header(s, "User-Agent"))
		ADD("User-Agent: kube-probe/1.31\r\n");
	if (!has_header(s, "Accept"))
		ADD("Accept: */*\r\n");
	for (i = 0; s->headers && s->headers[i]; i++)
		ADD("%s\r\n", s->headers[i]);
	ADD("Connection: close\r\n\r\n");
#undef ADD
	return len;
}

int probe_http_status(const char *buf, size_t len)
{
	static const char prefix[] = "HTTP/1.";
	size_t i;
	int code = 0;

	for (i = 0; i < len && i < sizeof(prefix) - 1; i++) {
		if (buf[i] != prefix[i])
			return -1;
	}
	/* "HTTP/1.x NNN" is 12 bytes; wait for the space after the code too. */
	if (len < 13)
		return 0;
	if (buf[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		code = code * 10 + (buf[i] - '0');
	}
	if (buf[12] != ' ' && buf[12] != '\r')
		return -1;
	return code >= 100 && code <= 599 ? code : -1;
}

/* ---- Thresholds ------------------------------------------------------------ */

void probe_tally_reset(struct probe_tally *t)
{
	t->last = -1;
	t->run = 0;
	t->reported = -1;
}

int probe_tally_feed(struct probe_tally *t, int ok, const struct probe_spec *s)
{
	uint32_t need = ok ? s->success_threshold : s->failure_threshold;
	int before = t->reported;

	ok = ok ? 1 : 0;
	if (t->last == ok) {
		if (t->run < UINT32_MAX)
			t->run++;
	} else {
		t->last = ok;
		t->run = 1;
	}
	if (t->run >= (need ? need : 1))
		t->reported = ok;
	return t->reported != before;
}
