#!/usr/bin/env python3
"""Keeps the shared cargo target directory from filling the disk.

Cargo never deletes old artifacts: every change to a workspace crate leaves
a new copy of each test binary (each links RocksDB, hundreds of MB). This
keeps only the newest artifact per workspace crate, test target and file
type in `debug/deps`, and drops incremental caches above a size limit.
Dependencies (RocksDB above all) are left alone.
"""
import collections
import os
import re
import shutil
import sys

target = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/centralino-target")
deps = os.path.join(target, "debug", "deps")
if not os.path.isdir(deps):
    sys.exit(0)
roots = ["ontologies", "kb", "crm", "telephony", "importers", "web"]
names = {"centralino", "web", "kb", "crm", "telephony", "importers", "ontologies"}
here = os.path.dirname(os.path.abspath(__file__))
for root in roots:
    tests = os.path.join(here, "..", root, "tests")
    if os.path.isdir(tests):
        names.update(f[:-3] for f in os.listdir(tests) if f.endswith(".rs"))
groups = collections.defaultdict(list)
for f in os.listdir(deps):
    m = re.match(r"^(lib)?([A-Za-z0-9_]+)-([0-9a-f]{16})(\..*)?$", f)
    if m and m.group(2) in names:
        groups[(m.group(1), m.group(2), m.group(4))].append(os.path.join(deps, f))
freed = 0
for files in groups.values():
    files.sort(key=os.path.getmtime, reverse=True)
    for f in files[1:]:
        freed += os.path.getsize(f)
        os.remove(f)
incremental = os.path.join(target, "debug", "incremental")
if os.path.isdir(incremental):
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(incremental) for f in fs)
    if size > 4e9:
        shutil.rmtree(incremental)
        freed += size
print(f"prune-target: freed {freed / 1e9:.1f} GB in {target}")
