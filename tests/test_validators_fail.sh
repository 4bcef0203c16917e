#!/bin/sh
# Each validator of the suite, shown to reject a deliberately broken input: a
# check that cannot fail would otherwise pass unnoticed. Every case here must
# FAIL; the script fails if one of them passes. $1: the build folder whose
# unit test binary runs the C validator over the corpus (default build-asan).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build-asan}
TMP=$(mktemp -d /tmp/cdm-validators.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
PY=/usr/bin/python3
failures=0

# A copy of what the static checks read, to break one thing at a time.
copy_tree() {
  rm -rf "$TMP/tree" && mkdir -p "$TMP/tree/tests"
  cp -r "$ROOT/schemas" "$ROOT/api" "$ROOT/lib" "$ROOT/workers" "$ROOT/db" "$TMP/tree/"
  cp "$ROOT"/tests/*.py "$TMP/tree/tests/"
  cp -r "$ROOT/tests/corpus" "$TMP/tree/tests/"
}

# must_fail <what> <pattern> <command…>: the command must exit with status 1
# (what the validators use for "invalid"; a missing tool or file exits
# otherwise) and its output must name the broken item (pattern, grep -E), so
# that a validator that did not run cannot pass for one that rejected.
must_fail() {
  what=$1 pattern=$2
  shift 2
  "$@" >"$TMP/out" 2>&1
  rc=$?
  if [ $rc -ne 1 ] || ! grep -Eq -- "$pattern" "$TMP/out"; then
    echo "FAIL: $what: expected exit 1 naming /$pattern/, got exit $rc"
    sed 's/^/    /' "$TMP/out" | tail -5
    failures=$((failures + 1))
  else
    echo "ok   $what: rejected ($(grep -Em1 -- "$pattern" "$TMP/out" | cut -c1-100))"
  fi
}

# must_pass <what> <command…>: the control — the same validator on the
# unbroken input accepts it, so each rejection above is the broken item's.
must_pass() {
  what=$1
  shift
  if "$@" >"$TMP/out" 2>&1; then
    echo "ok   $what: accepted the unbroken input"
  else
    echo "FAIL: $what: rejected the unbroken input"
    sed 's/^/    /' "$TMP/out" | tail -5
    failures=$((failures + 1))
  fi
}

edit_json() { # edit_json <file> <python statement on d>
  $PY -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); $2; json.dump(d, open(p, 'w'))" "$1"
}

# 0. Controls: every validator below accepts the unbroken tree.
copy_tree
must_pass "OpenAPI validator" node "$ROOT/tests/tooling/validate-openapi.mjs" "$TMP/tree/schemas/openapi.json"
must_pass "Python jsonschema corpus check" $PY "$TMP/tree/tests/schema_check.py" --corpus "$TMP/tree/tests/corpus"
must_pass "C validator corpus check" env CDM_CORPUS_DIR="$TMP/tree/tests/corpus" CDM_SCHEMA_DIR="$ROOT/schemas" \
  "$ROOT/$BUILD/tests/test_corpus_schemas"
must_pass "static_checks.py" $PY "$TMP/tree/tests/static_checks.py"
must_pass "static_asyncapi.py" $PY "$TMP/tree/tests/static_asyncapi.py"

# 1. The OpenAPI validator (npm) on an operation whose responses are not an object.
copy_tree
edit_json "$TMP/tree/schemas/openapi.json" "d['paths']['/v1/responses']['post']['responses'] = 'none'"
must_fail "OpenAPI validator, broken openapi.json" "/v1/responses|responses" \
  node "$ROOT/tests/tooling/validate-openapi.mjs" "$TMP/tree/schemas/openapi.json"
# … and on a $ref to a schema file that is not there.
copy_tree
edit_json "$TMP/tree/schemas/openapi.json" \
  "d['paths']['/v1/responses']['post']['requestBody']['content']['application/json']['schema']['\$ref'] = 'no-such.json'"
must_fail "OpenAPI validator, dangling external \$ref" "no-such\.json" \
  node "$ROOT/tests/tooling/validate-openapi.mjs" "$TMP/tree/schemas/openapi.json"

# 2. Python jsonschema on a known-bad body (q05 answered although q04 is no).
cat >"$TMP/bad.json" <<'JSON'
{"id": "c0ffee00-0000-4000-8000-000000000106", "roundId": "5b0d6c1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e",
 "neighbourhoodId": "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b", "answers": {"q04": "no", "q05": "weekly"}}
JSON
must_fail "Python jsonschema, known-bad resident response" "q05" \
  $PY "$ROOT/tests/schema_check.py" "$ROOT/schemas/resident-response.json" "$TMP/bad.json"
# … and the static corpus check on a corpus whose valid/ holds an invalid example.
copy_tree
cp "$ROOT/tests/corpus/resident-response/invalid/06-q05-with-q04-no.json" \
   "$TMP/tree/tests/corpus/resident-response/valid/99-broken.json"
must_fail "Python jsonschema, corpus with an invalid example under valid/" "99-broken\.json" \
  $PY "$TMP/tree/tests/schema_check.py" --corpus "$TMP/tree/tests/corpus"

# 3. The C validator (lib/jsonschema.c) over the same broken corpus.
must_fail "C validator, corpus with an invalid example under valid/" "99-broken\.json" \
  env CDM_CORPUS_DIR="$TMP/tree/tests/corpus" CDM_SCHEMA_DIR="$ROOT/schemas" \
  "$ROOT/$BUILD/tests/test_corpus_schemas"

# 4. static_checks.py on a route the code serves that openapi.json lacks.
copy_tree
edit_json "$TMP/tree/schemas/openapi.json" "del d['paths']['/v1/responses/batch']"
must_fail "static_checks.py, a served route missing from openapi.json" "/v1/responses/batch" \
  $PY "$TMP/tree/tests/static_checks.py"

# … and on a schema using a keyword the C validator does not implement (the
# lint that keeps schemas inside the subset both validators agree on).
copy_tree
edit_json "$TMP/tree/schemas/round.json" "d['patternProperties'] = {'^x': {}}"
must_fail "static_checks.py, a schema keyword outside the C validator's subset" "patternProperties" \
  $PY "$TMP/tree/tests/static_checks.py"

# 5. static_asyncapi.py on an AsyncAPI document that lost its channels.
copy_tree
$PY - "$TMP/tree/schemas/asyncapi.yaml" <<'PYEOF'
import sys
p = sys.argv[1]
text = open(p).read()
assert "\nchannels:" in text
open(p, "w").write(text.replace("\nchannels:", "\nchannelz:", 1))
PYEOF
must_fail "static_asyncapi.py, asyncapi.yaml without channels" "channel" \
  $PY "$TMP/tree/tests/static_asyncapi.py"

if [ "$failures" -ne 0 ]; then
  echo "validators-fail: $failures validator(s) accepted broken input"
  exit 1
fi
echo "validators-fail: every validator rejected its broken input"
