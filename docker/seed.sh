#!/bin/sh
# docker compose's seed step: a demo company in the Engage database, once. An Engage database that
# already has users is left alone, so `docker compose up` may run it again and again.
set -eu
users=$(node --import tsx dev/engage-generator/cli.ts stats --json |
  node -e 'let s = ""; process.stdin.on("data", (d) => { s += d; }).on("end", () => console.log(JSON.parse(s).users.total));')
if [ "$users" -gt 0 ]; then
  echo "engage: $users users already, not seeding"
  exit 0
fi
exec node --import tsx dev/engage-generator/cli.ts seed --users "${SEED_USERS:-300}" --locations "${SEED_LOCATIONS:-8}"
