// Ends with SYNTAX_ERROR (exit code 3) before anything runs.
var ok = 1;
var broken = ;
