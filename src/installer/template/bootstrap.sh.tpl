#!/usr/bin/env bash
# OpenApp LAN agent installer, rendered by lan-agent-server for one bootstrap key.
# It holds a secret agent token: do not save it anywhere others can read it.
#
#   curl -fsSL '<bootstrap.sh URL>' | bash                      install and run the task
#   curl -fsSL '<bootstrap.sh URL>' | LAN_AGENT_DRY_RUN=1 bash  print the plan, change nothing
#
# LAN_AGENT_HOME chooses the install directory (default: $HOME/.openapp-lan-agent).

# Only POSIX syntax up to the end of this check, so that dash, the usual /bin/sh, parses
# its way here and prints the reason instead of failing on bash syntax further down.
if [ -z "${BASH_VERSION:-}" ]; then
  echo "this installer needs bash: run it with  curl -fsSL '<bootstrap.sh URL>' | bash" >&2
  exit 1
fi

# The server wrote each value as one single-quoted word, which bash never expands. The
# checks disabled below only flag text that looks like code or quoting inside such a word
# (a `$(...)`, a `'\''`, a trailing `\`), which is exactly what must stay literal here.
# shellcheck disable=SC1003,SC1112,SC2016,SC2089
{
  readonly API_BASE_URL=@@API_BASE_URL@@
  readonly TASK_ID=@@TASK_ID@@
  readonly INTEGRATION_ID=@@INTEGRATION_ID@@
  readonly DEVICE_ID=@@DEVICE_ID@@
  readonly ORG_ID=@@ORG_ID@@
  readonly AGENT_VERSION=@@AGENT_VERSION@@
  readonly AGENT_DOWNLOAD_BASE_URL=@@AGENT_DOWNLOAD_BASE_URL@@
  readonly AGENT_CHECKSUMS=@@AGENT_CHECKSUMS@@
  readonly AGENT_TOKEN=@@AGENT_TOKEN@@
  readonly LAN_PROTOCOL_VERSION=@@LAN_PROTOCOL_VERSION@@
}

say() {
  printf 'lan-agent installer: %s\n' "$*" >&2
}

die() {
  say "error: $*"
  exit 1
}

# Sets PLATFORM_FILE to the build name the server publishes, e.g. lan-agent-linux-amd64.
detect_platform() {
  local os arch
  os=$(uname -s) || die 'uname -s failed'
  arch=$(uname -m) || die 'uname -m failed'
  case $os in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "unsupported operating system '$os' (supported: Linux, Darwin)" ;;
  esac
  case $arch in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported architecture '$arch' (supported: x86_64/amd64, aarch64/arm64)" ;;
  esac
  PLATFORM_FILE=lan-agent-$os-$arch
}

# Sets EXPECTED_SHA256 from AGENT_CHECKSUMS, which uses the SHA256SUMS line format.
find_checksum() {
  local sum name
  while read -r sum name; do
    if [[ $name == "$1" ]]; then
      EXPECTED_SHA256=$sum
      return 0
    fi
  done <<<"$AGENT_CHECKSUMS"
  die "the server publishes no agent build for $1"
}

# Sets ACTUAL_SHA256. Hashing stdin keeps the file name out of the output, so an unusual
# install path cannot change the output format. macOS has shasum rather than sha256sum.
file_sha256() {
  local out
  if command -v sha256sum >/dev/null 2>&1; then
    out=$(sha256sum <"$1") || die "sha256sum failed on $1"
  elif command -v shasum >/dev/null 2>&1; then
    out=$(shasum -a 256 <"$1") || die "shasum failed on $1"
  else
    die 'cannot verify the download: neither sha256sum nor shasum is installed'
  fi
  ACTUAL_SHA256=${out%% *}
}

