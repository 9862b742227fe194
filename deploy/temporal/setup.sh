#!/bin/sh
# Registers the search attributes Switchboard's calls carry (workflows/definitions.ts), once.
# Run by the temporal-setup service of docker-compose.yml; safe to run again.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
existing="$(temporal operator search-attribute list --namespace "$ns")"
for attribute in CallId:Keyword CallerNumber:Keyword CalledNumber:Keyword FlowId:Keyword FlowVersion:Int CallStatus:Keyword; do
  name="${attribute%%:*}"
  type="${attribute##*:}"
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --namespace "$ns" --name "$name" --type "$type"
    echo "search attribute $name created"
  fi
done
