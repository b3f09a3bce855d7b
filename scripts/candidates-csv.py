#!/usr/bin/env python3
"""Writes N candidates as an import CSV (semicolons, as spreadsheets here write them) to stdout,
for measuring the service at scale: each in the programme area (Dalarna, Värmland, Innlandet,
Trøndelag), writing in Swedish, Norwegian or English, with 3-6 skills drawn Zipf-like from the
vocabulary's terms in that language, consents to KTP matching and contact given.

    python3 scripts/candidates-csv.py 100000 [seed] > people.csv
"""
import csv
import os
import random
import sys

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "index", "data")
n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 2026)

concepts = []
with open(os.path.join(data, "skills.tsv"), encoding="utf-8") as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) >= 5:
            concepts.append({"sv": cols[2].split("|"), "nb": cols[3].split("|"), "en": cols[4].split("|")})
weights = [1 / (i + 1) for i in range(len(concepts))]
rng.shuffle(concepts)

places = {"sv": [], "nb": []}
with open(os.path.join(data, "municipalities.csv"), encoding="utf-8") as f:
    for row in csv.DictReader(f):
        if row["country"] == "SE" and row["county_code"] in ("17", "20"):
            places["sv"].append("SE-" + row["code"])
        elif row["country"] == "NO" and row["county_code"] in ("34", "50"):
            places["nb"].append("NO-" + row["code"])

out = csv.writer(sys.stdout, delimiter=";", lineterminator="\r\n")
out.writerow(["person_name", "person_email", "person_locale", "consent_matching_ktp", "consent_contact",
              "headline", "summary", "skills", "languages", "municipality", "max_distance_km",
              "available_from", "seeking"])
for i in range(n):
    lang = rng.choice(["sv", "sv", "nb", "nb", "en"])
    country = "nb" if lang == "nb" else ("sv" if lang == "sv" else rng.choice(["sv", "nb"]))
    picked = rng.choices(concepts, weights, k=rng.randint(3, 6))
    skills = sorted({rng.choice(c[lang]) for c in picked})
    spoken = {"sv": "sv:native, en:B2", "nb": "nb:native, en:B2", "en": "en:C1, ar:native"}[lang]
    out.writerow([f"Person {i}", f"person{i}@scale.example", "en" if lang == "en" else lang, "ja", "ja",
                  f"{skills[0]} {i}", ", ".join(skills), ", ".join(skills), spoken,
                  rng.choice(places[country]), rng.choice([30, 50, 100, 200]),
                  f"2027-{rng.randint(1, 12):02d}-15", "ktp, job"])
