# mdadm create/use/stop/examine/assemble of RAID1 with metadata 1.0, 1.1, 1.2 (2 mirrors)
# and 1.2 with 3 mirrors; mdstat, --detail and --examine text as the C md's.
# impls: rust c
# run-vm: --disks 3 --disk-size 64M
mkdir -p /mnt
OUT=/tmp/normalized
: > $OUT
# Masks only what differs by design between two runs: times, uuids, names, events,
# checksum values (their verdict is kept). Trailing blanks are made visible with '~'.
norm() {
    sed -E -e 's/^( *(Creation|Update) Time :).*/\1 <time>/' \
        -e 's/^( *(Array |Device )?UUID :).*/\1 <uuid>/' \
        -e 's/^( *Name :).*/\1 <name>/' \
        -e 's/^( *Events :).*/\1 <events>/' \
        -e 's/^( *Checksum :) [0-9a-f]+ /\1 <csum> /' \
        -e 's/( +)$/\1~/'
}
section() { echo "== $*" >> $OUT; }
# md5 of a member's data area: DEV OFFSET_SECTORS SIZE_SECTORS. md writes members
# with bios, not through their page cache: callers drop caches first.
data_sum() {
    sum=$(dd if="$1" bs=1M iflag=skip_bytes,count_bytes skip=$(($2 * 512)) count=$(($3 * 512)) \
        2>/tmp/dd.err | md5sum)
    b=$(($3 * 512))
    grep -q "^$((b / 1048576))+$((b % 1048576 != 0)) records in" /tmp/dd.err \
        || { cat /tmp/dd.err; fail "reading the data area of $1"; }
    echo "$sum"
}

run_one() { # METADATA N MEMBER...
    md=$1; n=$2; shift 2
    tag="$md n=$n"
    uu=$(printf "%${n}s" | tr ' ' U)
    mdadm --create /dev/md0 --run --assume-clean --metadata="$md" -l1 -n"$n" "$@" \
        > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "$tag: mdadm --create"; }
    cat /proc/mdstat > /tmp/mdstat
    mdadm --detail /dev/md0 > /tmp/detail || { cat /tmp/detail; fail "$tag: mdadm --detail"; }
    section "$tag: /proc/mdstat after create"; norm < /tmp/mdstat >> $OUT
    section "$tag: mdadm --detail /dev/md0 after create"; norm < /tmp/detail >> $OUT
    grep -q "blocks super $md \[$n/$n\] \[$uu\]\$" /tmp/mdstat || { cat /tmp/mdstat; fail "$tag: mdstat lacks [$n/$n] [$uu]"; }
    grep -Eq '^ +State : clean *$' /tmp/detail || { cat /tmp/detail; fail "$tag: --detail State is not clean"; }
    expect_eq "$n" "$(grep -c ' active sync ' /tmp/detail)" "$tag: members active sync in --detail"

    mkfs.ext4 -q -F /dev/md0 || fail "$tag: mkfs.ext4"
    mount /dev/md0 /mnt || fail "$tag: mount"
    for i in 1 2 3 4 5 6 7 8; do
        dd if=/dev/urandom of=/mnt/f$i bs=1M count=2 2>/dev/null || fail "$tag: write /mnt/f$i"
    done
    md5sum /mnt/f* > /tmp/sums
    sync; echo 3 > /proc/sys/vm/drop_caches
    md5sum -c /tmp/sums > /dev/null || fail "$tag: data differs when read back before stop"
    umount /mnt || fail "$tag: umount"
    e2fsck -fn /dev/md0 > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "$tag: e2fsck -fn"; }
    mdadm --stop /dev/md0 > /tmp/stop.out 2>&1 || { cat /tmp/stop.out; fail "$tag: mdadm --stop"; }
    grep -q '^md0 ' /proc/mdstat && fail "$tag: md0 still in /proc/mdstat after stop"

    first=
    echo 3 > /proc/sys/vm/drop_caches
    for d in "$@"; do
        mdadm --examine "$d" > /tmp/examine || { cat /tmp/examine; fail "$tag: --examine $d"; }
        section "$tag: mdadm --examine $d after stop"; norm < /tmp/examine >> $OUT
        grep -Eq '^ +Checksum : [0-9a-f]+ - correct$' /tmp/examine || { cat /tmp/examine; fail "$tag: $d checksum not correct"; }
        grep -Eq '^ +State : clean$' /tmp/examine || { cat /tmp/examine; fail "$tag: $d superblock not clean"; }
        off=$(sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p' /tmp/examine)
        kib=$(sed -n 's/^ *Array Size : \([0-9]*\) KiB.*/\1/p' /tmp/examine)
        [ -n "$kib" ] || fail "$tag: no Array Size in --examine $d"
        sum=$(data_sum "$d" "${off:-0}" $((kib * 2)))
        if [ -z "$first" ]; then
            first=$sum; first_dev=$d
        else
            expect_eq "$first" "$sum" "$tag: md5 of the data area of $d vs $first_dev"
        fi
    done

    mdadm --assemble /dev/md0 "$@" > /tmp/assemble.out 2>&1 || { cat /tmp/assemble.out; fail "$tag: mdadm --assemble"; }
    section "$tag: mdadm --assemble"; norm < /tmp/assemble.out >> $OUT
    section "$tag: /proc/mdstat after assemble"; norm < /proc/mdstat >> $OUT
    grep -q "\[$n/$n\] \[$uu\]\$" /proc/mdstat || { cat /proc/mdstat; fail "$tag: mdstat after assemble lacks [$n/$n] [$uu]"; }
    mount /dev/md0 /mnt || fail "$tag: mount after assemble"
    md5sum -c /tmp/sums > /dev/null || fail "$tag: data differs after stop + assemble"
    umount /mnt || fail "$tag: umount after assemble"
    mdadm --stop /dev/md0 > /tmp/stop.out 2>&1 || { cat /tmp/stop.out; fail "$tag: mdadm --stop after assemble"; }
    mdadm --zero-superblock "$@" || fail "$tag: --zero-superblock"
    pass "$tag"
}

