#!/usr/bin/env bash
# Installs Debian's chromium for the agent panel's browser test (test/agent/panel.e2e.test.ts),
# only when /usr/bin/chromium is missing. Run as root or with sudo available.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" != "0" ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y chromium
/usr/bin/chromium --version
