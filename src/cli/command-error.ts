/** A command's refusal or failure, with its exit code: 2 for bad input, 1 for the rest. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
