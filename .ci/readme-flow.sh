#!/usr/bin/env bash
# Runs the README's quick start for real: `npm start` on the embedded store, the curl calls the
# README shows, then the same on Redis with a restart in between (tasks must survive it).
# Prints TAP-style "ok"/"not ok" lines that .ci/run counts.
set -uo pipefail
cd "$(dirname "$0")/.."

PORT=4455
BASE="http://localhost:$PORT/api/v1"
ALICE='X-API-Key: http://localhost:4455_openapp_dev-alice-key'
ORG_A='01KDVDNA00C1T4BQYG24SAJ1Q4'
INT_A1='01KDVDNA00A16HRSRAQGE38V56'
n=0
server_pid=""

check() {
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

start_server() {
  npm start >"/tmp/readme-server-$n.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do
    curl -fs "http://localhost:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "/tmp/readme-server-$n.log" >&2
  return 1
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  # npm start runs node as a child: signal the whole process group so node shuts down.
  pkill -TERM -P "$server_pid" 2>/dev/null
  kill -TERM "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=""
}
trap stop_server EXIT

queue_task() {
  curl -s -o /tmp/readme-task.json -w '%{http_code}' -H "$ALICE" -H "X-Org: $ORG_A" \
    -H 'Content-Type: application/json' \
    -d '{"task_id":"01KDVDNA00000000000000TASK","lan_protocol_version":2,"payload":{"door":"front"}}' \
    "localhost:$PORT/api/v1/integrations/$INT_A1/lan-agent/task-spec"
}

list_tasks() {
  curl -s -H "$ALICE" -H "X-Org: $ORG_A" "$BASE/integrations/$INT_A1/lan-agent/tasks"
}

start_server
check $? "npm start serves on 127.0.0.1:$PORT with the embedded store"
[ "$(queue_task)" = 200 ]
check $? "README task-spec call answers 200"
list_tasks | jq -e '.task_ids == ["01KDVDNA00000000000000TASK"]' >/dev/null
check $? "README tasks call lists the queued id"
curl -s -X POST -H "$ALICE" "$BASE/lan-agent/cli/token" | jq -e '.token_type == "Bearer"' >/dev/null
check $? "README token call answers a Bearer token"
stop_server

export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export REDIS_KEY_PREFIX="readme-flow-$$:"
start_server
check $? "npm start with REDIS_URL serves on Redis"
[ "$(queue_task)" = 200 ]
check $? "task-spec on Redis answers 200"
stop_server
start_server
list_tasks | jq -e '.task_ids == ["01KDVDNA00000000000000TASK"]' >/dev/null
check $? "the task survives a server restart on Redis"
stop_server
redis-cli -u "$REDIS_URL" --scan --pattern "${REDIS_KEY_PREFIX}*" | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null
echo "1..$n"
