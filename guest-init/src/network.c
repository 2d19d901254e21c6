/*
 * Guest networking with plain ioctls (no netlink, no tools): lo up, and eth0
 * with QEMU user networking's fixed addresses when a NIC is present.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "network.h"
#include "util.h"

#define ETH_ADDR "10.0.2.15"
#define ETH_MASK "255.255.255.0"
#define ETH_GATEWAY "10.0.2.2"

static void set_sin(struct sockaddr *sa, const char *addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
}

static int if_up(int s, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static int if_addr(int s, const char *name, unsigned long req, const char *addr)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	set_sin(&ifr.ifr_addr, addr);
	return ioctl(s, req, &ifr);
}

void network_up(void)
{
	struct rtentry rt;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0) {
		say("network: socket: %s", strerror(errno));
		return;
	}
	/* The kernel gives lo 127.0.0.1 and ::1 itself once it is up. */
	if (if_up(s, "lo") < 0)
		say("network: lo: %s", strerror(errno));
	if (if_nametoindex("eth0") == 0)
		goto out; /* no NIC: a pod without network */
	if (if_addr(s, "eth0", SIOCSIFADDR, ETH_ADDR) < 0 ||
	    if_addr(s, "eth0", SIOCSIFNETMASK, ETH_MASK) < 0 || if_up(s, "eth0") < 0) {
		say("network: eth0: %s", strerror(errno));
		goto out;
	}
	memset(&rt, 0, sizeof(rt));
	set_sin(&rt.rt_dst, "0.0.0.0");
	set_sin(&rt.rt_genmask, "0.0.0.0");
	set_sin(&rt.rt_gateway, ETH_GATEWAY);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = "eth0";
	if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST)
		say("network: default route: %s", strerror(errno));
out:
	close(s);
}
