#!/usr/bin/env bash
# Every Lua script of every store is a .lua file beside it (lua/ in its folder), embedded at
# build time (cmake/RfsLua.cmake): no Lua in C++ string constants, where a script cannot be
# read, diffed or linted as Lua. Fails naming each C++ file that still holds one.
# Usage: lua_in_files.sh SOURCE_DIR
set -euo pipefail
cd "$1"
found=$(grep -lE 'R"lua\(|redis\.call\(' -r common services tools --include='*.h' --include='*.cc' || true)
if [[ -n $found ]]; then
  echo "Lua in C++ strings (move it to a lua/*.lua file and embed it with rfs_embed_lua):"
  echo "$found"
  exit 1
fi
echo "Lua lives in .lua files: ok"
