"""`python -m jejak.chaos`: the same as `jejak chaos`."""

from jejak.chaos.command import main

main()
