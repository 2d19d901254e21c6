/*
 * See memory.h.
 *
 * Free page reporting (virtio-balloon) tells the host which guest pages are
 * free so that it can drop them. A VM restored from a template may map the
 * template's RAM copy-on-write, shared with other VMs, on a file system where
 * the host cannot drop anything; reporting would only be work for nothing.
 * page_reporting only reports free blocks of order >= page_reporting_order,
 * and MAX_ORDER is one above the largest order there is, so writing it stops
 * all reports (it is also the kernel's own "not set" value).
 */
#include <errno.h>

#include "memory.h"
#include "util.h"

#define REPORTING_ORDER "/sys/module/page_reporting/parameters/page_reporting_order"
#define MAX_ORDER_6_1 "11" /* MAX_ORDER of the x86 6.1 kernel Peapod builds */

int memory_stop_free_page_reporting(void)
{
	return write_str(REPORTING_ORDER, MAX_ORDER_6_1) < 0 ? -errno : 0;
}
