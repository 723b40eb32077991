"""Reusable constrained types and the enumerations of the wire contract (section 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints


def _require_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        msg = "timestamp must carry a UTC offset"
        raise ValueError(msg)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_require_utc)]
"""A timezone-aware timestamp, normalised to UTC."""

EventId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
OrgId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ReportId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Zip = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}(-[0-9]{4})?$")]
Npi = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]


Text16 = Annotated[str, StringConstraints(max_length=16)]
Text32 = Annotated[str, StringConstraints(max_length=32)]
Text64 = Annotated[str, StringConstraints(max_length=64)]
Text128 = Annotated[str, StringConstraints(max_length=128)]
Text256 = Annotated[str, StringConstraints(max_length=256)]
Text500 = Annotated[str, StringConstraints(max_length=500)]
Narrative = Annotated[str, StringConstraints(min_length=1, max_length=20000)]


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class ReportType(StrEnum):
    INCIDENT = "incident"
    NEAR_MISS = "near_miss"
    UNSAFE_CONDITION = "unsafe_condition"


class Category(StrEnum):
    BLOOD_PRODUCT = "blood_product"
    DEVICE = "device"
    FALL = "fall"
    HEALTHCARE_ASSOCIATED_INFECTION = "healthcare_associated_infection"
    MEDICATION = "medication"
    PERINATAL = "perinatal"
    PRESSURE_INJURY = "pressure_injury"
    SURGERY = "surgery"
    ANESTHESIA = "anesthesia"
    VENOUS_THROMBOEMBOLISM = "venous_thromboembolism"
    OTHER = "other"


class HarmDegree(StrEnum):
    DEATH = "death"
    SEVERE = "severe"
    MODERATE = "moderate"
    MILD = "mild"
    NONE = "none"
    UNKNOWN = "unknown"


class NccMerpCategory(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"
    I = "I"  # noqa: E741 - the NCC MERP index's own letter


class SreCode(StrEnum):
    """NQF Serious Reportable Events, 2011 list (29 events in 7 groups)."""

    S1A = "1A"
    S1B = "1B"
    S1C = "1C"
    S1D = "1D"
    S1E = "1E"
    S2A = "2A"
    S2B = "2B"
    S2C = "2C"
    S3A = "3A"
    S3B = "3B"
    S3C = "3C"
    S4A = "4A"
    S4B = "4B"
    S4C = "4C"
    S4D = "4D"
    S4E = "4E"
    S4F = "4F"
    S4G = "4G"
    S4H = "4H"
    S4I = "4I"
    S5A = "5A"
    S5B = "5B"
    S5C = "5C"
    S5D = "5D"
    S6A = "6A"
    S7A = "7A"
    S7B = "7B"
    S7C = "7C"
    S7D = "7D"


class CareSetting(StrEnum):
    HOSPITAL_INPATIENT = "hospital_inpatient"
    EMERGENCY_DEPARTMENT = "emergency_department"
    AMBULATORY = "ambulatory"
    EMS = "ems"
    NURSING_HOME = "nursing_home"
    PHARMACY = "pharmacy"
    HOME_HEALTH = "home_health"
    BEHAVIORAL_HEALTH = "behavioral_health"
    OTHER = "other"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Ethnicity(StrEnum):
    HISPANIC_OR_LATINO = "hispanic_or_latino"
    NOT_HISPANIC_OR_LATINO = "not_hispanic_or_latino"
    UNKNOWN = "unknown"


class HarmDuration(StrEnum):
    PERMANENT = "permanent"
    TEMPORARY = "temporary"
    UNKNOWN = "unknown"


class ReporterRole(StrEnum):
    NURSE = "nurse"
    PHYSICIAN = "physician"
    PHARMACIST = "pharmacist"
    PARAMEDIC = "paramedic"
    EMT = "emt"
    TECHNICIAN = "technician"
    THERAPIST = "therapist"
    OTHER_CLINICIAN = "other_clinician"
    ADMINISTRATOR = "administrator"
    PATIENT_OR_FAMILY = "patient_or_family"
    OTHER = "other"


class ContributingFactor(StrEnum):
    COMMUNICATION = "communication"
    HANDOVER = "handover"
    STAFFING = "staffing"
    TRAINING = "training"
    POLICY_OR_PROCEDURE = "policy_or_procedure"
    EQUIPMENT = "equipment"
    HEALTH_IT = "health_it"
    ENVIRONMENT = "environment"
    PATIENT_FACTORS = "patient_factors"
    MEDICATION_LABELING = "medication_labeling"
    FATIGUE = "fatigue"
    SUPERVISION = "supervision"
    OTHER = "other"
