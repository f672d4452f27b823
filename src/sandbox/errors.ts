// Pipedrive's error envelopes. The 401 and 429 bodies are byte-for-byte what clients match on
// (see PIPEDRIVE.md); other errors share one envelope with a message that names the culprit.

export const ERROR_INFO = 'Please check developers.pipedrive.com for more information about Pipedrive API.';

export const UNAUTHORIZED_BODY =
  '{"success":false,"error":"unauthorized access","errorCode":401,"error_info":"Please check developers.pipedrive.com"}';

export const RATE_LIMITED_BODY =
  '{"success":false,"error":"request over limit","errorCode":429,"error_info":"Please check developers.pipedrive.com"}';

export function errorBody(message: string): string {
  return JSON.stringify({ success: false, error: message, error_info: ERROR_INFO, data: null, additional_data: null });
}

/** Thrown by handlers and entity code; the server turns it into the envelope. */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const notFound = (message: string): ApiError => new ApiError(404, message);

/** What Pipedrive answers for a path it does not know. */
export const UNKNOWN_METHOD = 'Unknown method .';

/** The gateway's own page for a 502: not JSON, which is the point of serving it. */
export const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';
