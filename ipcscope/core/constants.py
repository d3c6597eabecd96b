"""Kernel constants for System V and POSIX IPC, named as in C (<sys/ipc.h>, <sys/shm.h>, ...).

Values are from the Linux UAPI headers; they are the same on x86_64 and aarch64. `c_calls` uses
the names to render calls the way a C programmer writes them.
"""

from __future__ import annotations

import os

IPC_PRIVATE = 0

# ipc flags (octal, as <bits/ipc.h> writes them)
IPC_CREAT = 0o1000
IPC_EXCL = 0o2000
IPC_NOWAIT = 0o4000

# ipc control commands
IPC_RMID = 0
IPC_SET = 1
IPC_STAT = 2
IPC_INFO = 3

# shm
SHM_RDONLY = 0o10000
SHM_RND = 0o20000
SHM_REMAP = 0o40000
SHM_EXEC = 0o100000
SHM_LOCK = 11
SHM_UNLOCK = 12
SHM_STAT = 13
SHM_INFO = 14
SHM_STAT_ANY = 15
SHM_DEST = 0o1000  # mode bit: removed while attached
SHM_LOCKED = 0o2000  # mode bit: SHM_LOCK in effect
SHMMIN = 1

# msg
MSG_NOERROR = 0o10000
MSG_EXCEPT = 0o20000
MSG_COPY = 0o40000
MSG_STAT = 11
MSG_INFO = 12
MSG_STAT_ANY = 13

# sem
SEM_UNDO = 0x1000
GETPID = 11
GETVAL = 12
GETALL = 13
GETNCNT = 14
GETZCNT = 15
SETVAL = 16
SETALL = 17
SEM_STAT = 18
SEM_INFO = 19
SEM_STAT_ANY = 20
SEMVMX = 32767

# POSIX
NAME_MAX = 255
MQ_PRIO_MAX = 32768
SEM_VALUE_MAX = 2**31 - 1
O_RDONLY = os.O_RDONLY
O_WRONLY = os.O_WRONLY
O_RDWR = os.O_RDWR
O_ACCMODE = 3
O_CREAT = os.O_CREAT
O_EXCL = os.O_EXCL
O_NONBLOCK = os.O_NONBLOCK
O_CLOEXEC = os.O_CLOEXEC
O_DIRECTORY = os.O_DIRECTORY

# new mount API (<linux/mount.h>)
FSOPEN_CLOEXEC = 0x1
FSCONFIG_CMD_CREATE = 6
FSMOUNT_CLOEXEC = 0x1

#: Command names per control call, for rendering.
SHMCTL_COMMANDS = {
    IPC_RMID: "IPC_RMID", IPC_SET: "IPC_SET", IPC_STAT: "IPC_STAT", IPC_INFO: "IPC_INFO",
    SHM_LOCK: "SHM_LOCK", SHM_UNLOCK: "SHM_UNLOCK", SHM_STAT: "SHM_STAT", SHM_INFO: "SHM_INFO",
    SHM_STAT_ANY: "SHM_STAT_ANY",
}
MSGCTL_COMMANDS = {
    IPC_RMID: "IPC_RMID", IPC_SET: "IPC_SET", IPC_STAT: "IPC_STAT", IPC_INFO: "IPC_INFO",
    MSG_STAT: "MSG_STAT", MSG_INFO: "MSG_INFO", MSG_STAT_ANY: "MSG_STAT_ANY",
}
SEMCTL_COMMANDS = {
    IPC_RMID: "IPC_RMID", IPC_SET: "IPC_SET", IPC_STAT: "IPC_STAT", IPC_INFO: "IPC_INFO",
    GETPID: "GETPID", GETVAL: "GETVAL", GETALL: "GETALL", GETNCNT: "GETNCNT", GETZCNT: "GETZCNT",
    SETVAL: "SETVAL", SETALL: "SETALL", SEM_STAT: "SEM_STAT", SEM_INFO: "SEM_INFO",
    SEM_STAT_ANY: "SEM_STAT_ANY",
}
