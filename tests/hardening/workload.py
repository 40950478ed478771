"""Build, sort and transform large structures: ~200k objects of several kinds.

Run by realprogs.sh (with PYTHONMALLOC=malloc, so that every object comes
from malloc) with and without libpagealloc-malloc.so: the output must not
change.  Deterministic: a seeded generator, and no set or hash order shown.
"""
import hashlib
import json
import random
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
rng = random.Random(20240601)
digest = hashlib.sha256()


def out(label, value):
    text = "%s: %s" % (label, value)
    digest.update(text.encode())
    print(text)


words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 12)))
         for _ in range(5000)]
records = [{"id": i, "name": rng.choice(words) + str(i % 997),
            "score": rng.random(), "tags": words[i % 4990:i % 4990 + i % 6],
            "blob": rng.randbytes(rng.randint(0, 64))}
           for i in range(N)]
out("records", len(records))

by_name = {}
for r in records:
    by_name.setdefault(r["name"], []).append(r["id"])
out("distinct names", len(by_name))
out("largest group", max(len(v) for v in by_name.values()))

records.sort(key=lambda r: (r["name"], -r["score"]))
out("first", (records[0]["name"], records[0]["id"]))
out("last", (records[-1]["name"], records[-1]["id"]))

tuples = sorted((len(r["tags"]), r["score"], r["id"]) for r in records)
out("median", tuples[len(tuples) // 2])

text = json.dumps(records[:50000], default=lambda b: b.hex(), sort_keys=True)
back = json.loads(text)
out("json bytes", len(text))
out("json round trip", back[123]["id"] == records[123]["id"])

growing = []
for i in range(N):
    growing.append(str(i) * (i % 7))
    if i % 3 == 0:
        growing[i // 2] += "x"
joined = "|".join(growing)
out("joined", hashlib.sha256(joined.encode()).hexdigest()[:16])

counts = {}
for w in (r["name"][:2] for r in records):
    counts[w] = counts.get(w, 0) + 1
out("top prefixes", sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5])

del records, by_name, tuples, back, growing
out("digest", digest.hexdigest())