# --assume-clean promises members already in sync: the disks start zeroed, the 3-way
# array comes first, and vda and vdb are only ever written together after that.
run_one 1.2 3 /dev/vda /dev/vdb /dev/vdc
run_one 1.0 2 /dev/vda /dev/vdb
run_one 1.1 2 /dev/vda /dev/vdb
run_one 1.2 2 /dev/vda /dev/vdb

echo "----- BEGIN normalized mdadm/mdstat text ($IMPL)"
cat $OUT
echo "----- END normalized mdadm/mdstat text ($IMPL)"

# What the C md printed (tests/vm/run-all mdadm, impl c), normalized as above.
cat > /tmp/expected <<'EXPECTED'
== 1.2 n=3: /proc/mdstat after create
Personalities : [raid1] ~
md0 : active raid1 vdc[2] vdb[1] vda[0]
      64512 blocks super 1.2 [3/3] [UUU]
      ~
unused devices: <none>
== 1.2 n=3: mdadm --detail /dev/md0 after create
/dev/md0:
           Version : 1.2
     Creation Time : <time>
        Raid Level : raid1
        Array Size : 64512 (63.00 MiB 66.06 MB)
     Used Dev Size : 64512 (63.00 MiB 66.06 MB)
      Raid Devices : 3
     Total Devices : 3
       Persistence : Superblock is persistent

       Update Time : <time>
             State : clean ~
    Active Devices : 3
   Working Devices : 3
    Failed Devices : 0
     Spare Devices : 0

Consistency Policy : resync

              Name : <name>
              UUID : <uuid>
            Events : <events>

    Number   Major   Minor   RaidDevice State
       0     254        0        0      active sync   /dev/vda
       1     254       16        1      active sync   /dev/vdb
       2     254       32        2      active sync   /dev/vdc
