/*
 * Request results. See result.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "result.h"

void result_pid(struct result *res, pid_t pid)
{
	res->kind = RESULT_OK;
	res->pid = pid;
}

void result_error(struct result *res, int code, const char *container, const char *process,
		  const char *f, ...)
{
	va_list ap;

	res->kind = RESULT_ERROR;
	res->code = code;
	res->has_container = container != NULL;
	res->has_process = process != NULL;
	snprintf(res->container, sizeof(res->container), "%s", container ? container : "");
	snprintf(res->process, sizeof(res->process), "%s", process ? process : "");
	va_start(ap, f);
	vsnprintf(res->message, sizeof(res->message), f, ap);
	va_end(ap);
}
