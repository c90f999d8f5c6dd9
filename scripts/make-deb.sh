#!/bin/sh
# scripts/make-deb.sh OUTDIR: build the Debian packages from the files git
# tracks or would track (not ignored; a copy in OUTDIR/src, so the tree's
# build/ never leaks in) with
# dpkg-buildpackage -us -uc -b, leave the .deb, .changes and .buildinfo in
# OUTDIR, and run lintian on them: an error fails, warnings are printed
# (the ones we keep are listed in debian/README.source).
set -eu

out=${1:-deb}
top=$(cd "$(dirname "$0")/.." && pwd)
case $out in /*) ;; *) out=$top/$out ;; esac
rm -rf "$out"
mkdir -p "$out/src/proxy-renewd"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
    tar --null -T - -cf -) |
    tar -xf - -C "$out/src/proxy-renewd"
(cd "$out/src/proxy-renewd" &&
    DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
	tail -n 40 "$out/build.log" >&2
	echo "make-deb: dpkg-buildpackage failed; log in $out/build.log" >&2
	exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"
ls -l "$out"/*.deb
lintian --fail-on error --tag-display-limit 0 "$out"/*.changes
