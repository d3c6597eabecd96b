import os

from ipcscope.core import c_calls as cc
from ipcscope.core import constants as c
from ipcscope.model import SemOpSpec


def test_sysv_calls():
    assert cc.shmget_call(0x162E, 27, c.IPC_CREAT | 0o600) == "shmget(0x0000162e, 27, IPC_CREAT|0600)"
    assert (cc.shmget_call(0, 4096, c.IPC_CREAT | c.IPC_EXCL | 0o640)
            == "shmget(IPC_PRIVATE, 4096, IPC_CREAT|IPC_EXCL|0640)")
    assert cc.shmget_call(0xDEADBEEF, 0, 0) == "shmget(0xdeadbeef, 0, 0)"
    assert cc.shmat_call(3, None, c.SHM_RDONLY) == "shmat(3, NULL, SHM_RDONLY)"
    assert cc.shmat_call(3, 0x7F0000001000, c.SHM_RND) == "shmat(3, 0x7f0000001000, SHM_RND)"
    assert cc.shmctl_call(3, c.IPC_SET, {"mode": 0o640}) == "shmctl(3, IPC_SET, {.shm_perm.mode=0640})"
    assert cc.shmctl_call(3, c.IPC_RMID) == "shmctl(3, IPC_RMID, NULL)"
    assert cc.shmctl_call(0, c.SHM_INFO) == "shmctl(0, SHM_INFO, &info)"
    assert cc.msgrcv_call(5, 8192, -3, c.MSG_EXCEPT | c.IPC_NOWAIT) == "msgrcv(5, buf, 8192, -3, MSG_EXCEPT|IPC_NOWAIT)"
    assert cc.msgrcv_call(5, 65536, 2, c.MSG_COPY | c.IPC_NOWAIT | c.MSG_NOERROR) == (
        "msgrcv(5, buf, 65536, 2, MSG_COPY|IPC_NOWAIT|MSG_NOERROR)"
    )
    assert cc.msgsnd_call(5, 7, b"hi\n\"", c.IPC_NOWAIT) == 'msgsnd(5, {7, "hi\\012\\""}, 4, IPC_NOWAIT)'
    assert cc.msgsnd_call(5, 1, b"x" * 40, 0) == f'msgsnd(5, {{1, "{"x" * 32}"...}}, 40, 0)'
    assert cc.msgctl_call(5, c.IPC_SET, {"qbytes": 256}) == "msgctl(5, IPC_SET, {.msg_qbytes=256})"
    assert cc.semget_call(0x1234, 3, c.IPC_CREAT | 0o666) == "semget(0x00001234, 3, IPC_CREAT|0666)"


def test_sem_calls():
    assert cc.semop_call(3, [SemOpSpec(0, -1, c.SEM_UNDO)]) == "semop(3, {{0, -1, SEM_UNDO}}, 1)"
    ops = [SemOpSpec(0, -1, c.SEM_UNDO), SemOpSpec(2, 1), SemOpSpec(1, 0, c.IPC_NOWAIT | c.SEM_UNDO)]
    assert cc.semop_call(32769, ops) == (
        "semop(32769, {{0, -1, SEM_UNDO}, {2, +1, 0}, {1, 0, IPC_NOWAIT|SEM_UNDO}}, 3)"
    )
    assert cc.semtimedop_call(3, ops[:1], 1.5) == "semtimedop(3, {{0, -1, SEM_UNDO}}, 1, {1, 500000000})"
    assert cc.semctl_call(3, 0, c.SETVAL, 5) == "semctl(3, 0, SETVAL, 5)"
    assert cc.semctl_call(3, 0, c.SETALL, (1, 0, 2)) == "semctl(3, 0, SETALL, {1, 0, 2})"
    assert cc.semctl_call(3, 0, c.GETALL) == "semctl(3, 0, GETALL, array)"
    assert cc.semctl_call(3, 2, c.GETNCNT) == "semctl(3, 2, GETNCNT)"
    assert cc.semctl_call(3, 0, c.IPC_RMID) == "semctl(3, 0, IPC_RMID)"
    assert cc.semctl_call(3, 0, c.IPC_SET, {"uid": 1000}) == "semctl(3, 0, IPC_SET, {.sem_perm.uid=1000})"


def test_posix_calls():
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
    assert cc.mq_open_call("/q", flags, 0o600, 4, 64) == (
        'mq_open("/q", O_RDWR|O_CREAT|O_EXCL, 0600, {.mq_maxmsg=4, .mq_msgsize=64})'
    )
    assert cc.mq_open_call("/q", os.O_RDONLY | os.O_NONBLOCK) == 'mq_open("/q", O_RDONLY|O_NONBLOCK)'
    assert cc.mq_open_call("/q", os.O_WRONLY | os.O_CREAT, 0o640) == 'mq_open("/q", O_WRONLY|O_CREAT, 0640, NULL)'
    assert cc.mq_send_call(3, b"hello", 5) == 'mq_send(3, "hello", 5, 5)'
    assert cc.mq_receive_call(3, 8192, 2.5) == "mq_timedreceive(3, buf, 8192, &prio, /* now + 2.5 s */ &ts)"
    assert cc.sem_open_call("/s", os.O_CREAT, 0o600, 1) == 'sem_open("/s", O_CREAT, 0600, 1)'
    assert cc.sem_open_call("/s", 0) == 'sem_open("/s", 0)'
    assert cc.sem_call("sem_post", "/s") == "sem_post(sem /* /s */)"
    assert cc.shm_open_call("/m", os.O_RDONLY, 0) == 'shm_open("/m", O_RDONLY, 0)'
    assert cc.ftok_call("/tmp", ord("A")) == "ftok(\"/tmp\", 'A')"
