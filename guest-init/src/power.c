/*
 * Power button. See power.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "power.h"
#include "util.h"

/* From linux/input.h (not in musl's headers). */
struct input_event {
	struct timeval time;
	uint16_t type;
	uint16_t code;
	int32_t value;
};
#define EV_KEY 0x01
#define KEY_POWER 116

int power_button_open(void)
{
	DIR *d = opendir("/sys/class/input");
	struct dirent *e;
	int fd = -1;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], name[64];
		ssize_t n;

		if (strncmp(e->d_name, "event", 5) != 0)
			continue;
		if (fmt(path, sizeof(path), "/sys/class/input/%s/device/name", e->d_name) < 0)
			continue;
		n = read_file(path, name, sizeof(name));
		while (n > 0 && name[n - 1] == '\n')
			name[--n] = 0;
		if (n <= 0 || strcmp(name, "Power Button") != 0)
			continue;
		if (fmt(path, sizeof(path), "/dev/input/%s", e->d_name) < 0)
			continue;
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			say("cannot open %s: %s", path, strerror(errno));
		break;
	}
	closedir(d);
	return fd;
}

int power_button_pressed(int fd)
{
	struct input_event ev[16];
	int pressed = 0;
	ssize_t n;

	while ((n = read(fd, ev, sizeof(ev))) > 0) {
		size_t i;

		for (i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
			if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
				pressed = 1;
		}
	}
	return pressed;
}
