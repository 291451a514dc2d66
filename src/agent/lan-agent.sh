#!/usr/bin/env bash
# OpenApp LAN reference agent: bash and curl, nothing else.
#
#   lan-agent run <task_id>   fetch the task's spec (POST .../task-spec), print it, exit 0
#   lan-agent serve           poll the integration's task list and print each new task id
#   lan-agent --version
#
# Reads $LAN_AGENT_HOME/config and $LAN_AGENT_HOME/token, both written by the installer
# (LAN_AGENT_HOME defaults to $HOME/.openapp-lan-agent). For serve: LAN_AGENT_POLL_SECONDS
# (default 5) and LAN_AGENT_SERVE_ONCE=1 (poll once, then exit).

readonly LAN_AGENT_VERSION='0.1.0'

say() {
  printf 'lan-agent: %s\n' "$*" >&2
}

die() {
  say "error: $*"
  exit 1
}

usage() {
  printf '%s\n' \
    'usage: lan-agent run <task_id>' \
    '       lan-agent serve' \
    '       lan-agent --version'
}

usage_error() {
  say "$1"
  usage >&2
  exit 2
}

# Sets REPLY to the value of one single-quoted word as the installer writes it (a ' inside
# is spelled '\''). Parsing instead of sourcing means a config line can never run code.
unquote_word() {
  local raw=$1 inner sq="'" esc="'\\''"
  if [[ ${#raw} -lt 2 || $raw != "'"*"'" ]]; then
    return 1
  fi
  inner=${raw:1:${#raw}-2}
  if [[ ${inner//"$esc"/} == *"'"* ]]; then
    return 1
  fi
  REPLY=${inner//"$esc"/$sq}
}

load_config() {
  local file=$LAN_AGENT_HOME/config line key n=0
  if [[ ! -f $file ]]; then
    die "no config at $file: run the installer first"
  fi
  API_BASE_URL='' ORG_ID='' INTEGRATION_ID='' DEVICE_ID='' LAN_PROTOCOL_VERSION=''
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    case $line in
      '' | '#'*) continue ;;
    esac
    key=${line%%=*}
    if [[ $line != *=* ]] || ! unquote_word "${line#*=}"; then
      die "$file line $n: expected KEY='value'"
    fi
    case $key in
      API_BASE_URL) API_BASE_URL=${REPLY%/} ;;
      ORG_ID) ORG_ID=$REPLY ;;
      INTEGRATION_ID) INTEGRATION_ID=$REPLY ;;
      DEVICE_ID) DEVICE_ID=$REPLY ;;
      LAN_PROTOCOL_VERSION) LAN_PROTOCOL_VERSION=$REPLY ;;
      *) ;; # other keys are informational (AGENT_VERSION) or from a newer installer
    esac
  done <"$file"

  if [[ $API_BASE_URL != http://* && $API_BASE_URL != https://* ]]; then
    die "$file: API_BASE_URL must be an http(s) URL"
  fi
  if [[ ! $LAN_PROTOCOL_VERSION =~ ^[0-9]+$ ]]; then
    die "$file: LAN_PROTOCOL_VERSION must be a whole number"
  fi
  # Both go into a URL path or a header line, where only ULID characters are safe.
  if [[ ! $INTEGRATION_ID =~ ^[0-9A-Za-z]*$ ]]; then
    die "$file: INTEGRATION_ID is not a ULID"
  fi
  if [[ ! $ORG_ID =~ ^[0-9A-Za-z]*$ ]]; then
    die "$file: ORG_ID is not a ULID"
  fi
}

read_token() {
  local file=$LAN_AGENT_HOME/token
  TOKEN=''
  if [[ ! -r $file ]]; then
    die "cannot read the token file $file: run the installer first"
  fi
  IFS= read -r TOKEN <"$file" || true
  # A JWT is base64url and dots; refusing anything else keeps the header line well formed.
  if [[ ! $TOKEN =~ ^[A-Za-z0-9._~+/=-]+$ ]]; then
    die "$file does not hold a bearer token"
  fi
}

# Sets REPLY to $1 as a JSON string (RFC 8259, section 7): `"`, `\` and control characters
# are escaped, every other byte is copied, so UTF-8 text stays UTF-8. The C locale makes
# the loop walk bytes, which behaves the same whatever locale the user has.
json_string() {
  local LC_ALL=C s=$1 out='' c e i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      '"') out+='\"' ;;
      \\) out+="\\\\" ;;
      [[:cntrl:]])
        printf -v e '\\u%04x' "'$c"
        out+=$e
        ;;
      *) out+=$c ;;
    esac
  done
  REPLY="\"$out\""
}

