"""Keys that tell when two cases name the same party.

Phones are the strong key (``portal.phones.normalise_phone``: 0912 345 678, +84 912 345 678 and
84912345678 are one number). Names are typed with or without accents, with the company's legal form or
without it, with "ông"/"bà" before a person's name: the key drops all of that. A name alone matches only
where no phone contradicts it (``complaints.services.party_match``): "Nguyễn Văn Hùng" is a common name.
"""
from __future__ import annotations

import re
import unicodedata

from complaints.models import PartyKind

# Legal forms ("Công ty TNHH MTV …", "Cty CP …"), without accents, longest first.
_LEGAL_FORM_PHRASES = ("cong ty trach nhiem huu han", "cong ty co phan", "mot thanh vien", "cong ty", "cty",
                       "tnhh", "co phan", "mtv", "cp", "jsc", "ltd", "llc", "company limited", "company")
_HONORIFICS = {"ong", "ba", "anh", "chi", "co", "chu", "bac", "em"}
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str | None) -> str:
    """Lower case, without accents (đ → d), words of letters and digits separated by one space."""
    value = unicodedata.normalize("NFKD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).lower()
    return " ".join(_NOT_ALNUM.sub(" ", value).split())


def party_name_key(name: str | None, kind: str) -> str:
    """"Công ty TNHH MTV Nhân lực Á Châu" → "nhan luc a chau"; "Ông Nguyễn Văn Hùng" → "nguyen van hung"."""
    words = fold(name).split()
    if kind == PartyKind.BROKER:
        while len(words) > 2 and words[0] in _HONORIFICS:
            words = words[1:]
        return " ".join(words)
    text = f" {' '.join(words)} "
    for phrase in _LEGAL_FORM_PHRASES:
        text = text.replace(f" {phrase} ", " ")
    key = " ".join(text.split())
    return key or " ".join(words)  # a name made only of legal-form words stays itself
