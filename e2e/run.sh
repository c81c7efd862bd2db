#!/usr/bin/env bash
# End-to-end test: real terraform against a local multi-account AWS emulator (moto),
# the bundled handlers against what was deployed, the S3 backend with locking, checkov.
# `npm run test:e2e` runs this. See e2e/README.md.
#
#   bash e2e/run.sh [--stacks assume-role,bucket-policy,three-account,access-points] [--no-s3-backend] [--no-emulator] [--no-checkov] [--serial]
#     (the three demo stacks run side by side against one moto, access-points after them; --serial runs them one after another)
#
# Environment:
#   XACCT_CACHE              cache root (default ~/.cache/xacct): venvs, provider mirror
#   XACCT_E2E_RUN_DIR        per-run directory (default .e2e/runs/<UTC time>)
#   TERRAFORM_BINARY_NAME    terraform binary (default terraform on PATH; >= 1.10 for use_lockfile)
#   XACCT_E2E_PROVIDERS      auto (default) | registry | mirror
#       registry = terraform installs the pinned providers itself (a machine that reaches the
#       Terraform registry; only a plugin cache is configured); mirror = the offline mirror built
#       by scripts/providers.sh; auto = registry when a one-off `terraform init` of the pinned
#       archive provider succeeds within 60 s, otherwise mirror. CI here sets mirror (no registry).
#   XACCT_E2E_SUBSTITUTES    fallback (default) | accept | never
#       when the pinned providers cannot be provided: fallback = run everything with the
#       substitutes of `scripts/providers.sh --substitute` but FAIL the run; accept = same,
#       and the run may pass; never = no substitutes (terraform init fails).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
CACHE="${XACCT_CACHE:-$HOME/.cache/xacct}"
MOTO_PIN='moto[server]==5.2.5'
CHECKOV_PIN='checkov==3.3.30'
MOTO_VENV="$CACHE/venv"
CHECKOV_VENV="$CACHE/venv-checkov"   # separate: checkov pins many libraries moto also uses
SUBST_MODE="${XACCT_E2E_SUBSTITUTES:-fallback}"

RUN_DIR="${XACCT_E2E_RUN_DIR:-$REPO/.e2e/runs/$(date -u +%Y%m%d-%H%M%S)}"
LOGS="$RUN_DIR/logs"
mkdir -p "$LOGS"
export XACCT_E2E_RUN_DIR="$RUN_DIR"
PHASES="$RUN_DIR/phases.tsv"
: > "$PHASES"

HARNESS_ARGS=() RUN_EMULATOR=1 RUN_CHECKOV=1
while (($#)); do
  case "$1" in
    --stacks) HARNESS_ARGS+=("$1" "$2"); shift 2 ;;
    --no-s3-backend|--serial) HARNESS_ARGS+=("$1"); shift ;;
    --no-emulator) RUN_EMULATOR=0; shift ;;
    --no-checkov) RUN_CHECKOV=0; shift ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
say() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
# record NAME STATUS START [NOTE]
record() {
  local secs; secs=$(elapsed "$3")
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$secs" "${4:-}" >> "$PHASES"
  say "phase $1: $2 (${secs}s)${4:+ - $4}"
}

TS_NODE=("$REPO/node_modules/.bin/ts-node" --transpile-only)
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

say "e2e run directory: $RUN_DIR"
[[ -x "${TS_NODE[0]}" ]] || { say "node_modules missing: run npm ci first"; exit 1; }
TF_BIN="${TERRAFORM_BINARY_NAME:-terraform}"
command -v "$TF_BIN" >/dev/null || { say "$TF_BIN not found on PATH: install Terraform >= 1.10 (the S3 backend's use_lockfile needs it)"; exit 1; }
TF_VERSION=$("$TF_BIN" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p' | head -n 1)
if ! printf '%s\n' 1.10.0 "${TF_VERSION:-0}" | sort -V -C; then
  say "$TF_BIN ${TF_VERSION:-of unknown version} on PATH is older than 1.10 (the S3 backend's use_lockfile needs >= 1.10)"; exit 1
fi

# ---- 1. providers: from the registry when terraform can reach it, else the offline mirror
# (scripts/providers.sh builds it once into $CACHE and prints the CLI config on its last stdout line).
PROVIDERS_MODE="${XACCT_E2E_PROVIDERS:-auto}"
case "$PROVIDERS_MODE" in auto|registry|mirror) ;; *) say "XACCT_E2E_PROVIDERS must be auto, registry or mirror (got '$PROVIDERS_MODE')"; exit 2 ;; esac
t=$(now)
PROVIDERS_OUT="$LOGS/providers.out"
SUBSTITUTES=""
TF_RC=""
mkdir -p "$CACHE/tf-plugin-cache"
REGISTRY_RC="$CACHE/terraformrc-registry"
printf '# written by e2e/run.sh: providers from the registry, linked from one cache\nplugin_cache_dir = "%s"\n' "$CACHE/tf-plugin-cache" > "$REGISTRY_RC"
if [[ "$PROVIDERS_MODE" == auto ]]; then
  probe=$(mktemp -d)
  printf '{"terraform":{"required_providers":{"archive":{"source":"hashicorp/archive","version":"2.7.1"}}}}\n' > "$probe/main.tf.json"
  if (cd "$probe" && TF_CLI_CONFIG_FILE="$REGISTRY_RC" timeout 60 "$TF_BIN" init -input=false -no-color -backend=false) > "$LOGS/registry-probe.log" 2>&1; then
    PROVIDERS_MODE=registry
  else
    PROVIDERS_MODE=mirror
  fi
  rm -rf "$probe"
  say "providers: auto -> $PROVIDERS_MODE (probe log: $LOGS/registry-probe.log)"
