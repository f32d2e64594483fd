"""Drives Coffer's transit engine with hvac 0.11.2 (Debian python3-hvac): one scenario per run.

Usage: VAULT_ADDR=... VAULT_TOKEN=... TRANSIT_MOUNT=... /usr/bin/python3 hvac_transit.py <scenario>

As hvac_scenarios.py: each scenario checks what a user of hvac's secrets.transit relies on and
prints one JSON object (the facts it saw) on stdout; a broken expectation exits 1 with the
reason on stderr. Each scenario makes its own keys on the mount TRANSIT_MOUNT names. HMACs are
recomputed here with Python's own hmac module; signatures are checked by the TypeScript test
with Node's crypto, from the public key and signature printed.
"""

import base64
import hashlib
import hmac as hmac_lib
import os
import sys

import hvac
import hvac.exceptions

# The helpers every hvac scenario uses, from hvac_scenarios.py beside this file (Python finds it
# there); importing it must not leave a __pycache__ in the source tree.
sys.dont_write_bytecode = True
from hvac_scenarios import ScenarioFailed, expect, expect_raises, run_scenario, unique  # noqa: E402


def transit():
    client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
    return client.secrets.transit


MOUNT = os.environ.get("TRANSIT_MOUNT", "transit")


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode("utf-8")).decode("ascii")


SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def sign_and_verify(key_type, data, **options):
    """create_key, sign_data and verify_signed_data (with the same options); a tampered input must not verify."""
    t = transit()
    name = unique(key_type)
    t.create_key(name=name, key_type=key_type, mount_point=MOUNT)
    signed = t.sign_data(name=name, hash_input=b64(data), mount_point=MOUNT, **options)
    signature = signed["data"]["signature"]
    expect(signature.startswith("vault:v1:"), "signature should be vault:v1:..., got %r" % signature)
    valid = t.verify_signed_data(name=name, hash_input=b64(data), signature=signature, mount_point=MOUNT, **options)
    expect(valid["data"]["valid"] is True, "verify_signed_data should be valid: %r" % valid)
    tampered = t.verify_signed_data(name=name, hash_input=b64("not what was signed"), signature=signature, mount_point=MOUNT, **options)
    expect(tampered["data"]["valid"] is False, "a tampered input should not verify: %r" % tampered)
    key = t.read_key(name=name, mount_point=MOUNT)["data"]
    expect(key["type"] == key_type and key["supports_signing"] is True, "read_key: %r" % key)
    return {"input": data, "signature": signature, "public_key": key["keys"]["1"]["public_key"]}


@scenario
def sign_ed25519():
    return sign_and_verify("ed25519", "signed through hvac")


@scenario
def sign_ecdsa_jws():
    return sign_and_verify("ecdsa-p256", "header.payload", hash_algorithm="sha2-256", marshaling_algorithm="jws")


@scenario
def sign_rsa_pkcs1v15():
    return sign_and_verify("rsa-2048", "rsa through hvac", hash_algorithm="sha2-512", signature_algorithm="pkcs1v15")


@scenario
def generate_hmac():
    t = transit()
    name = unique("mac")
    t.create_key(name=name, exportable=True, mount_point=MOUNT)
    data = b"hmac through hvac"
    made = t.generate_hmac(name=name, hash_input=b64(data), algorithm="sha2-512", mount_point=MOUNT)
    mac = made["data"]["hmac"]
    exported = t.export_key(name=name, key_type="hmac-key", version="latest", mount_point=MOUNT)
    key = base64.b64decode(exported["data"]["keys"]["1"])
    expected = "vault:v1:" + b64(hmac_lib.new(key, data, hashlib.sha512).digest())
    expect(mac == expected, "the HMAC should be HMAC-SHA512 under the exported hmac-key: %r != %r" % (mac, expected))
    valid = t.verify_signed_data(name=name, hash_input=b64(data), hmac=mac, hash_algorithm="sha2-512", mount_point=MOUNT)
    expect(valid["data"]["valid"] is True, "verify_signed_data(hmac=...) should be valid: %r" % valid)
    return {"hmac": mac}


