#!/usr/bin/env bash
# Takes an illustrative (fictitious) sample plan, already created, to PUBLISHED_BY_GOVERNOR as
# a pre-consultation would: the Hokuriku bureau accepts every attested requirement, the lead
# author asks for pre-consultation, the bureau moves it to coordination, every author signs
# off and the lead author's governor publishes it. Used by make run and make bench.
# Usage: publish-sample.sh RFSCTL KEY_FILE PLAN_NAME SAMPLE_JSON
# (the services' addresses come from RFS_ADDR and RFS_REQUIREMENTS_ADDR, as for rfsctl).
set -euo pipefail
rfsctl=$1 key=$2 name=$3 f=$4

token() {  # 6-digit code: a token of that prefecture's or municipality's staff
  local role=municipality
  [[ $1 == ??000? ]] && role=prefecture
  "$rfsctl" token --key_file "$key" --role "$role" --body_code "$1" --sub "author-$1"
}
fail() { echo "publish-sample: $*" >&2; exit 1; }

bureau=$("$rfsctl" token --key_file "$key" --role bureau --block HOKURIKU --sub hokuriku-bureau)
for id in $(sed -n 's/.*"requirement_id": "\([A-C][0-9]\)".*/\1/p' "$f"); do
  RFS_TOKEN=$bureau "$rfsctl" review "$name" "$id" accept \
    --comment "確認しました（架空サンプル）" >/dev/null || fail "could not review $id on $name"
done
lead=$(sed -n 's/.*"lead_author_code": "\([0-9]*\)".*/\1/p' "$f")
RFS_TOKEN=$(token "$lead") "$rfsctl" transition "$name" PRE_CONSULTATION >/dev/null &&
  RFS_TOKEN=$bureau "$rfsctl" transition "$name" COORDINATION >/dev/null ||
  fail "could not move $name to coordination"
for code in $(sed -n '/"authors"/,/]/s/.*"local_government_code": "\([0-9]*\)".*/\1/p' "$f"); do
  RFS_TOKEN=$(token "$code") "$rfsctl" signoff "$name" "$code" >/dev/null ||
    fail "$code could not sign off $name"
done
RFS_TOKEN=$(token "$lead") "$rfsctl" transition "$name" PUBLISHED_BY_GOVERNOR >/dev/null ||
  fail "could not publish $name"
