#!/usr/bin/env bash
# Build Terraform providers from their Go module source (via the Go module proxy)
# into a terraform "unpacked" filesystem mirror, and write a CLI config using it.
#
# Usage:
#   scripts/providers.sh [NAME=VERSION ...]
#     NAME     aws | archive | hashicorp/aws | registry.terraform.io/hashicorp/aws
#     VERSION  an exact version, e.g. 6.25.0 (a leading "=" / "v" is accepted,
#              so values copied from cdk.tf.json required_providers work)
#   scripts/providers.sh --cdktf-json cdktf.out/stacks/NAME/cdk.tf.json
#     reads terraform.required_providers (source + exact version) from a synthesized stack
#   Default (no args): aws=6.25.0 archive=2.7.1
#   Env instead of args: XACCT_TF_PROVIDERS="aws=6.25.0 archive=2.7.1"
#   scripts/providers.sh --substitute [...]
#     where a wanted version has no reachable source, build the SUBSTITUTE below
#     instead and print "substitute NAME WANTED BUILT" on stdout (before the rc path)
#
# Output:  ${XACCT_CACHE:-$HOME/.cache/xacct}/tf-mirror/registry.terraform.io/hashicorp/NAME/VERSION/OS_ARCH/terraform-provider-NAME_vVERSION_x5
#          ${XACCT_CACHE:-$HOME/.cache/xacct}/terraformrc   (its path is the LAST line of stdout)
# Logs:    ${XACCT_CACHE:-$HOME/.cache/xacct}/tf-provider-logs/
#
# Idempotent: a provider whose binary is already in the mirror is not rebuilt.
# Only versions listed in the PIN table below (or pinned via env, see pin_for)
# can be built: the Go proxy cannot resolve the providers' vX.Y.Z tags (their
# go.mod has no /vN suffix), so each release is addressed by the pseudo-version
# of its tagged commit.  See scripts/PROVIDERS_NOTES.md.
set -euo pipefail

CACHE="${XACCT_CACHE:-$HOME/.cache/xacct}"
MIRROR="$CACHE/tf-mirror"
LOGDIR="$CACHE/tf-provider-logs"
WORKROOT="$CACHE/tf-provider-build"
RC="$CACHE/terraformrc"
PLUGIN_CACHE="$CACHE/tf-plugin-cache"   # terraform links providers from here instead of copying ~0.9 GB per init
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"   # never fetch a Go toolchain implicitly
export CGO_ENABLED=0
GO_BUILD_P="${XACCT_GO_BUILD_P:-}"            # optional: go build -p N (default: GOMAXPROCS)

# ---------------------------------------------------------------------------
# PIN table: "NAME VERSION" -> "GO_MODULE_VERSION"
# Only entries whose source was verified belong here (see PROVIDERS_NOTES.md).
#
#   aws 6.25.0      NOT PINNED - tag commit/commit time not obtainable here, and
#                   the proxy reachable from this workplace refuses every
#                   terraform-provider-aws version except those below.
#   archive 2.7.1   NOT PINNED - same reason.
#
# Values are "GO_MODULE_VERSION" (the provider's usual module path, MODPATH) or
# "MODULE_PATH@GO_MODULE_VERSION" when the source lives under another path.
#
# SUBSTITUTES (not the pinned releases; only used with --substitute, see below):
# - aws 6.48.0-dev.5f2286d6d836: the only terraform-provider-aws source the
#   proxy here serves (main branch after 6.47.1: version/VERSION=6.47.1,
#   CHANGELOG top "6.48.0 (Unreleased)"). Same major version as 6.25.0.
# - archive 1.3.0: the newest terraform-provider-archive source the proxy here
#   serves, under the provider's old module path (github.com/terraform-providers/...).
#   Its archive_file has no output_file_mode argument.
declare -A PIN=(
  ["aws 6.48.0-dev.5f2286d6d836"]="v1.60.1-0.20260602190131-5f2286d6d836"
  ["archive 1.3.0"]="github.com/terraform-providers/terraform-provider-archive@v1.3.0"
)

# --substitute: when the wanted release cannot be built here, build this instead
# (the caller must then require the substitute's version; e2e/ does, and says so).
declare -A SUBSTITUTE=(
  ["aws 6.25.0"]="6.48.0-dev.5f2286d6d836"
  ["archive 2.7.1"]="1.3.0"
)

# NAME -> Go module path (the provider's main package is the module root)
declare -A MODPATH=(
  [aws]="github.com/hashicorp/terraform-provider-aws"
  [archive]="github.com/hashicorp/terraform-provider-archive"
)
# NAME -> -X target for the provider's version variable (ignored by the linker if absent)
declare -A VERSIONVAR=(
  [aws]="github.com/hashicorp/terraform-provider-aws/version.ProviderVersion"
  [archive]="main.version"
)

