#!/usr/bin/env bash
# Install Debian's chromium for the browser check of the built site (needs root or sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "rmtbook: installing Debian's chromium for the browser check..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium > /dev/null
command -v chromium
