// A request the page refuses, with the reason the caller reads: bad input is a 4xx, never a 500.
export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (reason: string) => new HttpError(400, reason);
