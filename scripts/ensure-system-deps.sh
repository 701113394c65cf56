#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing:
#   chromium  - the HTML report's browser test (driven by playwright-core)
#   sox       - cross-checks of the WAV decoder against an independent tool
#   espeak-ng - regenerating the speech corpus (scripts/generate-corpus.ts)
#   sip-tester - SIPp, the independent SIP implementation that calls the mock's SIP leg
# Runs before `npm test` (npm's pretest hook) and from .ci/run. Needs root (or sudo) for apt-get.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v sox >/dev/null 2>&1 || missing+=(sox)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "rth: the tests need these Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "rth: the tests need: ${missing[*]}; no apt-get here, install them with your package manager" >&2
  exit 1
fi
echo "rth: installing ${missing[*]} (Debian packages the tests need)" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
