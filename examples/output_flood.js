// Output is capped per run (head and tail kept, marked truncated); the run
// still completes. Try `--output 4K`.
for (var i = 0; i < 200000; i++) console.log("line " + i);
"finished";
