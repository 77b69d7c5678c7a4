"""Jejak's business time zone: Western Indonesian Time (WIB), as in Asia/Jakarta.

Stored times stay UTC; people read dates in WIB. Jakarta keeps no daylight saving, so a fixed
+07:00 is exact and needs no time zone database on the machine.
"""

from datetime import timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
WIB_OFFSET = "+07:00"
