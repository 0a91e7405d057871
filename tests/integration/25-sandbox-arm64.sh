#!/bin/bash
# 25-sandbox-arm64.sh - the aarch64 agent's sandbox on a real arm64 kernel:
# Debian 12's linux-image-arm64 (packaging/arm64-vm.sh) boots under
# qemu-system-aarch64 with an initramfs of busybox, the static
# build/ronda-agent.aarch64 and tests/vm/init, which runs suite 21's
# assertions with the agent's try-syscall helper (forbidden calls refused,
# allowed ones working, inspect read-only, Landlock applied) and powers off.
# Each assertion comes back on the serial console as its own test.  Bounded:
# the machine is killed after 170 s.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
VM=build/deps/arm64-vm
AA=$BUILD/ronda-agent.aarch64
kernel=$(ls "$VM"/boot/vmlinuz-*-arm64 2>/dev/null | head -1)
if ! command -v qemu-system-aarch64 >/dev/null || ! command -v cpio >/dev/null || [ -z "$kernel" ] ||
	[ ! -x "$VM/meta/bin/busybox" ] || [ ! -x "$AA" ]; then
	t_fail "qemu-system-aarch64, cpio, $VM and $AA" "make deps installs qemu-system-arm and cpio and fetches the kernel; make builds the agent"
	t_finish; exit 1
fi

# The initramfs: /init, busybox, the agent, a console to print on.
R=$T/root
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp "$VM/meta/bin/busybox" "$R/bin/busybox"
cp tests/vm/init "$R/init"
cp "$AA" "$R/ronda-agent"
mknod "$R/dev/console" c 5 1
(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 > "$T/initrd.gz"

t0=$SECONDS
# -nic none: the virt machine's default NIC needs a boot ROM (efi-virtio.rom,
# package ipxe-qemu, only recommended by qemu-system-arm), and the guest
# needs no network: its tests use loopback.
timeout -k 5 170 qemu-system-aarch64 -M virt -cpu cortex-a57 -smp 2 -m 1024 \
	-display none -monitor none -serial stdio -no-reboot -nic none \
	-kernel "$kernel" -initrd "$T/initrd.gz" \
	-append "console=ttyAMA0 rdinit=/init panic=-1 quiet loglevel=3" \
	< /dev/null > "$T/console" 2>"$T/qemu.err"
rc=$? el=$((SECONDS - t0))
tr -d '\r' < "$T/console" > "$T/out"
echo "booted $(sed -n 's/^VM-KERNEL //p' "$T/out") under qemu-system-aarch64 in ${el}s (qemu exit $rc)"
sed -n 's/^VM-SUMMARY /summary on the arm64 kernel: /p' "$T/out"
while IFS= read -r l; do
	case $l in
	"VM-OK "*) t_ok "arm64 kernel: ${l#VM-OK }" ;;
	"VM-FAIL "*) t_fail "arm64 kernel: ${l#VM-FAIL }" ;;
	esac
done < "$T/out"
n=$(grep -c '^VM-OK ' "$T/out")
if grep -q '^VM-DONE' "$T/out" && [ "$n" -ge 30 ] && [ $el -lt 180 ]; then
	t_ok "every assertion ran on the arm64 kernel ($n ok) in ${el}s (under 3 minutes)"
else
	t_fail "the arm64 machine ran every assertion in under 3 minutes" "rc=$rc ${el}s, $n ok; $(tail -15 "$T/out") $(tail -3 "$T/qemu.err")"
fi
# Debian 12's kernel is 6.1: Landlock ABI 2, so no truncate (ABI 3), device
# ioctl (5) or scoping (6) rules; the agent must say so, not claim them.
s=$(sed -n 's/^VM-SUMMARY //p' "$T/out")
if [[ $s == *'"complete":false'*'"landlock_abi":2,"landlock_applied":["fs_write","refer"]'*'"part":"landlock-ioctl-dev"'*'"part":"landlock-scope"'* ]]; then
	t_ok "kernel 6.1 lacks Landlock ABI 3-6: the summary lists what was applied (fs_write, refer) and what is missing"
else
	t_fail "the summary says what Landlock ABI 2 lacks" "$s"
fi
t_finish
