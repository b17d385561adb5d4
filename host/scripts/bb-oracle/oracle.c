/* The kernel's block/badblocks.c driven from stdin, one operation a line, for the
 * differential test host/tests/badblocks_oracle.rs (built by
 * host/scripts/badblocks-oracle.sh, which compiles the kernel tree's own file):
 *   s START LEN ACK   badblocks_set      -> "r RV"
 *   c START LEN       badblocks_clear    -> "r RV"
 *   k START LEN       badblocks_check    -> "k RV FIRST LEN" (FIRST LEN 0 0 when RV 0)
 *   a                 ack_all_badblocks  -> nothing
 *   x                 changed = 0        -> nothing
 *   h SHIFT           shift = SHIFT      -> nothing
 *   z                 an empty list      -> nothing
 *   p                 the list           -> "l COUNT CHANGED UNACKED_EXIST" then
 *                                           "e START LEN ACK" per entry
 */
#include <linux/badblocks.h>

int main(void)
{
	struct badblocks bb;
	char line[256];

	if (badblocks_init(&bb, 1))
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long long s, n, a;
		sector_t first = 0;
		int len = 0, rv, i;

		switch (line[0]) {
		case 's':
			sscanf(line + 1, "%llu %llu %llu", &s, &n, &a);
			printf("r %d\n", badblocks_set(&bb, s, (int)n, (int)a));
			break;
		case 'c':
			sscanf(line + 1, "%llu %llu", &s, &n);
			printf("r %d\n", badblocks_clear(&bb, s, (int)n));
			break;
		case 'k':
			sscanf(line + 1, "%llu %llu", &s, &n);
			rv = badblocks_check(&bb, s, (int)n, &first, &len);
			if (!rv)
				first = len = 0;
			printf("k %d %llu %d\n", rv, (unsigned long long)first, len);
			break;
		case 'a':
			ack_all_badblocks(&bb);
			break;
		case 'x':
			bb.changed = 0;
			break;
		case 'z':
			bb.count = 0;
			bb.changed = 0;
			bb.unacked_exist = 0;
			bb.shift = 0;
			break;
		case 'h':
			sscanf(line + 1, "%llu", &s);
			bb.shift = (int)s;
			break;
		case 'p':
			printf("l %d %d %d\n", bb.count, bb.changed, bb.unacked_exist);
			for (i = 0; i < bb.count; i++)
				printf("e %llu %llu %d\n",
				       (unsigned long long)BB_OFFSET(bb.page[i]),
				       (unsigned long long)BB_LEN(bb.page[i]),
				       BB_ACK(bb.page[i]));
			break;
		}
	}
	return 0;
}
