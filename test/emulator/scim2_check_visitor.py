# Runs scim2-tester against the Visitor emulator (SCIM_BASE_URL, SCIM_TOKEN); prints one JSON line
# per check, like test/engage-scim/scim2_check.py. The checks run unchanged; only the data the tester
# generates is brought within Visitor's rules (docs/visitor-scim-api.md §4), which random values
# cannot meet: otherwise every User check would stop at its create.
#   userName = the primary work e-mail · phones in E.164 · location ids that exist · IANA time zones
#   · no invitation sent on create.
import json
import os
import random

from httpx2 import Client
from pydantic import BaseModel
from scim2_client.engines.httpx2 import SyncSCIMClient

import scim2_tester.checkers.patch_add as patch_add
import scim2_tester.checkers.patch_replace as patch_replace
import scim2_tester.checkers.resource_put as resource_put
import scim2_tester.filling as filling
from scim2_tester import check_server

http = Client(
    base_url=os.environ["SCIM_BASE_URL"],
    headers={"Authorization": f"Bearer {os.environ['SCIM_TOKEN']}"},
    timeout=30,
)
DEFAULT_LOCATION = http.get("Locations", params={"filter": "isDefault eq true"}).json()["Resources"][0]["id"]


def e164() -> str:
    return "+4479" + "".join(random.choice("0123456789") for _ in range(8))


def within_rules(value, path: str = ""):
    """Brings one generated value (a string, a complex value or a list of them) within the rules."""
    if isinstance(value, list):
        fixed = [within_rules(v, path) for v in value]
        if fixed and type(fixed[0]).__name__ == "LocationAccess":
            fixed = fixed[:1]  # one entry per location, and there is one location
        return fixed
    if isinstance(value, BaseModel):
        kind = type(value).__name__
        if kind == "PhoneNumbers":
            value.value = e164()
        elif kind == "LocationAccess":
            value.location_id = DEFAULT_LOCATION
        elif kind == "Emails" and path == "emails":
            # An extra address on its own (PATCH add): never a second primary or work e-mail.
            value.type, value.primary = "home", False
        for name in type(value).model_fields:
            child = getattr(value, name, None)
            if isinstance(child, (list, BaseModel)):
                setattr(value, name, within_rules(child))
        return value
    if isinstance(value, str):
        if path.endswith("phoneNumbers.value"):
            return e164()
        if path.endswith("defaultLocationId") or path.endswith("locationId"):
            return DEFAULT_LOCATION
        if path.endswith("timeZone"):
            return "Europe/London"
    return value


def user_within_rules(obj) -> None:
    """Cross-attribute rules of a whole User: userName = the primary work e-mail; no invitation."""
    emails = getattr(obj, "emails", None)
    if emails:
        for i, email in enumerate(emails):
            email.primary = i == 0
        emails[0].type = "work"
        obj.user_name = emails[0].value
    for name in type(obj).model_fields:
        extension = getattr(obj, name, None)
        if isinstance(extension, BaseModel) and "send_invitation" in type(extension).model_fields:
            extension.send_invitation = False


original_generate = filling.generate_random_value
original_fill = filling.fill_with_random_values


def generate(context, path, *args, **kwargs):
    return within_rules(original_generate(context, path, *args, **kwargs), str(path))


def fill(context, obj, *args, **kwargs):
    obj = within_rules(original_fill(context, obj, *args, **kwargs))
    if hasattr(obj, "user_name"):
        user_within_rules(obj)
    return obj


# fill_with_random_values looks generate_random_value up in its module; the checkers imported theirs.
filling.generate_random_value = generate
filling.fill_with_random_values = fill
patch_add.generate_random_value = generate
patch_replace.generate_random_value = generate
resource_put.fill_with_random_values = fill

results = check_server(SyncSCIMClient(http))
print(
    json.dumps(
        [
            {
                "title": r.title,
                "status": r.status.name,
                "reason": r.reason,
                "resource_type": r.resource_type,
            }
            for r in results
        ]
    )
)
