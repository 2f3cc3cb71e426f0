// Ends with TIMEOUT (exit code 4): try `--timeout 250ms`.
console.log("spinning...");
while (true) {}
