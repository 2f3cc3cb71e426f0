// expect-value: [1024,1000,15,-8,255]
const big = 1_000_000;
const bits = 0b1010 | 0o17;
[2 ** 10, big / 1e3, bits, (-2) ** 3, 0xff]
