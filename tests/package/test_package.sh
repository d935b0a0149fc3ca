#!/usr/bin/env bash
# Builds the .deb with tools/package from the build tree, then checks what an operator
# relies on: files in the right places, conffiles, maintainer scripts, dependencies, a
# unit systemd accepts, and the unpacked vouchd answering --version and --check against
# the packaged /etc/vouch/vouch.toml. Usage: test_package.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1"
build="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

deb="$(bash "$src/tools/package" --build-dir "$build" --out "$work" | tail -1)"
[[ -f "$deb" ]] || fail "tools/package printed no .deb ($deb)"
echo "built $deb"

contents="$(dpkg-deb -c "$deb")"
for f in ./usr/bin/vouchd ./usr/bin/vouchctl ./etc/vouch/vouch.toml ./etc/vouch/vouch.env \
         ./usr/lib/systemd/system/vouch.service ./usr/lib/sysusers.d/vouch.conf \
         ./usr/share/doc/vouch/operator-guide.md ./usr/share/doc/vouch/monitoring/vouch-alerts.yml; do
  grep -q " $f\$" <<<"$contents" || fail "$f is not in the package:
$contents"
done
# The secrets file is never world-readable, even before postinst gives it to the vouch group.
grep -E " \./etc/vouch/vouch\.env\$" <<<"$contents" | grep -q '^-rw-r-----' ||
  fail "vouch.env is not mode 0640: $(grep vouch.env <<<"$contents")"

info="$(dpkg-deb -I "$deb")"
grep -q "Package: vouch" <<<"$info" || fail "no Package: vouch"
grep -q "Version: " <<<"$info" || fail "no Version"
grep -Eq "Depends:.*libcaf" <<<"$info" || fail "Depends does not name CAF (shlibdeps): $info"
for s in postinst prerm postrm conffiles; do
  grep -q " $s\$\| $s " <<<"$info" || fail "control file $s missing: $info"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/vouch/vouch.toml ||
  fail "vouch.toml is not a conffile"

root="$work/root"
dpkg-deb -x "$deb" "$root"
unit="$root/usr/lib/systemd/system/vouch.service"
for key in Type=notify User=vouch StateDirectory=vouch ProtectSystem=strict NoNewPrivileges=yes \
           "ExecStart=/usr/bin/vouchd --config /etc/vouch/vouch.toml"; do
  grep -qx "$key" "$unit" || fail "the unit lacks $key"
done
# systemd-analyze checks the unit's syntax and that its commands exist, looked up in the
# scratch root (where /usr/bin/vouchd is the packaged one); the host's own units (targets
# the unit is ordered against) are copied in beside it. Any complaint fails the test.
command -v systemd-analyze >/dev/null || fail "systemd-analyze not found (tools/deps installs systemd)"
cp -rn /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
if ! out="$(systemd-analyze verify --root="$root" "$unit" 2>&1)" || [[ -n "$out" ]]; then
  fail "systemd-analyze verify: $out"
fi
echo "systemd-analyze verify: ok"

v="$("$root/usr/bin/vouchd" --version)"
[[ "$v" == vouchd\ * ]] || fail "installed vouchd --version printed: $v"
"$root/usr/bin/vouchctl" --version | grep -q "^vouchctl " || fail "vouchctl --version"
# The packaged config as is, with the state directory the unit would give it.
state="$work/state"
mkdir -p "$state"
VOUCH_STORAGE_PATH="$state/store" VOUCH_MAIL_DIR="$state/mail" \
  "$root/usr/bin/vouchd" --config "$root/etc/vouch/vouch.toml" --check ||
  fail "the installed vouchd --check refused the packaged config"
# A broken config is refused with the file and key named.
printf '[server]\ndrain_s = "soon"\n' >"$work/bad.toml"
if err="$("$root/usr/bin/vouchd" --config "$work/bad.toml" --check 2>&1)"; then
  fail "--check accepted a bad config"
fi
grep -q "bad.toml: \[server\] drain_s" <<<"$err" || fail "--check error does not name file and key: $err"
echo "package: ok ($(basename "$deb"))"
