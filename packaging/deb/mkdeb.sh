#!/bin/sh
# Turns a staged install tree (make install DESTDIR=STAGE PREFIX=/usr
# UNITDIR=/lib/systemd/system) into a Debian binary package with dpkg-deb.
# Called by "make deb"; prints the path of the .deb.
# Usage: packaging/deb/mkdeb.sh STAGE OUTDIR VERSION MAINTAINER
# A cross-built tree (make deb ARCH=arm64) sets DEB_HOST_ARCH (the package's
# architecture, and the one dpkg-shlibdeps reads the libraries of) and STRIP
# (the cross strip).
set -eu
stage=$1 outdir=$2 version=$3 maintainer=$4
here=$(cd "$(dirname "$0")" && pwd)
arch=${DEB_HOST_ARCH:-$(dpkg --print-architecture)}
export DEB_HOST_ARCH=$arch
date=$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")
umask 022

# Programs: stripped as Debian policy asks (lintian: unstripped-binary-or-object).
for b in "$stage"/usr/bin/*; do
    "${STRIP:-strip}" --remove-section=.comment --remove-section=.note --strip-unneeded "$b"
done
# Manuals: compressed with gzip -9n.
find "$stage/usr/share/man" -type f ! -name '*.gz' -exec gzip -9nf {} +

# Configuration: the two services' files in /etc/shibao (every setting
# commented out, so an installed package changes nothing until edited);
# the collector's is per village, copied from the examples.
install -d "$stage/etc/shibao"
install -m 0644 "$stage/usr/share/doc/shibao/examples/aggregator.conf" \
    "$stage/usr/share/doc/shibao/examples/reporter.conf" "$stage/etc/shibao/"

# Documentation every package carries.
doc=$stage/usr/share/doc/shibao
install -m 0644 "$here/copyright" "$doc/copyright"
cat >"$doc/changelog" <<CHANGES
shibao ($version) unstable; urgency=medium

  * Built from the shibao source tree ("make deb"); the changes are in the
    project's version history.

 -- $maintainer  $date
CHANGES
gzip -9nf "$doc/changelog"

# Maintainer scripts and control files.
install -d -m 0755 "$stage/DEBIAN"
for s in postinst prerm postrm; do install -m 0755 "$here/$s" "$stage/DEBIAN/$s"; done
printf '/etc/shibao/aggregator.conf\n/etc/shibao/reporter.conf\n' >"$stage/DEBIAN/conffiles"

# Depends: what the programs link against, as dpkg-shlibdeps computes it
# from the installed libraries' shlibs (it wants a debian/control to read).
shl=$(mktemp -d /tmp/shibao-shlibs.XXXXXX)
trap 'rm -rf "$shl"' EXIT
mkdir "$shl/debian"
printf 'Source: shibao\n\nPackage: shibao\nArchitecture: any\n' >"$shl/debian/control"
absstage=$(cd "$stage" && pwd)
shlibs=$(cd "$shl" && dpkg-shlibdeps -O "$absstage"/usr/bin/* 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -k -s --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: shibao
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $shlibs, adduser
Section: net
Priority: optional
Description: village food-safety reports, collected and counted
 shibao carries village food-safety work (inspections, rectifications,
 publicity, staffing and food-business registrations) from the village
 posts to the township and on to the county, with nothing lost and nothing
 counted twice, and renders the township's and the county's half-year work
 reports with every figure filled.
 .
 This package holds the three programs: shibao-collector (village),
 shibao-aggregator (township) and shibao-reporter (county), their manuals,
 example configuration and systemd units. ZeroMQ with CURVE encryption
 between them; SQLite for storage.
CONTROL

(cd "$stage" && find . -type f ! -path './DEBIAN/*' | LC_ALL=C sort | sed 's|^\./||' |
    xargs md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"
find "$stage" -type d -exec chmod 0755 {} +

mkdir -p "$outdir"
deb=$outdir/shibao_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
