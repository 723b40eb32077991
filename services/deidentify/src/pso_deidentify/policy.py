"""De-identification policies: versioned objects; the version travels with every de-identified event.

``safe_harbor`` (the default): HIPAA Safe Harbor, 45 CFR 164.514(b)(2), for patients, and what
42 CFR 3.212(a) names for providers and reporters. ``limited_data_set`` (45 CFR 164.514(e)), for the
PSO's internal analysis only: also keeps dates, five-digit ZIP codes, towns and cities, and ages.
Both remove names, street addresses, phone and fax numbers, e-mails, SSNs, MRNs, account and licence
numbers, device identifiers, URLs and IP addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from pso_deidentify.lexicons import restricted_zip3


@dataclass(kw_only=True, frozen=True)
class Policy:
    name: str
    version: str
    restricted_zip3: frozenset[str]
    """ZIP3 areas of 20,000 people or fewer: their ZIP3 becomes ``000``."""
    keep_dates: bool = False
    keep_zip5: bool = False
    kept_in_narrative: frozenset[str] = frozenset()
    """Placeholder types this policy leaves in free text."""


SAFE_HARBOR = Policy(name="safe_harbor", version="safe_harbor/2026.11.1", restricted_zip3=restricted_zip3())
LIMITED_DATA_SET = Policy(
    name="limited_data_set",
    version="limited_data_set/2026.11.1",
    restricted_zip3=restricted_zip3(),
    keep_dates=True,
    keep_zip5=True,
    kept_in_narrative=frozenset({"DATE", "ZIP", "LOCATION", "AGE>89"}),
)
POLICIES = {p.name: p for p in (SAFE_HARBOR, LIMITED_DATA_SET)}
