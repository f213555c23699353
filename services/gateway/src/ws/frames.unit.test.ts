// A client frame that is not JSON is refused MALFORMED_FRAME, and the parser's own error goes with it
// as its cause (for the failure log and a debugger; the client sees only the code and message).
import { GatewayError } from '../errors';
import { decodeClientFrame } from './frames';

it('refuses a frame that is not JSON, keeping the parse error as the cause', () => {
  let refused: unknown;
  try {
    decodeClientFrame('{"ping": ', 1000);
  } catch (err) {
    refused = err;
  }
  expect(refused).toBeInstanceOf(GatewayError);
  expect(refused).toMatchObject({ code: 'MALFORMED_FRAME', message: 'a frame must be one JSON object', cause: expect.any(SyntaxError) });
});
