"""Request and response bodies of the service (pydantic; unknown fields refused)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from allocator.store.appeals import CORRECTABLE_FIELDS

#: Keys and ids: letters, digits and ``._:-`` (no spaces, no control characters).
KEY_PATTERN = r"^[A-Za-z0-9._:\-]{1,100}$"
#: Free text: printable, no control characters.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"

JobState = Literal["queued", "running", "completed", "refused", "invalid", "failed"]


class Strict(BaseModel):
    """Base: unknown fields are refused and named."""

    model_config = ConfigDict(extra="forbid")


class JobSubmission(Strict):
    """Submit a batch job; the same ``job_key`` is safe to submit again."""

    job_key: str = Field(pattern=KEY_PATTERN, description="idempotency key of the job")
    scenario: str | None = Field(default=None, pattern=KEY_PATTERN,
                                 description="stored scenario (default: the only one)")
    county: str | None = Field(default=None, pattern=KEY_PATTERN,
                               description="one county only")
    seed: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)] | None = Field(
        default=None, description="override the lottery seed: a JSON integer (not a string, "
        "boolean, fraction, NaN or Infinity)")
    mechanism: str | None = Field(default=None, pattern=KEY_PATTERN,
                                  description="override the mechanism")
    after: str | None = Field(default=None, pattern=KEY_PATTERN,
                              description="later round: job key of the stored previous round")
    lottery: Literal["same", "reversed"] = Field(
        default="same", description="later round: same or reversed lottery order")


class ResponseItem(Strict):
    """One family's response to a run (a row of responses.csv)."""

    applicant_id: str = Field(pattern=KEY_PATTERN, description="application number")
    response: str = Field(max_length=20, pattern=TEXT_PATTERN,
                          description="accept, wait or decline")


class ResponsesSubmission(Strict):
    """The responses to a completed run; the same set is safe to send again."""

    responses: list[ResponseItem] = Field(description="one item per applicant, in file order")
    actor: str = Field(default="service", min_length=1, max_length=200, pattern=TEXT_PATTERN,
                       description="who sends them, for the audit log")


class ResponsesOutcome(Strict):
    """The stored responses of a run."""

    job_key: str
    run_id: int
    created: bool = Field(description="false: the same set was stored already")
    sha256: str = Field(description="SHA-256 of the stored responses.csv")
    counts: dict[str, int]


class JobStatus(Strict):
    """Where a job is: queued, running, or its outcome."""

    job_key: str
    state: JobState
    run_id: int | None = None
    created: bool | None = Field(default=None,
                                 description="false: an earlier identical run returned")
    message: str = ""
    problems: list[str] = Field(default_factory=list, description="file:row:column: message")
    counts: dict[str, Any] = Field(default_factory=dict)


class AssignmentPage(Strict):
    """One page of current placements (the run plus decided appeals), roster order."""

    job_key: str
    run_id: int
    total: int
    offset: int
    limit: int
    items: list[dict[str, str | int | float | bool | None]] = Field(
        description="typed values: integers (tier, choice_rank, appeal_id), numbers "
        "(lottery, distance_km), null for an empty cell")


class Report(Strict):
    """The run's summary and per-school table."""

    job_key: str
    run_id: int
    summary: dict[str, Any]
    schools: list[dict[str, str | int | float | bool | None]] = Field(
        description="schools.csv of the run, typed: counts as integers, "
        "oversubscribed as a boolean, cut-off lottery as a number, null for an empty cell")


class AppealSubmission(Strict):
    """An appeal: one corrected, verified fact of one applicant."""

    applicant_id: str = Field(pattern=KEY_PATTERN, description="application number")
    field: Literal[CORRECTABLE_FIELDS] = Field(  # type: ignore[valid-type]
        description="applicants.csv column to correct")
    value: str = Field(max_length=500, pattern=TEXT_PATTERN, description="the corrected value")
    actor: str = Field(min_length=1, max_length=200, pattern=TEXT_PATTERN,
                       description="who decides")
    reason: str = Field(min_length=1, max_length=2000, pattern=TEXT_PATTERN,
                        description="why: the verified document or decision")


class AppealOutcome(Strict):
    """The recorded decision on an appeal."""

    appeal_id: int
    applicant_id: str
    field: str
    old_value: str
    new_value: str
    old_school_id: str
    new_school_id: str
    old_tier: str
    new_tier: str
    decision: str
    explanation: str
    capacity_change: int | None
