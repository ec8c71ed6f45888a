"""The creator's own reads: their credits page (the staff's report is accounts/reports.py)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

from .models import Action, CreditEntry
from .prices import price_table

LEDGER_PAGE_SIZE = 50


def ledger_page(*, user, page_number: str | int | None) -> Page:
    """Newest first, with each entry's paid request joined in: a count and one query per page."""
    entries = CreditEntry.objects.filter(user=user).select_related("request")  # Meta: newest first
    return Paginator(entries, LEDGER_PAGE_SIZE).get_page(page_number)


def price_list() -> list[tuple[str, int]]:
    """(label, credits) for every priced action, in the order the studio lists its tools."""
    table = price_table()
    return [(action.label, table[action]) for action in Action if action in table]
