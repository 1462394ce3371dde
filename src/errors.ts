/**
 * An error caused by what the user passed in (a bad radix list, file, shape, option or a diverging run).
 * Its message is one line that names the rule, the value seen and what would be valid; the CLI prints it
 * without a stack trace and exits with code 2.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(message: string) {
    super(message);
  }
}
