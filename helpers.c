// SPDX-License-Identifier: GPL-2.0
/*
 * rust-md: the few things Rust-for-Linux 6.12 cannot express, kept tiny.
 *
 * Module parameters, the /proc/mdstat proc_ops, the dev.raid sysctl table, the
 * block_device_operations of md gendisks, the blk_alloc_disk() macro, the
 * kobject type of /sys/block/mdN/md/ and a handful of static inlines. Every
 * callback forwards to a `rust_md_*` function (entry.rs); no md logic lives
 * here. Exported kernel functions are called from Rust through
 * kernel::bindings, never forwarded from here; each group below says why it
 * is C. The Rust declarations are in sys/ffi.rs.
 */
#include <linux/blkdev.h>
#include <linux/bio.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/hdreg.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/reboot.h>
#include <linux/major.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/sysfs.h>
#include <linux/wait.h>

#include "helpers.h"

/* ---- module parameters (names and modes as the kernel's md) ---- */
/* C: module_param*() are macros building static tables; 6.12's module! has no param callbacks. */

static bool create_on_open = true;
static unsigned int start_readonly;
static int start_dirty_degraded;

static int rmd_set_new_array(const char *val, const struct kernel_param *kp)
{
	return rust_md_new_array(val, strlen(val));
}

static int rmd_get_ro(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%u\n", start_readonly);
}

static int rmd_set_ro(const char *val, const struct kernel_param *kp)
{
	return kstrtouint(val, 10, &start_readonly);
}

module_param_call(start_ro, rmd_set_ro, rmd_get_ro, NULL, 0600);
module_param(start_dirty_degraded, int, 0644);
module_param_call(new_array, rmd_set_new_array, NULL, NULL, 0200);
module_param(create_on_open, bool, 0600);
MODULE_ALIAS("md");
MODULE_ALIAS_BLOCKDEV_MAJOR(MD_MAJOR);

bool rmd_create_on_open(void)
{
	return READ_ONCE(create_on_open);
}

unsigned int rmd_start_readonly(void)
{
	return READ_ONCE(start_readonly);
}

int rmd_start_dirty_degraded(void)
{
	return READ_ONCE(start_dirty_degraded);
}

/* ---- sysctl dev.raid ---- */
/* C: a static ctl_table with proc_handler pointers; 6.12's Rust has no sysctl API. */

static int sysctl_speed_limit_min = 1000;
static int sysctl_speed_limit_max = 200000;
static struct ctl_table_header *raid_table_header;

static struct ctl_table raid_table[] = {
	{
		.procname	= "speed_limit_min",
		.data		= &sysctl_speed_limit_min,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec,
	},
	{
		.procname	= "speed_limit_max",
		.data		= &sysctl_speed_limit_max,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec,
	},
};

int rmd_sysctl_register(void)
{
	raid_table_header = register_sysctl("dev/raid", raid_table);
	return raid_table_header ? 0 : -ENOMEM;
}

void rmd_sysctl_unregister(void)
{
	unregister_sysctl_table(raid_table_header);
	raid_table_header = NULL;
}

int rmd_speed_limit_min(void)
{
	return READ_ONCE(sysctl_speed_limit_min);
}

int rmd_speed_limit_max(void)
{
	return READ_ONCE(sysctl_speed_limit_max);
}

/* ---- /proc/mdstat ---- */
/* C: a static proc_ops table with the seq_file single_open callbacks. */

static int rmd_mdstat_show(struct seq_file *seq, void *v)
{
	return rust_md_mdstat_show(seq);
}

static int rmd_mdstat_open(struct inode *inode, struct file *file)
{
	return single_open(file, rmd_mdstat_show, NULL);
}

