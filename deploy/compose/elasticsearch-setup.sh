#!/usr/bin/env bash
# One-shot setup of Elasticsearch security for the compose stack; safe to run again (every call is a PUT).
#  - kibana_system gets the password Kibana logs in with;
#  - the role sentinel_writer may install Sentinel's index templates and write its result indices, nothing more;
#  - the user sentinel (the consumers' login) has that role.
set -euo pipefail

: "${ES_URL:?}" "${ELASTIC_PASSWORD:?}" "${KIBANA_PASSWORD:?}" "${ES_SENTINEL_PASSWORD:?}" "${INDEX_PREFIX:?}"

call() {  # call METHOD PATH JSON
    curl -fsS -u "elastic:${ELASTIC_PASSWORD}" -H 'Content-Type: application/json' -X "$1" "${ES_URL}$2" -d "$3"
    echo
}

# Passwords go into JSON: escape backslashes and quotes.
json_string() {
    local value=${1//\\/\\\\}
    printf '"%s"' "${value//\"/\\\"}"
}

call POST /_security/user/kibana_system/_password "{\"password\": $(json_string "${KIBANA_PASSWORD}")}"

call PUT /_security/role/sentinel_writer "$(cat <<JSON
{
  "cluster": ["monitor", "manage_index_templates"],
  "indices": [
    {"names": ["${INDEX_PREFIX}-*"], "privileges": ["create_index", "manage", "write", "read", "view_index_metadata"]}
  ]
}
JSON
)"

call PUT /_security/user/sentinel "{\"password\": $(json_string "${ES_SENTINEL_PASSWORD}"), \"roles\": [\"sentinel_writer\"], \"full_name\": \"Sentinel consumers\"}"
echo "elasticsearch security is set up"
