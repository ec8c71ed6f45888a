"""What a paid action costs, for the button or form that sends it.

    {% load credits %}
    <button type="submit">Generate · {% price_label "generate" %}</button>   → "Generate · 10 credits"
    {% price_label "lyrics" %}                                                → "free"
    {% price_label "extend" as extend_price %}{{ extend_price }}             → "10 credits"
    {{ 1|credits_label }} → "1 credit"        {{ entry.amount|credit_amount }} → "+500" or "−10"

The action is an accounts.models.Action value ("generate", "extend", "cover", "replace", "stems",
"persona", "lyrics", "concat", "wav", "video", "upload"). It reads the cached price table
(accounts.prices.price_table: no query while the cache holds it, and a staff edit drops it), so a page
may use it on every button. An action with no price row renders "" (the charge itself refuses loudly).
"""

from __future__ import annotations

from django import template

from ..prices import price_table

register = template.Library()


@register.filter
def credits_label(credits: int) -> str:
    if credits == 0:
        return "free"
    return f"{credits} credit" if credits == 1 else f"{credits} credits"


@register.simple_tag
def price_label(action: str) -> str:
    credits = price_table().get(str(action))
    return "" if credits is None else credits_label(credits)


@register.filter
def credit_amount(amount: int) -> str:
    """Signed for a ledger column, with a true minus sign (it lines up with the plus)."""
    if amount > 0:
        return f"+{amount}"
    return f"\u2212{-amount}" if amount < 0 else "0"
