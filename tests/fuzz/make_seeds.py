#!/usr/bin/env python3
# Writes the binary seeds of the frame and json_print fuzz targets into
# tests/fuzz/corpus/: realistic frames of both directions and API messages,
# encoded by hand (no protobuf module needed) with the field numbers of
# proto/worker.proto and proto/api.proto. The seeds are checked in; run this
# again only to change them. Text seeds (policies, request bodies) are plain
# files in the corpus directories.
import os
import struct
import sys

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def num(field, value):
    return varint(field << 3) + varint(value)


def ld(field, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def frame(payload):
    return struct.pack("<I", len(payload)) + payload


# --- worker -> supervisor (WorkerFrame) ---
ready = ld(1, num(1, 4242) + num(2, 1) + num(3, 1) + num(4, 3) + ld(5, "duktape 2.7.0"))
console = ld(2, ld(1, num(1, 1) + ld(2, "hello from a confined worker"))
             + ld(1, num(1, 2) + ld(2, "warn: 😀") + num(3, 1)))
result_ok = ld(3, num(1, 7) + num(2, 1) + ld(3, '{"primes":[2,3,5,7],"sum":17}')
               + ld(5, num(1, 40) + num(2, 40) + num(4, 2)) + num(6, 1234) + num(7, 65536)
               + num(8, 4096))
result_err = ld(3, num(1, 8) + num(2, 3)
                + ld(4, ld(1, "TypeError") + ld(2, "undefined is not a function")
                     + ld(3, "    at f (script.js:3)") + num(4, 3) + num(5, 9))
                + ld(10, "TypeError: undefined is not a function"))
tool_call = ld(4, num(1, 1) + ld(2, "fetch") + ld(3, '{"url":"x"}'))
pong = ld(5, num(1, 99) + num(2, 1 << 20))
fatal = ld(6, ld(1, "duktape fatal: out of memory") + num(2, 1))

# --- supervisor -> worker (SupervisorFrame) ---
init = ld(1, ld(1, bytes(range(16))) + num(2, 1) + num(3, 100 << 20) + num(4, 3))
execute = ld(2, num(1, 7) + ld(2, 'console.log("hi"); 6 * 7') + ld(3, "script.js")
             + ld(4, num(1, 5000) + num(2, 100 << 20) + num(3, 1 << 20) + num(4, 10 << 20)))
tool_reply = ld(3, num(1, 1) + ld(2, '{"ok":true}'))
ping = ld(4, num(1, 99))


def frame_seed(supervisor_side, cap, compact_after, stream, read_seed=0):
    # The frame target's 4-byte header: flags, cap (LE u16), compaction threshold.
    flags = (read_seed << 1) | (1 if supervisor_side else 0)
    return bytes([flags]) + struct.pack("<H", cap) + bytes([compact_after]) + stream


def main():
    seeds = {
        "frame": {
            "worker_session": frame_seed(False, 4096, 64, b"".join(
                frame(f) for f in (ready, console, result_ok, pong)), read_seed=5),
            "worker_error_and_tool": frame_seed(False, 4096, 0, b"".join(
                frame(f) for f in (tool_call, result_err, fatal)), read_seed=1),
            "worker_oversized": frame_seed(False, 16, 255, frame(ready) + frame(result_ok)),
            "worker_truncated": frame_seed(False, 4096, 8, frame(console) + frame(result_ok)[:-5], 3),
            "worker_empty_frames": frame_seed(False, 8, 4, frame(b"") * 4 + frame(b"\x0a\x00")),
            "supervisor_session": frame_seed(True, 4096, 32, b"".join(
                frame(f) for f in (init, execute, ping, tool_reply)), read_seed=2),
        },
        "json_print": {
            # Byte 0 picks the message: 0 ExecutionResult, 1 Execution,
            # 2 ErrorResponse, 3 Readiness.
            "result": b"\x00" + num(1, 3) + ld(2, '{"a":[1,"\\u00e9"]}')
                      + ld(3, ld(1, "TypeError") + ld(2, 'x is "not"\n\ta function') + num(4, 3))
                      + ld(4, "détail ✓ \x01 control\x7f") + ld(5, "openat") + num(6, (1 << 64) - 9)
                      + ld(7, num(1, 1) + ld(2, "line <b>&amp;</b> \u2028 \ufeff"))
                      + ld(8, num(1, 1 << 40) + num(3, 1)) + ld(9, num(1, 12) + num(6, 2))
                      + ld(10, num(1, 5000)) + num(11, 1) + num(12, 7) + num(14, 1000),
            "execution": b"\x01" + ld(1, "ex_0123456789abcdef0123456789abcdef") + num(2, 3)
                         + ld(3, num(1, 1) + ld(2, "42")) + ld(4, "2024-01-01T00:00:00Z"),
            "error": b"\x02" + num(1, 10) + ld(2, "queue is full") + num(3, 1000),
            # Bit 2: the rest is the raw message of an ErrorResponse.
            "raw_message": b"\x06" + "quoted «input» \u2028".encode() + b" \xc3( \xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80",
            "readiness": b"\x03" + num(1, 1) + num(3, 10) + num(5, 2)
                         + ld(6, num(1, 1) + ld(2, "user-notify") + ld(5, "v2")
                              + ld(7, "uid 65534 gid 65534, no capabilities"))
                         + ld(7, "default"),
        },
    }
    for target, files in seeds.items():
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
