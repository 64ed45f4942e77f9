#!/usr/bin/env bash
# Every INVALID_ARGUMENT and FAILED_PRECONDITION an RPC can return carries Japanese beside
# English (common/base/errors.h): no code on a request path makes one with absl's English-only
# constructors. Startup code (flags, key and data files, the ruleset) answers an operator at
# the console, in English, and is exempt.
# Usage: errors_are_bilingual.sh SOURCE_DIR
set -euo pipefail
cd "$1"
exempt='common/[a-z]+/(config|errors|reference_data|service_token|auth|redis|peer)\.cc|services/[a-z]+/([a-z]+_server|ruleset)\.cc'
found=$(grep -nE 'absl::(InvalidArgument|FailedPrecondition)Error\(' common/*/*.cc services/*/*.cc |
        grep -vE "^($exempt):" || true)
if [[ -n $found ]]; then
  echo "English-only INVALID_ARGUMENT / FAILED_PRECONDITION on a request path (use common/base/errors.h):"
  echo "$found"
  exit 1
fi
echo "errors are bilingual: ok"
