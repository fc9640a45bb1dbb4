#!/usr/bin/env python3
"""gen_bodies.py N SECRET OUT — N distinct signed webhook bodies (one text message each, from
5,000 different senders) for wrk: one line each, "signature<TAB>body" (compact JSON has no
raw tabs or newlines)."""
import hashlib
import hmac
import json
import sys

n, secret, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]


with open(out, "w") as f:
    for i in range(n):
        sender = "9197%08d" % (i % 5000)
        body = json.dumps({
            "object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "917000000000", "phone_number_id": "106540352242922"},
                "contacts": [{"profile": {"name": "Bench Citizen %d" % (i % 5000)}, "wa_id": sender}],
                "messages": [{"from": sender, "id": "wamid.BENCH%010d" % i, "timestamp": "1700000000",
                              "type": "text", "text": {"body": "हैंडपंप खराब है, गांव में पानी नहीं आ रहा %d" % i}}]}}]}]},
            ensure_ascii=False, separators=(",", ":"))
        sig = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
        f.write("%s\t%s\n" % (sig, body))
