/* Loopback and eth0 setup at boot. */
#ifndef PEAPOD_NETWORK_H
#define PEAPOD_NETWORK_H

void network_up(void);

#endif