log() { printf '%s\n' "$*" >&2; }
die() { log "providers.sh: ERROR: $*"; exit 1; }

# A caller may supply a pin it verified itself:
#   XACCT_TF_PIN_<NAME>_<VERSION with . and - as _>=<go module version>
#   e.g. XACCT_TF_PIN_aws_6_25_0=v1.60.1-0.20251204XXXXXX-<hash12>
pin_for() {
  local name="$1" ver="$2" var
  var="XACCT_TF_PIN_${name}_${ver//[.-]/_}"
  if [[ -n "${!var:-}" ]]; then printf '%s\n' "${!var}"; return 0; fi
  if [[ -n "${PIN["$name $ver"]:-}" ]]; then printf '%s\n' "${PIN["$name $ver"]}"; return 0; fi
  return 1
}

parse_spec() { # "hashicorp/aws = 6.25.0" -> "aws 6.25.0"
  local spec="${1// /}" name ver
  [[ "$spec" == *=* ]] || die "bad argument '$1' (want NAME=VERSION)"
  name="${spec%%=*}"; ver="${spec#*=}"
  ver="${ver#=}"; ver="${ver#v}"
  name="${name##*/}"
  [[ -n "${MODPATH[$name]:-}" ]] || die "unknown provider '$name' (known: ${!MODPATH[*]})"
  [[ "$ver" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] \
    || die "'$1': only an exact version is supported, got '$ver'"
  printf '%s %s\n' "$name" "$ver"
}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }

