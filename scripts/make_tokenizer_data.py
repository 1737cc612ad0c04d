"""Write ``qualcode/coding/data/en_tokenizer.json``: the installed spaCy's English tokenizer
rules (affix regexes, URL match, special cases), which ``qualcode.coding.tokenizer`` runs
without importing spaCy. Run it after upgrading spaCy; ``tests/test_tokenizer.py`` fails until
the snapshot matches the installed spaCy.

    python scripts/make_tokenizer_data.py
"""

from __future__ import annotations

import json
from pathlib import Path

import spacy

from qualcode.coding.tokenizer import snapshot

TARGET = Path(__file__).resolve().parent.parent / "qualcode/coding/data/en_tokenizer.json"


def main() -> None:
    data = snapshot(spacy.blank("en").tokenizer)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} (spaCy {data['spacy_version']}, "
          f"{len(data['special_cases'])} special cases)")


if __name__ == "__main__":
    main()
