# Sourced by run.sh and test.sh: the Debian packages WeasyPrint needs to render the PDF bulletins and
# archive exports (pango, and a CJK font without which every Chinese character is a box), installed with
# apt-get when missing and when run as root; otherwise a warning says what to install.
pdf_packages_missing() {
  local missing=()
  for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  echo "${missing[@]}"
}
if command -v dpkg-query >/dev/null 2>&1; then
  missing=$(pdf_packages_missing)
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "==> installing the PDF renderer's Debian packages: $missing"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
        || echo "!! could not install $missing: PDF bulletins and archive exports will fail" >&2
    else
      echo "!! missing Debian packages for PDF reports: $missing (install them as root)" >&2
    fi
  fi
fi
