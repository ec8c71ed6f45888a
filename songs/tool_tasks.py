"""Old job paths, kept for one release: a job queued before the upgrade may still name them.

Migration 0008 repoints the schedule; remove this module in the release after.
"""

from .tasks import poll_tools, submit_lyrics

__all__ = ["poll_tools", "submit_lyrics"]
