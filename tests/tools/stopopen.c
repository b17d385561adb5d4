/* stopopen DEV TRIES: opens DEV; a second thread keeps opening DEV and reading 4 KiB
 * (O_DIRECT) with short pauses while the first issues STOP_ARRAY on its fd until it
 * succeeds (at most TRIES times; EBUSY while the other holds it open). Then, with
 * the first fd still open, one more open. Prints the counts and the final open's
 * result; md (MD_CLOSING) refuses opens once the stop began: no read gets EIO
 * and the last open fails with ENODEV. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
static const char *dev;
static volatile int done;
static long opens, open_fail, reads_ok, reads_eof, reads_eio, reads_other;
static void *opener(void *a)
{
	void *buf;
	if (posix_memalign(&buf, 4096, 4096)) return NULL;
	while (!done) {
		int fd = open(dev, O_RDONLY | O_DIRECT);
		if (fd < 0) { open_fail++; usleep(300); continue; }
		opens++;
		ssize_t r = pread(fd, buf, 4096, 0);
		if (r == 4096) reads_ok++;
		else if (r == 0) reads_eof++;
		else if (r < 0 && errno == EIO) reads_eio++;
		else reads_other++;
		close(fd);
		usleep(300);
	}
	return NULL;
}
int main(int argc, char **argv)
{
	pthread_t t;
	int tries = argc > 2 ? atoi(argv[2]) : 2000, n, ret = -1, err = 0;
	dev = argv[1];
	int fd = open(dev, O_RDONLY);
	if (fd < 0) { perror("open"); return 2; }
	pthread_create(&t, NULL, opener, NULL);
	usleep(20000);
	for (n = 1; n <= tries; n++) {
		ret = ioctl(fd, 0x932, 0);
		err = errno;
		if (ret == 0 || err != EBUSY) break;
		usleep(100);
	}
	usleep(20000);
	done = 1;
	pthread_join(t, NULL);
	printf("stop: %s after %d tries\n", ret ? strerror(err) : "ok", n);
	printf("opener: %ld opens, %ld failed; reads %ld ok, %ld eof, %ld EIO, %ld other\n",
	       opens, open_fail, reads_ok, reads_eof, reads_eio, reads_other);
	int fd2 = open(dev, O_RDONLY);
	printf("open after stop: %s\n", fd2 < 0 ? strerror(errno) : "ok");
	if (fd2 >= 0) close(fd2);
	close(fd);
	return 0;
}