== 1.2 n=3: mdadm --examine /dev/vda after stop
/dev/vda:
          Magic : a92b4efc
        Version : 1.2
    Feature Map : 0x0
     Array UUID : <uuid>
           Name : <name>
  Creation Time : <time>
     Raid Level : raid1
   Raid Devices : 3

 Avail Dev Size : 129024 sectors (63.00 MiB 66.06 MB)
     Array Size : 64512 KiB (63.00 MiB 66.06 MB)
    Data Offset : 2048 sectors
   Super Offset : 8 sectors
   Unused Space : before=1968 sectors, after=0 sectors
          State : clean
    Device UUID : <uuid>

    Update Time : <time>
  Bad Block Log : 512 entries available at offset 16 sectors
       Checksum : <csum> - correct
         Events : <events>


   Device Role : Active device 0
   Array State : AAA ('A' == active, '.' == missing, 'R' == replacing)
== 1.2 n=3: mdadm --examine /dev/vdb after stop
/dev/vdb:
          Magic : a92b4efc
        Version : 1.2
    Feature Map : 0x0
     Array UUID : <uuid>
           Name : <name>
  Creation Time : <time>
     Raid Level : raid1
   Raid Devices : 3

 Avail Dev Size : 129024 sectors (63.00 MiB 66.06 MB)
     Array Size : 64512 KiB (63.00 MiB 66.06 MB)
    Data Offset : 2048 sectors
   Super Offset : 8 sectors
   Unused Space : before=1968 sectors, after=0 sectors
          State : clean
    Device UUID : <uuid>

    Update Time : <time>
  Bad Block Log : 512 entries available at offset 16 sectors
       Checksum : <csum> - correct
         Events : <events>


   Device Role : Active device 1
   Array State : AAA ('A' == active, '.' == missing, 'R' == replacing)
== 1.2 n=3: mdadm --examine /dev/vdc after stop
/dev/vdc:
          Magic : a92b4efc
        Version : 1.2
    Feature Map : 0x0
     Array UUID : <uuid>
           Name : <name>
  Creation Time : <time>
     Raid Level : raid1
   Raid Devices : 3

 Avail Dev Size : 129024 sectors (63.00 MiB 66.06 MB)
     Array Size : 64512 KiB (63.00 MiB 66.06 MB)
    Data Offset : 2048 sectors
   Super Offset : 8 sectors
   Unused Space : before=1968 sectors, after=0 sectors
          State : clean
    Device UUID : <uuid>

    Update Time : <time>
  Bad Block Log : 512 entries available at offset 16 sectors
       Checksum : <csum> - correct
         Events : <events>


   Device Role : Active device 2
   Array State : AAA ('A' == active, '.' == missing, 'R' == replacing)
== 1.2 n=3: mdadm --assemble
mdadm: /dev/md0 has been started with 3 drives.
== 1.2 n=3: /proc/mdstat after assemble
Personalities : [raid1] ~
md0 : active raid1 vda[0] vdc[2] vdb[1]
      64512 blocks super 1.2 [3/3] [UUU]
      ~
unused devices: <none>
== 1.0 n=2: /proc/mdstat after create
Personalities : [raid1] ~
md0 : active raid1 vdb[1] vda[0]
      65472 blocks super 1.0 [2/2] [UU]
      ~
unused devices: <none>
== 1.0 n=2: mdadm --detail /dev/md0 after create
/dev/md0:
           Version : 1.0
     Creation Time : <time>
        Raid Level : raid1
        Array Size : 65472 (63.94 MiB 67.04 MB)
     Used Dev Size : 65472 (63.94 MiB 67.04 MB)
      Raid Devices : 2
     Total Devices : 2
       Persistence : Superblock is persistent

       Update Time : <time>
             State : clean ~
    Active Devices : 2
   Working Devices : 2
    Failed Devices : 0
     Spare Devices : 0

Consistency Policy : resync

              Name : <name>
              UUID : <uuid>
            Events : <events>

    Number   Major   Minor   RaidDevice State
       0     254        0        0      active sync   /dev/vda
       1     254       16        1      active sync   /dev/vdb