static const struct proc_ops rmd_mdstat_ops = {
	.proc_open	= rmd_mdstat_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

int rmd_mdstat_register(void)
{
	return proc_create("mdstat", 0444, NULL, &rmd_mdstat_ops) ? 0 : -ENOMEM;
}

void rmd_mdstat_unregister(void)
{
	remove_proc_entry("mdstat", NULL);
}

/* ---- the md major and its gendisks ---- */
/*
 * C: the probe and block_device_operations are static function-pointer tables
 * (and the ops' owner THIS_MODULE); blk_alloc_disk() is a macro (lockdep key).
 */

static void rmd_probe(dev_t dev);

int rmd_register_major(void)
{
	return __register_blkdev(MD_MAJOR, "md", rmd_probe);
}

/* The probe's policy (create_on_open, the named-array minors) is md_probe's in Rust. */
static void rmd_probe(dev_t dev)
{
	rust_md_probe(MINOR(dev));
}

static void rmd_submit_bio(struct bio *bio)
{
	rust_md_submit_bio(bio->bi_bdev->bd_disk->private_data, bio);
}

static int rmd_open(struct gendisk *disk, blk_mode_t mode)
{
	return rust_md_open(disk->private_data);
}

static void rmd_release(struct gendisk *disk)
{
	rust_md_release(disk->private_data);
}

static int rmd_ioctl(struct block_device *bdev, blk_mode_t mode,
		     unsigned int cmd, unsigned long arg)
{
	return rust_md_ioctl(bdev->bd_disk->private_data, cmd, arg,
			     capable(CAP_SYS_ADMIN));
}

static int rmd_getgeo(struct block_device *bdev, struct hd_geometry *geo)
{
	/* The fake geometry md reports: 2 heads, 4 sectors per track. */
	geo->heads = 2;
	geo->sectors = 4;
	geo->cylinders = get_capacity(bdev->bd_disk) / 8;
	return 0;
}

static void rmd_free_disk(struct gendisk *disk)
{
	rust_md_free_disk(disk->private_data);
}

static const struct block_device_operations rmd_fops = {
	.owner		= THIS_MODULE,
	.submit_bio	= rmd_submit_bio,
	.open		= rmd_open,
	.release	= rmd_release,
	.ioctl		= rmd_ioctl,
	.getgeo		= rmd_getgeo,
	.free_disk	= rmd_free_disk,
};

/*
 * Allocates the gendisk of an array: 9:minor named @name. private_data is
 * set later by the caller, before add_disk. Returns an ERR_PTR on failure.
 */
struct gendisk *rmd_alloc_disk(unsigned int minor, const char *name)
{
	struct gendisk *disk = blk_alloc_disk(NULL, NUMA_NO_NODE);

	if (IS_ERR(disk))
		return disk;
	disk->major = MD_MAJOR;
	disk->first_minor = minor;
	disk->minors = 1;
	strscpy(disk->disk_name, name, DISK_NAME_LEN);
	disk->fops = &rmd_fops;
	return disk;
}

/* ---- /sys/block/mdN/md/ ---- */
/* C: kobj_type, sysfs_ops and attribute groups are static tables of function pointers. */

struct rmd_kobj {
	struct kobject kobj;
	void *mddev;
};

static ssize_t rmd_attr_show(struct kobject *kobj, struct attribute *attr,
			     char *page)
{
	struct rmd_kobj *k = container_of(kobj, struct rmd_kobj, kobj);

	return rust_md_attr_show(k->mddev, attr->name, page);
}

static ssize_t rmd_attr_store(struct kobject *kobj, struct attribute *attr,
			      const char *page, size_t len)
{
	struct rmd_kobj *k = container_of(kobj, struct rmd_kobj, kobj);

	return rust_md_attr_store(k->mddev, attr->name, page, len);
}

static void rmd_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct rmd_kobj, kobj));
}

/*
 * The md/ and dev-NAME/ attribute names and modes are Rust's (sysfs.rs MD_ATTRS and
 * RDEV_ATTRS): copied once, before the first kobject uses them, into these arrays.
 * md/ holds md's default group, then its redundancy group (md creates the latter
 * when a personality with resync starts; raid1, our only one, has it).
 */
#define RMD_MD_ATTRS_MAX	48
#define RMD_RDEV_ATTRS_MAX	8
static struct attribute rmd_md_attr_defs[RMD_MD_ATTRS_MAX];
static struct attribute *rmd_default_attrs[RMD_MD_ATTRS_MAX + 1];
static struct attribute rmd_rdev_attr_defs[RMD_RDEV_ATTRS_MAX];
static struct attribute *rmd_rdev_attrs[RMD_RDEV_ATTRS_MAX + 1];
/* md/bitmap/: md's md_bitmap_group, a named default group of every array's md/. */
#define RMD_BITMAP_ATTRS_MAX	16
static struct attribute rmd_bitmap_attr_defs[RMD_BITMAP_ATTRS_MAX];
static struct attribute *rmd_bitmap_attrs[RMD_BITMAP_ATTRS_MAX + 1];
static DEFINE_MUTEX(rmd_attrs_lock);
/* 0: not filled yet, 1: filled, < 0: Rust's table does not fit (never changes). */
static int rmd_attrs_state;

static int rmd_attrs_fill(unsigned int set, struct attribute *defs,
			  struct attribute **list, unsigned int max)
{
	unsigned int i;

	for (i = 0;; i++) {
		struct rmd_attr_def d = rust_md_attr_def(set, i);

		if (!d.name)
			break;
		if (i == max)
			return -E2BIG;
		sysfs_attr_init(&defs[i]);
		defs[i].name = d.name;
		defs[i].mode = d.mode;
		list[i] = &defs[i];
	}
	list[i] = NULL;
	return 0;
}

