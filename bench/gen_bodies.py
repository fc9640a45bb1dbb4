#!/usr/bin/env python3
"""gen_bodies.py N SECRET HOST THREADS PREFIX — N distinct signed webhook POSTs (one text message
each, from 5,000 different senders) for wrk, written as ready HTTP/1.1 requests, back to back:
PREFIX-0.http … PREFIX-<THREADS-1>.http, one file per wrk thread, each with its own share of the
bodies (so no message id is sent by two threads). bench/webhook.lua reads its thread's file in one
read: formatting 400,000 requests in wrk's Lua took seconds per thread, and wrk starts its first
thread while the next one is still formatting — that thread's requests were timed on a machine
whose other core was busy in Lua (issue 22)."""
import hashlib
import hmac
import json
import sys

n, secret, host, threads, prefix = (int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3],
                                    int(sys.argv[4]), sys.argv[5])


def request(i):
    sender = "9197%08d" % (i % 5000)
    body = json.dumps({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "917000000000", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Bench Citizen %d" % (i % 5000)}, "wa_id": sender}],
            "messages": [{"from": sender, "id": "wamid.BENCH%010d" % i, "timestamp": "1700000000",
                          "type": "text", "text": {"body": "हैंडपंप खराब है, गांव में पानी नहीं आ रहा %d" % i}}]}}]}]},
        ensure_ascii=False, separators=(",", ":")).encode()
    sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    head = ("POST /webhook HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
            "X-Hub-Signature-256: %s\r\nContent-Length: %d\r\n\r\n" % (host, sig, len(body)))
    return head.encode() + body


per = n // threads
for t in range(threads):
    with open("%s-%d.http" % (prefix, t), "wb") as f:
        for i in range(t * per, (t + 1) * per):
            f.write(request(i))