== 1.0 n=2: mdadm --examine /dev/vda after stop
/dev/vda:
          Magic : a92b4efc
        Version : 1.0
    Feature Map : 0x0
     Array UUID : <uuid>
           Name : <name>
  Creation Time : <time>
     Raid Level : raid1
   Raid Devices : 2

 Avail Dev Size : 131040 sectors (63.98 MiB 67.09 MB)
     Array Size : 65472 KiB (63.94 MiB 67.04 MB)
  Used Dev Size : 130944 sectors (63.94 MiB 67.04 MB)
   Super Offset : 131056 sectors
   Unused Space : before=0 sectors, after=104 sectors
          State : clean
    Device UUID : <uuid>

    Update Time : <time>
  Bad Block Log : 512 entries available at offset -8 sectors
       Checksum : <csum> - correct
         Events : <events>


   Device Role : Active device 0
   Array State : AA ('A' == active, '.' == missing, 'R' == replacing)
== 1.0 n=2: mdadm --examine /dev/vdb after stop
/dev/vdb:
          Magic : a92b4efc
        Version : 1.0
    Feature Map : 0x0
     Array UUID : <uuid>
           Name : <name>
  Creation Time : <time>
     Raid Level : raid1
   Raid Devices : 2

 Avail Dev Size : 131040 sectors (63.98 MiB 67.09 MB)
     Array Size : 65472 KiB (63.94 MiB 67.04 MB)
  Used Dev Size : 130944 sectors (63.94 MiB 67.04 MB)
   Super Offset : 131056 sectors
   Unused Space : before=0 sectors, after=104 sectors
          State : clean
    Device UUID : <uuid>

    Update Time : <time>
  Bad Block Log : 512 entries available at offset -8 sectors
       Checksum : <csum> - correct
         Events : <events>


   Device Role : Active device 1
   Array State : AA ('A' == active, '.' == missing, 'R' == replacing)
== 1.0 n=2: mdadm --assemble
mdadm: /dev/md0 has been started with 2 drives.
== 1.0 n=2: /proc/mdstat after assemble
Personalities : [raid1] ~
md0 : active raid1 vda[0] vdb[1]
      65472 blocks super 1.0 [2/2] [UU]
      ~
unused devices: <none>
== 1.1 n=2: /proc/mdstat after create
Personalities : [raid1] ~
md0 : active raid1 vdb[1] vda[0]
      64512 blocks super 1.1 [2/2] [UU]
      ~
unused devices: <none>
== 1.1 n=2: mdadm --detail /dev/md0 after create
/dev/md0:
           Version : 1.1
     Creation Time : <time>
        Raid Level : raid1
        Array Size : 64512 (63.00 MiB 66.06 MB)
     Used Dev Size : 64512 (63.00 MiB 66.06 MB)
      Raid Devices : 2
     Total Devices : 2
       Persistence : Superblock is persistent

       Update Time : <time>
             State : clean ~
    Active Devices : 2
   Working Devices : 2
    Failed Devices : 0
     Spare Devices : 0

Consistency Policy : resync

              Name : <name>
              UUID : <uuid>
            Events : <events>

    Number   Major   Minor   RaidDevice State
       0     254        0        0      active sync   /dev/vda
       1     254       16        1      active sync   /dev/vdb
== 1.1 n=2: mdadm --examine /dev/vda after stop
/dev/vda:
          Magic : a92b4efc
        Version : 1.1
    Feature Map : 0x0
     Array UUID : <uuid>
           Name : <name>
  Creation Time : <time>
     Raid Level : raid1
   Raid Devices : 2

 Avail Dev Size : 129024 sectors (63.00 MiB 66.06 MB)
     Array Size : 64512 KiB (63.00 MiB 66.06 MB)
    Data Offset : 2048 sectors
   Super Offset : 0 sectors
   Unused Space : before=1976 sectors, after=0 sectors
          State : clean
    Device UUID : <uuid>

    Update Time : <time>
  Bad Block Log : 512 entries available at offset 16 sectors
       Checksum : <csum> - correct
         Events : <events>


   Device Role : Active device 0
   Array State : AA ('A' == active, '.' == missing, 'R' == replacing)