static int rmd_attrs_init(void)
{
	int err;

	mutex_lock(&rmd_attrs_lock);
	if (!rmd_attrs_state) {
		err = rmd_attrs_fill(RMD_ATTRS_MD, rmd_md_attr_defs,
				     rmd_default_attrs, RMD_MD_ATTRS_MAX);
		if (!err)
			err = rmd_attrs_fill(RMD_ATTRS_RDEV, rmd_rdev_attr_defs,
					     rmd_rdev_attrs, RMD_RDEV_ATTRS_MAX);
		if (!err)
			err = rmd_attrs_fill(RMD_ATTRS_BITMAP, rmd_bitmap_attr_defs,
					     rmd_bitmap_attrs, RMD_BITMAP_ATTRS_MAX);
		rmd_attrs_state = err ?: 1;
	}
	err = min(rmd_attrs_state, 0);
	mutex_unlock(&rmd_attrs_lock);
	return err;
}

static const struct attribute_group rmd_default_group = {
	.attrs = rmd_default_attrs,
};

/* Its files share md/'s show and store (their names differ from md/'s own). */
static const struct attribute_group rmd_bitmap_group = {
	.name = "bitmap",
	.attrs = rmd_bitmap_attrs,
};

static const struct attribute_group *rmd_attr_groups[] = {
	&rmd_default_group,
	&rmd_bitmap_group,
	NULL,
};

static const struct sysfs_ops rmd_sysfs_ops = {
	.show	= rmd_attr_show,
	.store	= rmd_attr_store,
};

static const struct kobj_type rmd_ktype = {
	.release	= rmd_kobj_release,
	.sysfs_ops	= &rmd_sysfs_ops,
	.default_groups	= rmd_attr_groups,
};

/*
 * Creates /sys/block/<disk>/md/ for @mddev and sends its add uevent.
 * Attribute callbacks may run until rmd_md_kobj_remove() returns.
 */
struct rmd_kobj *rmd_md_kobj_add(struct gendisk *disk, void *mddev)
{
	struct rmd_kobj *k;
	int err;

	err = rmd_attrs_init();
	if (err)
		return ERR_PTR(err);
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return ERR_PTR(-ENOMEM);
	k->mddev = mddev;
	kobject_init(&k->kobj, &rmd_ktype);
	err = kobject_add(&k->kobj, &disk_to_dev(disk)->kobj, "%s", "md");
	if (err) {
		kobject_put(&k->kobj);
		return ERR_PTR(err);
	}
	kobject_uevent(&k->kobj, KOBJ_ADD);
	return k;
}

void rmd_md_kobj_remove(struct rmd_kobj *k)
{
	kobject_del(&k->kobj);
	kobject_put(&k->kobj);
}

void rmd_md_kobj_notify(struct rmd_kobj *k, const char *attr)
{
	sysfs_notify(&k->kobj, NULL, attr);
}

/* ---- members: exclusive open by dev_t, size, name, synchronous I/O ---- */
/*
 * C: BLK_OPEN_* are casts bindgen does not export, bdev_nr_sectors() and
 * bdev_logical_block_size() are static inlines without a Rust helper, %pg is a
 * printk extension, and the on-stack bio of rmd_sync_io uses static inlines.
 */

struct file *rmd_bdev_open(u32 dev, void *holder)
{
	return bdev_file_open_by_dev(dev, BLK_OPEN_READ | BLK_OPEN_WRITE,
				     holder, NULL);
}

u64 rmd_bdev_sectors(struct file *f)
{
	return bdev_nr_sectors(file_bdev(f));
}

unsigned int rmd_bdev_logical_block_size(struct file *f)
{
	return bdev_logical_block_size(file_bdev(f));
}

bool rmd_bdev_nonrot(struct file *f)
{
	return bdev_nonrot(file_bdev(f));
}

unsigned int rmd_bdev_io_opt(struct file *f)
{
	return bdev_io_opt(file_bdev(f));
}

void rmd_bdev_name(struct file *f, char *buf, size_t len)
{
	snprintf(buf, len, "%pg", file_bdev(f));
}

/*
 * Reads or writes @len bytes (a multiple of 512, at most a page, in one
 * kmalloc'ed buffer) at @sector and waits. Writes are PREFLUSH|FUA: a
 * superblock must be on the medium when this returns.
 */
int rmd_sync_io(struct file *f, u64 sector, void *buf, unsigned int len,
		bool write)
{
	struct bio bio;
	struct bio_vec bvec;
	blk_opf_t opf = write ?
		REQ_OP_WRITE | REQ_SYNC | REQ_META | REQ_PREFLUSH | REQ_FUA :
		REQ_OP_READ | REQ_META;
	int ret;

	if (!len || len > PAGE_SIZE || (len & 511) ||
	    offset_in_page(buf) + len > PAGE_SIZE)
		return -EINVAL;
	bio_init(&bio, file_bdev(f), &bvec, 1, opf);
	bio.bi_iter.bi_sector = sector;
	__bio_add_page(&bio, virt_to_page(buf), len, offset_in_page(buf));
	ret = submit_bio_wait(&bio);
	bio_uninit(&bio);
	return ret;
}

