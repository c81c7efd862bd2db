#!/usr/bin/env bash
# npm run example: the library as a user gets it.
# 1. npm pack (prepack runs npm run build) -> <tmp>/xacct-s3.tgz
# 2. a copy of examples/consumer-app next to it, installed from the registry + the tarball
#    (file:../xacct-s3.tgz; nothing from this repository's node_modules)
# 3. tsc with the example's strict cdktf-init tsconfig, cdktf synth, the example's jest tests
#    (with access contracts through xacct-s3/access/jest), and the xacct-access bin over cdktf.out
#    then a second app (analytics-app.ts) built from the contract file the first one wrote, and
#    xacct-access contract verify between the two synth outputs
# 4. EXAMPLE_BROKEN_POLICY=1 cdktf synth must fail with [list-bucket-on-object-arn] and leave no stack JSON
# KEEP=1 keeps the temporary directory. The cdktf CLI is this repository's (devDependency cdktf-cli).
# --install-only DIR: steps 1-2 only, into DIR (kept; bench/synth.ts uses it).
# --flavour cdktn: the same steps for the cdktn package (xacct-s3-cdktn, scripts/flavours.ts): the app
#   is generated from examples/consumer-app by the specifier rewrite, runs on Node >= 22.19
#   (scripts/node22.sh), uses the app's own cdktn-cli, and must hold no cdktf copy in node_modules.
# --synth-out DIR: keep a copy of the app's cdktf.out in DIR; --compare DIR: compare the synth with
#   DIR (scripts/compare-synth.ts: fails on differences the provider versions do not explain).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CDKTF="$ROOT/node_modules/.bin/cdktf"
FLAVOUR=cdktf; SYNTH_OUT=""; COMPARE=""; INSTALL_ONLY=""
while [ $# -gt 0 ]; do
  case $1 in
    --install-only) INSTALL_ONLY=1; WORK=$2; shift 2 ;;
    --flavour) FLAVOUR=$2; shift 2 ;;
    --synth-out) SYNTH_OUT=$2; shift 2 ;;
    --compare) COMPARE=$2; shift 2 ;;
    *) echo "example.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
TSNODE="$ROOT/node_modules/.bin/ts-node"
if [ -n "$INSTALL_ONLY" ]; then
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/xacct-example.XXXXXX")
  if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$WORK"' EXIT; else echo "keeping $WORK"; fi
fi
export CHECKPOINT_DISABLE=1 CDKTF_DISABLE_PLUGIN_CACHE_ENV=1 CI=${CI:-true}
step() { echo "::: example: $*"; }

step "pack ($FLAVOUR)"
if [ "$FLAVOUR" = cdktf ]; then
  PKG=xacct-s3; OTHER="cdktn cdktn-cli @cdktn"
  tgz=$(npm pack --silent --pack-destination "$WORK" | tail -n 1)
else
  PKG=xacct-s3-cdktn; OTHER="cdktf cdktf-cli @cdktf"
  tgz=$(basename "$("$TSNODE" --transpile-only scripts/flavours.ts pack cdktn "$WORK" | sed -n 's/^cdktn //p')")
  PATH="$(bash scripts/node22.sh):$PATH"; export PATH
  CDKTF=""
fi
mv "$WORK/$tgz" "$WORK/$PKG.tgz"
echo "$(du -k "$WORK/$PKG.tgz" | cut -f1) KiB, $(tar -tzf "$WORK/$PKG.tgz" | wc -l) files"

step "install (registry + tarball)"
if [ "$FLAVOUR" = cdktf ]; then
  mkdir "$WORK/consumer-app"
  (cd examples/consumer-app && tar -cf - --exclude=node_modules --exclude=cdktf.out --exclude=package-lock.json .) | (cd "$WORK/consumer-app" && tar -xf -)
else
  "$TSNODE" --transpile-only scripts/flavours.ts example cdktn examples/consumer-app "$WORK/consumer-app"
fi
cd "$WORK/consumer-app"
npm install --no-audit --no-fund --prefer-offline --loglevel=error
test ! -e "node_modules/$PKG/node_modules/cdktf" || { echo "$PKG brought its own cdktf copy" >&2; exit 1; }
copies=""
for name in $OTHER; do copies="$copies$(find node_modules -type d -name "$name" -prune | head -n 3)"; done
[ -z "$copies" ] || { echo "FAIL: the other framework is installed: $copies" >&2; exit 1; }
echo "node $(node --version); no copy of: $OTHER"
[ -n "$CDKTF" ] || CDKTF="$PWD/node_modules/.bin/cdktn"
if [ -n "$INSTALL_ONLY" ]; then exit 0; fi

step "typecheck (strict cdktf-init tsconfig, skipLibCheck false)"
npx tsc --noEmit

step "$FLAVOUR synth"
t0=$(date +%s%N)
"$CDKTF" synth
echo "$FLAVOUR synth took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
ls cdktf.out/stacks/*/cdk.tf.json
if [ -n "$SYNTH_OUT" ]; then rm -rf "$SYNTH_OUT"; mkdir -p "$SYNTH_OUT"; cp -r cdktf.out/. "$SYNTH_OUT/"; fi
if [ -n "$COMPARE" ]; then
  step "compare the synthesized stacks with $COMPARE"
  "$TSNODE" --transpile-only "$ROOT/scripts/compare-synth.ts" "$COMPARE" cdktf.out
fi

step "jest (incl. access contracts with the xacct-s3/access/jest matchers)"
npx jest

step "xacct-access (the package's bin) on the synthesized stacks"
npx xacct-access --outdir cdktf.out --stack reports-share

step "two teams, two apps: the analytics app built from the grant contract, checked against the owner's side"
npx ts-node --transpile-only analytics-app.ts cdktf.out/stacks/reports-share/xacct/reports.contract.json analytics.out
npx xacct-access contract verify --owner cdktf.out --consumer analytics.out

step "a broken policy stops synth"
rm -rf cdktf.out
if EXAMPLE_BROKEN_POLICY=1 "$CDKTF" synth >broken.log 2>&1; then
  cat broken.log; echo "FAIL: synth with a broken policy succeeded" >&2; exit 1
fi
grep -o "\[list-bucket-on-object-arn\][^.]*" broken.log | head -n 1
left=$(find cdktf.out -name cdk.tf.json 2>/dev/null | wc -l)
[ "$left" -eq 0 ] || { echo "FAIL: $left stack JSON file(s) left behind" >&2; exit 1; }
echo "synth failed with the check id; stack JSON files left: $left"
step "passed"
