#!/usr/bin/env bash
# Builds nook and installs it for the invoking user under $PREFIX (default ~/.local), then
# runs `nook doctor`: every rootless prerequisite, and the fix for each missing one.
# As root on Debian (CI, a fresh box) it first installs the missing Debian packages itself.
# Safe to run again: it installs only what is missing and replaces the previous install whole.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
PREFIX="${PREFIX:-$HOME/.local}"

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

# Runtime needs, then what the build and the test suites use.
# libc6-dev: headers and the static libc for the launcher (gcc only recommends it); zstd for
# zstd-compressed layers; python3 and apache2-utils (htpasswd) for the test suites.
DEBIAN_PACKAGES=(
  uidmap slirp4netns passt fuse-overlayfs fuse3 libseccomp2 libseccomp-dev gcc libc6-dev make zstd
  bubblewrap docker-registry skopeo mmdebstrap busybox-static iproute2 tmux hyperfine curl
  python3 apache2-utils
)

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

install_debian_packages() {
  local missing=() p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    say "Debian packages: all present"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "Debian packages missing (not installed: not root): ${missing[*]}"
    say "  install them with: sudo apt-get install ${missing[*]}"
    return
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ -r /etc/debian_version ] && command -v dpkg-query >/dev/null; then
  install_debian_packages
fi

# Hard requirements: without these nothing can be built or run.
command -v node >/dev/null || die "node >= 20 not found (Debian: nodejs from a node 20+ source / Fedora: nodejs20)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
node_minor="$(node -p 'process.versions.node.split(".")[1]')"
{ [ "$node_major" -gt 20 ] || { [ "$node_major" -eq 20 ] && [ "$node_minor" -ge 12 ]; }; } || die "node $(node --version) is too old: nook needs node >= 20.12"
command -v npm >/dev/null || die "npm not found (Debian: npm / Fedora: npm)"
command -v cc >/dev/null || command -v gcc >/dev/null || die "no C compiler (Debian: gcc / Fedora: gcc)"
command -v make >/dev/null || die "make not found (Debian: make / Fedora: make)"

# npm ci wipes node_modules; skip it when the last install is newer than the lock file.
if [ -f package-lock.json ]; then
  if [ node_modules/.package-lock.json -nt package-lock.json ] && [ node_modules/.package-lock.json -nt package.json ]; then
    say "node_modules is up to date with package-lock.json"
  else
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
else
  say "npm install (no package-lock.json)"
  npm install --no-audit --no-fund --loglevel=error
fi

say "npm run build"
npm run --silent build
[ -f dist/nook.cjs ] && [ -x dist/nook-run ] || die "the build did not produce dist/nook.cjs and dist/nook-run"

# Copy beside the target, then swap, so a running nook never sees a half-copied tree.
lib="$PREFIX/lib/nook"
mkdir -p "$PREFIX/lib" "$PREFIX/bin"
staging="$(mktemp -d "$PREFIX/lib/.nook-new.XXXXXX")"
old="$PREFIX/lib/.nook-old.$$"
cp -a dist/. "$staging/"
chmod 0755 "$staging"
if [ -e "$lib" ]; then mv -T "$lib" "$old"; fi
mv -T "$staging" "$lib"
rm -rf "$old"
ln -sfn ../lib/nook/nook.cjs "$PREFIX/bin/nook"

say "installed nook to $lib, command $PREFIX/bin/nook"
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) say "$PREFIX/bin is not on PATH: add it, e.g. echo 'export PATH=\"$PREFIX/bin:\$PATH\"' >> ~/.profile" ;;
esac

# The rootless prerequisites, checked once, by nook itself: each missing one with its fix.
say "prerequisites for $(id -un) (nook doctor):"
"$PREFIX/bin/nook" doctor ||
  say "nook runs with reduced features until what doctor names is fixed; run 'nook doctor' again to check"
