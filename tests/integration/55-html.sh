#!/bin/bash
# 55-html.sh - ronda run/check --html on the loopback fleet: the page is
# written (atomically, nothing left beside it), names every host with its
# verdict, carries no script or external asset, and headless Chromium
# renders it to a screenshot (skipped, saying so, when chromium is absent;
# packaging/deps.sh installs it).
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 8 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 3 --retries 0)
mkdir -p "$dir/html"
page="$dir/html/patrol.html"

"$R" run "${X[@]}" --html "$page" "$TOP/playbooks/patrol.cfg" > "$dir/run.out" 2>&1; rc=$?
[ $rc -eq 2 ] && [ -s "$page" ] && t_ok "run --html writes the page (exit $rc with fault hosts)" ||
	t_fail "run --html writes the page" "rc=$rc $(tail -3 "$dir/run.out")"
[ "$(ls "$dir/html")" = patrol.html ] && t_ok "nothing left beside the page" || t_fail "nothing left beside the page" "$(ls "$dir/html")"
grep -q '<h1>ronda patrol: nightly patrol</h1>' "$page" && t_ok "header names the playbook" || t_fail "header names the playbook"
miss=""
for h in node001 node008 silent closed badkey noauth garbage arm64; do
	grep -q ">$h</a>" "$page" || miss="$miss $h"
done
[ -z "$miss" ] && t_ok "grid has every host" || t_fail "grid has every host" "missing:$miss"
grep -q 'class="v-unreachable" title="closed: unreachable &#8212; connect to' "$page" &&
	t_ok "an unreachable host is grey with its cause on hover" || t_fail "unreachable host cell"
[ "$(grep -c '<details id="h' "$page")" -eq 15 ] && t_ok "one <details> per host" || t_fail "one <details> per host" "$(grep -c '<details id="h' "$page")"
if grep -qiE '<script|<link|<img|<iframe|src="|https?://' "$page"; then
	t_fail "no script, no external asset" "$(grep -oiE '<script|<link|<img|<iframe|src="|https?://' "$page" | head -3)"
else
	t_ok "no script, no external asset"
fi

"$R" check "${X[@]}" --html "$dir/html/check.html" 'node00[1-3]' disk:/:99% > /dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '<li class="v-ok">3 ok</li>' "$dir/html/check.html" && t_ok "check --html: 3 hosts ok" || t_fail "check --html" "rc=$rc"
"$R" check "${X[@]}" --html /nonexistent/dir/x.html node001 disk:/:99% > /dev/null 2> "$dir/bad.err"; rc=$?
[ $rc -eq 0 ] && grep -q 'cannot write /nonexistent/dir/x.html' "$dir/bad.err" &&
	t_ok "an unwritable --html path is reported, the patrol still counts" || t_fail "unwritable --html" "rc=$rc $(cat "$dir/bad.err")"

# The screenshot: the page must render in a real browser with no network.
if ! command -v chromium > /dev/null; then
	echo "[  SKIPPED ] screenshot: chromium is not installed (packaging/deps.sh installs it)"
else
	prof=$(mktemp -d)
	png="$dir/patrol.png"
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$prof" \
		--screenshot="$png" --window-size=1200,900 "file://$page" > "$dir/chromium.log" 2>&1
	rm -rf "$prof"
	size=$(stat -c %s "$png" 2>/dev/null || echo 0)
	if [ "$size" -gt 20000 ] && [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]; then
		t_ok "headless Chromium screenshot ($size bytes)"
		[ -n "${KEEP_SCREENSHOT:-}" ] && cp "$png" "$KEEP_SCREENSHOT"
	else
		t_fail "headless Chromium screenshot" "size=$size $(tail -3 "$dir/chromium.log")"
	fi
fi
t_finish
