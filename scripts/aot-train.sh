#!/usr/bin/env bash
# Creates the JDK's AOT cache for the launchers (faster start-up). Optional.
set -euo pipefail
cd "$(dirname "$0")/.."
. ./scripts/env.sh
exit 0
