// SPDX-License-Identifier: GPL-2.0
/*
 * mdioctl: issues raw md ioctls for the VM tests (bad input, errno checks).
 *   mdioctl DEV version             RAID_VERSION, prints "M.m.p"
 *   mdioctl DEV raw CMD [null|bad|ARG]  any ioctl number; pointer/argument as given
 *   mdioctl DEV add MINOR MEMBER...  SET_ARRAY_INFO {1, MINOR} (nothing else set), then
 *                                   ADD_NEW_DISK {0, major, minor, 0, 0} per MEMBER (a
 *                                   block device path), all on one fd; prints
 *                                   "NAME: ok" or "NAME: ERRNAME errno" per step
 *   mdioctl DEV bitmap state|on|off  GET_ARRAY_INFO; state prints "present" or "absent"
 *                                   (state bit 8, MD_SB_BITMAP_PRESENT); on/off sends it
 *                                   back with bit 8 set/cleared by SET_ARRAY_INFO (what
 *                                   mdadm --grow --bitmap does without sysfs)
 *   mdioctl MEMBER sb1set SBBYTE FIELD le16|le32|le64 VALUE
 *                                   sets a field of the v1.x superblock at byte SBBYTE
 *                                   of MEMBER (FIELD = byte offset in the superblock)
 *                                   and recomputes sb_csum, unless FIELD is 216
 *                                   (sb_csum itself, then VALUE is stored as is)
 * Prints "ok" or the errno name and number; exit status 0 on success, 1 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *ename(int e)
{
	return strerrorname_np(e) ? strerrorname_np(e) : "E?";
}

/* md's calc_sb_1_csum: le32 words over 256 + 2 * max_dev bytes, sb_csum as 0. */
static uint32_t sb1_csum(unsigned char *sb)
{
	uint32_t max_dev = sb[220] | sb[221] << 8 | sb[222] << 16 | (uint32_t)sb[223] << 24;
	uint32_t size, i, saved;
	uint64_t sum = 0;

	if (max_dev > 1920)
		max_dev = 1920;
	size = 256 + 2 * max_dev;
	memcpy(&saved, sb + 216, 4);
	memset(sb + 216, 0, 4);
	for (i = 0; i + 4 <= size; i += 4)
		sum += (uint32_t)(sb[i] | sb[i + 1] << 8 | sb[i + 2] << 16 |
				  (uint32_t)sb[i + 3] << 24);
	if (size % 4 == 2)
		sum += (uint32_t)(sb[i] | sb[i + 1] << 8);
	memcpy(sb + 216, &saved, 4);
	return (uint32_t)((sum & 0xffffffff) + (sum >> 32));
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static int sb1set(int argc, char **argv)
{
	static unsigned char sb[4096];
	long long sbbyte;
	unsigned long field;
	uint64_t value;
	int fd, bytes;

	if (argc < 7)
		return 2;
	sbbyte = strtoll(argv[3], NULL, 0);
	field = strtoul(argv[4], NULL, 0);
	bytes = !strcmp(argv[5], "le16") ? 2 : !strcmp(argv[5], "le32") ? 4 :
		!strcmp(argv[5], "le64") ? 8 : 0;
	value = strtoull(argv[6], NULL, 0);
	if (!bytes || field + bytes > sizeof(sb))
		return 2;
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || pread(fd, sb, sizeof(sb), sbbyte) != sizeof(sb)) {
		fprintf(stderr, "read %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	put_le(sb + field, value, bytes);
	if (field != 216)
		put_le(sb + 216, sb1_csum(sb), 4);
	if (pwrite(fd, sb, sizeof(sb), sbbyte) != sizeof(sb) || fsync(fd)) {
		fprintf(stderr, "write %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	close(fd);
	printf("ok\n");
	return 0;
}

static int add(int fd, int argc, char **argv)
{
	int info[18] = { 1, atoi(argv[3]) };
	int disk[5] = { 0 };
	struct stat st;
	int i, bad = 0;

	if (ioctl(fd, 0x40480923, info)) {
		printf("SET_ARRAY_INFO: %s %d\n", ename(errno), errno);
		return 1;
	}
	printf("SET_ARRAY_INFO: ok\n");
	for (i = 4; i < argc; i++) {
		const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];

		if (stat(argv[i], &st) || !S_ISBLK(st.st_mode)) {
			fprintf(stderr, "%s: not a block device\n", argv[i]);
			return 2;
		}
		disk[1] = major(st.st_rdev);
		disk[2] = minor(st.st_rdev);
		if (ioctl(fd, 0x40140921, disk)) {
			printf("%s: %s %d\n", name, ename(errno), errno);
			bad = 1;
		} else {
			printf("%s: ok\n", name);
		}
	}
	return bad;
}

static int bitmap(int fd, const char *what)
{
	int info[18];

	if (ioctl(fd, 0x80480911, info)) {
		printf("GET_ARRAY_INFO: %s %d\n", ename(errno), errno);
		return 1;
	}
	if (!strcmp(what, "state")) {
		printf("%s\n", info[11] & (1 << 8) ? "present" : "absent");
		return 0;
	}
	if (!strcmp(what, "on"))
		info[11] |= 1 << 8;
	else if (!strcmp(what, "off"))
		info[11] &= ~(1 << 8);
	else
		return 2;
	if (ioctl(fd, 0x40480923, info)) {
		printf("%s %d\n", ename(errno), errno);
		return 1;
	}
	printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	int fd, ret;
	unsigned long cmd;
	unsigned long arg = 0;
	static int buf[1024];

	if (argc < 3) {
		fprintf(stderr, "usage: mdioctl DEV version | raw CMD [null|bad|ARG] | "
			"add MINOR MEMBER... | bitmap state|on|off | "
			"sb1set SBBYTE FIELD le16|le32|le64 VALUE\n");
		return 2;
	}
	if (!strcmp(argv[2], "sb1set"))
		return sb1set(argc, argv);
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
	} else if (!strcmp(argv[2], "bitmap") && argc >= 4) {
		return bitmap(fd, argv[3]);
	} else if (!strcmp(argv[2], "add") && argc >= 5) {
		return add(fd, argc, argv);
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
	printf("%s %d\n", ename(errno), errno);
	return 1;
}