@scenario
def generate_data_key():
    t = transit()
    name = unique("dek")
    t.create_key(name=name, mount_point=MOUNT)
    made = t.generate_data_key(name=name, key_type="plaintext", bits=512, mount_point=MOUNT)["data"]
    expect(len(base64.b64decode(made["plaintext"])) == 64, "a 512-bit data key: %r" % made)
    opened = t.decrypt_data(name=name, ciphertext=made["ciphertext"], mount_point=MOUNT)["data"]["plaintext"]
    expect(opened == made["plaintext"], "decrypt_data should open the data key's ciphertext to its plaintext")
    wrapped = t.generate_data_key(name=name, key_type="wrapped", mount_point=MOUNT)["data"]
    expect("plaintext" not in wrapped, "a wrapped data key has no plaintext: %r" % wrapped)
    expect(len(base64.b64decode(t.decrypt_data(name=name, ciphertext=wrapped["ciphertext"], mount_point=MOUNT)["data"]["plaintext"])) == 32, "a 256-bit wrapped data key")
    return {"bits": 512}


@scenario
def export_key():
    t = transit()
    sealed_in = unique("sealed")
    t.create_key(name=sealed_in, mount_point=MOUNT)
    refused = expect_raises(hvac.exceptions.InvalidRequest, t.export_key, name=sealed_in, key_type="encryption-key", mount_point=MOUNT)
    name = unique("exported")
    t.create_key(name=name, exportable=True, key_type="chacha20-poly1305", mount_point=MOUNT)
    t.rotate_key(name=name, mount_point=MOUNT)
    keys = t.export_key(name=name, key_type="encryption-key", mount_point=MOUNT)["data"]["keys"]
    expect(sorted(keys) == ["1", "2"], "both versions are exported: %r" % sorted(keys))
    expect(all(len(base64.b64decode(k)) == 32 for k in keys.values()), "32-byte ChaCha20 keys")
    return {"refused": refused.errors, "versions": sorted(keys)}


@scenario
def backup_and_restore():
    t = transit()
    name = unique("backed")
    t.create_key(name=name, exportable=True, allow_plaintext_backup=True, mount_point=MOUNT)
    plaintext = b64("kept across a restore")
    ciphertext = t.encrypt_data(name=name, plaintext=plaintext, mount_point=MOUNT)["data"]["ciphertext"]
    backup = t.backup_key(name=name, mount_point=MOUNT)["data"]["backup"]
    t.update_key_configuration(name=name, deletion_allowed=True, mount_point=MOUNT)
    t.delete_key(name=name, mount_point=MOUNT)
    expect_raises(hvac.exceptions.InvalidRequest, t.decrypt_data, name=name, ciphertext=ciphertext, mount_point=MOUNT)
    t.restore_key(backup=backup, mount_point=MOUNT)
    opened = t.decrypt_data(name=name, ciphertext=ciphertext, mount_point=MOUNT)["data"]["plaintext"]
    expect(opened == plaintext, "the restored key should decrypt the old ciphertext")
    again = expect_raises(hvac.exceptions.InvalidRequest, t.restore_key, backup=backup, mount_point=MOUNT)
    t.restore_key(backup=backup, force=True, mount_point=MOUNT)
    copy = unique("copy")
    t.restore_key(backup=backup, name=copy, mount_point=MOUNT)
    expect(t.decrypt_data(name=copy, ciphertext=ciphertext, mount_point=MOUNT)["data"]["plaintext"] == plaintext, "the copy decrypts too")
    return {"again": again.errors}


@scenario
def sign_with_aes_key_raises_invalid_request():
    t = transit()
    name = unique("aes")
    t.create_key(name=name, mount_point=MOUNT)
    err = expect_raises(hvac.exceptions.InvalidRequest, t.sign_data, name=name, hash_input=b64("x"), mount_point=MOUNT)
    return {"errors": err.errors}


if __name__ == "__main__":
    sys.exit(run_scenario(SCENARIOS, "hvac_transit.py"))