# Sets REPLY to $1 as a double-quoted curl config value, where \ and " are escapes.
curl_config_value() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  REPLY="\"$s\""
}

# Sends one request and sets HTTP_STATUS and HTTP_BODY; returns 1 when curl gets no reply.
# Every curl option, the Authorization header among them, goes through a here-string on
# curl's stdin: that is bash plumbing, not an argument, so the token never shows in ps or
# /proc/<pid>/cmdline. curl's argv is only `curl --config -`.
#   $1 method  $2 url  $3 JSON body or ''  $4 'auth' to send the token and X-Org
http_request() {
  local method=$1 url=$2 body=${3:-} auth=${4:-} config out
  config='silent'$'\n''show-error'$'\n''globoff'$'\n'
  config+='connect-timeout = 15'$'\n''max-time = 60'$'\n'
  config+='write-out = "\n%{http_code}"'$'\n'
  curl_config_value "openapp-lan-agent/$LAN_AGENT_VERSION"
  config+="user-agent = $REPLY"$'\n'
  curl_config_value "$method"
  config+="request = $REPLY"$'\n'
  curl_config_value "$url"
  config+="url = $REPLY"$'\n'
  if [[ $auth == auth ]]; then
    curl_config_value "Authorization: Bearer $TOKEN"
    config+="header = $REPLY"$'\n'
    if [[ -n $ORG_ID ]]; then
      curl_config_value "X-Org: $ORG_ID"
      config+="header = $REPLY"$'\n'
    fi
  fi
  if [[ -n $body ]]; then
    curl_config_value 'Content-Type: application/json'
    config+="header = $REPLY"$'\n'
    curl_config_value "$body"
    config+="data-binary = $REPLY"$'\n'
  fi

  HTTP_STATUS=000
  HTTP_BODY=''
  if ! out=$(curl --config - <<<"$config"); then
    return 1
  fi
  HTTP_STATUS=${out##*$'\n'}
  HTTP_BODY=${out%$'\n'*}
}

# Sets REPLY to the first match group of ERE $2 in $1, or ''. Enough for the flat fields of
# the server's error body; the agent has no JSON parser and needs none.
json_field() {
  REPLY=''
  if [[ $1 =~ $2 ]]; then
    REPLY=${BASH_REMATCH[1]}
  fi
}

protocol_too_old() {
  local min url
  json_field "$HTTP_BODY" '"min_lan_protocol_version"[[:space:]]*:[[:space:]]*([0-9]+)'
  min=${REPLY:-unknown}
  json_field "$HTTP_BODY" '"upgrade_download_url"[[:space:]]*:[[:space:]]*"([^"]*)"'
  url=$REPLY
  say "error: $1: the server needs LAN protocol $min or newer, this agent speaks" \
    "$LAN_PROTOCOL_VERSION (HTTP 426)"
  if [[ -n $url ]]; then
    say "upgrade the agent from $url"
  else
    say 'upgrade the agent: run the installer again with a fresh bootstrap key'
  fi
  exit 1
}

# Exits with a message a person can act on unless HTTP_STATUS is 2xx.
check_status() {
  local what=$1
  case $HTTP_STATUS in
    2??) return 0 ;;
    401) die "$what: token rejected or expired (HTTP 401); run the installer again" ;;
    403) die "$what: not allowed for this organisation/integration (HTTP 403)" ;;
    426) protocol_too_old "$what" ;;
  esac
  json_field "$HTTP_BODY" '"message"[[:space:]]*:[[:space:]]*"([^"\\]*)"'
  die "$what: HTTP $HTTP_STATUS${REPLY:+: $REPLY}"
}

run_task() {
  local task=$1 task_json device_json='null' version_json body url
  if [[ -z $INTEGRATION_ID ]]; then
    die "task '$task' needs an integration and this install has none;" \
      'mint the bootstrap key with an integration_id'
  fi
  json_string "$task"
  task_json=$REPLY
  if [[ -n $DEVICE_ID ]]; then
    json_string "$DEVICE_ID"
    device_json=$REPLY
  fi
  json_string "$LAN_AGENT_VERSION"
  version_json=$REPLY
  body="{\"lan_protocol_version\":$LAN_PROTOCOL_VERSION,\"task_id\":$task_json"
  body+=",\"payload\":{\"device_id\":$device_json,\"agent_version\":$version_json}}"
  url=$API_BASE_URL/integrations/$INTEGRATION_ID/lan-agent/task-spec

  if ! http_request POST "$url" "$body" auth; then
    die "no reply from $url"
  fi
  check_status "task-spec for '$task'"
  printf '%s\n' "$HTTP_BODY"
}

