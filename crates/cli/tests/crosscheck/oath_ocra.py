#!/usr/bin/env python3
"""OCRA (RFC 6287) responses from the independent `oath` package (PyPI, 1.4.x), for crates/cli/tests/crosscheck.rs.

Reads a JSON list of cases on stdin, each
    {"suite": str, "key": hex, "q": str, "mutual": bool, "counter": int|null, "pin": str|null,
     "session": hex|null, "steps": int|null, "time": int|null}
and prints {"oath_version": str, "results": [...]}, one result per case:
    {"response": str, "hmac": hex, "pin_hash": hex|null}   or   {"error": str}.

"response" is what oath itself answers. "hmac" is the full HMAC over oath's own data input: the
value RFC 6287 means by t=0 ("no truncation"), which oath renders differently (see below).

How oath 1.4.5 (oath/_ocra.py) lays out the data input, as read from its source:
- Q: numeric challenges go through '%x' % int(q) and get one '0' appended when the hex is odd,
  like the RFC's BigInteger(q, 10).toString(16) plus right padding; hex challenges go through
  bytes.fromhex, so an odd number of hex digits is an error (the RFC pads with '0'); alphanumeric
  challenges are their ASCII bytes. Zero bytes fill the 128-byte field. For mutual mode it takes
  the concatenated challenges (Qsc) against twice the suite's length.
- P: P= hashes the PIN with the suite's P hash; P_digest= takes the hash (raw or hex).
- S: must be exactly the suite's length in bytes; it does not pad.
- T: T_precomputed= is the number of steps; T= is Unix seconds, divided with '/', so it is a float
  and only exact below 2**53. T= is only reached when T_precomputed is a non-integer (None raises
  TypeError). A 0H step (T0H) is falsy, so oath leaves T out of the data input altogether.
- t=0: the truncation length 0 is falsy, so oath answers str(truncated 31-bit value) in decimal.
"""

import hashlib
import hmac
import json
import sys

try:
    import oath
    from importlib.metadata import version
except ImportError:
    sys.stderr.write("the Python package 'oath' is missing: pip install oath==1.4.5\n")
    sys.exit(3)


def answer(case):
    suite = oath.str2ocrasuite(case["suite"])
    key = bytes.fromhex(case["key"])
    kwargs = {}
    if case["mutual"]:
        kwargs["Qsc"] = case["q"]
    else:
        kwargs["Q"] = case["q"]
    if case.get("counter") is not None:
        kwargs["C"] = case["counter"]
    if case.get("pin") is not None:
        kwargs["P"] = case["pin"]
    if case.get("session") is not None:
        kwargs["S"] = bytes.fromhex(case["session"])
    if case.get("steps") is not None:
        kwargs["T_precomputed"] = case["steps"]
    elif case.get("time") is not None:
        kwargs["T"] = case["time"]
        kwargs["T_precomputed"] = ""  # not an integer, so oath uses T
    response = suite(key, **kwargs)
    data = suite.ocrasuite_description.encode("ascii") + b"\0" + suite.data_input(**kwargs)
    full = hmac.new(key, data, suite.crypto_function.hash_algo).hexdigest()
    pin_hash = None
    if case.get("pin") is not None:
        pin_hash = suite.data_input.P(case["pin"].encode("utf-8")).hexdigest()
    return {"response": response, "hmac": full, "pin_hash": pin_hash}


def main():
    results = []
    for case in json.load(sys.stdin):
        try:
            results.append(answer(case))
        except Exception as e:  # noqa: BLE001 - every failure is reported per case
            results.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump({"oath_version": version("oath"), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
