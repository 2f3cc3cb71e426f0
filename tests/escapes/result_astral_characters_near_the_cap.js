// expect: OK
// why: two million U+1F600 are 12 MB inside Duktape (CESU-8) but 8 MB of
//   UTF-8, under the 10 MiB result limit: the encoder's early stop must not
//   refuse a result that fits
// timeout_ms: 3000
// expect-value-bytes: 8000002
'\uD83D\uDE00'.repeat(2000000);
