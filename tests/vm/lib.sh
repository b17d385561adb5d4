# Shared helpers for the VM tests; tests/vm/run-all prepends this to each test.
# $IMPL is the implementation under test (rust or c), as given to run-vm --impl.
set -u
IMPL=${1:-rust}
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }
expect_eq() { # expected actual what
    [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}
# Waits up to 5 s for a path to disappear.
wait_gone() {
    i=0
    while [ -e "$1" ]; do
        i=$((i + 1)); [ $i -gt 50 ] && return 1
        sleep 0.1
    done
}
# Makes /dev/mdN (devtmpfs drops the node when the disk goes away).
mknod_md() { [ -b "/dev/md$1" ] || mknod "/dev/md$1" b 9 "$1"; }
load_md() { # rust|c
    case $1 in
        rust) insmod /opt/md/rust/md_mod.ko ;;
        c) insmod /opt/md/c/md-mod.ko && insmod /opt/md/c/raid1.ko ;;
    esac
}
unload_md() { # rust|c
    case $1 in
        rust) rmmod md_mod ;;
        c) rmmod raid1 && rmmod md_mod ;;
    esac
}
