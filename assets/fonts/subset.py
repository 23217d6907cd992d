#!/usr/bin/env python3
"""Regenerate the bundled Japanese font subsets from the characters the catalogues use.

The kiosk bundles BIZ UDPGothic (a universal-design face made for public information; SIL Open
Font License 1.1, see OFL.txt), cut down to the characters of assets/i18n/*.json plus printable
ASCII, so the kiosk never depends on system fonts (whose fallback draws Chinese glyph shapes).

Needs npm (to fetch the font package) and fonttools (`pip install fonttools`):

    python3 assets/fonts/subset.py

Run it after adding text to a catalogue; the font test fails until you do.
"""

import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@expo-google-fonts/biz-udpgothic@0.4.2"
HERE = Path(__file__).resolve().parent
CATALOGUES = HERE.parent / "i18n"
WEIGHTS = {"400Regular/BIZUDPGothic_400Regular.ttf": "BIZUDPGothic-Regular.subset.ttf",
           "700Bold/BIZUDPGothic_700Bold.ttf": "BIZUDPGothic-Bold.subset.ttf"}


def characters():
    text = set(chr(c) for c in range(0x20, 0x7F))
    for catalogue in sorted(CATALOGUES.glob("*.json")):
        for value in json.loads(catalogue.read_text(encoding="utf-8")).values():
            text.update(value)
    return "".join(sorted(text))


def main():
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        archive = next(work.glob("*.tgz"))
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        text_file = work / "characters.txt"
        text_file.write_text(characters(), encoding="utf-8")
        for source, target in WEIGHTS.items():
            subprocess.run(
                ["pyftsubset", str(work / "package" / source), f"--text-file={text_file}",
                 f"--output-file={HERE / target}", "--no-hinting"],
                check=True,
            )
        shutil.copy(work / "package" / "LICENSE_FONT", HERE / "OFL.txt")
    print(f"subset {len(characters())} characters into {', '.join(WEIGHTS.values())}")


if __name__ == "__main__":
    main()