== 1.1 n=2: mdadm --examine /dev/vdb after stop
/dev/vdb:
          Magic : a92b4efc
        Version : 1.1
    Feature Map : 0x0
     Array UUID : <uuid>
           Name : <name>
  Creation Time : <time>
     Raid Level : raid1
   Raid Devices : 2

 Avail Dev Size : 129024 sectors (63.00 MiB 66.06 MB)
     Array Size : 64512 KiB (63.00 MiB 66.06 MB)
    Data Offset : 2048 sectors
   Super Offset : 0 sectors
   Unused Space : before=1976 sectors, after=0 sectors
          State : clean
    Device UUID : <uuid>

    Update Time : <time>
  Bad Block Log : 512 entries available at offset 16 sectors
       Checksum : <csum> - correct
         Events : <events>


   Device Role : Active device 1
   Array State : AA ('A' == active, '.' == missing, 'R' == replacing)
== 1.1 n=2: mdadm --assemble
mdadm: /dev/md0 has been started with 2 drives.
== 1.1 n=2: /proc/mdstat after assemble
Personalities : [raid1] ~
md0 : active raid1 vda[0] vdb[1]
      64512 blocks super 1.1 [2/2] [UU]
      ~
unused devices: <none>
== 1.2 n=2: /proc/mdstat after create
Personalities : [raid1] ~
md0 : active raid1 vdb[1] vda[0]
      64512 blocks super 1.2 [2/2] [UU]
      ~
unused devices: <none>
== 1.2 n=2: mdadm --detail /dev/md0 after create
/dev/md0:
           Version : 1.2
     Creation Time : <time>
        Raid Level : raid1
        Array Size : 64512 (63.00 MiB 66.06 MB)
     Used Dev Size : 64512 (63.00 MiB 66.06 MB)
      Raid Devices : 2
     Total Devices : 2
       Persistence : Superblock is persistent

       Update Time : <time>
             State : clean ~
    Active Devices : 2
   Working Devices : 2
    Failed Devices : 0
     Spare Devices : 0

Consistency Policy : resync

              Name : <name>
              UUID : <uuid>
            Events : <events>

    Number   Major   Minor   RaidDevice State
       0     254        0        0      active sync   /dev/vda
       1     254       16        1      active sync   /dev/vdb
== 1.2 n=2: mdadm --examine /dev/vda after stop
/dev/vda:
          Magic : a92b4efc
        Version : 1.2
    Feature Map : 0x0
     Array UUID : <uuid>
           Name : <name>
  Creation Time : <time>
     Raid Level : raid1
   Raid Devices : 2

 Avail Dev Size : 129024 sectors (63.00 MiB 66.06 MB)
     Array Size : 64512 KiB (63.00 MiB 66.06 MB)
    Data Offset : 2048 sectors
   Super Offset : 8 sectors
   Unused Space : before=1968 sectors, after=0 sectors
          State : clean
    Device UUID : <uuid>

    Update Time : <time>
  Bad Block Log : 512 entries available at offset 16 sectors
       Checksum : <csum> - correct
         Events : <events>


   Device Role : Active device 0
   Array State : AA ('A' == active, '.' == missing, 'R' == replacing)
== 1.2 n=2: mdadm --examine /dev/vdb after stop
/dev/vdb:
          Magic : a92b4efc
        Version : 1.2
    Feature Map : 0x0
     Array UUID : <uuid>
           Name : <name>
  Creation Time : <time>
     Raid Level : raid1
   Raid Devices : 2

 Avail Dev Size : 129024 sectors (63.00 MiB 66.06 MB)
     Array Size : 64512 KiB (63.00 MiB 66.06 MB)
    Data Offset : 2048 sectors
   Super Offset : 8 sectors
   Unused Space : before=1968 sectors, after=0 sectors
          State : clean
    Device UUID : <uuid>

    Update Time : <time>
  Bad Block Log : 512 entries available at offset 16 sectors
       Checksum : <csum> - correct
         Events : <events>


   Device Role : Active device 1
   Array State : AA ('A' == active, '.' == missing, 'R' == replacing)
== 1.2 n=2: mdadm --assemble
mdadm: /dev/md0 has been started with 2 drives.
== 1.2 n=2: /proc/mdstat after assemble
Personalities : [raid1] ~
md0 : active raid1 vda[0] vdb[1]
      64512 blocks super 1.2 [2/2] [UU]
      ~
unused devices: <none>
EXPECTED
diff -u /tmp/expected $OUT || fail "normalized text differs from the C md's (- C md, + $IMPL)"
pass "mdadm ($IMPL)"
