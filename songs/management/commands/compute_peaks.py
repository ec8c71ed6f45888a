"""Waveforms for takes archived before the worker computed them: one queued job per take (the worker does
the decoding), or --now to decode here, in this process."""

from django.core.management.base import BaseCommand

from songs import peaks
from songs.models import Clip
from sunostudio.jobs import enqueue


class Command(BaseCommand):
    help = "Compute the waveform peaks of archived takes that have none."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="decode here instead of queueing jobs")

    def handle(self, *args, now: bool = False, **options):
        clip_ids = list(Clip.objects.exclude(audio_file="").filter(peaks=[]).values_list("pk", flat=True))
        if now:
            done = sum(peaks.clip_peaks_compute(clip_id=clip_id) for clip_id in clip_ids)
            self.stdout.write(f"Computed the waveform of {done} of {len(clip_ids)} takes.")
            return
        for clip_id in clip_ids:
            enqueue("songs.tasks.compute_peaks", clip_id)
        self.stdout.write(f"Queued {len(clip_ids)} waveform jobs.")
