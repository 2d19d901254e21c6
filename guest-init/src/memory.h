/*
 * The guest kernel's memory settings that the host asks guest-init to change.
 */
#ifndef PEAPOD_MEMORY_H
#define PEAPOD_MEMORY_H

/* Turns free page reporting off for the rest of this boot; 0 or -errno. */
int memory_stop_free_page_reporting(void);

#endif
