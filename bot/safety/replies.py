"""Escalation replies: reviewed templates (knowledge/texts/safety.yaml) filled with the chat region's
numbers (knowledge/resources.yaml).

Templates are plain text; `**like this**` marks the one or two phrases shown in bold. Everything is
escaped for Telegram's HTML mode before the bold tags are added, so content can never break the markup.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError, Fields, read_yaml
from bot.render import escape

REPLY_KINDS = (
    "crisis",
    "crisis_helper",
    "emergency",
    "emergency_helper",
    "urgent",
    "urgent_dose",
    "urgent_mood",
    "urgent_mood_helper",
    "urgent_pregnancy",
    "checkin",
    "checkin_concern",
)
PLACEHOLDERS = frozenset({"emergency", "urgent_care", "resources", "helpline"})
MAX_BOLD = 2  # calm replies: one or two phrases in bold, never shouting
MAX_RESOURCES = 2  # with the emergency number, the crisis reply names at most three
REGION_FIELDS = ("name", "emergency", "urgent_care", "resources", "source")
RESOURCE_FIELDS = ("name", "contact")

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_UNCONFIRMED = re.compile(r"\bverify\b", re.IGNORECASE)  # a reviewer's "still to be checked" mark


@dataclass(frozen=True)
class Region:
    code: str  # "us", "gb", ..., "intl"
    name: str  # "United Kingdom"


@dataclass(frozen=True)
class Resource:
    name: str  # "Samaritans"
    contact: str  # "call 116 123 (free, 24/7)"


@dataclass(frozen=True)
class RegionResources:
    region: Region
    emergency: str  # "999", or words for the international default
    urgent_care: str  # completes "If you can't reach your prescriber, ..."
    resources: tuple[Resource, ...]  # crisis support, the most important first


@dataclass(frozen=True)
class Replies:
    templates: dict[str, str]  # reply kind -> template
    resource_line: str  # "• {name}: {contact}"

    def render(self, kind: str, place: RegionResources) -> str:
        lines = [self._line(r) for r in place.resources]
        values = {
            "emergency": escape(place.emergency),
            "urgent_care": escape(place.urgent_care),
            "resources": "\n".join(lines),
            "helpline": lines[0],
        }
        text = escape(self.templates[kind]).format(**values)
        return _BOLD.sub(r"<b>\1</b>", text)

    def _line(self, resource: Resource) -> str:
        return escape(self.resource_line).format(
            name=escape(resource.name), contact=escape(resource.contact)
        )


def load_resources(path: Path) -> tuple[dict[str, RegionResources], str]:
    """Every region's numbers, and the code of the default region."""
    fields = Fields(read_yaml(path), path)
    fields.reject_unknown(("default", "regions"))
    regions_fields = Fields(fields.data.get("regions"), path, entry="regions")
    regions = {
        str(code): _region(str(code), regions_fields.data[code], path)
        for code in regions_fields.data
    }
    default = fields.text("default")
    if default not in regions:
        raise fields.error("default", f"'{default}' is not one of the regions")
    return regions, default


def _region(code: str, data: object, path: Path) -> RegionResources:
    fields = Fields(data, path, entry=code)
    fields.reject_unknown(REGION_FIELDS)
    _check_source(fields, fields.text("source"))
    items = fields.items("resources")
    if len(items) > MAX_RESOURCES:
        raise fields.error("resources", f"at most {MAX_RESOURCES} (the reply stays short)")
    resources = []
    for position, item in enumerate(items, start=1):
        resource = Fields(item, path, entry=f"{code} resource {position}")
        resource.reject_unknown(RESOURCE_FIELDS)
        resources.append(Resource(resource.text("name"), resource.text("contact")))
    return RegionResources(
        region=Region(code, fields.text("name")),
        emergency=fields.text("emergency"),
        urgent_care=fields.text("urgent_care"),
        resources=tuple(resources),
    )


def _check_source(fields: Fields, source: str) -> None:
    """Every region's numbers name the official page they were checked on, and none ships unconfirmed."""
    if "https://" not in source:
        raise fields.error("source", "must name the official page the numbers were checked on")
    if _UNCONFIRMED.search(source):
        raise fields.error(
            "source", "says 'verify': confirm the number on its official page first"
        )


def load_replies(path: Path) -> Replies:
    fields = Fields(read_yaml(path), path)
    templates = {kind: fields.text(kind) for kind in REPLY_KINDS}
    for kind, template in templates.items():
        _check_template(path, kind, template)
    resource_line = fields.text("resource_line")
    if _placeholders(path, "resource_line", resource_line) != {"name", "contact"}:
        raise ContentError(path, "must use {name} and {contact}", field="resource_line")
    return Replies(templates, resource_line)


def _check_template(path: Path, kind: str, template: str) -> None:
    unknown = _placeholders(path, kind, template) - PLACEHOLDERS
    if unknown:
        raise ContentError(path, f"unknown placeholder {{{sorted(unknown)[0]}}}", field=kind)
    if len(_BOLD.findall(template)) > MAX_BOLD or template.count("**") % 2:
        raise ContentError(path, f"at most {MAX_BOLD} **bold** phrases, each closed", field=kind)


def _placeholders(path: Path, key: str, template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError as error:
        raise ContentError(path, f"bad {{placeholder}} ({error})", field=key) from None
