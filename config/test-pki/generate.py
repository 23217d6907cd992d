#!/usr/bin/env python3
"""Generate the TEST-ONLY PKI and the demo card profiles (config/test-pki, config/cards).

Nothing here is J-LIS's: two test CAs (auth and signing), per-card RSA-2048 keys and
certificates, revocation lists, the centre stand-in's master key, and one JSON profile per test
card with the per-card reset key derived from that master key as docs/reset-protocol.md says:

    K_card = HKDF-SHA256(salt="jpki-reset-standin/v1", ikm=K_master, info=card_id)[:16]
    card_id = len16(issuer DER) || issuer DER || len8(serial) || serial (DER INTEGER content)

of the card's auth certificate. The outputs are committed; run this only to regenerate them
(every key and certificate changes):

    pip install cryptography && python3 config/test-pki/generate.py
"""

import datetime as dt
import json
import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
PKI = ROOT / "config" / "test-pki"
CARDS = ROOT / "config" / "cards"
UTC = dt.timezone.utc
MY_NUMBER_ATR = "3B E0 00 FF 81 31 FE 45 14"
# Some other contact card (a generic JavaCard-style ATR): answers 6A82 to JPKI-AP.
OTHER_CARD_ATR = "3B 8A 80 01 00 31 C1 73 C8 40 00 00 90 00 90"
AUTH_PIN = "1234"
SIGNING_PIN = "ABC123"
VALID = (dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2034, 12, 31, 23, 59, 59, tzinfo=UTC))
EXPIRED = (dt.datetime(2019, 1, 1, tzinfo=UTC), dt.datetime(2024, 1, 1, tzinfo=UTC))
CA_VALIDITY = (dt.datetime(2018, 1, 1, tzinfo=UTC), dt.datetime(2044, 12, 31, tzinfo=UTC))
TEST_MARK = "TEST ONLY - not J-LIS - kiosk project test PKI"

# name, description, auth tries, signing tries (None: no signing certificate), validity,
# signing certificate revoked, My Number Card at all
CARDS_TO_MAKE = [
    ("normal", "A valid card; both PINs known and unblocked.", 3, 5, VALID, False, True),
    ("auth-blocked", "The auth PIN (4 digits) is blocked: 0 of 3 tries left.", 0, 5, VALID, False, True),
    ("auth-last-try", "The auth PIN has 1 of 3 tries left.", 1, 5, VALID, False, True),
    ("signing-blocked", "The signing password is blocked: 0 of 5 tries left.", 3, 0, VALID, False, True),
    ("signing-last-try", "The signing password has 1 of 5 tries left.", 3, 1, VALID, False, True),
    ("auth-expired", "Both certificates expired on 2024-01-01.", 3, 5, EXPIRED, False, True),
    ("signing-revoked", "The signing certificate is on the signing CA's revocation list.", 3, 5, VALID, True, True),
    ("no-signing-cert", "A holder under 15: no signing certificate, key or password on the card.", 3, None, VALID, False, True),
    ("not-mynumber", "Some other smart card: no JPKI applet (answers 6A82).", None, None, VALID, False, False),
    ("untrusted-ca", "A JPKI card whose certificates come from a CA the centre does not trust.", 3, 5, VALID, False, True),
    ("no-reservation", "A valid card for which the demo makes no reservation.", 3, 5, VALID, False, True),
    ("old-reservation", "A valid card whose demo reservation is 25 hours old.", 3, 5, VALID, False, True),
]
# Cards whose certificates an unknown CA issued (the centre must refuse them as untrusted).
FOREIGN = {"untrusted-ca"}


