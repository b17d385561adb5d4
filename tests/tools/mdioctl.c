// SPDX-License-Identifier: GPL-2.0
/*
 * mdioctl: issues raw md ioctls for the VM tests (bad input, errno checks).
 *   mdioctl DEV version             RAID_VERSION, prints "M.m.p"
 *   mdioctl DEV raw CMD [null|bad|ARG]  any ioctl number; pointer/argument as given
 * Prints "ok" or the errno name and number; exit status 0 on success, 1 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd, ret;
	unsigned long cmd;
	unsigned long arg = 0;
	static int buf[1024];

	if (argc < 3) {
		fprintf(stderr, "usage: mdioctl DEV version | raw CMD [null|bad|ARG]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (!strcmp(argv[2], "version")) {
		ret = ioctl(fd, 0x800c0910, buf);
		if (ret == 0) {
			printf("%d.%d.%d\n", buf[0], buf[1], buf[2]);
			return 0;
		}
	} else if (!strcmp(argv[2], "raw") && argc >= 4) {
		cmd = strtoul(argv[3], NULL, 0);
		if (argc < 5)
			arg = (unsigned long)buf;
		else if (!strcmp(argv[4], "null"))
			arg = 0;
		else if (!strcmp(argv[4], "bad"))
			arg = 0x10; /* unmapped */
		else
			arg = strtoul(argv[4], NULL, 0);
		ret = ioctl(fd, cmd, arg);
		if (ret == 0) {
			printf("ok\n");
			return 0;
		}
	} else {
		return 2;
	}
	printf("%s %d\n", strerrorname_np(errno) ? strerrorname_np(errno) : "E?", errno);
	return 1;
}
