"""What songs tell the layers above them (notifications) without knowing them.

`song_finished(song, outcome, reason)` is sent when a song's takes have all ended and its charge is
settled ("complete": at least one take finished; "failed": none did, with the creator-facing reason), or
when its send failed. It may be sent more than once for one song (two workers settling it): receivers
dedupe on the song.
"""

from django.dispatch import Signal

song_finished = Signal()
