"""ipcscope: see, operate and diagnose Linux System V and POSIX IPC objects."""

__version__ = "0.1.0"
