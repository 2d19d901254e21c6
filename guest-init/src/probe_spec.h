/*
 * Probes and lifecycle hooks as the host declares them (PROBE and HOOK
 * groups of ADD_CONTAINER, see proto.h), and the pure rules that run them:
 * the HTTP request a probe sends, how its response's status line is read,
 * and Kubernetes' success/failure thresholds. No I/O here: probe.c does that,
 * and the unit tests and the fuzzer run these directly.
 */
#ifndef PEAPOD_PROBE_SPEC_H
#define PEAPOD_PROBE_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

#define PROBE_MAX_ARGV 64
#define PROBE_MAX_HEADERS 32
#define PROBE_MAX_REQUEST 4096 /* bytes of one HTTP request */

#define PROBE_DEFAULT_PERIOD_MS 10000u
#define PROBE_DEFAULT_TIMEOUT_MS 1000u
#define PROBE_DEFAULT_FAILURES 3u

/* One probe or hook: what to run and when. */
struct probe_spec {
	uint32_t kind;   /* PP_PROBE_* for a probe, PP_HOOK_* for a hook */
	uint32_t action; /* PP_ACTION_* */
	char **argv;     /* EXEC: NULL-terminated */
	char *path;      /* HTTP: request target */
	char *host;      /* HTTP, TCP, GRPC: IPv4 literal */
	char **headers;  /* HTTP: "Name: value", NULL-terminated */
	char *service;   /* GRPC: the health check's service, "" for the server */
	int tls;         /* HTTP: HTTPS */
	uint16_t port;
	uint32_t initial_delay_ms, period_ms, timeout_ms;
	uint32_t success_threshold, failure_threshold;
	uint32_t sleep_ms;
	uint32_t grace_ms; /* valid when has_grace */
	int has_grace;
};

/*
 * Decodes one PROBE (is_hook 0) or HOOK (is_hook 1) group whose field
 * lengths request.c already checked, applying the defaults. Returns 0, or an
 * errno with `err` naming what is wrong ("probe: PORT 0 is out of range").
 * Always call probe_spec_free() afterwards.
 */
int probe_spec_decode(struct probe_spec *s, const struct pp_field *group, int is_hook,
		      char *err, size_t errlen);
void probe_spec_free(struct probe_spec *s);

/* The GET request an HTTP action sends; returns its length, or 0 when it
 * would not fit in `cap`. A header the spec gives replaces the default one of
 * the same name (Host, User-Agent, Accept), as Kubernetes does. */
size_t probe_http_request(const struct probe_spec *s, char *buf, size_t cap);

/* Reads the status code from the start of a response: the code (100-599),
 * 0 while the status line is incomplete, -1 when it is not HTTP. */
int probe_http_status(const char *buf, size_t len);

/* Kubernetes' result keeping: a result counts only once it repeated
 * `threshold` times in a row (success_threshold or failure_threshold). */
struct probe_tally {
	int last;     /* last raw result: 1 success, 0 failure, -1 none yet */
	uint32_t run; /* how many times in a row it came */
	int reported; /* the result that counts: 1, 0, or -1 before any */
};

void probe_tally_reset(struct probe_tally *t);
/* Feeds one result; returns 1 when `reported` changed. */
int probe_tally_feed(struct probe_tally *t, int ok, const struct probe_spec *s);

#endif
