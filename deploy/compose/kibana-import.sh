#!/usr/bin/env bash
# One-shot import of Sentinel's Kibana saved objects (data view, saved searches, visualizations, dashboard).
# Overwrites objects with the same ids, so running it again after an upgrade brings the new versions.
set -euo pipefail

: "${KIBANA_URL:?}" "${ELASTIC_PASSWORD:?}" "${OBJECTS_FILE:?}"

# The container healthcheck sees the login page; saved objects need the whole server to be available.
for _ in $(seq 1 60); do
    if curl -fsS -u "elastic:${ELASTIC_PASSWORD}" "${KIBANA_URL}/api/status" | grep -q '"level":"available"'; then
        break
    fi
    sleep 5
done

response=$(curl -fsS -u "elastic:${ELASTIC_PASSWORD}" -H 'kbn-xsrf: sentinel' \
    -X POST "${KIBANA_URL}/api/saved_objects/_import?overwrite=true" \
    --form "file=@${OBJECTS_FILE}")
echo "${response}"
# The import answers 200 even when single objects fail; success is in the body.
grep -q '"success":true' <<<"${response}"
