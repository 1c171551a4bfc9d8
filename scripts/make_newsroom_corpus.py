"""Write ``corpora/newsroom.jsonl``: the bundled sample corpus of topicmf.

Every sentence here was written for topicmf. Documents are assembled
deterministically (seeded) from per-theme sentence templates and slot fillers,
so the corpus is reproducible, free of third-party text, and has six clearly
different themes with metadata (date, source, region) for the reports.

Usage::

    python scripts/make_newsroom_corpus.py [--out corpora/newsroom.jsonl] [--per-theme 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from pathlib import Path

TOWNS = ["Ashford", "Brackenridge", "Coldwater", "Dunmore", "Eastvale", "Fairhaven",
         "Glenrock", "Harrowgate", "Ironbridge", "Juniper Falls", "Kestrel Bay", "Lowmoor"]
SOURCES = ["The Harbor Ledger", "Valley Courier", "Metro Wire", "Northern Gazette"]
REGIONS = ["north", "south", "east", "west", "central"]
PEOPLE = ["Maria Okafor", "Tom Lindqvist", "Priya Raman", "Jonas Weber", "Aisha Mensah",
          "Daniel Cortez", "Helen Park", "Samuel Adeyemi", "Lucia Moretti", "Kenji Sato"]

THEMES: dict[str, dict[str, list[str]]] = {
    "economy": {
        "title": ["{town} lenders raise interest rates", "Inflation cools in {town}",
                  "{town} factory orders climb", "Retail sales slip across {town}",
                  "Bank profits surge in {town}", "{town} exporters face weaker currency"],
        "body": [
            "The central bank raised its benchmark interest rate by {small} percentage points on {day}.",
            "Economists said inflation fell to {pct} percent, the lowest reading in {n} months.",
            "Shares of regional banks rose after quarterly profits beat analyst forecasts.",
            "Retailers reported that consumer spending slowed as households faced higher mortgage costs.",
            "The finance minister said the budget deficit would narrow as tax revenue recovered.",
            "Factory orders climbed {pct} percent, helped by strong demand for machinery and exports.",
            "Investors moved money into government bonds, pushing yields down to {small} percent.",
            "Unemployment held at {pct} percent while wages grew faster than prices for a second quarter.",
            "{person}, chief economist at a large bank in {town}, expects growth to remain modest.",
            "A weaker currency made imports more expensive but helped exporters win new contracts.",
            "Small businesses complained that loans had become harder to obtain since the rate rise.",
            "The stock market index closed {pct} percent higher as trading volumes increased.",
            "Analysts warned that a slowdown in housing investment could weigh on economic growth.",
            "Company earnings were lifted by lower energy prices and firmer demand for credit.",
        ],
    },
    "sport": {
        "title": ["{town} United win the derby", "Late goal sinks {town} Rovers",
                  "{town} sprinter breaks record", "Coach leaves {town} after defeat",
                  "{town} reach the cup final", "Injury blow for {town} captain"],
        "body": [
            "The striker scored twice in the second half as the home team won {score} on {day}.",
            "The coach praised the defence after a third clean sheet in a row.",
            "The captain limped off with a hamstring injury and will miss the next {n} matches.",
            "Supporters filled the stadium to watch the league leaders extend their winning run.",
            "{person} set a national record in the sprint final at the athletics championship.",
            "The goalkeeper saved a penalty in the final minute to secure a narrow victory.",
            "The club confirmed the signing of a young midfielder on a four year contract.",
            "After the defeat the manager said his players lacked energy in the opening half.",
            "The tennis champion won the tournament without dropping a set all week.",
            "Fans in {town} celebrated promotion after a dramatic win in the play-off final.",
            "The referee sent off two players after a brawl near the touchline.",
            "The team climbed to second place in the table with {n} games left in the season.",
            "Training resumed on Monday as the squad prepared for the cup semi-final.",
            "The cyclist attacked on the final climb and crossed the line alone to win the stage.",
        ],
    },
    "health": {
        "title": ["{town} hospital waiting lists grow", "New vaccine trial opens in {town}",
                  "Flu cases rise in {town}", "{town} clinic expands mental health care",
                  "Doctors in {town} warn about sugar", "Nurses in {town} call for more staff"],
        "body": [
            "Doctors at the general hospital in {town} reported a sharp rise in flu admissions.",
            "A clinical trial of the new vaccine enrolled {big} volunteers across {n} clinics.",
            "Patients are waiting an average of {n} weeks for routine surgery, the health board said.",
            "Nurses called for more staff after a survey found many wards were running below safe levels.",
            "Researchers found that regular exercise lowered blood pressure in older adults.",
            "{person}, a cardiologist, urged patients to reduce salt and sugar in their diet.",
            "The health ministry will fund extra mental health counsellors in schools and clinics.",
            "Pharmacies reported shortages of common antibiotics during the winter months.",
            "The study followed {big} patients with diabetes over {n} years of treatment.",
            "Public health officials encouraged vulnerable groups to book their booster vaccination.",
            "Emergency departments saw longer waits as ambulance crews struggled to hand over patients.",
            "A new cancer screening programme detected tumours earlier than the previous approach.",
            "Hospital managers said infections fell after stricter hygiene rules were introduced.",
            "Therapists reported growing demand for treatment of anxiety and depression.",
        ],
    },
    "technology": {
        "title": ["{town} startup unveils new chip", "Software update fixes security flaw",
                  "{town} council adopts cloud services", "Smartphone sales slow in {town}",
                  "Data breach hits {town} retailer", "Robots join {town} warehouse"],
        "body": [
            "The startup unveiled a processor that runs machine learning models on a phone battery.",
            "Engineers released a software update that fixes a security flaw in the operating system.",
            "Hackers stole customer passwords in a data breach disclosed on {day}.",
            "The company said its new smartphone has a faster chip and a brighter display.",
            "{person}, the chief technology officer, said the app now encrypts every message by default.",
            "Developers can use the open source library to build programs for cloud servers.",
            "Broadband speeds in rural areas will double after new fibre cables are installed.",
            "The council moved its computer systems to a cloud provider to cut maintenance costs.",
            "Robots now pick and pack orders in the warehouse, working alongside {big} employees.",
            "Researchers trained an algorithm to detect faults in software code before release.",
            "Sales of laptops and tablets fell {pct} percent as buyers delayed upgrades.",
            "The network outage left users unable to access email and online storage for hours.",
            "A new chip factory will produce semiconductors for cars and data centres.",
            "Privacy campaigners warned that the app collects location data from every device.",
        ],
    },
    "environment": {
        "title": ["Floods hit {town} after record rain", "{town} opens new wind farm",
                  "River pollution alarms {town}", "{town} plants ten thousand trees",
                  "Drought threatens {town} farms", "Wildlife returns to {town} wetlands"],
        "body": [
            "Heavy rain caused the river to burst its banks, flooding homes in {town}.",
            "The new wind farm will generate enough renewable electricity for {big} households.",
            "Scientists said rising temperatures are melting glaciers faster than expected.",
            "Volunteers planted thousands of trees to restore the forest after the wildfire.",
            "Farmers warned that the drought had cut water supplies and damaged crops.",
            "Tests found high levels of pollution in the river downstream of the chemical plant.",
            "{person}, an ecologist, said birds and otters have returned to the restored wetlands.",
            "The city will ban diesel buses to reduce air pollution and carbon emissions.",
            "Solar panels on school roofs now supply most of the buildings' energy needs.",
            "Conservation groups called for protection of the coastline from plastic waste.",
            "A heatwave pushed temperatures above {n} degrees for the third day in a row.",
            "The report said emissions from transport rose while those from power stations fell.",
            "Recycling rates improved after the council introduced separate food waste collections.",
            "Rangers counted more endangered butterflies in the nature reserve than last year.",
        ],
    },
    "culture": {
        "title": ["{town} film festival opens", "Novelist wins {town} book prize",
                  "{town} museum unveils new gallery", "Orchestra tours from {town}",
                  "Theatre revival sells out in {town}", "{town} band releases album"],
        "body": [
            "The film festival opened with a drama about a family of fishermen in {town}.",
            "{person} won the book prize for a novel about two sisters separated by war.",
            "The museum unveiled a gallery of paintings and sculpture by local artists.",
            "The orchestra will perform symphonies by classical composers on its autumn tour.",
            "Critics praised the actors in the revival of the comedy, which sold out every night.",
            "The band released its third album, recorded in a barn with vintage guitars.",
            "The director said the film was shot on location over {n} weeks last summer.",
            "Visitors queued to see the exhibition of photographs documenting street life.",
            "The poet read from her new collection at the library on {day}.",
            "The theatre company received a grant to stage plays in village halls.",
            "The singer announced a concert tour with {n} dates across the country.",
            "Audiences applauded the ballet, which combined classical dance with modern music.",
            "The gallery acquired a portrait by a painter celebrated for his use of colour.",
            "Publishers reported that sales of printed books and audiobooks both increased.",
        ],
    },
}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        town=rng.choice(TOWNS), person=rng.choice(PEOPLE), day=rng.choice(DAYS),
        small=f"{rng.choice([0.25, 0.5, 0.75, 1.25])}", pct=f"{rng.uniform(0.5, 9.5):.1f}",
        n=rng.randint(2, 18), big=f"{rng.randint(2, 90) * 100:,}",
        score=f"{rng.randint(1, 4)}-{rng.randint(0, 1)}",
    )


def build(per_theme: int = 40, seed: int = 20261127) -> list[dict]:
    """Assemble ``per_theme`` documents per theme, deterministically.

    Parameters
    ----------
    per_theme : int
        Documents per theme (6 themes).
    seed : int
        Seed of the generator.

    Returns
    -------
    list of dict
        Records with ``id``, ``title``, ``text``, ``label``, ``date``, ``source``, ``region``.
    """
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    records = []
    for theme, parts in THEMES.items():
        for i in range(per_theme):
            n_sent = rng.randint(4, 8)
            body = rng.sample(parts["body"], n_sent)
            # One sentence in six borrows from another theme: real news mixes topics.
            if rng.random() < 0.35:
                other = rng.choice([t for t in THEMES if t != theme])
                body[rng.randrange(n_sent)] = rng.choice(THEMES[other]["body"])
            title = _fill(rng.choice(parts["title"]), rng)
            text = title + "\n\n" + " ".join(_fill(s, rng) for s in body)
            records.append({
                "id": f"newsroom-{theme}-{i + 1:03d}",
                "title": title,
                "text": text,
                "label": theme,
                "date": (start + dt.timedelta(days=rng.randrange(730))).isoformat(),
                "source": rng.choice(SOURCES),
                "region": rng.choice(REGIONS),
            })
    rng.shuffle(records)
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--out", type=Path, default=root / "corpora" / "newsroom.jsonl")
    parser.add_argument("--per-theme", type=int, default=40)
    args = parser.parse_args(argv)
    records = build(args.per_theme)
    with open(args.out, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    words = [len(r["text"].split()) for r in records]
    print(f"wrote {len(records)} documents to {args.out} "
          f"(words per document: min {min(words)}, max {max(words)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
