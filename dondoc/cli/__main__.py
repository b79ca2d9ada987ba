"""`python -m dondoc.cli` is the `dondoc` command."""

from dondoc.cli import main

main()
