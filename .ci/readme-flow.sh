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
  if curl -s -o /dev/null "http://localhost:$PORT/healthz"; then
    echo "# something already listens on port $PORT" >&2
    return 1
  fi
  # Its own process group: npm runs node through a shell, and all of them must stop together.
  setsid npm start >"/tmp/readme-server-$n.log" 2>&1 &
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
  kill -TERM -- "-$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://localhost:$PORT/healthz" || break
    sleep 0.1
  done
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

# The bootstrap flow exactly as the README shows it, with a throw-away HOME.
KEY=$(curl -s -H 'X-API-Key: http://localhost:4455_openapp_dev-alice-key' -H 'Content-Type: application/json' -d '{"task_id":"01KDVDNA00000000000000TASK","api_base_url":"http://localhost:4455/api/v1","integration_id":"01KDVDNA00A16HRSRAQGE38V56"}' localhost:4455/api/v1/lan-agent/cli/bootstrap-token | jq -r .bootstrap_key)
[[ "$KEY" =~ ^[0-7][0-9A-HJKMNP-TV-Z]{25}$ ]]
check $? "README bootstrap-token call answers a bootstrap key"
agent_home=$(mktemp -d)
HOME="$agent_home" bash -c "curl -fsSL \"localhost:4455/api/v1/lan-agent/cli/bootstrap.sh?key=$KEY\" | bash" \
  >/tmp/readme-agent.out 2>/tmp/readme-agent.err
agent_status=$?
[ "$agent_status" = 0 ] && tail -n 1 /tmp/readme-agent.out | jq -e '.spec.task_id == "01KDVDNA00000000000000TASK"' >/dev/null
check $? "README curl | bash runs the reference agent, which prints the task spec and exits 0"
[ "$(stat -c %a "$agent_home/.openapp-lan-agent/token")" = 600 ]
check $? "the agent token file has mode 0600"
rm -rf "$agent_home"
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
