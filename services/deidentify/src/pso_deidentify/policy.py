"""The de-identification policy: a versioned object that travels with every de-identified event."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(kw_only=True, frozen=True)
class Policy:
    """What the stage removes. Only HIPAA Safe Harbor plus 42 CFR 3.212(a) exists so far."""

    name: str
    version: str
    restricted_zip3: frozenset[str]


# ZIP3 areas with 20,000 people or fewer (US Census 2000), as listed in the HHS guidance on
# de-identification under the HIPAA Privacy Rule (section 2.4, 2012): their ZIP3 becomes 000.
RESTRICTED_ZIP3_CENSUS_2000 = frozenset(
    {
        "036",
        "059",
        "063",
        "102",
        "203",
        "556",
        "692",
        "790",
        "821",
        "823",
        "830",
        "831",
        "878",
        "879",
        "884",
        "890",
        "893",
    }
)

SAFE_HARBOR = Policy(name="safe_harbor", version="safe_harbor/2026.11.0", restricted_zip3=RESTRICTED_ZIP3_CENSUS_2000)
