#!/usr/bin/env bash
# Builds the Debian package of Fedstack with dpkg-deb: the application (dist/ and its production
# node_modules, native addons built for this machine's Node.js) under /usr/lib/fedstack, the
# `fedstack` command in /usr/bin, the systemd units fedstack-site.service and fedstack-hub.service,
# their environment files and an example site file under /etc/fedstack, the docs under
# /usr/share/doc/fedstack. Prints the path of the .deb.
#
#   npm run package                       # build/fedstack_<version>_<arch>.deb
#   FEDSTACK_PACKAGE_DIR=/tmp/out npm run package
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in dpkg-deb dpkg; do
  command -v "$tool" >/dev/null || { echo "package: $tool not found (Debian's dpkg package)" >&2; exit 1; }
done
[ -d node_modules ] || { echo "package: run npm ci first" >&2; exit 1; }

version=$(node -p "require('./package.json').version")
arch=$(dpkg --print-architecture)
out=${FEDSTACK_PACKAGE_DIR:-build}
root="$out/fedstack_${version}_${arch}"
deb="$out/fedstack_${version}_${arch}.deb"

echo "package: building fedstack $version for $arch" >&2
npm run --silent build
rm -rf "$root" "$deb"
lib="$root/usr/lib/fedstack"
mkdir -p "$lib" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/fedstack/sites" \
  "$root/usr/share/doc/fedstack" "$root/DEBIAN"

# the application: the build and the production dependencies (dev ones pruned from a copy, so
# that no addon is built again and nothing is fetched)
cp -a dist package.json package-lock.json "$lib/"
cp -a node_modules "$lib/"
(cd "$lib" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
find "$lib/node_modules" -name '*.md' -path '*/node_modules/*/*' -delete
find "$lib/dist" -name '*.d.ts' -delete
cat >"$root/usr/bin/fedstack" <<'SH'
#!/bin/sh
exec /usr/bin/node /usr/lib/fedstack/dist/cli.js "$@"
SH
chmod 0755 "$root/usr/bin/fedstack"

install -m 0644 packaging/systemd/fedstack-site.service packaging/systemd/fedstack-hub.service \
  "$root/lib/systemd/system/"
install -m 0640 packaging/etc/site.env packaging/etc/hub.env "$root/etc/fedstack/"
install -m 0644 packaging/etc/sites/example.yaml.sample "$root/etc/fedstack/sites/"
install -m 0644 README.md docs/*.md "$root/usr/share/doc/fedstack/"
printf 'Fedstack\nLicense: Apache-2.0\nOn Debian systems the license is in /usr/share/common-licenses/Apache-2.0.\n' \
  >"$root/usr/share/doc/fedstack/copyright"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
  packaging/debian/control.in >"$root/DEBIAN/control"
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's| \./| |' \
  >DEBIAN/md5sums)

dpkg-deb --root-owner-group -Zxz -z3 --build "$root" "$deb" >/dev/null
rm -rf "$root"
echo "$deb"