def name(*parts):
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_key(path, key):
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def make_ca(common_name, unit):
    key = new_key()
    subject = name(
        (NameOID.COUNTRY_NAME, "JP"),
        (NameOID.ORGANIZATION_NAME, TEST_MARK),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        (NameOID.COMMON_NAME, common_name),
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(CA_VALIDITY[0])
        .not_valid_after(CA_VALIDITY[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_user_cert(ca_key, ca_cert, subject, key, validity, signing):
    usage = (
        x509.KeyUsage(False, True, False, False, False, False, False, False, False)
        if signing
        else x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def der_integer_content(n):
    """The content octets of a DER INTEGER for a positive n (a leading 00 if the top bit is set)."""
    return n.to_bytes(n.bit_length() // 8 + 1, "big")


def card_id(auth_cert):
    issuer = auth_cert.issuer.public_bytes()
    serial = der_integer_content(auth_cert.serial_number)
    return len(issuer).to_bytes(2, "big") + issuer + len(serial).to_bytes(1, "big") + serial


def card_key(master, auth_cert):
    return HKDF(
        algorithm=hashes.SHA256(), length=16, salt=b"jpki-reset-standin/v1", info=card_id(auth_cert)
    ).derive(master)


def make_crl(ca_key, ca_cert, revoked_serials):
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(dt.datetime(2026, 1, 1, tzinfo=UTC))
        .next_update(dt.datetime(2036, 1, 1, tzinfo=UTC))
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(dt.datetime(2026, 1, 1, tzinfo=UTC))
            .add_extension(x509.CRLReason(x509.ReasonFlags.affiliation_changed), critical=False)
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256())


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


BENCH_CARDS = 16


def make_bench_cards(auth_ca_key, auth_ca):
    """Auth certificates for the centre's benchmark: many card identities sharing one key, each
    with a (made-up, unrevoked) signing certificate serial in the registry."""
    folder = PKI / "bench"
    folder.mkdir(exist_ok=True)
    key = new_key()
    write_key(folder / "auth-key.pem", key)
    records = []
    for n in range(BENCH_CARDS):
        cert = make_user_cert(
            auth_ca_key,
            auth_ca,
            name((NameOID.COUNTRY_NAME, "JP"), (NameOID.COMMON_NAME, f"TESTBENCH{n:04d}")),
            key,
            VALID,
            signing=False,
        )
        (folder / f"card-{n:02d}.der").write_bytes(der(cert))
        records.append(
            {
                "card": f"bench-{n:02d}",
                "auth_issuer_der": cert.issuer.public_bytes().hex(),
                "auth_serial": der_integer_content(cert.serial_number).hex(),
                "signing_serial": der_integer_content(x509.random_serial_number()).hex(),
            }
        )
    return records


def main():
    PKI.mkdir(parents=True, exist_ok=True)
    CARDS.mkdir(parents=True, exist_ok=True)
    master = secrets.token_bytes(32)
    (PKI / "master-key.hex").write_text(master.hex() + "\n")

    auth_ca_key, auth_ca = make_ca("TEST ONLY JPKI Auth CA", "TEST user authentication CA")
    signing_ca_key, signing_ca = make_ca("TEST ONLY JPKI Signing CA", "TEST digital signature CA")
    for label, key, cert in [("auth-ca", auth_ca_key, auth_ca), ("signing-ca", signing_ca_key, signing_ca)]:
        write_key(PKI / f"{label}-key.pem", key)
        (PKI / f"{label}.der").write_bytes(der(cert))

    # An unknown CA: its certificate goes on the foreign card only, never into the trust store.
    foreign_key, foreign_ca = make_ca("TEST ONLY Unknown CA (not trusted)", "TEST unknown CA")
    (CARDS / "untrusted-ca").mkdir(exist_ok=True)
    (CARDS / "untrusted-ca" / "ca.der").write_bytes(der(foreign_ca))

    issued = []
    revoked_signing = []
    for index, (card, description, auth_tries, signing_tries, validity, revoked, jpki) in enumerate(
        CARDS_TO_MAKE, start=1
    ):
        profile = {
            "_comment": "TEST ONLY card profile, generated by config/test-pki/generate.py; its PINs are public.",
            "name": card,
            "description": description,
            "atr": MY_NUMBER_ATR if jpki else OTHER_CARD_ATR,
            "jpki": None,
        }
        if jpki:
            folder = CARDS / card
            folder.mkdir(exist_ok=True)
            foreign = card in FOREIGN
            auth_issuer = (foreign_key, foreign_ca) if foreign else (auth_ca_key, auth_ca)
            signing_issuer = (foreign_key, foreign_ca) if foreign else (signing_ca_key, signing_ca)
            auth_key = new_key()
            auth_cert = make_user_cert(
                *auth_issuer,
                name((NameOID.COUNTRY_NAME, "JP"), (NameOID.COMMON_NAME, f"TEST{index:04d}{secrets.token_hex(6).upper()}")),
                auth_key,
                validity,
                signing=False,
            )
            write_key(folder / "auth-key.pem", auth_key)
            (folder / "auth-cert.der").write_bytes(der(auth_cert))
            record = {
                "card": card,
                "auth_issuer_der": auth_cert.issuer.public_bytes().hex(),
                "auth_serial": der_integer_content(auth_cert.serial_number).hex(),
                "signing_serial": None,
            }
            signing = None
            if signing_tries is not None:
                signing_key = new_key()
                signing_cert = make_user_cert(
                    *signing_issuer,
                    name(
                        (NameOID.COUNTRY_NAME, "JP"),
                        (NameOID.LOCALITY_NAME, "テスト市 (TEST ONLY)"),
                        (NameOID.COMMON_NAME, f"試験 花子 {card} (TEST ONLY)"),
                    ),
                    signing_key,
                    validity,
                    signing=True,
                )
                write_key(folder / "signing-key.pem", signing_key)
                (folder / "signing-cert.der").write_bytes(der(signing_cert))
                record["signing_serial"] = der_integer_content(signing_cert.serial_number).hex()
                if revoked:
                    revoked_signing.append(signing_cert.serial_number)
                signing = {
                    "pin": SIGNING_PIN,
                    "tries_left": signing_tries,
                    "certificate": f"{card}/signing-cert.der",
                    "private_key": f"{card}/signing-key.pem",
                }
            profile["jpki"] = {
                "token": "JPKIAPICCTOKEN2",
                "auth": {
                    "pin": AUTH_PIN,
                    "tries_left": auth_tries,
                    "certificate": f"{card}/auth-cert.der",
                    "private_key": f"{card}/auth-key.pem",
                },
                "signing": signing,
                "auth_ca_certificate": f"{card}/ca.der" if foreign else "../test-pki/auth-ca.der",
                "signing_ca_certificate": f"{card}/ca.der" if foreign else "../test-pki/signing-ca.der",
                "reset_key": card_key(master, auth_cert).hex(),
            }
            if not foreign:
                issued.append(record)
        (CARDS / f"{card}.json").write_text(json.dumps(profile, indent=2, ensure_ascii=False) + "\n")

    issued.extend(make_bench_cards(auth_ca_key, auth_ca))

    (PKI / "auth-ca.crl").write_bytes(make_crl(auth_ca_key, auth_ca, []).public_bytes(serialization.Encoding.DER))
    (PKI / "signing-ca.crl").write_bytes(
        make_crl(signing_ca_key, signing_ca, revoked_signing).public_bytes(serialization.Encoding.DER)
    )
    (PKI / "issued.json").write_text(
        json.dumps(
            {
                "_comment": "TEST ONLY: which certificates the test CAs issued to which card (the centre's view).",
                "cards": issued,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {len(CARDS_TO_MAKE)} card profiles to {os.path.relpath(CARDS)} and the PKI to {os.path.relpath(PKI)}")


if __name__ == "__main__":
    main()