# A failed poll in the long-running mode is retried on the next tick: the server may be
# restarting. With LAN_AGENT_SERVE_ONCE=1 there is no next tick, so it is an error.
poll_failed() {
  if [[ $SERVE_ONCE == 1 ]]; then
    die "$1"
  fi
  say "warning: $1; retrying in ${POLL_SECONDS}s"
}

# Prints the task ids that were not in the previous poll. SEEN holds the ids of the last
# poll only, so memory stays bounded by the server's queue limit.
poll_tasks() {
  local url=$API_BASE_URL/integrations/$INTEGRATION_ID/lan-agent/tasks
  local list i id current=$'\n'
  local -a parts
  if ! http_request GET "$url" '' auth; then
    poll_failed "no reply from $url"
    return 0
  fi
  case $HTTP_STATUS in
    2?? | 401 | 403 | 426) check_status 'task list' ;;
    *)
      poll_failed "task list: HTTP $HTTP_STATUS"
      return 0
      ;;
  esac
  json_field "$HTTP_BODY" '"task_ids"[[:space:]]*:[[:space:]]*\[([^]]*)\]'
  list=$REPLY
  # Task ids are [A-Za-z0-9._:-] (the server refuses others), so splitting the array at
  # double quotes leaves the ids at the odd positions.
  IFS='"' read -r -a parts <<<"$list"
  for ((i = 1; i < ${#parts[@]}; i += 2)); do
    id=${parts[i]}
    if [[ $SEEN != *$'\n'"$id"$'\n'* ]]; then
      printf '%s\n' "$id"
    fi
    current+=$id$'\n'
  done
  SEEN=$current
}

# Without an integration there is no task list to read; polling meta still tells the user
# whether the server is reachable.
heartbeat() {
  local url=$API_BASE_URL/lan-agent/meta
  if ! http_request GET "$url" ''; then
    poll_failed "no reply from $url"
  elif [[ $HTTP_STATUS != 2?? ]]; then
    poll_failed "meta: HTTP $HTTP_STATUS"
  fi
}

serve() {
  POLL_SECONDS=${LAN_AGENT_POLL_SECONDS:-5}
  SERVE_ONCE=${LAN_AGENT_SERVE_ONCE:-0}
  SEEN=$'\n'
  if [[ ! $POLL_SECONDS =~ ^[0-9]+(\.[0-9]+)?$ || ! $POLL_SECONDS =~ [1-9] ]]; then
    die "LAN_AGENT_POLL_SECONDS must be a positive number of seconds, not '$POLL_SECONDS'"
  fi
  if [[ -z $INTEGRATION_ID ]]; then
    say "no integration in this install: polling $API_BASE_URL/lan-agent/meta as a heartbeat"
  fi
  while :; do
    if [[ -n $INTEGRATION_ID ]]; then
      poll_tasks
    else
      heartbeat
    fi
    if [[ $SERVE_ONCE == 1 ]]; then
      return 0
    fi
    sleep "$POLL_SECONDS"
  done
}

setup() {
  if [[ -z ${LAN_AGENT_HOME:-} ]]; then
    if [[ -z ${HOME:-} ]]; then
      die 'neither LAN_AGENT_HOME nor HOME is set'
    fi
    LAN_AGENT_HOME=$HOME/.openapp-lan-agent
  fi
  load_config
  read_token
}

main() {
  set -euo pipefail
  case ${1:-} in
    --version | version)
      printf '%s\n' "$LAN_AGENT_VERSION"
      ;;
    -h | --help | help)
      usage
      ;;
    run)
      if [[ $# -ne 2 || -z $2 ]]; then
        usage_error 'run takes exactly one task id'
      fi
      setup
      run_task "$2"
      ;;
    serve)
      if [[ $# -ne 1 ]]; then
        usage_error 'serve takes no arguments'
      fi
      setup
      serve
      ;;
    *)
      usage_error "unknown command '${1:-}'"
      ;;
  esac
}

main "$@"
