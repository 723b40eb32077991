"""Webhook destinations: https to public addresses only, each forbidden address class refused."""

from __future__ import annotations

import ipaddress

import pytest

from pso_notify.destinations import Resolver, UnsafeDestinationError, refusal, resolve

pytestmark = pytest.mark.timeout(30)


def resolver(*addresses: str) -> Resolver:
    async def answer(host: str, port: int) -> list[str]:
        return list(addresses)

    return answer


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.10.20.30", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("fd00:ec2::254", "private"),  # unique-local, the IPv6 metadata address of one cloud
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - the address under test
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.10", "documentation"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a00:1", "private"),  # NAT64 form of 10.0.0.1
    ],
)
def test_each_forbidden_address_class_is_refused(address: str, reason: str) -> None:
    found = refusal(ipaddress.ip_address(address))
    assert found is not None
    assert reason in found


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


async def test_a_name_is_refused_if_any_address_it_resolves_to_is_forbidden() -> None:
    url = "https://hooks.example.com/pso"
    assert await resolve(url, allow_loopback=False, resolver=resolver("93.184.216.34")) == [
        ipaddress.ip_address("93.184.216.34")
    ]
    with pytest.raises(UnsafeDestinationError, match="link-local") as refused:
        await resolve(url, allow_loopback=False, resolver=resolver("93.184.216.34", "169.254.169.254"))
    assert "169.254" not in str(refused.value)  # the message never names what the name resolved to


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/pso", "must use https"),
        ("ftp://hooks.example.com/pso", "absolute https URL"),
        ("/relative/path", "absolute https URL"),
        ("https://user:pw@hooks.example.com/", "user name or password"),
        ("https://hooks.example.com:99999/", "not a valid port"),
    ],
)
async def test_urls_of_the_wrong_form_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeDestinationError, match=reason):
        await resolve(url, allow_loopback=True, resolver=resolver("93.184.216.34"))


async def test_loopback_only_with_the_setting_for_tests_and_demos() -> None:
    url = "http://127.0.0.1:8080/hook"
    with pytest.raises(UnsafeDestinationError):
        await resolve(url, allow_loopback=False, resolver=resolver("127.0.0.1"))
    assert await resolve(url, allow_loopback=True, resolver=resolver("127.0.0.1"))
    with pytest.raises(UnsafeDestinationError, match="private"):  # the setting lets loopback through, nothing else
        await resolve("https://intranet.example/", allow_loopback=True, resolver=resolver("10.0.0.5"))


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    async def fails(host: str, port: int) -> list[str]:
        raise OSError(host)

    with pytest.raises(UnsafeDestinationError, match="does not resolve"):
        await resolve("https://nowhere.invalid/", allow_loopback=False, resolver=fails)
