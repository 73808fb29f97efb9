#!/usr/bin/env python3
"""Assemble the 27 shareholder letters (1997-2023) into one folder, as a user would.

Usage: python bench/letters_corpus.py OUT_DIR

Copies the 24 letters of `../shared/data/external/amazon-letters-bezos-1997-2020/letters/`
and, from `../shared/data/external/aws-samples-letters-qa/letters/`, `2021_extracted_pypdf.txt`
as `2021.txt`, `2022.txt` and `2023.txt`. No `metadata.json` is written: titles, authors and years
come from the letters themselves (their first lines, "Author:" lines, sign-offs and file names),
as they would for any folder a user brings.
The letters are third-party text: OUT_DIR must be outside the repository (a temporary folder).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
BEZOS = EXTERNAL / "amazon-letters-bezos-1997-2020" / "letters"
JASSY = {"2021.txt": "2021_extracted_pypdf.txt", "2022.txt": "2022.txt", "2023.txt": "2023.txt"}


def build(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for f in sorted(BEZOS.iterdir()):
        if f.suffix in (".md", ".txt"):
            shutil.copyfile(f, out / f.name)
    for name, source in JASSY.items():
        shutil.copyfile(EXTERNAL / "aws-samples-letters-qa" / "letters" / source, out / name)
    (out / "metadata.json").unlink(missing_ok=True)  # from an older version of this script
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(build(Path(sys.argv[1])))
