/*
 * The ACPI power button (QMP system_powerdown): an input device named
 * "Power Button"; KEY_POWER on it means an orderly shutdown.
 */
#ifndef PEAPOD_POWER_H
#define PEAPOD_POWER_H

/* Opens the device; -1 when there is none. */
int power_button_open(void);
/* Reads pending input events; 1 when the button was pressed. */
int power_button_pressed(int fd);

#endif
