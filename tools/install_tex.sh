#!/usr/bin/env bash
# Install the Debian TeX Live subset that `./rmtbook pdf` needs (needs root or sudo):
# xelatex (Unicode text: Greek letters, ⊠, dashes) with the fonts _config.yml asks for (GNU
# FreeFont for text, DejaVu Sans Mono for code), the LaTeX packages of Sphinx's style files, latexmk to run the passes, xindy
# for the index, and poppler's pdftotext for the PDF check.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "rmtbook: installing Debian's TeX Live (xelatex, latexmk; a few minutes)..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  texlive-xetex texlive-latex-extra texlive-fonts-recommended texlive-lang-greek \
  texlive-plain-generic fonts-freefont-otf fonts-dejavu-core latexmk xindy poppler-utils > /dev/null
command -v xelatex && command -v latexmk && command -v pdftotext
