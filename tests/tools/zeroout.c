// SPDX-License-Identifier: GPL-2.0
/*
 * zeroout: zeroes whole block devices, as fresh disk images are, for run-all's
 * reset between the tests of a group (tests/vm/run-all, "# group:").
 *   zeroout DEV...   BLKZEROOUT over all of each DEV (the kernel uses the disk's
 *                    write-zeroes command where it has one, else writes zero pages)
 * Prints nothing on success; "zeroout: DEV: ERRNAME errno" and exit status 1 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int zero_dev(const char *dev)
{
	uint64_t range[2] = { 0, 0 };
	int fd = open(dev, O_RDWR | O_EXCL);

	if (fd < 0)
		goto err;
	if (ioctl(fd, BLKGETSIZE64, &range[1]) < 0 || ioctl(fd, BLKZEROOUT, range) < 0 ||
	    fsync(fd) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		goto err;
	}
	close(fd);
	return 0;
err:
	fprintf(stderr, "zeroout: %s: %s %d\n", dev,
		strerrorname_np(errno) ? strerrorname_np(errno) : "E?", errno);
	return 1;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: zeroout DEV...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		rc |= zero_dev(argv[i]);
	return rc;
}