/* ---- array queue: limits stacked from the members ---- */
/* C: queue_limits_start_update() and blk_set_stacking_limits' BLK_FEAT_* are inlines and casts. */

int rmd_set_limits(struct gendisk *disk, struct file **members,
		   const u64 *data_offsets, unsigned int n)
{
	struct queue_limits lim;
	unsigned int i;

	blk_set_stacking_limits(&lim);
	lim.features = BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA | BLK_FEAT_IO_STAT;
	/* raid1 does not advertise write-zeroes. */
	lim.max_write_zeroes_sectors = 0;
	for (i = 0; i < n; i++)
		queue_limits_stack_bdev(&lim, file_bdev(members[i]),
					data_offsets[i], disk->disk_name);
	return queue_limits_set(disk->queue, &lim);
}

/*
 * md's mddev_stack_new_rdev: a member joining a running array (a spare taking a
 * slot) adds its limits to the live ones, so e.g. a larger logical block size
 * reaches the array before any bio is cloned to it.
 */
int rmd_stack_new_member(struct gendisk *disk, struct file *member,
			 u64 data_offset)
{
	struct queue_limits lim = queue_limits_start_update(disk->queue);

	queue_limits_stack_bdev(&lim, file_bdev(member), data_offset,
				disk->disk_name);
	return queue_limits_commit_update(disk->queue, &lim);
}

/* ---- bios: split, clone to a member, complete ---- */
/*
 * C: the bio_sets (with the clone's front pad, reached by container_of) are
 * static C objects, and bi_end_io is a C callback pointer.
 * Reading a bio (sector, size, op, flags) and ending it are done in sys/bio.rs.
 */

/*
 * A clone to one mirror carries its request (a raid1 r1bio, owned by Rust) and
 * the mirror's index in front of it (the bio_set's front pad), as md's do.
 */
struct rmd_clone {
	void *r1;
	int idx;
	/* A write-behind copy: its pages are ours, freed at its end. */
	bool behind;
	struct bio bio;
};

static struct bio_set rmd_bio_set;
static struct bio_set rmd_split_set;
/* Write-behind copies carry pages of their own: bios with bvecs. */
static struct bio_set rmd_behind_set;

int rmd_bioset_init(void)
{
	int err;

	err = bioset_init(&rmd_bio_set, BIO_POOL_SIZE,
			  offsetof(struct rmd_clone, bio), 0);
	if (err)
		return err;
	err = bioset_init(&rmd_split_set, BIO_POOL_SIZE, 0, 0);
	if (err)
		goto out_bio;
	err = bioset_init(&rmd_behind_set, BIO_POOL_SIZE,
			  offsetof(struct rmd_clone, bio), BIOSET_NEED_BVECS);
	if (err)
		goto out_split;
	return 0;
out_split:
	bioset_exit(&rmd_split_set);
out_bio:
	bioset_exit(&rmd_bio_set);
	return err;
}

void rmd_bioset_exit(void)
{
	bioset_exit(&rmd_behind_set);
	bioset_exit(&rmd_split_set);
	bioset_exit(&rmd_bio_set);
}

/*
 * Splits the first @sectors off @bio and returns them; the rest is chained
 * and resubmitted (it comes back through submit_bio). NULL: @bio was ended.
 */
struct bio *rmd_bio_split_front(struct bio *bio, unsigned int sectors)
{
	struct bio *split = bio_split(bio, sectors, GFP_NOIO, &rmd_split_set);

	if (!split) {
		bio->bi_status = BLK_STS_RESOURCE;
		bio_endio(bio);
		return NULL;
	}
	bio_chain(split, bio);
	submit_bio_noacct(bio);
	return split;
}

/*
 * Splits the first @sectors off @bio and returns them, chained to @bio (which
 * keeps the rest and completes only after the front does); nothing is
 * resubmitted. NULL (nothing changed) when @sectors is not inside @bio or no
 * split can be had.
 */
struct bio *rmd_bio_split(struct bio *bio, unsigned int sectors)
{
	struct bio *split;

	if (!sectors || sectors >= bio_sectors(bio))
		return NULL;
	split = bio_split(bio, sectors, GFP_NOIO, &rmd_split_set);
	if (!split)
		return NULL;
	bio_chain(split, bio);
	return split;
}

