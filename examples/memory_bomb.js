// Ends with MEMORY_LIMIT (exit code 5): the heap is capped, the host is safe.
var s = "x";
while (true) s = s + s;
