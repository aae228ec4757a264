#!/usr/bin/env python3
"""Regenerates the voice clips of the display board and the kiosk (data/voice/*.wav).

Each line of words.tsv is `key<TAB>text[<TAB>spelling]`; the clip `key.wav`
is the text (or the spelling given for eSpeak, where its reading of the text
alone is wrong) read by eSpeak NG's Vietnamese voice, resampled to 16 kHz mono 16-bit, trimmed of
leading and trailing silence and peak-normalised. Each line of prompts.tsv is
`key<TAB>voice<TAB>text[<TAB>spelling]`, a kiosk prompt made the same way with
eSpeak's `vi` or `en` voice. Needs only python3 and espeak-ng (Debian:
`apt-get install espeak-ng`). Run it from anywhere:

    python3 data/voice/make_clips.py            # every clip
    python3 data/voice/make_clips.py --words    # only words.tsv
    python3 data/voice/make_clips.py --prompts  # only prompts.tsv

The Rust tests `app::audio::tests::clips_match_the_vocabulary` and
`app::prompts::tests::clips_match_the_prompts` check that words.tsv is exactly
the vocabulary of `domain::announce::Word` and prompts.tsv the `Prompt`s.
"""
import math
import os
import struct
import subprocess
import sys
import tempfile
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_RATE = 16000
SPEED_WPM = 140  # a little slower than eSpeak's 175: a hall is noisy
PEAK = 0.89  # -1 dBFS
TAPS = 24  # half-width of the resampling filter, in input samples


def synth(text, voice="vi"):
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(SPEED_WPM), "-w", f.name, text], check=True)
        with wave.open(f.name) as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2, "espeak-ng writes 16-bit mono"
            rate = w.getframerate()
            raw = w.readframes(w.getnframes())
    samples = [s / 32768.0 for s in struct.unpack("<%dh" % (len(raw) // 2), raw)]
    return rate, samples


def resample(x, rate_in, rate_out):
    """Windowed-sinc (Blackman) band-limited resampling."""
    ratio = rate_out / rate_in
    cutoff = min(1.0, ratio) * 0.92
    n_out = int(len(x) * ratio)
    out = []
    for i in range(n_out):
        t = i / ratio
        c = int(math.floor(t))
        acc = 0.0
        for k in range(c - TAPS + 1, c + TAPS + 1):
            if 0 <= k < len(x):
                d = t - k
                w = 0.42 + 0.5 * math.cos(math.pi * d / TAPS) + 0.08 * math.cos(2 * math.pi * d / TAPS)
                arg = math.pi * d * cutoff
                sinc = 1.0 if abs(arg) < 1e-9 else math.sin(arg) / arg
                acc += x[k] * cutoff * sinc * w
        out.append(acc)
    return out


def trim(x, rate):
    peak = max(abs(s) for s in x) or 1.0
    loud = [i for i, s in enumerate(x) if abs(s) > peak * 0.02]
    margin = int(rate * 0.015)
    start, end = max(0, loud[0] - margin), min(len(x), loud[-1] + margin)
    return x[start:end]


def finish(x, rate):
    peak = max(abs(s) for s in x) or 1.0
    x = [s * PEAK / peak for s in x]
    fade = int(rate * 0.005)
    for i in range(fade):
        g = i / fade
        x[i] *= g
        x[-1 - i] *= g
    return x


def write(path, x, rate):
    data = struct.pack("<%dh" % len(x), *(max(-32768, min(32767, int(round(s * 32767)))) for s in x))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data)


def table(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]


def make(key, text, voice="vi"):
    rate, x = synth(text, voice)
    x = finish(trim(resample(x, rate, OUT_RATE), OUT_RATE), OUT_RATE)
    write(os.path.join(HERE, key + ".wav"), x, OUT_RATE)
    return len(x) * 1000 // OUT_RATE


def main():
    only = set(a.lstrip("-") for a in sys.argv[1:]) or {"words", "prompts"}
    if "words" in only:
        for row in table("words.tsv"):
            key, text = row[0], row[1]
            ms = make(key, row[2] if len(row) > 2 else text)
            print("%-12s %-10s %4d ms" % (key, text, ms), file=sys.stderr)
    if "prompts" in only:
        for row in table("prompts.tsv"):
            key, voice, text = row[0], row[1], row[2]
            ms = make(key, row[3] if len(row) > 3 else text, voice)
            print("%-20s %-2s %5d ms  %s" % (key, voice, ms, text), file=sys.stderr)


if __name__ == "__main__":
    main()