static void rmd_clone_endio(struct bio *bio)
{
	struct rmd_clone *c = container_of(bio, struct rmd_clone, bio);
	void *r1 = c->r1;
	int idx = c->idx;
	u8 status = bio->bi_status;

	if (c->behind)
		bio_free_pages(bio);
	bio_put(bio);
	rust_md_clone_end(r1, idx, status);
}

/*
 * Sends a clone of @orig to @member, @offset sectors further on; its end is
 * reported to rust_md_clone_end(@r1, @idx, status). @failfast: md's MD_FAILFAST
 * (the member's driver gives up on errors without its own retries).
 */
void rmd_clone_submit(struct bio *orig, struct file *member, u64 offset,
		      void *r1, int idx, bool failfast)
{
	struct bio *bio = bio_alloc_clone(file_bdev(member), orig, GFP_NOIO,
					  &rmd_bio_set);
	struct rmd_clone *c = container_of(bio, struct rmd_clone, bio);

	c->r1 = r1;
	c->idx = idx;
	c->behind = false;
	bio->bi_iter.bi_sector += offset;
	bio->bi_end_io = rmd_clone_endio;
	if (failfast)
		bio->bi_opf |= REQ_FAILFAST_DEV | REQ_FAILFAST_TRANSPORT;
	submit_bio_noacct(bio);
}

/*
 * A write-behind clone (raid1's alloc_behind_master_bio): @orig's data copied
 * into pages of its own, so @orig may end before this write does. The copy
 * keeps @orig's operation and flags (a behind write must never go out as
 * anything else). Returns -ENOMEM (nothing sent) when that cannot be had, or
 * -EINVAL for a bio that is not a plain data write of at most BIO_MAX_VECS pages.
 */
int rmd_clone_submit_behind(struct bio *orig, struct file *member, u64 offset,
			    void *r1, int idx)
{
	unsigned int size = orig->bi_iter.bi_size;
	unsigned int nr = DIV_ROUND_UP(size, PAGE_SIZE);
	struct rmd_clone *c;
	struct bio *bio;
	unsigned int i;

	if (!size || bio_op(orig) != REQ_OP_WRITE || nr > BIO_MAX_VECS)
		return -EINVAL;
	bio = bio_alloc_bioset(file_bdev(member), nr, orig->bi_opf, GFP_NOIO,
			       &rmd_behind_set);
	if (!bio)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		unsigned int len = min_t(unsigned int, PAGE_SIZE,
					 size - i * PAGE_SIZE);
		struct page *page = alloc_page(GFP_NOIO);

		if (!page || bio_add_page(bio, page, len, 0) != len) {
			if (page)
				__free_page(page);
			bio_free_pages(bio);
			bio_put(bio);
			return -ENOMEM;
		}
	}
	bio_copy_data(bio, orig);
	c = container_of(bio, struct rmd_clone, bio);
	c->r1 = r1;
	c->idx = idx;
	c->behind = true;
	bio->bi_iter.bi_sector = orig->bi_iter.bi_sector + offset;
	bio->bi_end_io = rmd_clone_endio;
	submit_bio_noacct(bio);
	return 0;
}

/*
 * raid1's narrow_write_error: writes @sectors of @orig's data, starting @skip
 * sectors into it, to @member (@offset sectors further on) as a plain write,
 * and waits for it. -EINVAL for a piece outside @orig.
 */
