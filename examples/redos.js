// A catastrophic regular expression. Ends with TIMEOUT: the interpreter's
// own deadline or, where it cannot check, the supervisor's hard kill.
/^(a+)+$/.test("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!");
