"""Reads a .vcf with the independent `vobject` parser and prints, as JSON,
each card's FN, N, telephone numbers and e-mail addresses.

Used by importers/tests/vcard.rs: the Rust test compares the output with
the organisation chart it exported."""
import json
import sys

import vobject

cards = []
with open(sys.argv[1], encoding="utf-8") as f:
    for card in vobject.readComponents(f.read()):
        entry = {
            "version": card.version.value,
            "fn": card.fn.value,
            "tel": sorted(t.value for t in card.contents.get("tel", [])),
            "email": sorted(e.value for e in card.contents.get("email", [])),
        }
        if "n" in card.contents:
            entry["family"] = card.n.value.family
            entry["given"] = card.n.value.given
        cards.append(entry)
json.dump(cards, sys.stdout, ensure_ascii=False)
