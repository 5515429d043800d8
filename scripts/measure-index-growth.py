#!/usr/bin/env python3
"""How inserting readings slows as the readings table grows, with and without each of its
indexes (issue 15, docs/performance.md "Why the store path slows"). Outside Vagt on purpose:
Python's sqlite3, unencrypted, the real schema.sql, readings dealt to the citizens in turn as
a region's arrive. Prints the insert rate over each half million readings.

  scripts/measure-index-growth.py VARIANT [--readings N] [--citizens N] [--transaction N]
                                  [--cache-mib N]
  VARIANT: as-is (source ids in order), unpadded-ids (o1, o2, ..: they sweep their index),
           random-ids (UUIDs), no-citizen-index, no-source-index
"""
import argparse, os, random, sqlite3, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARAMETERS = ["spo2", "pulse", "fev1", "weight", "systolic_bp", "diastolic_bp",
              "temperature", "crp"]
CITIZEN_INDEX = ("CREATE INDEX readings_by_citizen_parameter_time\n"
                 "    ON readings (citizen_id, parameter, effective_at)\n"
                 "    WHERE is_current = 1;")
SOURCE_UNIQUE = "    UNIQUE (source_id, source_version)\n) STRICT;"

args = argparse.ArgumentParser()
args.add_argument("variant", choices=["as-is", "unpadded-ids", "random-ids",
                                      "no-citizen-index", "no-source-index"])
args.add_argument("--readings", type=int, default=3_000_000)
args.add_argument("--citizens", type=int, default=10_000)
args.add_argument("--transaction", type=int, default=47_000)
args.add_argument("--cache-mib", type=int, default=64)
opts = args.parse_args()

schema = open(os.path.join(REPO, "schema.sql")).read()
for needed in (CITIZEN_INDEX, SOURCE_UNIQUE):
    if needed not in schema:
        raise SystemExit(f"schema.sql changed: {needed.splitlines()[0]!r} not found")
if opts.variant == "no-citizen-index":
    schema = schema.replace(CITIZEN_INDEX, "", 1)
if opts.variant == "no-source-index":
    # The constraint goes; the comma before it needs a column after it.
    schema = schema.replace(SOURCE_UNIQUE, "    unused INTEGER\n) STRICT;", 1)

rng = random.Random(1)
def source_id(n):
    if opts.variant == "random-ids":
        return "http://b/fhir|Observation/%032x" % rng.getrandbits(128)
    if opts.variant in ("unpadded-ids", "no-source-index"):
        return "http://b/fhir|Observation/o%d" % n
    return "http://b/fhir|Observation/o-%09d" % n

with tempfile.TemporaryDirectory() as work:
    db = sqlite3.connect(os.path.join(work, "growth.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(f"PRAGMA cache_size=-{opts.cache_mib * 1024}")
    db.executescript(schema)
    citizens = ["%010d" % (1_000_000_000 + i) for i in range(opts.citizens)]
    insert = ("INSERT OR IGNORE INTO readings (citizen_id, parameter, value, effective_at,"
              " received_at, source_id, source_version) VALUES (?, ?, ?, ?, ?, ?, '1')")
    done, mark, since = 0, 500_000, time.monotonic()
    while done < opts.readings:
        rows = [(citizens[n % opts.citizens], PARAMETERS[n // opts.citizens % 8], 1.0,
                 1000 * n, 0, source_id(n))
                for n in range(done, min(done + opts.transaction, opts.readings))]
        db.execute("BEGIN")
        db.executemany(insert, rows)
        db.execute("COMMIT")
        done += len(rows)
        while done >= mark:
            now = time.monotonic()
            print(f"{opts.variant} {mark:>10,} readings: {500_000 / (now - since):>9,.0f}/s",
                  flush=True)
            since, mark = now, mark + 500_000
