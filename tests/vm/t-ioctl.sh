# ioctl errnos on an unconfigured array equal the C md's.
# impls: rust c
# group: default
mknod_md 0
expect_eq 0.90.3 "$(mdioctl /dev/md0 version)" RAID_VERSION
expect_eq "ENOTTY 25" "$(mdioctl /dev/md0 raw 0x1234)" "unknown ioctl"
expect_eq "ENOTTY 25" "$(mdioctl /dev/md0 raw 0x0914)" "RAID_AUTORUN"
expect_eq "EFAULT 14" "$(mdioctl /dev/md0 raw 0x800c0910 null)" "RAID_VERSION to NULL"
expect_eq "EFAULT 14" "$(mdioctl /dev/md0 raw 0x800c0910 bad)" "RAID_VERSION to unmapped"
expect_eq "ENODEV 19" "$(mdioctl /dev/md0 raw 0x80480911)" "GET_ARRAY_INFO unconfigured"
expect_eq "ENODEV 19" "$(mdioctl /dev/md0 raw 0x80140912)" "GET_DISK_INFO unconfigured"
expect_eq "ENODEV 19" "$(mdioctl /dev/md0 raw 0x0934)" "RESTART_ARRAY_RW unconfigured"
expect_eq "ENODEV 19" "$(mdioctl /dev/md0 raw 0x0929 0x0fd0)" "SET_DISK_FAULTY non-member"
expect_eq "EFAULT 14" "$(mdioctl /dev/md0 raw 0x40480923 bad)" "SET_ARRAY_INFO from unmapped"
# md reads a NULL SET_ARRAY_INFO as all zeroes (version 0.0), and the array is kept.
expect_eq "ok" "$(mdioctl /dev/md0 raw 0x40480923 null)" "SET_ARRAY_INFO from NULL"
expect_eq "0.0" "$(cat /sys/block/md0/md/metadata_version)" "metadata_version after SET_ARRAY_INFO"
expect_eq "EINVAL 22" "$(mdioctl /dev/md0 raw 0x400c0930 null)" "RUN_ARRAY with no members"
expect_eq "ok" "$(mdioctl /dev/md0 raw 0x0932)" "STOP_ARRAY unconfigured"
pass "ioctl ($IMPL)"