int rmd_clone_write_sync(struct bio *orig, struct file *member, u64 offset,
			 unsigned int skip, unsigned int sectors)
{
	struct bio *bio;
	int ret;

	if (!sectors || (u64)skip + sectors > bio_sectors(orig))
		return -EINVAL;
	bio = bio_alloc_clone(file_bdev(member), orig, GFP_NOIO, &rmd_bio_set);
	if (!bio)
		return -ENOMEM;
	bio->bi_opf = REQ_OP_WRITE;
	bio_trim(bio, skip, sectors);
	bio->bi_iter.bi_sector += offset;
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

/* ---- page buffers and synchronous member I/O for resync and repairs ---- */
/* C: alloc_page()/page_address() are macros/inlines; the batch's end_io is a C callback. */

struct rmd_buf {
	unsigned int nr;
	struct page *pages[];
};

struct rmd_buf *rmd_buf_alloc(unsigned int nr)
{
	struct rmd_buf *b = kzalloc(struct_size(b, pages, nr), GFP_KERNEL);
	unsigned int i;

	if (!b)
		return NULL;
	b->nr = nr;
	for (i = 0; i < nr; i++) {
		b->pages[i] = alloc_page(GFP_KERNEL);
		if (!b->pages[i]) {
			rmd_buf_free(b);
			return NULL;
		}
	}
	return b;
}

void rmd_buf_free(struct rmd_buf *b)
{
	unsigned int i;

	for (i = 0; i < b->nr; i++)
		if (b->pages[i])
			__free_page(b->pages[i]);
	kfree(b);
}

void *rmd_buf_page(struct rmd_buf *b, unsigned int i)
{
	return i < b->nr ? page_address(b->pages[i]) : NULL;
}

/* The layout sys/ffi.rs mirrors (it asserts the same offsets). */
static_assert(offsetof(struct rmd_io, sector) == 2 * sizeof(void *));
static_assert(offsetof(struct rmd_io, sectors) == 2 * sizeof(void *) + 8);
static_assert(offsetof(struct rmd_io, write) == 2 * sizeof(void *) + 12);
static_assert(offsetof(struct rmd_io, status) == 2 * sizeof(void *) + 16);
static_assert(offsetof(struct rmd_io, batch) == 3 * sizeof(void *) + 16);
static_assert(sizeof(struct rmd_io) == 4 * sizeof(void *) + 16);

struct rmd_batch {
	atomic_t left;
	struct completion done;
};

static void rmd_batch_endio(struct bio *bio)
{
	struct rmd_io *io = bio->bi_private;
	struct rmd_batch *b = io->batch;

	io->status = blk_status_to_errno(bio->bi_status);
	bio_put(bio);
	if (atomic_dec_and_test(&b->left))
		complete(&b->done);
}

/*
 * Submits every request of @ios at once and waits for all of them: reads or
 * writes of @sectors at @sector on @file from/to the pages of @buf.
 * Each request's result is left in its ->status (0 or -errno).
 */
void rmd_io_batch(struct rmd_io *ios, unsigned int n)
{
	struct rmd_batch b;
	struct blk_plug plug;
	unsigned int i, p;

	atomic_set(&b.left, 1);
	init_completion(&b.done);
	/* One plug: each member's requests go to its queue together. */
	blk_start_plug(&plug);
	for (i = 0; i < n; i++) {
		struct rmd_io *io = &ios[i];
		unsigned int bytes = io->sectors << 9;
		unsigned int nr = DIV_ROUND_UP(bytes, PAGE_SIZE);
		struct bio *bio;

		io->batch = &b;
		if (!bytes || nr > io->buf->nr) {
			io->status = -EINVAL;
			continue;
		}
		bio = bio_alloc(file_bdev(io->file), nr,
				io->write ? REQ_OP_WRITE | REQ_SYNC : REQ_OP_READ,
				GFP_NOIO);
		bio->bi_iter.bi_sector = io->sector;
		for (p = 0; p < nr; p++) {
			unsigned int len = min_t(unsigned int, bytes, PAGE_SIZE);

			__bio_add_page(bio, io->buf->pages[p], len, 0);
			bytes -= len;
		}
		bio->bi_private = io;
		bio->bi_end_io = rmd_batch_endio;
		atomic_inc(&b.left);
		submit_bio(bio);
	}
	blk_finish_plug(&plug);
	if (!atomic_dec_and_test(&b.left))
		wait_for_completion_io(&b.done);
}

/* ---- per-array threads (md_thread), wait queues, the reconfig mutex ---- */
/*
 * C: kthread_run(), wait_event*() and init_waitqueue_head() are macros (the
 * latter two with a static lockdep key), as is mutex_init(); locking, unlocking
 * and kthread_should_stop() are called from Rust directly.
 */

struct rmd_thread {
	struct task_struct *tsk;
	wait_queue_head_t wqueue;
	unsigned long flags;
	long timeout;
	void (*run)(void *);
	void *data;
};

static int rmd_thread_main(void *arg)
{
	struct rmd_thread *t = arg;

	while (!kthread_should_stop()) {
		wait_event_interruptible_timeout(t->wqueue,
						 test_bit(0, &t->flags) ||
						 kthread_should_stop(),
						 t->timeout);
		clear_bit(0, &t->flags);
		if (kthread_should_stop())
			break;
		t->run(t->data);
	}
	return 0;
}

/* Starts a thread named @name that calls @run(@data) when woken or every @timeout_ms. */
struct rmd_thread *rmd_thread_start(void (*run)(void *), void *data,
				    unsigned int timeout_ms, const char *name)
{
	struct rmd_thread *t = kzalloc(sizeof(*t), GFP_KERNEL);
	struct task_struct *tsk;

	if (!t)
		return ERR_PTR(-ENOMEM);
	init_waitqueue_head(&t->wqueue);
	t->run = run;
	t->data = data;
	t->timeout = timeout_ms ? msecs_to_jiffies(timeout_ms) :
				  MAX_SCHEDULE_TIMEOUT;
	tsk = kthread_run(rmd_thread_main, t, "%s", name);
	if (IS_ERR(tsk)) {
		kfree(t);
		return ERR_CAST(tsk);
	}
	t->tsk = tsk;
	return t;
}

void rmd_thread_wake(struct rmd_thread *t)
{
	set_bit(0, &t->flags);
	wake_up(&t->wqueue);
}

/* rcu_read_lock/unlock are static inlines: the thread wake slot's reader side. */
void rmd_rcu_read_lock(void)
{
	rcu_read_lock();
}

void rmd_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

void rmd_thread_stop(struct rmd_thread *t)
{
	kthread_stop(t->tsk);
	kfree(t);
}

/* md's mddev_set_timeout: the next waits of the thread end after @timeout_ms (0: never). */
void rmd_thread_set_timeout(struct rmd_thread *t, unsigned int timeout_ms)
{
	WRITE_ONCE(t->timeout, timeout_ms ? msecs_to_jiffies(timeout_ms) :
					    MAX_SCHEDULE_TIMEOUT);
	set_bit(0, &t->flags);
	wake_up(&t->wqueue);
}

/*
 * An interrupt-safe spinlock (6.12's Rust has no spin_lock_irqsave): the bitmap's
 * counters are changed from bio completions, which may run in hard interrupts.
 */
struct rmd_spin {
	spinlock_t lock;
};

struct rmd_spin *rmd_spin_alloc(void)
{
	struct rmd_spin *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (s)
		spin_lock_init(&s->lock);
	return s;
}

void rmd_spin_free(struct rmd_spin *s)
{
	kfree(s);
}

unsigned long rmd_spin_lock_irqsave(struct rmd_spin *s)
{
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	return flags;
}

void rmd_spin_unlock_irqrestore(struct rmd_spin *s, unsigned long flags)
{
	spin_unlock_irqrestore(&s->lock, flags);
}

struct rmd_waitq {
	wait_queue_head_t wq;
};

struct rmd_waitq *rmd_waitq_alloc(void)
{
	struct rmd_waitq *q = kzalloc(sizeof(*q), GFP_KERNEL);

	if (q)
		init_waitqueue_head(&q->wq);
	return q;
}

void rmd_waitq_free(struct rmd_waitq *q)
{
	kfree(q);
}

void rmd_waitq_wake(struct rmd_waitq *q)
{
	/*
	 * Most wakes (every request's completion) find nobody waiting: skip the
	 * queue's lock then, as md's wake_up_barrier does. The full barrier in
	 * wq_has_sleeper orders the caller's change of the condition before the
	 * look at the queue; a waiter queues itself before it tests the condition.
	 */
	if (wq_has_sleeper(&q->wq))
		wake_up_all(&q->wq);
}

void rmd_waitq_wait(struct rmd_waitq *q, bool (*cond)(const void *),
		    const void *ctx)
{
	wait_event(q->wq, cond(ctx));
}

/*
 * A wait whose end user space controls (sync_max): interruptible, so the
 * hung-task detector does not take it for a hang (md_do_sync's wait on
 * recovery_wait). Our kthreads take no signals, so it ends only on cond.
 */
void rmd_waitq_wait_interruptible(struct rmd_waitq *q, bool (*cond)(const void *),
				  const void *ctx)
{
	while (wait_event_interruptible(q->wq, cond(ctx)))
		flush_signals(current);
}

/*
 * A bounded wait that is neither load nor a hang (TASK_IDLE): the safe-mode
 * worker sleeps out the idle time. Returns whether @cond held.
 */
bool rmd_waitq_wait_idle_timeout(struct rmd_waitq *q, bool (*cond)(const void *),
				 const void *ctx, unsigned int ms)
{
	return wait_event_idle_timeout(q->wq, cond(ctx), msecs_to_jiffies(ms)) > 0;
}

/* mutex_init(): a macro; 6.12's LockClassKey::as_ptr() is private to the kernel crate. */
void rmd_mutex_init(struct mutex *m)
{
	mutex_init(m);
}

/* ---- reboot: every array is marked clean first (md_notify_reboot) ---- */
/* C: a static notifier_block with its callback pointer. */

static int rmd_reboot(struct notifier_block *nb, unsigned long code, void *x)
{
	rust_md_reboot();
	return NOTIFY_DONE;
}

static struct notifier_block rmd_reboot_nb = {
	.notifier_call = rmd_reboot,
	.priority = INT_MAX,
};

int rmd_reboot_register(void)
{
	return register_reboot_notifier(&rmd_reboot_nb);
}

void rmd_reboot_unregister(void)
{
	unregister_reboot_notifier(&rmd_reboot_nb);
}

/* ---- /sys/block/mdN/md/dev-NAME/: one member ---- */

/*
 * Attribute values are a snapshot Rust refreshes under the array's lock;
 * show callbacks only take this spinlock, so removing the kobject never
 * waits for the array's lock.
 */
struct rmd_rdev_kobj {
	struct kobject kobj;
	spinlock_t lock;
	char state[64];
	int slot;
	u64 offset;
	u64 size_kib;
	int errors;
	bool block_link;
	void *mddev;
	u32 dev;
};

/*
 * Rust formats the snapshot (sysfs.rs RDEV_ATTRS); the copy keeps it consistent.
 * The bad-block lists are not in the snapshot: Rust reads them from the member
 * (found by mddev and dev, as a store).
 */
static ssize_t rmd_rdev_show(struct kobject *kobj, struct attribute *attr,
			     char *page)
{
	struct rmd_rdev_kobj *k = container_of(kobj, struct rmd_rdev_kobj, kobj);
	char state[sizeof(k->state)];
	u64 offset, size_kib;
	int slot, errors;

	spin_lock(&k->lock);
	memcpy(state, k->state, sizeof(state));
	slot = k->slot;
	offset = k->offset;
	size_kib = k->size_kib;
	errors = k->errors;
	spin_unlock(&k->lock);
	return rust_md_rdev_show(k->mddev, k->dev, attr->name, state, slot,
				 offset, size_kib, errors, page);
}

static ssize_t rmd_rdev_store(struct kobject *kobj, struct attribute *attr,
			      const char *page, size_t len)
{
	struct rmd_rdev_kobj *k = container_of(kobj, struct rmd_rdev_kobj, kobj);
	struct kernfs_node *kn = NULL;
	void *mddev = k->mddev;
	u32 dev = k->dev;
	ssize_t ret;

	/* "remove" deletes this very directory: don't wait for ourselves (as md). */
	if (!strcmp(attr->name, "state") && sysfs_streq(page, "remove"))
		kn = sysfs_break_active_protection(kobj, attr);
	ret = rust_md_rdev_store(mddev, dev, attr->name, page, len);
	if (kn)
		sysfs_unbreak_active_protection(kn);
	return ret;
}

static void rmd_rdev_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct rmd_rdev_kobj, kobj));
}

