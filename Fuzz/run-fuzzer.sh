#!/usr/bin/env bash
# Builds the core fuzzer (libFuzzer + AddressSanitizer) and runs it for FUZZ_SECONDS (60) from
# the committed seeds. New inputs go to .build-fuzz/corpus, never into the seeds. Exits non-zero
# on any crash, sanitizer report or broken invariant, leaving the input in .build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${FUZZ_SECONDS:-60}
mkdir -p .build-fuzz/corpus
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name CoreFuzz \
    -I Sources/CoreSupport/include -Xcc -msse4.2 \
    Sources/VMSwitchCore/*.swift Fuzz/CoreFuzzer.swift Fuzz/FuzzPolicies.swift \
    -o .build-fuzz/core-fuzzer 2> >(grep -v "Cannot export local symbol" >&2)
status=0
.build-fuzz/core-fuzzer .build-fuzz/corpus Fuzz/seeds -max_total_time="$SECONDS_TO_RUN" \
    -print_final_stats=1 -artifact_prefix=.build-fuzz/ -max_len=9100 > .build-fuzz/last-run.log 2>&1 || status=$?
grep -E "^(INFO: seed|#[0-9]+ +DONE|stat::|==[0-9]+==|.*invariant broken|SUMMARY|artifact_prefix)" .build-fuzz/last-run.log || true
cov=$(grep -oE "cov: [0-9]+ ft: [0-9]+" .build-fuzz/last-run.log | tail -1)
echo "fuzz: ${cov:-no coverage line} after ${SECONDS_TO_RUN} s"
if [ "$status" -ne 0 ]; then
    echo "fuzz: the fuzzer failed (status $status); see .build-fuzz/last-run.log" >&2
    exit 1
fi
