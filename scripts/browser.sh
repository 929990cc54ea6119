#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser test (tests/Integration.Tests/Dashboard), when absent.
# A test tool's own browser download is refused by a closed network; Debian's package comes from the same mirror
# as the servers' packages. Prints the browser's path.
set -euo pipefail
browser=/usr/bin/chromium
if [[ ! -x $browser ]]; then
  command -v apt-get >/dev/null || { echo "browser.sh: no $browser and no apt-get; install Chromium yourself" >&2; exit 1; }
  ((EUID == 0)) || { echo "browser.sh: installing Chromium needs root (apt-get install chromium)" >&2; exit 1; }
  echo "browser.sh: installing chromium (apt-get, ~1-2 min)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
echo "$browser"
