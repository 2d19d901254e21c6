/*
 * See trace.h.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int trace_on;

void trace_init(void)
{
	const char *v = getenv("peapod_trace");

	trace_on = v && strcmp(v, "1") == 0;
}
