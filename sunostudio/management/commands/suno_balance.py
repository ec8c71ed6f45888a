from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.management.base import BaseCommand
from django.utils import timezone

from sunostudio import tasks
from sunostudio.models import UpstreamBalance


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z} ({naturaltime(moment)})"


class Command(BaseCommand):
    help = (
        "Print the studio key's upstream balance as the balance job last stored it. "
        "--refresh reads it from the upstream now (through the job function) first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--refresh", action="store_true", help="read the balance from the upstream now")

    def handle(self, *args, refresh: bool = False, **options):
        if refresh:
            tasks.refresh_upstream_balance()
        balance = UpstreamBalance.current()
        if balance is None:
            self.stdout.write(
                "The upstream balance has not been read yet. Run with --refresh to read it now."
            )
            return
        if balance.status == UpstreamBalance.Status.NOT_SERVED:
            self.stdout.write(
                f"Balance not available from this gateway (checked {_when(balance.checked_at)})."
            )
            return
        if balance.remaining_usd is not None:
            self.stdout.write(
                f"Remaining: ${balance.remaining_usd:,.2f} of ${balance.hard_limit_usd:,.2f} "
                f"(used ${balance.used_usd:,.2f})"
            )
            self.stdout.write(f"Read: {_when(balance.read_at)}")
            threshold = settings.SUNO_BALANCE_WARN_USD
            if balance.is_below(threshold):
                self.stdout.write(
                    self.style.WARNING(f"Low: below SUNO_BALANCE_WARN_USD (${threshold:,.2f}).")
                )
        if balance.status == UpstreamBalance.Status.ERROR:
            self.stderr.write(
                self.style.ERROR(
                    f"The last check ({_when(balance.checked_at)}) failed: {balance.error_message}"
                )
            )
