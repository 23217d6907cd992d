#!/usr/bin/env python3
"""Regenerate the bundled font subsets from the characters the catalogues use.

The kiosk bundles one face per script, each cut down to the characters of the catalogues set in
it plus printable ASCII, so the kiosk never depends on system fonts (whose fallback would draw,
say, Chinese glyph shapes in Japanese text or leave Vietnamese marks out). All are under the SIL
Open Font License 1.1 (OFL-*.txt beside them):

- BIZ UDPGothic (Morisawa; a universal-design face made for public information): Japanese,
  English and Brazilian Portuguese, and the marks (✓ ！ ● ◀ …) of every language.
- Noto Sans SC (Simplified Chinese glyph shapes), Noto Sans KR (Hangul), and Noto Sans
  (Latin with Vietnamese's stacked diacritics, which BIZ UDPGothic lacks).

kiosk-app's `theme::face` says which language is set in which face; keep FACES below the same.

Needs npm (to fetch the font packages) and fonttools (`pip install fonttools`):

    python3 assets/fonts/subset.py

Run it after adding text to a catalogue; the font test (`theme::tests`) fails until you do.
"""

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATALOGUES = HERE.parent / "i18n"

# face → (npm package, {weight file in the package: subset file}, the catalogues set in it,
#          whether the marks of every catalogue are drawn with it, its licence file name)
FACES = {
    "BIZUDPGothic": (
        "@expo-google-fonts/biz-udpgothic@0.4.2",
        {"400Regular/BIZUDPGothic_400Regular.ttf": "BIZUDPGothic-Regular.subset.ttf",
         "700Bold/BIZUDPGothic_700Bold.ttf": "BIZUDPGothic-Bold.subset.ttf"},
        ["ja", "en", "pt-BR"],
        True,
        "OFL.txt",
    ),
    "NotoSansSC": (
        "@expo-google-fonts/noto-sans-sc@0.4.3",
        {"400Regular/NotoSansSC_400Regular.ttf": "NotoSansSC-Regular.subset.ttf",
         "700Bold/NotoSansSC_700Bold.ttf": "NotoSansSC-Bold.subset.ttf"},
        ["zh-Hans"],
        False,
        "OFL-NotoSansSC.txt",
    ),
    "NotoSansKR": (
        "@expo-google-fonts/noto-sans-kr@0.4.3",
        {"400Regular/NotoSansKR_400Regular.ttf": "NotoSansKR-Regular.subset.ttf",
         "700Bold/NotoSansKR_700Bold.ttf": "NotoSansKR-Bold.subset.ttf"},
        ["ko"],
        False,
        "OFL-NotoSansKR.txt",
    ),
    "NotoSans": (
        "@expo-google-fonts/noto-sans@0.4.2",
        {"400Regular/NotoSans_400Regular.ttf": "NotoSans-Regular.subset.ttf",
         "700Bold/NotoSans_700Bold.ttf": "NotoSans-Bold.subset.ttf"},
        ["vi"],
        False,
        "OFL-NotoSans.txt",
    ),
}

ALL_LANGUAGES = ["ja", "en", "zh-Hans", "ko", "vi", "pt-BR"]


def catalogue_characters(code, marks):
    """The characters of a catalogue's values, as kiosk-app's `i18n::characters` reads them:
    comments left out, and the `mark-*` messages only when `marks` (and then only them)."""
    found = set()
    is_mark = False
    for line in (CATALOGUES / f"{code}.ftl").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        value = line
        if not line.startswith(" ") and " =" in line:
            ident, value = line.split(" =", 1)
            is_mark = ident.startswith("mark-")
        if is_mark == marks:
            found.update(value)
    return found


def characters(languages, marks):
    text = set(chr(c) for c in range(0x20, 0x7F))
    for code in languages:
        text |= catalogue_characters(code, marks=False)
    if marks:
        for code in ALL_LANGUAGES:
            text |= catalogue_characters(code, marks=True)
    return "".join(sorted(text))


def main():
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for face, (package, weights, languages, marks, licence) in FACES.items():
            unpacked = work / face
            unpacked.mkdir()
            subprocess.run(["npm", "pack", package, "--silent"], cwd=unpacked, check=True,
                           stdout=subprocess.DEVNULL)
            archive = next(unpacked.glob("*.tgz"))
            with tarfile.open(archive) as tar:
                tar.extractall(unpacked, filter="data")
            text = characters(languages, marks)
            text_file = unpacked / "characters.txt"
            text_file.write_text(text, encoding="utf-8")
            for source, target in weights.items():
                subprocess.run(
                    ["pyftsubset", str(unpacked / "package" / source), f"--text-file={text_file}",
                     f"--output-file={HERE / target}", "--no-hinting"],
                    check=True,
                )
            shutil.copy(unpacked / "package" / "LICENSE_FONT", HERE / licence)
            print(f"{face}: {len(text)} characters into {', '.join(weights.values())}")


if __name__ == "__main__":
    main()
