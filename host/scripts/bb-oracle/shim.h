/* Just enough of the kernel's headers to compile block/badblocks.c in user space
 * (host/scripts/badblocks-oracle.sh). Locks are no-ops: the oracle is single-threaded. */
#ifndef BB_ORACLE_SHIM_H
#define BB_ORACLE_SHIM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t u32;
typedef uint8_t u8;
typedef u64 sector_t;
typedef int gfp_t;
typedef struct { int dummy; } seqlock_t;
struct device { int dummy; };
#define PAGE_SIZE 4096
#define GFP_KERNEL 0
#define EINVAL 22
#define ENOSPC 28
#define ENOMEM 12
#define fallthrough __attribute__((__fallthrough__))
#define EXPORT_SYMBOL_GPL(x)
#define WARN_ON(c) ((void)(c))
#define BUG() abort()
#define unlikely(x) (x)
#define dev_WARN_ONCE(d, c, ...) ((void)0)
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define roundup(x, y) ({ typeof(y) __y = y; (((x) + (__y - 1)) / __y) * __y; })
#define rounddown(x, y) ({ typeof(x) __x = (x); __x - (__x % (y)); })
#define seqlock_init(l) ((void)(l))
#define write_seqlock_irqsave(l, f) ((void)(l), (void)(f))
#define write_sequnlock_irqrestore(l, f) ((void)(l), (void)(f))
#define write_seqlock_irq(l) ((void)(l))
#define write_sequnlock_irq(l) ((void)(l))
#define read_seqbegin(l) (0u)
#define read_seqretry(l, s) (0)
#define kzalloc(n, g) calloc(1, n)
#define devm_kzalloc(d, n, g) calloc(1, n)
#define kfree(p) free(p)
#define devm_kfree(d, p) free(p)
#endif
