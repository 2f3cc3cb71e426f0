// expect-value: [true,true,"ValidationError","email","invalid email","ValidationError: invalid email"]
class ValidationError extends Error {
  constructor(field, message) {
    super(message);
    this.name = 'ValidationError';
    this.field = field;
  }
}
function validate(user) {
  if (!user.email?.includes('@')) throw new ValidationError('email', 'invalid email');
  return true;
}
let out;
try { validate({ email: 'nope' }); } catch (e) {
  out = [e instanceof ValidationError, e instanceof Error, e.name, e.field, e.message, String(e)];
}
out
