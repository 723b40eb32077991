"""The subscriptions API: create, read, update, delete and list, with provider tenancy.

A provider key sees and manages its own organisation's subscriptions only; another organisation's
subscription answers 404, as if it did not exist. PSO analysts manage their own organisation's
(the PSO's) subscriptions; a PSO admin sees and manages everyone's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from pso_notify.destinations import UnsafeDestinationError, resolve
from pso_notify.settings import NotifySettings
from pso_notify.subscription_store import SubscriptionStore
from pso_notify.subscriptions import (
    ChannelIn,
    CreatedSubscription,
    Subscription,
    SubscriptionIn,
    SubscriptionPatch,
    WebhookChannelIn,
    new_subscription_id,
    stored_channels,
)
from pso_notify.webhook import new_secret
from pso_shared.apikeys import ApiKey, Role
from pso_shared.http.auth import Caller
from pso_shared.http.problems import ProblemError, problem_responses
from pso_shared.pseudonyms import pseudonym
from pso_shared.types import utc_now
from pso_shared.validation import FieldProblem

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])


def _store(request: Request) -> SubscriptionStore:
    store: SubscriptionStore = request.app.state.subscriptions
    return store


def _settings(request: Request) -> NotifySettings:
    settings: NotifySettings = request.app.state.settings
    return settings


def _may_manage(caller: ApiKey, subscription: Subscription) -> bool:
    return caller.role is Role.PSO_ADMIN or subscription.owner_org_id == caller.org_id


async def _visible(request: Request, caller: ApiKey, subscription_id: str) -> Subscription:
    found = await _store(request).get(subscription_id)
    if found is None or not _may_manage(caller, found):
        raise ProblemError(404, "Not found", "There is no such subscription for this API key.")
    return found


async def _check_destinations(settings: NotifySettings, channels: list[ChannelIn]) -> None:
    """Refuse webhook URLs that are not https or do not resolve to public addresses (checked again
    at every delivery: a name can change)."""
    problems = []
    for index, channel in enumerate(channels):
        if isinstance(channel, WebhookChannelIn):
            try:
                await resolve(channel.url, allow_loopback=settings.allow_loopback_destinations)
            except UnsafeDestinationError as exc:
                problems.append(FieldProblem(field=f"channels[{index}].url", reason=str(exc)))
    if problems:
        raise ProblemError(422, "Invalid request", "A webhook destination is refused.", errors=problems)


@router.post("", status_code=201, responses=problem_responses(401, 403, 409, 422, 429, 503))
async def create_subscription(
    body: SubscriptionIn, caller: Caller, request: Request, response: Response
) -> CreatedSubscription:
    """Create a subscription for the caller's organisation. The answer shows the webhook signing
    secret, once; keep it to verify each delivery's ``webhook-signature``."""
    settings = _settings(request)
    store = _store(request)
    if await store.count(caller.org_id) >= settings.max_subscriptions_per_org:
        raise ProblemError(409, "Too many subscriptions", "This organisation has the most subscriptions allowed.")
    await _check_destinations(settings, body.channels)
    now = utc_now()
    subscription = Subscription(
        subscription_id=new_subscription_id(),
        owner_org_id=caller.org_id,
        owner_pseudonym=pseudonym(settings.pseudonym_key.get_secret_value().encode(), "org", caller.org_id),
        created_by=caller.key_id,
        name=body.name,
        filter=body.filter,
        channels=stored_channels(body.channels),
        created_at=now,
        updated_at=now,
    )
    secret = new_secret()
    await store.insert(subscription, secret)
    response.headers["Location"] = f"{router.prefix}/{subscription.subscription_id}"
    return CreatedSubscription(**subscription.model_dump(), signing_secret=secret)


@router.get("", responses=problem_responses(401, 429, 503))
async def list_subscriptions(caller: Caller, request: Request) -> list[Subscription]:
    """The caller's organisation's subscriptions (a PSO admin's: everyone's), oldest first."""
    owner = None if caller.role is Role.PSO_ADMIN else caller.org_id
    return await _store(request).of_owner(owner)


@router.get("/{subscription_id}", responses=problem_responses(401, 404, 429, 503))
async def get_subscription(subscription_id: str, caller: Caller, request: Request) -> Subscription:
    return await _visible(request, caller, subscription_id)


@router.patch("/{subscription_id}", responses=problem_responses(401, 404, 422, 429, 503))
async def update_subscription(
    subscription_id: str, body: SubscriptionPatch, caller: Caller, request: Request
) -> Subscription:
    """Replace the fields given. New channels replace all channels, re-enabling a disabled webhook."""
    found = await _visible(request, caller, subscription_id)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"channels", "filter"})
    if body.filter is not None:
        changes["filter"] = body.filter
    if body.channels is not None:
        await _check_destinations(_settings(request), body.channels)
        changes["channels"] = stored_channels(body.channels)
    updated = found.model_copy(update=changes | {"updated_at": utc_now()})
    await _store(request).replace(updated)
    return updated


@router.delete("/{subscription_id}", status_code=204, responses=problem_responses(401, 404, 429, 503))
async def delete_subscription(subscription_id: str, caller: Caller, request: Request) -> Response:
    """Delete a subscription; its pending deliveries are cancelled when next due."""
    await _visible(request, caller, subscription_id)
    await _store(request).delete(subscription_id)
    return Response(status_code=204)