/* rmd_rdev_attrs: filled by rmd_attrs_init() from Rust's RDEV_ATTRS. */
ATTRIBUTE_GROUPS(rmd_rdev);

static const struct sysfs_ops rmd_rdev_sysfs_ops = {
	.show	= rmd_rdev_show,
	.store	= rmd_rdev_store,
};

static const struct kobj_type rmd_rdev_ktype = {
	.release	= rmd_rdev_release,
	.sysfs_ops	= &rmd_rdev_sysfs_ops,
	.default_groups	= rmd_rdev_groups,
};

struct rmd_rdev_kobj *rmd_rdev_kobj_add(struct rmd_kobj *parent,
					const char *name, struct file *member)
{
	struct rmd_rdev_kobj *k = kzalloc(sizeof(*k), GFP_KERNEL);
	int err;

	if (!k)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&k->lock);
	k->slot = -1;
	k->mddev = parent->mddev;
	k->dev = file_bdev(member)->bd_dev;
	kobject_init(&k->kobj, &rmd_rdev_ktype);
	err = kobject_add(&k->kobj, &parent->kobj, "dev-%s", name);
	if (err) {
		kobject_put(&k->kobj);
		return ERR_PTR(err);
	}
	k->block_link = !sysfs_create_link(&k->kobj,
					   bdev_kobj(file_bdev(member)),
					   "block");
	return k;
}

