#!/bin/sh
# Unpacks Debian's netplan.io, and the Python modules its CLI imports, into bench/.netplan
# without installing anything (no dpkg database, no /etc, no services), so `npm run bench`
# can time the real `netplan generate --root-dir` next to netgen. Needs apt-get and dpkg.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir="$here/.netplan"
rm -rf "$dir"
mkdir -p "$dir/debs"
cd "$dir/debs"
apt-get download netplan.io libnetplan0 python3-netifaces python3-rich python3-pygments \
  python3-markdown-it python3-mdurl python3-yaml python3-dbus
for deb in *.deb; do dpkg -x "$deb" "$dir/root"; done
echo "netplan unpacked into $dir/root"
