/*
 * The unit tests' checks: each counts, and a failed one says where and what
 * it got on stderr and the test goes on, so one run shows every failure.
 * main() prints the counts and returns failures != 0. Included by each
 * *_tests.c (one program each): the counters are that program's own.
 */
#ifndef PEAPOD_TESTS_CHECK_H
#define PEAPOD_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int checks, failures;

#define EXPECT(c) do { checks++; if (!(c)) { failures++; \
	fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #c); } } while (0)
#define EXPECT_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); checks++; \
	if (_a != _b) { failures++; fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
	__FILE__, __LINE__, #a, _a, _b); } } while (0)
#define EXPECT_STR(a, b) do { const char *_a = (a), *_b = (b); checks++; \
	if (!_a || strcmp(_a, _b) != 0) { failures++; fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
	__FILE__, __LINE__, #a, _a ? _a : "(null)", _b); } } while (0)

#endif
