#!/usr/bin/env bash
# Builds hako (installing what is missing), then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
./build.sh
. ./scripts/env.sh
exec mvn -B test "$@"
