"""`python -m ipcscope` is the same as the `ipcscope` command."""

from ipcscope.cli import main

raise SystemExit(main())
