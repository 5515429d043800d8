"""Makes alarm-high.wav, alarm-escalated.wav and alarm-low.wav: run `python3 make_sounds.py` in
this directory.

High: two bursts of three short pulses (880, 1175, 880 Hz), in the manner of IEC 60601-1-8's
high-priority burst. Escalated: the same pulses higher (1175, 1568, 1175 Hz), at full
amplitude, three bursts with shorter gaps, for an alarm nobody has acknowledged in time. Low: one soft 523 Hz tone. 16-bit mono, 22.05 kHz; a 10 ms attack and
20 ms release keep them from clicking.
"""
import math
import struct
import wave

RATE = 22050


def tone(freq, ms, amp):
    n = int(RATE * ms / 1000)
    return [
        amp * min(1.0, i / (RATE * 0.01), (n - i) / (RATE * 0.02)) * math.sin(2 * math.pi * freq * i / RATE)
        for i in range(n)
    ]


def silence(ms):
    return [0.0] * int(RATE * ms / 1000)


def write(name, samples):
    with wave.open(name, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(max(-1, min(1, s)) * 32000)) for s in samples))


high = []
for _ in range(2):
    for f in (880, 1175, 880):
        high += tone(f, 150, 0.8) + silence(70)
    high += silence(250)
write("alarm-high.wav", high)
write("alarm-low.wav", tone(523, 400, 0.4))

escalated = []
for _ in range(3):
    for f in (1175, 1568, 1175):
        escalated += tone(f, 120, 1.0) + silence(50)
    escalated += silence(150)
write("alarm-escalated.wav", escalated)
