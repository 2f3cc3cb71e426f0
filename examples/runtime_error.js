// Ends with RUNTIME_ERROR (exit code 1) and a stack with line numbers.
function parse(config) {
  return config.settings.timeout;
}
parse({});
