/* The bare-boot baseline's init: powers the VM off the moment the kernel runs it. */
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	reboot(RB_POWER_OFF);
	return 0;
}
