# 30 load/unload cycles with arrays created and freed, then kmemleak finds nothing.
# impls: none
kl=/sys/kernel/debug/kmemleak
[ -w $kl ] || fail "kmemleak not available"
echo scan > $kl; echo clear > $kl
i=0
while [ $i -lt 30 ]; do
    load_md rust || fail "insmod cycle $i"
    mknod_md 0
    exec 3</dev/md0
    cat /proc/mdstat > /dev/null
    exec 3<&-
    echo md_r > /sys/module/md_mod/parameters/new_array || fail "new_array cycle $i"
    mknod_md 1
    exec 3</dev/md1
    echo clear > /sys/block/md1/md/array_state
    exec 3<&-
    rmmod md_mod || fail "rmmod cycle $i"
    i=$((i + 1))
done
sleep 1
echo scan > $kl; sleep 6; echo scan > $kl
leaks=$(cat $kl)
[ -z "$leaks" ] || { echo "$leaks"; fail "kmemleak reports leaks"; }
pass "30 reload cycles, kmemleak clean"
