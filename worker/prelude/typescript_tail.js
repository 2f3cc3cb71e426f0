// Appended to TypeScript's typescript.js by the build: the bundle defines
// `var ts` in the function the build wraps it in; hand it out.
return ts;
