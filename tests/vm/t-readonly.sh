# Read-only modes: STOP_ARRAY_RO / RESTART_ARRAY_RW, array_state words, read-auto, start_ro, as the C md.
# impls: rust c
# group: default
cat > /tmp/expected <<'EXPECTED'
after create: clean
after write: active
after idle: clean
readonly rc=0 readonly
md0 : active (read-only) raid1 vdb[1] vda[0]
write to ro rc=1
readwrite rc=0 clean
read-auto: 0 read-auto
md0 : active (auto-read-only) raid1 vdb[1] vda[0]
after write: active
readonly: 0 readonly
active: 0 clean
clean: 0 clean
inactive: 0 inactive
md0 : inactive vdb[1] vda[0]
      2093056 blocks super 1.2
active again: 0 clean
md0 : active raid1 vdb[1] vda[0]
mdadm: stopped /dev/md0
stop 0
assemble 0
mdadm: stopped /dev/md0
start_ro: read-auto
mdadm: stopped /dev/md0
EXPECTED
run() {
    S=/sys/block/md0/md/array_state
    mdadm --create /dev/md0 --run --assume-clean -l1 -n2 /dev/vda /dev/vdb >/dev/null 2>&1
    # 2 s of safe mode, so "active right after a write" does not race the clean mark.
    echo 2 > /sys/block/md0/md/safe_mode_delay
    sleep 1; echo "after create: $(cat $S)"
    dd if=/dev/zero of=/dev/md0 bs=4k count=1 oflag=direct 2>/dev/null; echo "after write: $(cat $S)"
    # Clean once 2 s pass with no write; a loaded TCG host may take longer to get there.
    wait_array_state clean
    echo "after idle: $(cat $S)"
    mdadm --readonly /dev/md0; echo "readonly rc=$? $(cat $S)"; grep md0 /proc/mdstat
    dd if=/dev/zero of=/dev/md0 bs=4k count=1 oflag=direct 2>/dev/null; echo "write to ro rc=$?"
    mdadm --readwrite /dev/md0; echo "readwrite rc=$? $(cat $S)"
    echo read-auto > $S; echo "read-auto: $? $(cat $S)"; grep md0 /proc/mdstat
    dd if=/dev/zero of=/dev/md0 bs=4k count=1 oflag=direct 2>/dev/null; echo "after write: $(cat $S)"
    echo readonly > $S; echo "readonly: $? $(cat $S)"
    echo active > $S; echo "active: $? $(cat $S)"
    echo clean > $S; echo "clean: $? $(cat $S)"
    echo inactive > $S; echo "inactive: $? $(cat $S)"; grep -A1 md0 /proc/mdstat
    echo active > $S; echo "active again: $? $(cat $S)"; grep md0 /proc/mdstat
    mdadm --stop /dev/md0 >/dev/null; echo "stop $?"
    mdadm --assemble /dev/md0 /dev/vda /dev/vdb >/dev/null 2>&1; echo "assemble $?"; echo 1 > /sys/module/md_mod/parameters/start_ro
    mdadm --stop /dev/md0 >/dev/null; mdadm --assemble /dev/md0 /dev/vda /dev/vdb >/dev/null 2>&1; echo "start_ro: $(cat $S)"
    mdadm --stop /dev/md0 >/dev/null
}
run > /tmp/actual 2>&1
echo 0 > /sys/module/md_mod/parameters/start_ro
cat /tmp/actual
diff /tmp/expected /tmp/actual || fail "differs from what the C md printed"
pass "read-only modes ($IMPL)"
