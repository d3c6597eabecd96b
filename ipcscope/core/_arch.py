"""What differs between the CPU architectures core supports: x86_64 and aarch64.

Only two things do: the numbers of the syscalls glibc does not wrap for us, and the layout of
`struct semid64_ds` (x86_64 keeps a padding word after each time field; the generic layout that
aarch64, riscv64 and other 64-bit architectures share does not). Everything else in the SysV and
POSIX IPC ABI is identical on 64-bit Linux. 32-bit architectures are not supported.
"""

from __future__ import annotations

import os

# platform.machine() is os.uname().machine on Linux; the platform module costs 1 ms to import.
MACHINE = os.uname().machine

#: x86_64 is the only architecture here with its own `asm/sembuf.h` layout.
SEMID_DS_HAS_TIME_PADDING = MACHINE in ("x86_64", "amd64")

#: Syscalls without a wrapper in older glibc. Since Linux 5.1 every architecture except alpha, mips
#: and ia64 numbers new syscalls from one shared table, so these are the same on x86_64 and aarch64.
SYS_FSOPEN = 430
SYS_FSCONFIG = 431
SYS_FSMOUNT = 432
