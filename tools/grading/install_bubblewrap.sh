#!/usr/bin/env bash
# Install Debian's bubblewrap, the sandbox every graded submission runs in (needs root or sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "rmtbook: installing Debian's bubblewrap (the grading sandbox)..."
export DEBIAN_FRONTEND=noninteractive
# Another apt-get (e.g. the chromium install) may hold the lock for a while: wait for it.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq bubblewrap > /dev/null
command -v bwrap
