#!/usr/bin/env bash
# npm run example: the library as a user gets it.
# 1. npm pack (prepack runs npm run build) -> <tmp>/xacct-s3.tgz
# 2. a copy of examples/consumer-app next to it, installed from the registry + the tarball
#    (file:../xacct-s3.tgz; nothing from this repository's node_modules)
# 3. tsc with the example's strict cdktf-init tsconfig, cdktf synth, the example's jest tests
#    (with access contracts through xacct-s3/access/jest), and the xacct-access bin over cdktf.out
# 4. EXAMPLE_BROKEN_POLICY=1 cdktf synth must fail with [list-bucket-on-object-arn] and leave no stack JSON
# KEEP=1 keeps the temporary directory. The cdktf CLI is this repository's (devDependency cdktf-cli).
# --install-only DIR: steps 1-2 only, into DIR (kept; bench/synth.ts uses it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CDKTF="$ROOT/node_modules/.bin/cdktf"
if [ "${1:-}" = "--install-only" ]; then
  WORK=$2; mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/xacct-example.XXXXXX")
  if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$WORK"' EXIT; else echo "keeping $WORK"; fi
fi
export CHECKPOINT_DISABLE=1 CDKTF_DISABLE_PLUGIN_CACHE_ENV=1 CI=${CI:-true}
step() { echo "::: example: $*"; }

step "pack"
tgz=$(npm pack --silent --pack-destination "$WORK" | tail -n 1)
mv "$WORK/$tgz" "$WORK/xacct-s3.tgz"
echo "$(du -k "$WORK/xacct-s3.tgz" | cut -f1) KiB, $(tar -tzf "$WORK/xacct-s3.tgz" | wc -l) files"

step "install (registry + tarball)"
mkdir "$WORK/consumer-app"
(cd examples/consumer-app && tar -cf - --exclude=node_modules --exclude=cdktf.out --exclude=package-lock.json .) | (cd "$WORK/consumer-app" && tar -xf -)
cd "$WORK/consumer-app"
npm install --no-audit --no-fund --prefer-offline --loglevel=error
test ! -e node_modules/xacct-s3/node_modules/cdktf || { echo "xacct-s3 brought its own cdktf copy" >&2; exit 1; }
if [ "${1:-}" = "--install-only" ]; then exit 0; fi

step "typecheck (strict cdktf-init tsconfig, skipLibCheck false)"
npx tsc --noEmit

step "cdktf synth"
"$CDKTF" synth
ls cdktf.out/stacks/*/cdk.tf.json

step "jest (incl. access contracts with the xacct-s3/access/jest matchers)"
npx jest

step "xacct-access (the package's bin) on the synthesized stacks"
npx xacct-access --outdir cdktf.out --stack reports-share

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
