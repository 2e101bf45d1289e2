#!/usr/bin/env python3
"""Talk to a running qemu's human monitor (a unix socket) for scripts/vm-test.sh.

  qemu-monitor.py SOCKET send COMMAND
      send one monitor command, print nothing
  qemu-monitor.py SOCKET vcpus [KALLSYMS]
      print what every vCPU is executing: its instruction pointer, flags and
      halt state, and the kernel text addresses found on its stack (a crude
      backtrace, like the kernel's "?" entries), named from KALLSYMS (the
      guest's /proc/kallsyms, gzip or plain)

The vcpus report is for a guest that stopped answering even an NMI: then no
kernel backtrace ever reaches the console and this is the only evidence of
where it hung. KALLSYMS may come from an earlier boot of the same kernel
image if the guest runs with nokaslr.
"""

import bisect
import gzip
import re
import socket
import sys
import time
import zlib

STACK_WORDS = 96  # how much of each vCPU's stack to scan for return addresses


class Monitor:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.sock.settimeout(0.2)
        self._read_until_prompt()  # the banner

    def _read_until_prompt(self, timeout_s=5.0):
        data = b""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                if data.rstrip().endswith(b"(qemu)"):
                    break
                continue
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace")

    def command(self, line):
        self.sock.sendall(line.encode() + b"\n")
        reply = self._read_until_prompt()
        # The monitor echoes the line with terminal escapes; the answer
        # follows the echo's last line break.
        reply = reply.split("\n", 1)[1] if "\n" in reply else ""
        return reply.rsplit("(qemu)", 1)[0]


class Symbols:
    """Kernel text symbols, from /proc/kallsyms lines (gzip or plain), for
    naming addresses."""

    # An address further than this past the nearest symbol is not taken for
    # code: stack words that merely look like kernel addresses stay unnamed.
    MAX_FUNCTION_SIZE = 0x10000

    def __init__(self, path):
        self.addrs, self.names = [], []
        if not path:
            return
        try:
            with open(path, "rb") as f:
                raw = f.read()
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            print(f"vm-test: kernel symbols {path}: {e}; addresses are not named", file=sys.stderr)
            return
        entries = []
        for line in raw.decode(errors="replace").splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[1] in ("t", "T"):
                entries.append((int(fields[0], 16), fields[2]))
        entries.sort()
        self.addrs = [a for a, _ in entries]
        self.names = [n for _, n in entries]

    def _nearest(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0 or addr - self.addrs[i] >= self.MAX_FUNCTION_SIZE:
            return None
        return i

    def is_text(self, addr):
        return self._nearest(addr) is not None

    def name(self, addr):
        i = self._nearest(addr)
        return "?" if i is None else f"{self.names[i]}+{addr - self.addrs[i]:#x}"


def vcpu_report(mon, symbols):
    registers = mon.command("info registers -a")
    cpus = re.split(r"^CPU#(\d+)", registers, flags=re.M)[1:]
    if not cpus:
        print("vm-test: the monitor did not list the vCPUs' registers", file=sys.stderr)
        return
    for index, regs in zip(cpus[0::2], cpus[1::2]):
        field = dict(re.findall(r"\b([A-Z0-9]+) ?=([0-9a-fA-F]+)", regs))
        rip = int(field.get("RIP", "0"), 16)
        rsp = int(field.get("RSP", "0"), 16)
        rflags = int(field.get("RFL", "0"), 16)
        print(
            f"vm-test: vCPU {index}: RIP {rip:016x} {symbols.name(rip)}"
            f" CPL={field.get('CPL', '?')} IF={(rflags >> 9) & 1} HLT={field.get('HLT', '?')}"
            f" SMM={field.get('SMM', '?')}",
            file=sys.stderr,
        )
        mon.command(f"cpu {index}")
        stack = mon.command(f"x/{STACK_WORDS}gx {rsp:#x}")
        frames = [
            symbols.name(word)
            for word in (int(w, 16) for w in re.findall(r"0x([0-9a-f]{16})", stack))
            if symbols.is_text(word)
        ]
        if frames:
            print(f"vm-test:   on its stack: {' < '.join(frames)}", file=sys.stderr)


def main(argv):
    if len(argv) < 3 or argv[2] not in ("send", "vcpus"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        mon = Monitor(argv[1])
        if argv[2] == "send":
            mon.command(" ".join(argv[3:]))
        else:
            vcpu_report(mon, Symbols(argv[3] if len(argv) > 3 else None))
    except OSError as e:
        print(f"vm-test: qemu monitor {argv[1]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
