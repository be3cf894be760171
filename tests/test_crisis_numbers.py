"""The crisis and urgent-care numbers each region's replies give, as the clinical review checked them
against official pages; and `check` refusing a number nobody has confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import ContentError
from bot.reply import ChatSettings, Kind, Responder, load_responder
from tests.helpers import edit_file

CRISIS = "I want to die"
URGENT = "blurry vision since yesterday"


def reply(responder: Responder, message: str, region: str) -> str:
    answer = responder.reply(message, ChatSettings(region=region))
    assert answer.kind is Kind.ESCALATION
    return answer.text


def test_canadas_686868_is_labelled_as_the_youth_text_line_it_is(responder: Responder) -> None:
    text = reply(responder, CRISIS, "ca")
    assert "Kids Help Phone" in text
    assert "686868" in text
    assert "Crisis Text Line" not in text  # the US service's name: wrong in Canada
    assert "text 988" in text  # what an adult texts


def test_australia_gets_1800medicare_not_the_retired_healthdirect_number(
    responder: Responder,
) -> None:
    text = reply(responder, URGENT, "au")
    assert "1800MEDICARE (1800 633 422" in text
    assert "1800 022 222" not in text
    assert "healthdirect" not in text


def test_the_uk_reply_does_not_send_northern_ireland_to_111(responder: Responder) -> None:
    text = reply(responder, URGENT, "gb")
    assert "111 in England, Scotland or Wales" in text
    assert "in Northern Ireland your GP" in text


def test_116_123_is_offered_in_the_eu_only_where_it_is_in_service(responder: Responder) -> None:
    text = reply(responder, CRISIS, "eu")
    assert "116 123 where available" in text
    assert "112" in text


def test_the_international_reply_gives_examples_not_a_claim_about_most_countries(
    responder: Responder,
) -> None:
    text = reply(responder, CRISIS, "intl")
    assert "for example 112 in Europe, 911 in North America" in text
    assert "most countries" not in text
    assert "much of Europe" not in text


def test_every_region_names_official_pages_and_nothing_left_to_verify(
    responder: Responder,
) -> None:
    source = (responder.knowledge.directory / "resources.yaml").read_text(encoding="utf-8")
    sources = [line for line in source.splitlines() if line.strip().startswith("source:")]
    assert len(sources) == len(responder.knowledge.safety.places)
    assert all("https://" in line for line in sources)
    assert not any("verify" in line.lower() for line in sources)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("https://www.samaritans.org ;", "https://www.samaritans.org (verify) ;", "'verify'"),
        (
            '"https://988lifeline.org ; https://www.crisistextline.org ; https://www.911.gov',
            '"988lifeline.org, crisistextline.org, 911.gov',
            "official page",
        ),
    ],
)
def test_check_refuses_a_number_still_marked_verify_or_without_its_page(
    knowledge_copy: Path, old: str, new: str, message: str
) -> None:
    edit_file(knowledge_copy, "resources.yaml", old, new)
    with pytest.raises(ContentError) as error:
        load_responder(knowledge_copy)
    assert message in str(error.value)
    assert "resources.yaml" in str(error.value)
    assert "field 'source'" in str(error.value)
