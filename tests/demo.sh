# `make run`: what md_mod does today with the command every user types first.
echo "### md_mod loaded:"; grep md_mod /proc/modules
echo "### /proc/mdstat:"; cat /proc/mdstat
echo "### mdadm --create /dev/md0 --run -l1 -n2 /dev/vda /dev/vdb"
mdadm --create /dev/md0 --run -l1 -n2 /dev/vda /dev/vdb
echo "(mdadm exit status $?)"
echo "### kernel log:"; dmesg | grep -E 'md[:/]|md0' | tail -n 10
echo "### /proc/mdstat:"; cat /proc/mdstat
exit 0
