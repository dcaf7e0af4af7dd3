"""Synthesise static/sounds/chime.wav, the lobby board's two-note call chime.

Made here rather than downloaded, so its origin and licence are ours. Run:
`python scripts/make_chime.py` (standard library only).
"""

from __future__ import annotations

import math
import os
import struct
import wave

RATE = 22050
NOTES = [(659.25, 0.0), (523.25, 0.55)]  # E5 then C5: the classic "ding-dong"
LENGTH_S = 1.9


def sample(t: float) -> float:
    value = 0.0
    for frequency, start in NOTES:
        if t < start:
            continue
        age = t - start
        envelope = math.exp(-age * 3.2) * min(1.0, age / 0.005)
        # A bell-like tone: the fundamental with two softer partials.
        value += envelope * (
            math.sin(2 * math.pi * frequency * age)
            + 0.35 * math.sin(2 * math.pi * 2 * frequency * age)
            + 0.12 * math.sin(2 * math.pi * 3.01 * frequency * age)
        )
    return value * 0.42


def main() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "static", "sounds", "chime.wav")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    frames = bytearray()
    for i in range(int(RATE * LENGTH_S)):
        value = max(-1.0, min(1.0, sample(i / RATE)))
        frames += struct.pack("<h", int(value * 32767))
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    print(f"wrote {path} ({len(frames)} bytes of audio)")


if __name__ == "__main__":
    main()
