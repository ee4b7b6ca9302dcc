"""Why a channel does not list a product (or lists it changed), as stable codes with a text in English and in
Bahasa Indonesia, for the run report, `validate` and the staff rejects CSV.

A template takes `{channel}`, `{why}` (the English detail line) and the refusal's own params. A code without an
entry here is a defect: `tests/test_reasons.py` checks every code the connector emits has both texts.
"""

from __future__ import annotations

from typing import Any

# reason -> (English, Bahasa Indonesia)
MESSAGES: dict[str, tuple[str, str]] = {
    "channel_refused": (
        "{channel}: {why}",
        "{channel} menolak produk ini: {why}",
    ),
}


def reason_message(reason: str, lang: str, why: str, **params: Any) -> str:
    """The text of `reason` in `lang` ('en' or 'id'); an unknown code falls back to the generic refusal."""
    english, indonesian = MESSAGES.get(reason, MESSAGES["channel_refused"])
    template = indonesian if lang == "id" else english
    try:
        return template.format(why=why, **params)
    except (KeyError, IndexError):  # a code used without its params: the English detail still says it
        return MESSAGES["channel_refused"][1 if lang == "id" else 0].format(why=why, **params)
