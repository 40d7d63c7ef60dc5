#!/usr/bin/env bash
# Headless Chromium for the browser tests (Debian's package; playwright-core drives it).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-browser: installing chromium and fonts (Debian packages)"
  apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; }
fi