void rmd_rdev_kobj_update(struct rmd_rdev_kobj *k, const char *state, int slot,
			  u64 offset, u64 size_kib, int errors)
{
	spin_lock(&k->lock);
	strscpy(k->state, state, sizeof(k->state));
	k->slot = slot;
	k->offset = offset;
	k->size_kib = size_kib;
	k->errors = errors;
	spin_unlock(&k->lock);
}

void rmd_rdev_kobj_remove(struct rmd_rdev_kobj *k)
{
	if (k->block_link)
		sysfs_remove_link(&k->kobj, "block");
	kobject_del(&k->kobj);
	kobject_put(&k->kobj);
}

/* md/rdN -> dev-NAME, for members in slot N. */
int rmd_md_link_rdev(struct rmd_kobj *md, struct rmd_rdev_kobj *k,
		     const char *name)
{
	return sysfs_create_link(&md->kobj, &k->kobj, name);
}

void rmd_md_unlink(struct rmd_kobj *md, const char *name)
{
	sysfs_remove_link(&md->kobj, name);
}

/*
 * Allocation scope for work that writes wait on: reclaim must not recurse into I/O.
 * C: memalloc_noio_save/restore are static inlines without a Rust helper.
 */
unsigned int rmd_noio_save(void)
{
	return memalloc_noio_save();
}

void rmd_noio_restore(unsigned int flags)
{
	memalloc_noio_restore(flags);
}
