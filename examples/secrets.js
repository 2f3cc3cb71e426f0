// A script that handles credentials the way real code does: it logs a
// request header and returns a config object. `stockade run` shows what
// leaves the sandbox after the output filter (docs/POLICY.md, Redaction).
var config = {
  user: "ann",
  password: "hunter2",
  db: { url: "postgres://app:s3cr3t@db.internal:5432/main", pool: 4 },
  apiKey: "AKIAIOSFODNN7EXAMPLE",
  tokens_used: 1234
};
console.log("calling the API with Authorization: Bearer eyJhbGciOi.abc.def123456789");
console.log("user " + config.user + " logged in");
config;
