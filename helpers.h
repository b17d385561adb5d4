/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rust-md: the interface between helpers.c and the Rust crate. The rmd_*
 * functions are the C side, declared again in sys/ffi.rs; the rust_md_*
 * functions are the Rust side, defined in entry.rs. Kernel functions Rust
 * can call through kernel::bindings are not wrapped here.
 */
#ifndef RUST_MD_HELPERS_H
#define RUST_MD_HELPERS_H

#include <linux/blkdev.h>
#include <linux/seq_file.h>

struct rmd_kobj;
struct rmd_rdev_kobj;
struct rmd_buf;
struct rmd_thread;
struct rmd_waitq;

/* One request of rmd_io_batch(); mirrored in sys/ffi.rs, layout asserted on both sides. */
struct rmd_io {
	struct file *file;
	struct rmd_buf *buf;
	u64 sector;
	unsigned int sectors;
	bool write;
	int status;
	void *batch;
};

/* Rust side. */
int rust_md_new_array(const char *name, size_t len);
int rust_md_mdstat_show(struct seq_file *seq);
void rust_md_submit_bio(void *mddev, struct bio *bio);
int rust_md_open(void *mddev);
void rust_md_release(void *mddev);
int rust_md_ioctl(void *mddev, unsigned int cmd, unsigned long arg, bool admin);
void rust_md_free_disk(void *mddev);
ssize_t rust_md_attr_show(void *mddev, const char *attr, char *page);
ssize_t rust_md_attr_store(void *mddev, const char *attr, const char *page,
			   size_t len);
/* One md/ (set RMD_ATTRS_MD), dev-NAME/ (RMD_ATTRS_RDEV) or md/bitmap/ (RMD_ATTRS_BITMAP)
 * attribute; name NULL past the end. */
struct rmd_attr_def {
	const char *name;
	umode_t mode;
};
#define RMD_ATTRS_MD	0
#define RMD_ATTRS_RDEV	1
#define RMD_ATTRS_BITMAP	2
struct rmd_attr_def rust_md_attr_def(unsigned int set, unsigned int i);
void rust_md_probe(unsigned int minor);
void rust_md_clone_end(void *r1, int idx, u8 status);
ssize_t rust_md_rdev_store(void *mddev, u32 dev, const char *attr,
			   const char *page, size_t len);
ssize_t rust_md_rdev_show(void *mddev, u32 dev, const char *attr,
			  const char *state, int slot, u64 offset, u64 size_kib,
			  int errors, char *page);
void rust_md_reboot(void);

/* C side. */
bool rmd_create_on_open(void);
unsigned int rmd_start_readonly(void);
int rmd_start_dirty_degraded(void);
int rmd_sysctl_register(void);
void rmd_sysctl_unregister(void);
int rmd_speed_limit_min(void);
int rmd_speed_limit_max(void);
int rmd_mdstat_register(void);
void rmd_mdstat_unregister(void);
int rmd_register_major(void);
struct gendisk *rmd_alloc_disk(unsigned int minor, const char *name);
struct rmd_kobj *rmd_md_kobj_add(struct gendisk *disk, void *mddev);
void rmd_md_kobj_remove(struct rmd_kobj *k);
void rmd_md_kobj_notify(struct rmd_kobj *k, const char *attr);
struct file *rmd_bdev_open(u32 dev, void *holder);
u64 rmd_bdev_sectors(struct file *f);
unsigned int rmd_bdev_logical_block_size(struct file *f);
bool rmd_bdev_nonrot(struct file *f);
unsigned int rmd_bdev_io_opt(struct file *f);
void rmd_bdev_name(struct file *f, char *buf, size_t len);
int rmd_sync_io(struct file *f, u64 sector, void *buf, unsigned int len,
		bool write);
int rmd_set_limits(struct gendisk *disk, struct file **members,
		   const u64 *data_offsets, unsigned int n);
int rmd_stack_new_member(struct gendisk *disk, struct file *member,
			 u64 data_offset);
int rmd_bioset_init(void);
void rmd_bioset_exit(void);
void rmd_clone_submit(struct bio *orig, struct file *member, u64 offset,
		      void *r1, int idx, bool failfast);
int rmd_clone_submit_behind(struct bio *orig, struct file *member, u64 offset,
			    void *r1, int idx);
int rmd_clone_write_sync(struct bio *orig, struct file *member, u64 offset,
			 unsigned int skip, unsigned int sectors);
struct bio *rmd_bio_split_front(struct bio *bio, unsigned int sectors);
struct bio *rmd_bio_split(struct bio *bio, unsigned int sectors);

struct rmd_buf *rmd_buf_alloc(unsigned int nr);
void rmd_buf_free(struct rmd_buf *b);
void *rmd_buf_page(struct rmd_buf *b, unsigned int i);
void rmd_io_batch(struct rmd_io *ios, unsigned int n);

struct rmd_thread *rmd_thread_start(void (*run)(void *), void *data,
				    unsigned int timeout_ms, const char *name);
void rmd_thread_wake(struct rmd_thread *t);
void rmd_rcu_read_lock(void);
void rmd_rcu_read_unlock(void);
void rmd_thread_stop(struct rmd_thread *t);
void rmd_thread_set_timeout(struct rmd_thread *t, unsigned int timeout_ms);
struct rmd_spin;
struct rmd_spin *rmd_spin_alloc(void);
void rmd_spin_free(struct rmd_spin *s);
unsigned long rmd_spin_lock_irqsave(struct rmd_spin *s);
void rmd_spin_unlock_irqrestore(struct rmd_spin *s, unsigned long flags);
struct rmd_waitq *rmd_waitq_alloc(void);
void rmd_waitq_free(struct rmd_waitq *q);
void rmd_waitq_wake(struct rmd_waitq *q);
void rmd_waitq_wait_interruptible(struct rmd_waitq *q, bool (*cond)(const void *),
				  const void *ctx);
bool rmd_waitq_wait_idle_timeout(struct rmd_waitq *q, bool (*cond)(const void *),
				 const void *ctx, unsigned int ms);
void rmd_waitq_wait(struct rmd_waitq *q, bool (*cond)(const void *),
		    const void *ctx);
void rmd_mutex_init(struct mutex *m);
int rmd_reboot_register(void);
void rmd_reboot_unregister(void);

struct rmd_rdev_kobj *rmd_rdev_kobj_add(struct rmd_kobj *parent,
					const char *name, struct file *member);
void rmd_rdev_kobj_update(struct rmd_rdev_kobj *k, const char *state, int slot,
			  u64 offset, u64 size_kib, int errors);
void rmd_rdev_kobj_remove(struct rmd_rdev_kobj *k);
int rmd_md_link_rdev(struct rmd_kobj *md, struct rmd_rdev_kobj *k,
		     const char *name);
void rmd_md_unlink(struct rmd_kobj *md, const char *name);


unsigned int rmd_noio_save(void);
void rmd_noio_restore(unsigned int flags);

#endif /* RUST_MD_HELPERS_H */