# Sets INSTALL_DIR, made absolute so the agent finds it from any working directory.
resolve_install_dir() {
  if [[ -n ${LAN_AGENT_HOME:-} ]]; then
    INSTALL_DIR=$LAN_AGENT_HOME
  elif [[ -n ${HOME:-} ]]; then
    INSTALL_DIR=$HOME/.openapp-lan-agent
  else
    die 'neither LAN_AGENT_HOME nor HOME is set, so there is no install directory'
  fi
  if [[ $INSTALL_DIR != /* ]]; then
    INSTALL_DIR=$PWD/$INSTALL_DIR
  fi
}

# Sets DRY_RUN. An unrecognised value stops the run: reading a typo as "no" would install
# for real when the user asked for a rehearsal.
read_dry_run() {
  case ${LAN_AGENT_DRY_RUN:-} in
    '' | 0 | false | no) DRY_RUN=0 ;;
    1 | true | yes) DRY_RUN=1 ;;
    *) die "LAN_AGENT_DRY_RUN must be 1 or 0, not '$LAN_AGENT_DRY_RUN'" ;;
  esac
}

agent_command() {
  if [[ $TASK_ID == serve ]]; then
    printf '%s serve' "$1"
  else
    printf '%s run %s' "$1" "$TASK_ID"
  fi
}

print_plan() {
  local bin=$INSTALL_DIR/bin
  printf 'lan-agent installer: dry run (LAN_AGENT_DRY_RUN), nothing is changed\n'
  printf '  platform:     %s\n' "$PLATFORM_FILE"
  printf '  download:     %s\n' "${AGENT_DOWNLOAD_BASE_URL%/}/$PLATFORM_FILE"
  printf '  sha256:       %s\n' "$EXPECTED_SHA256"
  printf '  install dir:  %s\n' "$INSTALL_DIR"
  printf '  agent:        %s -> lan-agent-%s\n' "$bin/lan-agent" "$AGENT_VERSION"
  printf '  token file:   %s (mode 0600)\n' "$INSTALL_DIR/token"
  printf '  api:          %s\n' "$API_BASE_URL"
  printf '  org:          %s\n' "${ORG_ID:-(none)}"
  printf '  integration:  %s\n' "${INTEGRATION_ID:-(none)}"
  printf '  device:       %s\n' "${DEVICE_ID:-(none)}"
  printf '  task:         %s\n' "$(agent_command "$bin/lan-agent")"
}

# TMP_FILE names the one temporary file in flight, so an early exit leaves nothing behind.
cleanup() {
  if [[ -n ${TMP_FILE:-} ]]; then
    rm -f "$TMP_FILE"
  fi
}

# Sets TMP_FILE to a new empty file in directory $1 (mode 0600 under the umask of main).
new_tmp_file() {
  TMP_FILE=$(mktemp "$1/.lan-agent-install.XXXXXX") || die "cannot create a file in $1"
}

# The download lands in the install directory so that the final mv is a rename on one file
# system: a second installer running at the same time never sees a half-written agent.
install_agent() {
  local bin=$INSTALL_DIR/bin
  local url=${AGENT_DOWNLOAD_BASE_URL%/}/$PLATFORM_FILE
  mkdir -p "$bin" || die "cannot create $bin"
  new_tmp_file "$bin"
  say "downloading $url"
  # -g: an IPv6 host such as [::1] must not be read as a curl URL glob.
  curl -fsSLg --connect-timeout 15 --retry 2 -o "$TMP_FILE" "$url" ||
    die "download failed: $url"
  file_sha256 "$TMP_FILE"
  if [[ $ACTUAL_SHA256 != "$EXPECTED_SHA256" ]]; then
    rm -f "$TMP_FILE"
    TMP_FILE=''
    die "checksum mismatch for $PLATFORM_FILE (expected $EXPECTED_SHA256, got" \
      "$ACTUAL_SHA256): the download was deleted and nothing was run"
  fi
  chmod 0700 "$TMP_FILE" || die "cannot make $TMP_FILE executable"
  mv -f "$TMP_FILE" "$bin/lan-agent-$AGENT_VERSION" || die "cannot install into $bin"
  TMP_FILE=''
  ln -sfn "lan-agent-$AGENT_VERSION" "$bin/lan-agent" || die "cannot link $bin/lan-agent"
}

# Sets REPLY to $1 as one single-quoted word, the format the agent reads back. The escape
# comes from a variable because bash 5.2 re-reads backslashes in a literal replacement
# (patsub_replacement) where older versions do not; an expanded value means the same to all.
quote_word() {
  local sq="'" esc="'\\''"
  REPLY=${1//$sq/$esc}
  REPLY="'$REPLY'"
}

# Writes through fresh temporary files renamed into place: redirecting onto an existing
# token file would keep whatever mode it had before, and the umask only covers new files.
write_token_and_config() {
  local key value config=''
  new_tmp_file "$INSTALL_DIR"
  # printf is a bash builtin: the token goes from memory to the file, never through argv.
  printf '%s\n' "$AGENT_TOKEN" >"$TMP_FILE" || die 'cannot write the token'
  chmod 0600 "$TMP_FILE" || die 'cannot restrict the token file to its owner'
  mv -f "$TMP_FILE" "$INSTALL_DIR/token" || die 'cannot install the token file'
  TMP_FILE=''

  for key in API_BASE_URL ORG_ID INTEGRATION_ID DEVICE_ID LAN_PROTOCOL_VERSION AGENT_VERSION; do
    value=${!key}
    quote_word "$value"
    config+="$key=$REPLY"$'\n'
  done
  new_tmp_file "$INSTALL_DIR"
  printf '# written by the lan-agent installer; values are single-quoted words\n%s' \
    "$config" >"$TMP_FILE" || die 'cannot write the config'
  mv -f "$TMP_FILE" "$INSTALL_DIR/config" || die 'cannot install the config file'
  TMP_FILE=''
}

run_agent() {
  local agent=$INSTALL_DIR/bin/lan-agent status=0
  export LAN_AGENT_HOME=$INSTALL_DIR
  say "installed lan-agent $AGENT_VERSION in $INSTALL_DIR; running: $(agent_command lan-agent)"
  if [[ $TASK_ID == serve ]]; then
    "$agent" serve || status=$?
  else
    "$agent" run "$TASK_ID" || status=$?
  fi
  return "$status"
}

main() {
  set -euo pipefail
  # A same-named variable inherited from the environment keeps its export flag through the
  # readonly assignment, which would hand the token to every child process.
  # shellcheck disable=SC2090
  export -n API_BASE_URL TASK_ID INTEGRATION_ID DEVICE_ID ORG_ID AGENT_VERSION \
    AGENT_DOWNLOAD_BASE_URL AGENT_CHECKSUMS AGENT_TOKEN LAN_PROTOCOL_VERSION
  umask 077
  trap cleanup EXIT

  read_dry_run
  detect_platform
  find_checksum "$PLATFORM_FILE"
  resolve_install_dir
  if [[ $DRY_RUN == 1 ]]; then
    print_plan
    return 0
  fi
  install_agent
  write_token_and_config
  run_agent
}

# The braces matter: a download cut anywhere in this line leaves the group unclosed, so
# bash reports a syntax error instead of running a partial command such as a bare `main`.
{ main "$@"; }
