"""``pso.events.deidentified.v1``: reports after the deidentify stage (contract section 2).

Nothing here identifies a patient, a provider organisation, a facility, a reporter or staff. The
limited data set policy (internal analysis only) also fills the fields marked as its own: dates, ZIP5.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from pso_shared.messages.envelope import Envelope
from pso_shared.report import Harm, Medication, SreFlag
from pso_shared.types import (
    CareSetting,
    Category,
    ContributingFactor,
    Ethnicity,
    ReporterRole,
    ReportType,
    Sex,
    StateCode,
)


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DeidentifiedPatient(_Part):
    pseudonym: str | None = Field(default=None, description="Keyed pseudonym of (org, MRN).")
    age: str | None = Field(default=None, description="Years as digits, or '90+'.")
    age_days: int | None = None
    sex: Sex | None = None
    race: str | None = None
    ethnicity: Ethnicity | None = None
    zip3: str | None = Field(default=None, description="First 3 ZIP digits, or '000'.")
    zip5: str | None = Field(default=None, description="Limited data set policy only.")
    date_of_birth: date | None = Field(default=None, description="Limited data set policy only.")
    principal_diagnosis_icd10: str | None = None


class DeidentifiedDevice(_Part):
    """A device keeps its name, maker and model; serial, lot and UDI are gone."""

    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None


class DeidentifiedReport(_Part):
    """The clinical content of a report without identifiers."""

    report_type: ReportType
    care_setting: CareSetting
    state: StateCode | None = None
    zip3: str | None = None
    zip5: str | None = Field(default=None, description="Limited data set policy only.")
    event_year: int | None = None
    occurred_at: datetime | None = Field(default=None, description="Limited data set policy only.")
    discovered_at: datetime | None = Field(default=None, description="Limited data set policy only.")
    reported_at: datetime | None = Field(default=None, description="Limited data set policy only.")
    minutes_to_discovery: int | None = None
    minutes_to_report: int | None = None
    location: str | None = None
    narrative: str
    categories: list[Category] | None = None
    patient: DeidentifiedPatient | None = None
    # Harm, medication and SRE hold no identifiers: they keep the contract's own shape.
    harm: Harm | None = None
    medication: Medication | None = None
    device: DeidentifiedDevice | None = None
    reporter_role: ReporterRole | None = None
    staff_roles: list[str] = Field(default_factory=list)
    contributing_factors: list[ContributingFactor] | None = None
    sre: SreFlag | None = None


class DeidentifiedRecord(_Part):
    """A de-identified report, with the pseudonym of its organisation and the policy used."""

    org_pseudonym: str
    policy_version: str
    removed: dict[str, int] = Field(
        default_factory=dict,
        description="Identifiers removed from free text, counted by placeholder type; never values.",
    )
    report: DeidentifiedReport


class DeidentifiedEvent(Envelope, DeidentifiedRecord):
    """A de-identified record on its way through the pipeline."""
