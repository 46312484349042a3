# Runs scim2-tester against SCIM_BASE_URL with SCIM_TOKEN; prints one JSON line per check.
import json
import os

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server

http = Client(
    base_url=os.environ["SCIM_BASE_URL"],
    headers={"Authorization": f"Bearer {os.environ['SCIM_TOKEN']}"},
    timeout=30,
)
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
