"""A namespace member for tests/namespaces (run as a script by members.start_member).

Arguments: FLAGS KEY WAITER [UID]; with UID it becomes that user (staying inspectable) after
making the objects. It joins fresh namespaces (FLAGS of unshare; with CLONE_NEWUSER it
maps itself to root in the new user namespace first; with CLONE_NEWNS it mounts a private tmpfs on
/dev/shm), makes one object of each kind (SysV shm/msg/sem with KEY, POSIX queue /nsq, semaphore
/nssem with value 3, shm /nsshm), prints their ids as one JSON line and waits until stdin closes.
With WAITER=1 a second process inside blocks in semop(sem, {0, -1, 0}, 1).
"""

import ctypes
import json
import os
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_REC, MS_PRIVATE = 0x4000, 0x40000

libc = ctypes.CDLL(None, use_errno=True)
libc.mq_open.restype = ctypes.c_int
libc.sem_open.restype = ctypes.c_void_p


def check(result, what):
    if result == -1 or result is None:
        raise OSError(ctypes.get_errno(), what)
    return result


def main() -> None:
    flags, key, waiter = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
    if flags & CLONE_NEWUSER:
        uid, gid = os.getuid(), os.getgid()
        check(libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
        with open("/proc/self/setgroups", "w") as handle:
            handle.write("deny")
        with open("/proc/self/uid_map", "w") as handle:
            handle.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as handle:
            handle.write(f"0 {gid} 1")
        flags &= ~CLONE_NEWUSER
    check(libc.unshare(flags), "unshare")
    if flags & CLONE_NEWNS:
        check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        check(libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", 0, b"mode=1777"), "mount tmpfs /dev/shm")
    shm = check(libc.shmget(key, 4096, 0o1600), "shmget")
    msg = check(libc.msgget(key, 0o1600), "msgget")
    sem = check(libc.semget(key, 2, 0o1600), "semget")
    check(libc.mq_open(b"/nsq", os.O_CREAT | os.O_RDWR, 0o600, None), "mq_open")
    check(libc.sem_open(b"/nssem", os.O_CREAT, 0o600, 3), "sem_open")
    fd = os.open("/dev/shm/nsshm", os.O_CREAT | os.O_RDWR, 0o600)
    os.ftruncate(fd, 8192)
    child = 0
    if waiter:
        child = os.fork()
        if child == 0:
            ops = (ctypes.c_ushort * 3)(0, 0xFFFF, 0)  # {0, -1, 0}
            os._exit(0 if libc.semop(sem, ops, 1) == 0 else 1)
    if len(sys.argv) > 4:
        os.setgroups([])
        os.setgid(int(sys.argv[4]))
        os.setuid(int(sys.argv[4]))
        libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: setuid made it non-dumpable
    print(json.dumps({"shm": shm, "msg": msg, "sem": sem, "waiter": child,
                      "ipc": os.readlink("/proc/self/ns/ipc")}), flush=True)
    sys.stdin.read()
    if child:
        try:
            os.kill(child, 9)
        except ProcessLookupError:
            pass
        os.waitpid(child, 0)


if __name__ == "__main__":
    main()
