#!/usr/bin/env bash
# Installs what the clinic workstation needs to build, run and test on Debian (as root).
# Idempotent: installs only missing packages; a second run does nothing.
set -euo pipefail

PACKAGES=(
  gcc libc6-dev pkg-config ca-certificates   # building
  libclang1-14                               # camera support (nokhwa) at build time
  libxcursor1 libxi6 libxkbcommon-x11-0 libgl1 mesa-vulkan-drivers   # the window
  xvfb xauth xdotool imagemagick             # headless runs, GUI screenshots
  poppler-utils                              # pdftotext, to check printed PDFs
  fonts-wqy-microhei                         # source of the bundled CJK font subset
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: installing the Rust toolchain with rustup"
    apt-get install -y -qq --no-install-recommends curl >/dev/null
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
echo "setup: ready ($(cargo --version))"
