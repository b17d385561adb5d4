# Metadata 0.90: create, write, stop, examine, assemble, detail; text equal to the C md's.
# impls: rust c
# group: default
cat > /tmp/expected <<'EXPECTED'
mdadm: array /dev/md0 started.
md0 : active raid1 vdb[1] vda[0]
      1048512 blocks [2/2] [UU]
mdadm: stopped /dev/md0
/dev/vdb:
          Magic : a92b4efc
        Version : 0.90.00
     Raid Level : raid1
  Used Dev Size : 1048512 (1023.94 MiB 1073.68 MB)
     Array Size : 1048512 (1023.94 MiB 1073.68 MB)
   Raid Devices : 2
  Total Devices : 2

          State : clean
 Active Devices : 2
Working Devices : 2
 Failed Devices : 0
  Spare Devices : 0


      Number   Major   Minor   RaidDevice State
this     1     254       16        1      active sync   /dev/vdb

   0     0     254        0        0      active sync   /dev/vda
   1     1     254       16        1      active sync   /dev/vdb
       Checksum : X - correct
mdadm: /dev/md0 has been started with 2 drives.
/mnt/f: OK
/dev/md0:
           Version : 0.90
        Raid Level : raid1
        Array Size : 1048512 (1023.94 MiB 1073.68 MB)
     Used Dev Size : 1048512 (1023.94 MiB 1073.68 MB)
      Raid Devices : 2
     Total Devices : 2
   Preferred Minor : 0
       Persistence : Superblock is persistent

             State : clean 
    Active Devices : 2
   Working Devices : 2
    Failed Devices : 0
     Spare Devices : 0

Consistency Policy : resync


    Number   Major   Minor   RaidDevice State
       0     254        0        0      active sync   /dev/vda
       1     254       16        1      active sync   /dev/vdb
mdadm: stopped /dev/md0
EXPECTED
run() {
    mdadm --create /dev/md0 --run --assume-clean -e 0.90 -l1 -n2 /dev/vda /dev/vdb 2>&1 | tail -1
    cat /proc/mdstat | grep -A1 md0
    mkfs.ext4 -q /dev/md0; mkdir -p /mnt; mount /dev/md0 /mnt; dd if=/dev/urandom of=/mnt/f bs=1M count=4 2>/dev/null; md5sum /mnt/f > /tmp/s; umount /mnt
    sleep 1
    mdadm --stop /dev/md0
    mdadm --examine /dev/vdb | grep -v -E "Time|UUID|Checksum :|Events|Preferred" 
    mdadm --examine /dev/vdb | grep -E "Checksum" | sed "s/: [0-9a-f]* -/: X -/"
    mdadm --assemble /dev/md0 /dev/vda /dev/vdb 2>&1; mount /dev/md0 /mnt && md5sum -c /tmp/s; umount /mnt
    # Past the 200 ms safe-mode window the state reads clean on both (a loaded TCG
    # host can take a while to get there).
    wait_array_state clean
    mdadm --detail /dev/md0 | grep -v -E "Time|UUID|Events"
    mdadm --stop /dev/md0
}
run > /tmp/actual 2>&1
cat /tmp/actual
diff /tmp/expected /tmp/actual || fail "differs from what the C md printed"
pass "metadata 0.90 ($IMPL)"