fi
if [[ "$PROVIDERS_MODE" == registry ]]; then
  TF_RC="$REGISTRY_RC"
  record providers ok "$t" "pinned releases from the registry (plugin cache $CACHE/tf-plugin-cache)"
elif bash scripts/providers.sh > "$PROVIDERS_OUT" 2> "$LOGS/providers.log"; then
  TF_RC=$(tail -n 1 "$PROVIDERS_OUT")
  record providers ok "$t" "pinned releases from the mirror ($TF_RC)"
elif [[ "$SUBST_MODE" != never ]] && bash scripts/providers.sh --substitute > "$PROVIDERS_OUT" 2>> "$LOGS/providers.log"; then
  TF_RC=$(tail -n 1 "$PROVIDERS_OUT")
  SUBSTITUTES=$(sed -n 's/^substitute //p' "$PROVIDERS_OUT" | paste -sd ';' -)
  status=FAIL; [[ "$SUBST_MODE" == accept ]] && status='ok*'
  record providers "$status" "$t" "pinned releases unavailable (see $LOGS/providers.log); SUBSTITUTES used: ${SUBSTITUTES//;/, }"
else
  TF_RC="$CACHE/terraformrc"
  record providers FAIL "$t" "scripts/providers.sh failed: $(grep -m1 -i 'error' "$LOGS/providers.log" || tail -n 1 "$LOGS/providers.log")"
fi
# a cold build reports its cost (time, peak memory, size) on lines starting with "built"
grep -h '^built ' "$PROVIDERS_OUT" 2>/dev/null | sed 's/^/    /' || true
export TF_CLI_CONFIG_FILE="$TF_RC"
export XACCT_E2E_PROVIDER_SUBSTITUTES="$SUBSTITUTES"

# ---- 2. emulator + checkov: pinned venvs, created only when missing or pinned differently
ensure_venv() { # DIR PIN LOG
  local dir=$1 pin=$2 log=$3
  if [[ -x "$dir/bin/python" && "$(cat "$dir/.xacct-pin" 2>/dev/null)" == "$pin" ]]; then
    echo cached; return 0
  fi
  rm -rf "$dir"
  # (set -e does not apply inside a function called from `if`: check each step)
  python3 -m venv "$dir" >> "$log" 2>&1 || return 1
  "$dir/bin/pip" install --disable-pip-version-check "$pin" >> "$log" 2>&1 || return 1
  echo "$pin" > "$dir/.xacct-pin"
  echo created
}
t=$(now)
if state=$(ensure_venv "$MOTO_VENV" "$MOTO_PIN" "$LOGS/venv-moto.log"); then
  record venv-moto ok "$t" "$MOTO_PIN ($state, $MOTO_VENV)"
else
  record venv-moto FAIL "$t" "see $LOGS/venv-moto.log"; RUN_EMULATOR=0
fi
t=$(now)
if state=$(ensure_venv "$CHECKOV_VENV" "$CHECKOV_PIN" "$LOGS/venv-checkov.log"); then
  record venv-checkov ok "$t" "$CHECKOV_PIN ($state, $CHECKOV_VENV)"
else
  record venv-checkov FAIL "$t" "see $LOGS/venv-checkov.log"; RUN_CHECKOV=0
fi

# ---- 3. the TypeScript harness: moto, every stack through terraform, the S3 backend
if ((RUN_EMULATOR)); then
  t=$(now)
  say "phase emulator: moto + terraform + handlers (log per command under $LOGS)"
  if XACCT_E2E_MOTO_PYTHON="$MOTO_VENV/bin/python" "${TS_NODE[@]}" e2e/harness.ts emulator "${HARNESS_ARGS[@]}"; then
    record emulator ok "$t"
  else
    record emulator FAIL "$t"
  fi
fi

# ---- 4. checkov over the default (target aws) synth
if ((RUN_CHECKOV)); then
  t=$(now)
  if XACCT_E2E_CHECKOV="$CHECKOV_VENV/bin/checkov" "${TS_NODE[@]}" e2e/harness.ts checkov; then
    record checkov ok "$t"
  else
    record checkov FAIL "$t"
  fi
fi

# ---- summary (exit status: 0 only when every phase and step passed)
"${TS_NODE[@]}" e2e/harness.ts summary
