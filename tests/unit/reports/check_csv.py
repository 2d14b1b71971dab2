#!/usr/bin/env python3
"""Parses a report CSV with Python's csv module (RFC 4180) and prints, per row,
policy_id, metric, compliance_percent, achieved_uptime_percent, p95 separated by tabs, so the
test can compare them with the PDF. Exits 1 when the file is not well-formed."""
import csv
import sys

EXPECTED = ["policy_id", "policy_name", "scope", "scope_id", "timezone", "period_start"]

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    reader = csv.reader(f, strict=True)
    header = next(reader)
    if header[: len(EXPECTED)] != EXPECTED:
        sys.exit("unexpected header: %r" % header)
    for row in reader:
        if len(row) != len(header):
            sys.exit("row with %d fields, header has %d: %r" % (len(row), len(header), row))
        r = dict(zip(header, row))
        print("\t".join([r["policy_id"], r["policy_name"], r["metric"], r["compliance_percent"],
                         r["achieved_uptime_percent"], r["p95"]]))