build_one() {
  local name="$1" ver="$2" gover="$3" platform="$4"
  local mod="${MODPATH[$name]}"
  if [[ "$gover" == *@* ]]; then mod="${gover%@*}"; gover="${gover#*@}"; fi
  local dir="$MIRROR/registry.terraform.io/hashicorp/$name/$ver/$platform"
  local bin="$dir/terraform-provider-${name}_v${ver}_x5"
  local tag="$name-$ver"
  local work="$WORKROOT/$tag" dl_log="$LOGDIR/$tag.download.log" b_log="$LOGDIR/$tag.build.log"
  local t_file="$LOGDIR/$tag.time" s_file="$LOGDIR/$tag.summary"

  if [[ -x "$bin" && -s "$bin" ]]; then
    log "[$tag] already in mirror: $bin"
    return 0
  fi
  mkdir -p "$work" "$LOGDIR"
  log "[$tag] module $mod@$gover"

  # 1. fetch the provider module itself and read its go.mod
  local t0 t1 t2 t3 gomod
  t0=$(now)
  gomod=$(go mod download -json "$mod@$gover" 2>>"$dl_log" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p') \
    || die "[$tag] go mod download $mod@$gover failed (see $dl_log)"
  [[ -n "$gomod" && -f "$gomod" ]] || die "[$tag] could not download $mod@$gover (see $dl_log)"

  # 2. wrapper module: requires the provider, copies its go/godebug/replace directives
  local gov
  gov=$(go mod edit -json "$gomod" | sed -n 's/^[[:space:]]*"Go": "\(.*\)",*$/\1/p' | head -1)
  {
    echo "module xacct.local/tf-provider-build/$name"
    echo
    echo "go ${gov:-1.21}"
    grep -E '^godebug[[:space:]]' "$gomod" || true
    echo
    echo "require $mod $gover"
  } > "$work/go.mod"
  : > "$work/go.sum"
  # replace directives: module-version targets are copied; local-path ones cannot be honoured
  local reps
  reps=$(go mod edit -json "$gomod" | python3 -c '
import json,sys
for r in json.load(sys.stdin).get("Replace") or []:
    o,n=r["Old"],r["New"]
    old=o["Path"]+("@"+o["Version"] if o.get("Version") else "")
    new=n["Path"]+("@"+n["Version"] if n.get("Version") else "")
    print(old, new)')
  if [[ -n "$reps" ]]; then
    while read -r old new; do
      case "$new" in
        .*|/*) die "[$tag] provider go.mod replaces $old with local path $new; cannot build outside its repo" ;;
      esac
      (cd "$work" && go mod edit -replace "$old=$new")
    done <<< "$reps"
  fi
  # 3. resolve + download every module the main package needs (fills go.sum)
  (cd "$work" && GOFLAGS="${GOFLAGS:-} -mod=mod" go list -deps "$mod" >/dev/null) >>"$dl_log" 2>&1 \
    || die "[$tag] dependency download failed (see $dl_log)"
  t1=$(now)
  log "[$tag] modules downloaded/resolved in $(secs "$t0" "$t1")s"

  # 4. build
  local pflag=()
  [[ -n "$GO_BUILD_P" ]] && pflag=(-p "$GO_BUILD_P")
  t2=$(now)
  if ! (cd "$work" && GOFLAGS="${GOFLAGS:-} -mod=mod" /usr/bin/time -v -o "$t_file" \
        go build "${pflag[@]}" -trimpath \
          -ldflags "-s -w -X ${VERSIONVAR[$name]}=$ver" \
          -o "$work/provider.tmp" "$mod") >"$b_log" 2>&1; then
    die "[$tag] go build failed (see $b_log, $t_file)"
  fi
  t3=$(now)
  mkdir -p "$dir"
  install -m 0755 "$work/provider.tmp" "$bin.tmp.$$"
  mv -f "$bin.tmp.$$" "$bin"
  rm -f "$work/provider.tmp"

  local rss wall size
  rss=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$t_file")
  wall=$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$t_file")
  size=$(stat -c %s "$bin")
  {
    echo "provider=$name version=$ver module=$mod@$gover go=$(go env GOVERSION)"
    echo "download_resolve_seconds=$(secs "$t0" "$t1")"
    echo "build_seconds=$(secs "$t2" "$t3") build_wall=$wall max_rss_kib=$rss"
    echo "binary=$bin bytes=$size sha256=$(sha256sum "$bin" | cut -d' ' -f1)"
  } > "$s_file"
  echo "built $name $ver: download+resolve $(secs "$t0" "$t1")s, build $(secs "$t2" "$t3")s (wall $wall), max RSS $((rss/1024)) MiB, binary $((size/1024/1024)) MiB"
}

main() {
  local specs=() substitute=0
  if [[ "${1:-}" == --substitute ]]; then substitute=1; shift; fi
  if [[ "${1:-}" == --cdktf-json ]]; then
    [[ -f "${2:-}" ]] || die "--cdktf-json needs an existing file"
    mapfile -t specs < <(python3 -c '
import json,sys
rp=json.load(open(sys.argv[1])).get("terraform",{}).get("required_providers",{})
for k,v in rp.items():
    v = v if isinstance(v,dict) else {"version": v}
    print("%s=%s" % (v.get("source",k), v.get("version","")))' "$2")
    ((${#specs[@]})) || die "no required_providers in $2"
  elif (($#)); then specs=("$@")
  elif [[ -n "${XACCT_TF_PROVIDERS:-}" ]]; then read -r -a specs <<< "$XACCT_TF_PROVIDERS"
  else specs=("aws=6.25.0" "archive=2.7.1"); fi

  command -v go >/dev/null || die "go not found"
  command -v python3 >/dev/null || die "python3 not found"
  [[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) not found: apt-get install time"
  mkdir -p "$MIRROR" "$LOGDIR" "$WORKROOT" "$PLUGIN_CACHE"

  # one run at a time per cache dir
  exec 9>"$CACHE/.providers.lock"
  flock 9

  local platform; platform="$(go env GOOS)_$(go env GOARCH)"
  local todo=() s spec name ver gover missing=0
  for s in "${specs[@]}"; do
    spec=$(parse_spec "$s")
    read -r name ver <<< "$spec"
    if ((substitute)) && ! pin_for "$name" "$ver" >/dev/null && [[ -n "${SUBSTITUTE["$name $ver"]:-}" ]]; then
      log "providers.sh: SUBSTITUTE hashicorp/$name ${SUBSTITUTE["$name $ver"]} for $ver (no source of $ver is reachable here)"
      echo "substitute $name $ver ${SUBSTITUTE["$name $ver"]}"
      ver="${SUBSTITUTE["$name $ver"]}"
    fi
    if ! gover=$(pin_for "$name" "$ver"); then
      if [[ -x "$MIRROR/registry.terraform.io/hashicorp/$name/$ver/$platform/terraform-provider-${name}_v${ver}_x5" ]]; then
        todo+=("$name $ver -"); continue
      fi
      log "providers.sh: no verified source pin for hashicorp/$name $ver; cannot build it."
      log "  Pin its tag commit's Go pseudo-version in the PIN table or via XACCT_TF_PIN_${name}_${ver//[.-]/_}."
      missing=1; continue
    fi
    todo+=("$name $ver $gover")
  done

  local t
  for t in "${todo[@]}"; do
    read -r name ver gover <<< "$t"
    build_one "$name" "$ver" "$gover" "$platform"
  done

  cat > "$RC.tmp" <<RC
# written by scripts/providers.sh
plugin_cache_dir = "$PLUGIN_CACHE"
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
RC
  mv -f "$RC.tmp" "$RC"
  ((missing == 0)) || die "some providers could not be provided (see above); $RC written anyway"
  echo "$RC"
}

main "$@"
