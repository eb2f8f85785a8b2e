/**
 * Errors the server answers with: an HTTP status and one sentence, sent as Qdrant's error body
 * `{status: {error: "..."}, time}`. Only these (and validation errors) reach clients with their
 * message; anything else is logged and answered with a generic 500 (never a stack).
 */
export class ApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 400: input the server understood but cannot accept ("Wrong input: ..." in Qdrant). */
export const badRequest = (msg: string): ApiError => new ApiError(400, `Wrong input: ${msg}`);
/** 404: a collection or point that does not exist. */
export const notFound = (msg: string): ApiError => new ApiError(404, `Not found: ${msg}`);
/** 422: well-formed JSON whose content is not processable (unknown family option, ...). */
export const unprocessable = (msg: string): ApiError => new ApiError(422, msg);
