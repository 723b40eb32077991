"""The event report a provider system sends to intake (contract section 1).

These models are the source of truth in code for ``event-report.v1.schema.json``; the contract
tests check that the two agree. Identifying fields are allowed here: a report is identifiable
Patient Safety Work Product until the deidentify stage has run.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pso_shared.types import (
    CareSetting,
    Category,
    ContributingFactor,
    Ethnicity,
    HarmDegree,
    HarmDuration,
    Narrative,
    NccMerpCategory,
    Npi,
    OrgId,
    ReporterRole,
    ReportId,
    ReportType,
    Sex,
    SreCode,
    StateCode,
    Text16,
    Text32,
    Text64,
    Text128,
    Text256,
    Text500,
    Zip,
)


class ContractModel(BaseModel):
    """Strict about unknown fields, as the JSON Schema's ``additionalProperties: false``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        """The schema lets optional fields be omitted, never ``null``."""
        if isinstance(data, dict) and None in data.values():  # the test is C code; it runs per object
            nulls = sorted(str(k) for k, v in data.items() if v is None)
            msg = "null_not_allowed"
            raise PydanticCustomError(msg, "may be omitted but not null: {fields}", {"fields": ", ".join(nulls)})
        return data

    @model_serializer(mode="wrap")
    def _omit_nulls(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Absent stays absent, also inside the messages that carry parts of a report: a dumped
        report is valid under the schema, which has no nulls."""
        data = handler(self)
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data


class Provider(ContractModel):
    org_id: OrgId
    org_name: Text256 | None = None
    facility_name: Text256 | None = None
    npi: Npi | None = None
    state: StateCode | None = None
    zip: Zip | None = None
    care_setting: CareSetting


class Patient(ContractModel):
    name: Text256 | None = None
    mrn: Text64 | None = None
    date_of_birth: date | None = None
    age_years: Annotated[int, Field(ge=0, le=130)] | None = None
    age_days: Annotated[int, Field(ge=0, le=365)] | None = None
    sex: Sex | None = None
    race: Text64 | None = None
    ethnicity: Ethnicity | None = None
    address: Text500 | None = None
    zip: Zip | None = None
    phone: Text32 | None = None
    email: Text256 | None = None
    health_plan_id: Text64 | None = None
    account_number: Text64 | None = None
    principal_diagnosis_icd10: Text16 | None = None


class Harm(ContractModel):
    degree: HarmDegree | None = None
    duration: HarmDuration | None = None
    increased_length_of_stay: bool | None = None
    rescue_attempted: bool | None = None


class Medication(ContractModel):
    name: Text256 | None = None
    rxnorm: Text32 | None = None
    dose: Text128 | None = None
    route: Text64 | None = None
    ncc_merp_category: NccMerpCategory | None = None


class Device(ContractModel):
    name: Text256 | None = None
    manufacturer: Text256 | None = None
    model: Text128 | None = None
    udi: Text256 | None = None
    serial_number: Text128 | None = None
    lot_number: Text128 | None = None


class Reporter(ContractModel):
    name: Text256 | None = None
    role: ReporterRole | None = None
    phone: Text32 | None = None
    email: Text256 | None = None
    anonymous: bool | None = None


class StaffMember(ContractModel):
    name: Text256 | None = None
    role: Text64 | None = None
    npi: Npi | None = None
    license_number: Text64 | None = None
    dea_number: Text16 | None = None


class SreFlag(ContractModel):
    is_sre: bool | None = None
    code: SreCode | None = None


_T = TypeVar("_T")


def _unique(items: list[_T]) -> list[_T]:
    if len(set(items)) != len(items):
        msg = "items must be unique"
        raise ValueError(msg)
    return items


class EventReport(ContractModel):
    """One patient safety event report, version 1."""

    schema_version: Literal["1"]
    report_id: ReportId
    provider: Provider
    report_type: ReportType
    categories: Annotated[list[Category], Field(max_length=10), AfterValidator(_unique)] | None = None
    occurred_at: AwareDatetime | None = None
    discovered_at: AwareDatetime | None = None
    reported_at: AwareDatetime | None = None
    location: Text500 | None = None
    narrative: Narrative
    patient: Patient | None = None
    harm: Harm | None = None
    medication: Medication | None = None
    device: Device | None = None
    reporter: Reporter | None = None
    staff_involved: Annotated[list[StaffMember], Field(max_length=50)] | None = None
    contributing_factors: Annotated[list[ContributingFactor], Field(max_length=20), AfterValidator(_unique)] | None = (
        None
    )
    sre: SreFlag | None = None


def report_json(report: EventReport) -> bytes:
    """A report as JSON, absent fields left out as the schema wants: what intake hashes and seals."""
    return report.model_dump_json(exclude_none=True).encode()
