#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target into fuzz/corpus/<target>/ from the project's
real data (test cards, test PKI, configuration files) and APDUs from the code's own tests.
Run from anywhere: python3 fuzz/seeds/make_seeds.py"""

import base64
import json
import pathlib
import shutil

FUZZ = pathlib.Path(__file__).resolve().parent.parent
ROOT = FUZZ.parent
CONFIG = ROOT / "config"
CORPUS = FUZZ / "corpus"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / f"seed-{name}").write_bytes(data)


def h(text):
    return bytes.fromhex(text.replace(" ", ""))


AID = h("D3 92 F0 00 26 01 00 00 00 01")
SELECT_AP = h("00 A4 04 0C 0A") + AID
DIGEST_INFO = h("3031300D060960864801650304020105000420") + bytes(range(32))
auth_cert = (CONFIG / "cards/normal/auth-cert.der").read_bytes()
signing_cert = (CONFIG / "cards/normal/signing-cert.der").read_bytes()
certificates = {
    "normal-auth-cert": auth_cert,
    "normal-signing-cert": signing_cert,
    "auth-ca": (CONFIG / "test-pki/auth-ca.der").read_bytes(),
    "signing-ca": (CONFIG / "test-pki/signing-ca.der").read_bytes(),
}

# response_apdu: [plan] then answers, each [len][bytes] (0xFE: a bare SW, 0xFF: a transport error).
def script(plan, *answers):
    out = bytes([plan])
    for answer in answers:
        out += bytes([len(answer)]) + answer
    return out

write("response_apdu", "sw-success", h("90 00"))
write("response_apdu", "token", h("00") + b"JPKIAPICCTOKEN2" + bytes(17) + h("90 00"))
write("response_apdu", "read-token", script(0x00, h("9000"), h("9000"), b"JPKIAPICCTOKEN2" + bytes(17) + h("9000")))
write("response_apdu", "read-cert", script(0x01, h("9000"), h("9000"), auth_cert[:253] + h("9000")))
write("response_apdu", "tries-left", script(0x0A, h("9000"), h("9000"), h("63C3"), h("9000"), h("63C0")))
write("response_apdu", "more-data", script(0x03, h("9000"), h("6108"), bytes(8) + h("9000")))
write("response_apdu", "wrong-le", script(0x03, h("9000"), h("6C08"), bytes(8) + h("9000")))
write("response_apdu", "not-mynumber", script(0x00, h("6A82")))
write("response_apdu", "pulled", script(0x00, h("9000"), b"") + b"\xff")
write("response_apdu", "reset-refusals", script(0xFF, h("9000"), h("9000"), h("6988"), h("9000"), h("6985"), h("6A80")))

# certificate_length: real certificates and the header forms of the driver's tests.
for name, der in certificates.items():
    write("certificate_length", name, der)
write("certificate_length", "short-form", h("30 05 01 02 03 04 05"))
write("certificate_length", "long-form-1", h("30 81 03 01 02 03"))
write("certificate_length", "long-form-3", h("30 83 01 00 00"))
write("certificate_length", "indefinite", h("30 80"))

# card_commands: [flags] then [len][APDU]... (0xFF: the rest is one APDU).
def session(flags, *apdus):
    out = bytes([flags])
    for apdu in apdus:
        out += bytes([len(apdu)]) + apdu
    return out

select_ef = lambda fid: h("00 A4 02 0C 02") + fid.to_bytes(2, "big")
write("card_commands", "read-auth-cert", session(0, SELECT_AP, select_ef(0x000A), h("00 B0 00 00 00"), h("00 B0 01 00 00"), h("00 B0 02 00 00"), h("00 B0 03 00 00")))
write("card_commands", "read-token", session(0, SELECT_AP, select_ef(0x0006), h("00 B0 00 00 20")))
write("card_commands", "verify-and-sign", session(0, SELECT_AP, select_ef(0x0018), h("00 20 00 80"), h("00 20 00 80 04") + b"1234", select_ef(0x0017), h("80 2A 00 80") + bytes([len(DIGEST_INFO)]) + DIGEST_INFO + h("00")))
write("card_commands", "signing-pin", session(0, SELECT_AP, select_ef(0x001B), h("00 20 00 80 06") + b"ABC123", h("00 24 01 80 06") + b"XYZ789", select_ef(0x0001), h("00 B0 00 00 00")))
write("card_commands", "wrong-pins", session(0, SELECT_AP, select_ef(0x0018), h("00 20 00 80 04") + b"0000", h("00 20 00 80 04") + b"0000", h("00 20 00 80 04") + b"0000", h("00 20 00 80")))
write("card_commands", "reset", session(0, SELECT_AP, select_ef(0x001B), h("00 84 00 00 08"), h("0C 2C 02 80 1D 87 11 01") + bytes(16) + h("8E 08") + bytes(8)))
write("card_commands", "extended-read", session(0, SELECT_AP, select_ef(0x000A), h("00 B0 00 00 00 04 00")))
write("card_commands", "malformed", session(1, h("00 A4 04"), h("00 A4 02 0C 02 00"), h("10 A4 04 0C 00"), h("01 A4 04 0C 00"), h("FF FF FF FF")))
write("card_commands", "not-mynumber", session(0x80, SELECT_AP, h("00 B0 00 00 00"), h("80 2A 00 80 01 00 00")))

# secure_messaging: [mode] [key 16] [challenge 8] then data (a PIN, or a reset data field).
key = h("3560b48f66947efe0a8de8fb6d9fe231")
challenge = bytes(range(1, 9))
write("secure_messaging", "signing-pin", bytes([6 << 1 | 1]) + key + challenge + b"ABC123")
write("secure_messaging", "auth-pin", bytes([4 << 1]) + key + challenge + b"1234")
write("secure_messaging", "sixteen", bytes([16 << 1 | 1]) + key + challenge + b"A1B2C3D4E5F6G7H8")
write("secure_messaging", "too-long", bytes([17 << 1 | 1]) + key + challenge + b"A1B2C3D4E5F6G7H8X")
write("secure_messaging", "data-field", bytes([0]) + key + challenge + h("87 11 01") + bytes(16) + h("8E 08") + bytes(8))
write("secure_messaging", "command", bytes([0]) + key + challenge + h("0C 2C 02 80 1D 87 11 01") + bytes(16) + h("8E 08") + bytes(8))
write("secure_messaging", "certificate", bytes([0]) + key + challenge + auth_cert)

# card_profile: every test card's profile as it is.
for profile in sorted((CONFIG / "cards").glob("*.json")):
    write("card_profile", profile.stem, profile.read_bytes())

# centre_config and kiosk_config: the shipped files.
write("centre_config", "reset-center", (CONFIG / "reset-center.json").read_bytes())
write("centre_config", "hours", "06:30-23:00")
write("kiosk_config", "kiosk", (CONFIG / "kiosk.json").read_bytes())
write("kiosk_config", "kiosk-production", (CONFIG / "kiosk.production.json").read_bytes())

# centre_wire: one body of each kind, as docs/reset-protocol.md describes them.
b64 = lambda data: base64.b64encode(data).decode()
bodies = {
    "certificate-request": {"kind": "signing", "auth_certificate": b64(auth_cert[:48])},
    "check-response": {"valid_until": "2026-11-28T10:00:00+00:00"},
    "begin-response": {"session": "00112233445566778899aabbccddeeff", "challenge": b64(bytes(32))},
    "proof-request": {"signature": b64(bytes(16)), "certificate": b64(signing_cert[:32])},
    "reset-command-request": {"card_challenge": b64(bytes(8)), "new_pin": "ABC123"},
    "reset-command-response": {"apdu": b64(h("0C 2C 02 80 1D 87 11 01") + bytes(26))},
    "complete-card": {"outcome": {"card": {"sw": 36864}}},
    "complete-unknown": {"outcome": "unknown"},
    "complete-response": {"reservation": "pending"},
    "refusal": {"refusal": "reservation_expired", "message": "the reservation is more than 24 hours old"},
    "health": {"status": "ok", "maintenance": False, "time": "2026-11-27T10:00:00+00:00"},
}
for name, body in bodies.items():
    write("centre_wire", name, json.dumps(body))

# centre_requests: requests of [route|flags][credentials] then fields (see the target's docs).
# Route 2 = begin, 3 = prove, 4 = reset-command, 5 = complete, 1 = check, 0 = health.
def begin(kind_signing=True, pick=0):
    return bytes([2, 1, 1 if kind_signing else 0, pick])

write("centre_requests", "health", bytes([0, 1, 0]))
write("centre_requests", "check", bytes([1, 1, 1, 0]))
write("centre_requests", "begin-prove-command-complete",
      begin() + bytes([3, 1, 8]) + bytes(8) + bytes([0]) + bytes([4, 1, 8]) + bytes(8) + bytes([6]) + b"XYZ789" + bytes([5, 1, 1]))
write("centre_requests", "begin-auth-prove", begin(False) + bytes([3, 1, 4]) + b"\x01\x02\x03\x04" + bytes([1, 1]))
write("centre_requests", "begin-complete-unchanged", begin() + bytes([5, 1, 0]))
write("centre_requests", "unknown-kiosk", bytes([2, 0, 1, 0]))
write("centre_requests", "raw-body", bytes([0x82, 1, 5]) + b'{"x"}')
write("centre_requests", "revoked", begin(True, 2) + begin(True, 3) + begin(True, 4) + begin(True, 5))
